// The site's tables (module `site` of src/db; their migrations are site-migrations.ts). One
// schema serves SQLite (default, under the data directory) and PostgreSQL (`--db postgres://…`);
// JSON columns are stored as text.
import type { Kysely } from 'kysely';

/** The site's tables, as Kysely sees them. */
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

/** A Kysely handle on the site's tables (the database or a transaction). */
export type SiteDb = Kysely<SiteTables>;

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
