// The site's schema migrations (module `site`, history table `ferry_migrations_site`). A
// migration once released is never edited: a change to the tables is a new migration. The first
// one created the site's original tables; it is split into one named step per concept.
import type { Kysely } from 'kysely';
import type { MigrationSet } from './migrations.ts';

type Schema = Kysely<any>['schema'];

/** The id counters (`nextId`). */
async function createCounters(s: Schema): Promise<void> {
  await s
    .createTable('counters')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('value', 'integer', (c) => c.notNull())
    .execute();
}

/** Task sequences and every saved version. */
async function createTaskSequenceTables(s: Schema): Promise<void> {
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
}

/** Packages (USMT, operating system images). */
async function createPackageTables(s: Schema): Promise<void> {
  await s
    .createTable('packages')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull().unique())
    .addColumn('description', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
}

/** Registered computers, collections and their direct members. */
async function createComputerTables(s: Schema): Promise<void> {
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
}

/** Deployments, one run per targeted computer, and the runs' status messages. */
async function createDeploymentTables(s: Schema): Promise<void> {
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
}

/** The site's migrations, applied in name order by `openDatabase`. */
export const siteMigrations: MigrationSet = {
  module: 'site',
  migrations: {
    '0001_site_objects': {
      async up(db: Kysely<any>) {
        const s = db.schema;
        await createCounters(s);
        await createTaskSequenceTables(s);
        await createPackageTables(s);
        await createComputerTables(s);
        await createDeploymentTables(s);
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
