// The migration report's shape, version 1 (docs/report-format.md): its constants and types here;
// the zod schema they come from is in schema.ts, loaded (with zod) only when a report is read.
import { createRequire } from 'node:module';
import type { ObjectReason } from '../events/index.ts';
import type { MigrationReport } from './schema.ts';

export type { CountSet, MigrationReport, ReportGroup, UserReport } from './schema.ts';

export { REPORT_FORMAT, REPORT_VERSION } from './format.ts';
/** Paths kept per group in the JSON report (the HTML page and terminal show fewer). */
export const PATHS_PER_GROUP = 200;

/** How each reason reads, and whether it means "not migrated" or "migrated, changed". */
export const REASON_LABELS: Record<ObjectReason, string> = {
  excludedByRule: 'Excluded by a rule',
  notIncluded: 'Not included by the LoadState rules',
  componentOff: 'Component turned off in Config.xml',
  unreadable: 'Unreadable on the source (skipped with /c)',
  efs: 'EFS-encrypted (/efs:skip)',
  userNotMigrated: 'User not migrated (/ui /ue /uel, or needs /lac)',
  keptFromTarget: 'Kept from the target by a merge rule',
  neverRestore: 'NeverRestore: captured, never restored',
  linkDropped: 'Shortcut to nothing (IgnoreIrrelevantLinks)',
  notApplicableOffline: 'Not applicable to an offline target',
  restoreFailed: 'Could not be written (skipped with /c)',
  collisionRenamed: 'Renamed on collision',
  overwrittenByMerge: 'Overwrote the target’s copy (merge rule)',
  rerouted: 'Rerouted by locationModify',
};

const require = createRequire(import.meta.url);
const schema = () => require('./schema.ts') as typeof import('./schema.ts');

/** Check a parsed report; throws a zod error listing what is wrong. */
export function parseReport(value: unknown): MigrationReport {
  return schema().parseReport(value);
}

/** The JSON Schema (draft 2020-12) of the report, as committed in migration-report.schema.json. */
export function reportJsonSchema(): Record<string, unknown> {
  return schema().reportJsonSchema();
}
