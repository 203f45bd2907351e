// The report's constants and reason labels, free of zod: a capture or restore that writes a
// report loads only these and the collector; the schema (model.ts) loads when a report is read.
import type { ObjectReason } from '../events/index.ts';

export const REPORT_FORMAT = 'ferry-migration-report';
export const REPORT_VERSION = 1;
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
