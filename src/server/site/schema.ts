// The site's tables and their migrations (module `site` of src/db). One schema serves SQLite
// (default, under the data directory) and PostgreSQL (`--db postgres://…`); JSON columns are
// stored as text.
import type { Kysely } from 'kysely';
import type { MigrationSet } from '../../db/index.ts';

export interface SiteTables {
  counters: { name: string; value: number };
  task_sequences: { id: string; name: string; description: string; version: number; body: string; created_at: string; updated_at: string };
  task_sequence_versions: { ts_id: string; version: number; name: string; description: string; body: string; saved_at: string };
  packages: { id: string; name: string; description: string; kind: string; source: string; created_at: string };
  computers: {
    id: string;
    name: string;
    credential_hash: string;
    revoked: number;
    registered_at: string;
    last_seen: string | null;
    variables: string;
    /** An administrator's reset: the one-time enrollment token that may re-register this computer. */
    reset_token_hash: string | null;
    reset_expires_at: string | null;
  };
  /** Deleted computers: the name stays unusable (and keeps its id) until an administrator resets it. */
  retired_computers: {
    id: string;
    name: string;
    name_key: string;
    deleted_at: string;
    reset_token_hash: string | null;
    reset_expires_at: string | null;
  };
  collections: { id: string; name: string; description: string; rule: string; variables: string; created_at: string };
  collection_members: { collection_id: string; computer_id: string };
  deployments: {
    id: string;
    ts_id: string;
    collection_id: string;
    purpose: string;
    available_at: string;
    expires_at: string | null;
    schedule: string;
    rerun: string;
    comments: string;
    created_at: string;
  };
  deployment_runs: {
    deployment_id: string;
    computer_id: string;
    state: string;
    requested_at: string | null;
    started_at: string | null;
    finished_at: string | null;
    exit_code: number | null;
    message: string;
  };
  audit_log: { id: string; at: string; actor: string; action: string; target: string; address: string };
  /** The latest capture and restore report (src/report) an agent uploaded for a run. */
  migration_reports: { deployment_id: string; computer_id: string; kind: string; body: string; received_at: string };
  status_messages: {
    id: string;
    /** Order of the message within its (deployment, computer) run history. */
    seq: number;
    deployment_id: string;
    computer_id: string;
    message_id: number;
    severity: string;
    component: string;
    step: number | null;
    group_name: string;
    action_name: string;
    exit_code: number | null;
    action_output: string;
    text: string;
    execution_time: string;
  };
}

export type SiteDb = Kysely<SiteTables>;

export const SITE_MIGRATIONS: MigrationSet = {
  module: 'site',
  migrations: {
    '0001_site_objects': {
      async up(db: Kysely<any>) {
        const s = db.schema;
        await s
          .createTable('counters')
          .addColumn('name', 'text', (c) => c.primaryKey())
          .addColumn('value', 'integer', (c) => c.notNull())
          .execute();
        await s
          .createTable('task_sequences')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('name', 'text', (c) => c.notNull().unique())
          .addColumn('description', 'text', (c) => c.notNull())
          .addColumn('version', 'integer', (c) => c.notNull())
          .addColumn('body', 'text', (c) => c.notNull())
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('updated_at', 'text', (c) => c.notNull())
          .execute();
        await s
          .createTable('task_sequence_versions')
          .addColumn('ts_id', 'text', (c) => c.notNull())
          .addColumn('version', 'integer', (c) => c.notNull())
          .addColumn('name', 'text', (c) => c.notNull())
          .addColumn('description', 'text', (c) => c.notNull())
          .addColumn('body', 'text', (c) => c.notNull())
          .addColumn('saved_at', 'text', (c) => c.notNull())
          .addPrimaryKeyConstraint('tsv_pk', ['ts_id', 'version'])
          .execute();
        await s
          .createTable('packages')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('name', 'text', (c) => c.notNull().unique())
          .addColumn('description', 'text', (c) => c.notNull())
          .addColumn('kind', 'text', (c) => c.notNull())
          .addColumn('source', 'text', (c) => c.notNull())
          .addColumn('created_at', 'text', (c) => c.notNull())
          .execute();
        await s
          .createTable('computers')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('name', 'text', (c) => c.notNull().unique())
          .addColumn('credential_hash', 'text', (c) => c.notNull())
          .addColumn('revoked', 'integer', (c) => c.notNull())
          .addColumn('registered_at', 'text', (c) => c.notNull())
          .addColumn('last_seen', 'text')
          .addColumn('variables', 'text', (c) => c.notNull())
          .execute();
        await s
          .createTable('collections')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('name', 'text', (c) => c.notNull().unique())
          .addColumn('description', 'text', (c) => c.notNull())
          .addColumn('rule', 'text', (c) => c.notNull())
          .addColumn('variables', 'text', (c) => c.notNull())
          .addColumn('created_at', 'text', (c) => c.notNull())
          .execute();
        await s
          .createTable('collection_members')
          .addColumn('collection_id', 'text', (c) => c.notNull())
          .addColumn('computer_id', 'text', (c) => c.notNull())
          .addPrimaryKeyConstraint('cm_pk', ['collection_id', 'computer_id'])
          .execute();
        await s
          .createTable('deployments')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('ts_id', 'text', (c) => c.notNull())
          .addColumn('collection_id', 'text', (c) => c.notNull())
          .addColumn('purpose', 'text', (c) => c.notNull())
          .addColumn('available_at', 'text', (c) => c.notNull())
          .addColumn('expires_at', 'text')
          .addColumn('schedule', 'text', (c) => c.notNull())
          .addColumn('rerun', 'text', (c) => c.notNull())
          .addColumn('comments', 'text', (c) => c.notNull())
          .addColumn('created_at', 'text', (c) => c.notNull())
          .execute();
        await s
          .createTable('deployment_runs')
          .addColumn('deployment_id', 'text', (c) => c.notNull())
          .addColumn('computer_id', 'text', (c) => c.notNull())
          .addColumn('state', 'text', (c) => c.notNull())
          .addColumn('requested_at', 'text')
          .addColumn('started_at', 'text')
          .addColumn('finished_at', 'text')
          .addColumn('exit_code', 'integer')
          .addColumn('message', 'text', (c) => c.notNull())
          .addPrimaryKeyConstraint('dr_pk', ['deployment_id', 'computer_id'])
          .execute();
        await s
          .createTable('status_messages')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('seq', 'integer', (c) => c.notNull())
          .addColumn('deployment_id', 'text', (c) => c.notNull())
          .addColumn('computer_id', 'text', (c) => c.notNull())
          .addColumn('message_id', 'integer', (c) => c.notNull())
          .addColumn('severity', 'text', (c) => c.notNull())
          .addColumn('component', 'text', (c) => c.notNull())
          .addColumn('step', 'integer')
          .addColumn('group_name', 'text', (c) => c.notNull())
          .addColumn('action_name', 'text', (c) => c.notNull())
          .addColumn('exit_code', 'integer')
          .addColumn('action_output', 'text', (c) => c.notNull())
          .addColumn('text', 'text', (c) => c.notNull())
          .addColumn('execution_time', 'text', (c) => c.notNull())
          .execute();
        await s.createIndex('status_by_run').on('status_messages').columns(['deployment_id', 'computer_id', 'seq']).execute();
      },
    },
    '0002_audit_log': {
      async up(db: Kysely<any>) {
        await db.schema
          .createTable('audit_log')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('at', 'text', (c) => c.notNull())
          .addColumn('actor', 'text', (c) => c.notNull())
          .addColumn('action', 'text', (c) => c.notNull())
          .addColumn('target', 'text', (c) => c.notNull())
          .addColumn('address', 'text', (c) => c.notNull())
          .execute();
      },
    },
    '0003_computer_reset': {
      async up(db: Kysely<any>) {
        await db.schema.alterTable('computers').addColumn('reset_token_hash', 'text').execute();
        await db.schema.alterTable('computers').addColumn('reset_expires_at', 'text').execute();
      },
    },
    '0004_migration_reports': {
      async up(db: Kysely<any>) {
        await db.schema
          .createTable('migration_reports')
          .addColumn('deployment_id', 'text', (c) => c.notNull())
          .addColumn('computer_id', 'text', (c) => c.notNull())
          .addColumn('kind', 'text', (c) => c.notNull())
          .addColumn('body', 'text', (c) => c.notNull())
          .addColumn('received_at', 'text', (c) => c.notNull())
          .addPrimaryKeyConstraint('mr_pk', ['deployment_id', 'computer_id', 'kind'])
          .execute();
      },
    },
    '0005_retired_computers': {
      async up(db: Kysely<any>) {
        await db.schema
          .createTable('retired_computers')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('name', 'text', (c) => c.notNull())
          .addColumn('name_key', 'text', (c) => c.notNull().unique())
          .addColumn('deleted_at', 'text', (c) => c.notNull())
          .addColumn('reset_token_hash', 'text')
          .addColumn('reset_expires_at', 'text')
          .execute();
      },
    },
  },
};

/**
 * Next identifier of a series, e.g. `FRY00001` (task sequences) or `FRY20001` (deployments):
 * one atomic increment, so servers sharing a PostgreSQL database never hand out the same id.
 */
export async function nextId(db: SiteDb, series: string, prefix: string, start: number): Promise<string> {
  await db
    .insertInto('counters')
    .values({ name: series, value: start - 1 })
    .onConflict((oc) => oc.column('name').doNothing())
    .execute();
  const row = await db
    .updateTable('counters')
    .set((eb) => ({ value: eb('value', '+', 1) }))
    .where('name', '=', series)
    .returning('value')
    .executeTakeFirstOrThrow();
  return `${prefix}${String(row.value).padStart(5, '0')}`;
}
