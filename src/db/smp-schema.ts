// Tables of the State Migration Point and their migrations (module "smp").
import { sql, type Kysely } from 'kysely';
import type { MigrationSet } from './migrations.ts';

export interface SmpTables {
  smp_settings: { key: string; value: string };
  smp_servers: { name: string; url: string; restore_only: number; delete_after_seconds: number };
  smp_computers: {
    id: string;
    name: string;
    name_key: string;
    credential_hash: string | null;
    credential_expires_at: string | null;
    credential_revoked_at: string | null;
    created_at: string;
    owner: string | null;
  };
  smp_enrollment_tokens: { id: string; token_hash: string; expires_at: string; uses_left: number; computer_name_key: string | null };
  smp_folders: { id: string; server_name: string; path: string; max_clients: number; min_free_space: number; space_unit: string };
  smp_associations: {
    id: string;
    source_computer_id: string;
    restore_computer_id: string;
    migration_type: number;
    migration_behavior: number;
    user_names: string;
    migration_status: number;
    store_id: string | null;
    created_at: string;
    store_creation_date: string | null;
    store_release_date: string | null;
    store_deletion_date: string | null;
  };
  smp_stores: {
    id: string;
    source_computer_id: string;
    folder_id: string;
    server_name: string;
    status: string;
    created_at: string;
    captured_at: string | null;
    released_at: string | null;
    delete_after: string | null;
    deleted_at: string | null;
    manifest_digest: string | null;
    total_size: number;
  };
  smp_key_slots: { store_id: string; kind: string; wrapped: string };
  smp_store_files: { store_id: string; idx: number; path: string; size: number; sha256: string; verified: number };
  smp_store_chunks: { store_id: string; idx: number; chunk: number; sha256: string | null; synced: number; writer: string | null };
}

export const smpMigrations: MigrationSet = {
  module: 'smp',
  migrations: {
    '0001_initial': {
      async up(db: Kysely<any>) {
        await db.schema
          .createTable('smp_settings')
          .addColumn('key', 'text', (c) => c.primaryKey())
          .addColumn('value', 'text', (c) => c.notNull())
          .execute();
        await db.schema
          .createTable('smp_servers')
          .addColumn('name', 'text', (c) => c.primaryKey())
          .addColumn('url', 'text', (c) => c.notNull())
          .addColumn('restore_only', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('delete_after_seconds', 'bigint', (c) => c.notNull().defaultTo(0))
          .execute();
        await db.schema
          .createTable('smp_computers')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('name', 'text', (c) => c.notNull())
          .addColumn('name_key', 'text', (c) => c.notNull().unique())
          .addColumn('credential_hash', 'text')
          .addColumn('credential_expires_at', 'text')
          .addColumn('created_at', 'text', (c) => c.notNull())
          .execute();
        await db.schema
          .createTable('smp_enrollment_tokens')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('token_hash', 'text', (c) => c.notNull().unique())
          .addColumn('expires_at', 'text', (c) => c.notNull())
          .addColumn('uses_left', 'integer', (c) => c.notNull())
          .execute();
        await db.schema
          .createTable('smp_folders')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('server_name', 'text', (c) => c.notNull())
          .addColumn('path', 'text', (c) => c.notNull())
          .addColumn('max_clients', 'integer', (c) => c.notNull())
          .addColumn('min_free_space', 'integer', (c) => c.notNull())
          .addColumn('space_unit', 'text', (c) => c.notNull())
          .addUniqueConstraint('smp_folders_server_path', ['server_name', 'path'])
          .execute();
        await db.schema
          .createTable('smp_stores')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('source_computer_id', 'text', (c) => c.notNull().references('smp_computers.id'))
          .addColumn('folder_id', 'text', (c) => c.notNull())
          .addColumn('server_name', 'text', (c) => c.notNull())
          .addColumn('status', 'text', (c) => c.notNull())
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('captured_at', 'text')
          .addColumn('released_at', 'text')
          .addColumn('delete_after', 'text')
          .addColumn('deleted_at', 'text')
          .addColumn('manifest_digest', 'text')
          .addColumn('total_size', 'bigint', (c) => c.notNull().defaultTo(0))
          .execute();
        await db.schema.createIndex('smp_stores_due').on('smp_stores').columns(['server_name', 'status', 'delete_after']).execute();
        await db.schema
          .createTable('smp_associations')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('source_computer_id', 'text', (c) => c.notNull().references('smp_computers.id'))
          .addColumn('restore_computer_id', 'text', (c) => c.notNull().references('smp_computers.id'))
          .addColumn('migration_type', 'integer', (c) => c.notNull())
          .addColumn('migration_behavior', 'integer', (c) => c.notNull())
          .addColumn('user_names', 'text', (c) => c.notNull())
          .addColumn('migration_status', 'integer', (c) => c.notNull())
          .addColumn('store_id', 'text', (c) => c.references('smp_stores.id'))
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('store_creation_date', 'text')
          .addColumn('store_release_date', 'text')
          .addColumn('store_deletion_date', 'text')
          .execute();
        await db.schema.createIndex('smp_associations_source').on('smp_associations').column('source_computer_id').execute();
        await db.schema.createIndex('smp_associations_restore').on('smp_associations').column('restore_computer_id').execute();
        await db.schema.createIndex('smp_associations_store').on('smp_associations').column('store_id').execute();
        await db.schema
          .createTable('smp_key_slots')
          .addColumn('store_id', 'text', (c) => c.notNull().references('smp_stores.id'))
          .addColumn('kind', 'text', (c) => c.notNull())
          .addColumn('wrapped', 'text', (c) => c.notNull())
          .addPrimaryKeyConstraint('smp_key_slots_pk', ['store_id', 'kind'])
          .execute();
        await db.schema
          .createTable('smp_store_files')
          .addColumn('store_id', 'text', (c) => c.notNull().references('smp_stores.id'))
          .addColumn('idx', 'integer', (c) => c.notNull())
          .addColumn('path', 'text', (c) => c.notNull())
          .addColumn('size', 'bigint', (c) => c.notNull())
          .addColumn('sha256', 'text', (c) => c.notNull())
          .addColumn('verified', 'integer', (c) => c.notNull().defaultTo(0))
          .addPrimaryKeyConstraint('smp_store_files_pk', ['store_id', 'idx'])
          .execute();
        await db.schema
          .createTable('smp_store_chunks')
          .addColumn('store_id', 'text', (c) => c.notNull().references('smp_stores.id'))
          .addColumn('idx', 'integer', (c) => c.notNull())
          .addColumn('chunk', 'integer', (c) => c.notNull())
          .addPrimaryKeyConstraint('smp_store_chunks_pk', ['store_id', 'idx', 'chunk'])
          .execute();
      },
    },
    // Re-registration needs proof: tokens bound to one computer, and a revoked credential is
    // remembered so that the computer is not treated as never registered.
    '0002_credential_proof': {
      async up(db: Kysely<any>) {
        await db.schema.alterTable('smp_computers').addColumn('credential_revoked_at', 'text').execute();
        await db.schema.alterTable('smp_enrollment_tokens').addColumn('computer_name_key', 'text').execute();
      },
    },
    // Who holds a computer's identity: null when it registered on the SMP itself (enrollment
    // token or renewal), `site:<site computer id>` when the all-in-one site registered it for its
    // agent. The site hands out only identities it owns.
    '0003_computer_owner': {
      async up(db: Kysely<any>) {
        await db.schema.alterTable('smp_computers').addColumn('owner', 'text').execute();
      },
    },
    // Request State Store is atomic: at most one capture store open ('requested') per computer,
    // enforced by the database, so parallel requests on one SMP or on several sharing PostgreSQL
    // all get the same store. Duplicates a race left before this are released for deletion.
    '0004_one_open_capture': {
      async up(db: Kysely<any>) {
        const releaseDuplicates = sql`UPDATE smp_stores SET status = 'released', released_at = created_at, delete_after = created_at
          WHERE status = 'requested' AND id NOT IN (SELECT MIN(id) FROM smp_stores WHERE status = 'requested' GROUP BY source_computer_id)`;
        await releaseDuplicates.execute(db);
        await sql`CREATE UNIQUE INDEX smp_stores_one_open_capture ON smp_stores (source_computer_id) WHERE status = 'requested'`.execute(
          db,
        );
      },
    },
    // Durability is at the end of an upload (its commit), not per chunk: a chunk is recorded with
    // its SHA-256 and the server process that wrote it, unsynced; the commit fsyncs the store and
    // marks its chunks synced. An unsynced chunk another process wrote (the server restarted,
    // perhaps after a crash that lost it) is re-read and checked before anything relies on it.
    // Chunks recorded before this were flushed one by one.
    '0005_chunk_durability': {
      async up(db: Kysely<any>) {
        await db.schema.alterTable('smp_store_chunks').addColumn('sha256', 'text').execute();
        await db.schema
          .alterTable('smp_store_chunks')
          .addColumn('synced', 'integer', (c) => c.notNull().defaultTo(1))
          .execute();
        await db.schema.alterTable('smp_store_chunks').addColumn('writer', 'text').execute();
      },
    },
  },
};
