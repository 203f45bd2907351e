// The site's stored migration reports: one per run and kind (the latest upload wins).
import type { SiteDb } from './site-schema.ts';

/** A stored report row: its kind, when it arrived, and the report as JSON text. */
export interface StoredReportRow {
  kind: string;
  receivedAt: string;
  body: string;
}

/** Replace the `kind` report of the run (deployment, computer) with `body` (JSON text). */
export async function replaceReport(db: SiteDb, deploymentId: string, computerId: string, kind: string, body: string): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await trx
      .deleteFrom('migration_reports')
      .where('deployment_id', '=', deploymentId)
      .where('computer_id', '=', computerId)
      .where('kind', '=', kind)
      .execute();
    await trx
      .insertInto('migration_reports')
      .values({ deployment_id: deploymentId, computer_id: computerId, kind, body, received_at: new Date().toISOString() })
      .execute();
  });
}

/** The reports of one run, capture before restore. */
export async function reportsOfRun(db: SiteDb, deploymentId: string, computerId: string): Promise<StoredReportRow[]> {
  const rows = await db
    .selectFrom('migration_reports')
    .selectAll()
    .where('deployment_id', '=', deploymentId)
    .where('computer_id', '=', computerId)
    .execute();
  return rows.map((r) => ({ kind: r.kind, receivedAt: r.received_at, body: r.body })).sort((a, b) => a.kind.localeCompare(b.kind));
}
