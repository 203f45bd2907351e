// The zod schema of the migration report, version 1 (docs/report-format.md): the one definition
// of its shape. TypeScript types are inferred from it, reports are checked against it when read,
// and src/report/migration-report.schema.json is generated from it (a test keeps them equal).
// Only reading a report loads it (and zod, ~0.1 s of CPU): model.ts requires it on first use, so
// writing a report at the end of a capture does not.
import { z } from 'zod';
import { OBJECT_REASONS } from '../events/index.ts';
import { REPORT_FORMAT, REPORT_VERSION } from './format.ts';

const count = z.number().int().nonnegative();

const Counts = z
  .object({
    selected: count.describe('Objects the rules selected (capture) or the store held for this run (restore).'),
    captured: count,
    restored: count,
    notMigrated: count,
    changed: count.describe('Migrated, but renamed, rerouted or overwritten on the way.'),
  })
  .strict();

const Kinds = z.object({ file: count, dir: count, registry: count, ini: count }).strict();

export const ReasonSchema = z.enum(OBJECT_REASONS);

export const GroupSchema = z
  .object({
    reason: ReasonSchema,
    /** What people read: "Excluded by a rule", "Renamed on collision", … */
    label: z.string(),
    /** The rule (with its file and line), the Config.xml component, the merge script: what the group shares. */
    detail: z.string().optional(),
    count,
    bytes: count,
    kinds: Kinds,
    /** The first paths of the group, in the order they were met. */
    paths: z.array(z.string()),
    /** More objects than `paths` lists. */
    truncated: z.boolean(),
  })
  .strict();

export const UserReportSchema = z
  .object({
    files: Counts,
    bytes: Counts,
    registry: Counts,
    ini: Counts,
    notMigrated: z.array(GroupSchema),
    changed: z.array(GroupSchema),
  })
  .strict();

export const PhaseSchema = z.object({ name: z.string(), startedAt: z.iso.datetime(), durationMs: count, ok: z.boolean() }).strict();

export const WarningGroupSchema = z
  .object({
    code: z.string().regex(/^FERRY_[EW]_[A-Z0-9_]+$/),
    severity: z.enum(['warning', 'error']),
    count,
    meaning: z.string(),
    remedy: z.string(),
    /** `docs/errors.md#ferry_w_…`: the code's entry in the error catalog. */
    docs: z.string(),
    /** The first messages, as emitted. */
    messages: z.array(z.string()),
  })
  .strict();

export const ReportSchema = z
  .object({
    format: z.literal(REPORT_FORMAT),
    version: z.literal(REPORT_VERSION),
    kind: z.enum(['capture', 'restore']),
    tool: z.string(),
    commandLine: z.string(),
    computer: z.string().optional(),
    startedAt: z.iso.datetime(),
    endedAt: z.iso.datetime(),
    durationMs: count,
    exitCode: z.number().int(),
    ok: z.boolean(),
    store: z
      .object({
        path: z.string(),
        type: z.enum(['compressed', 'uncompressed', 'hardlink']).optional(),
        /** Bytes the store takes on disk (a hard-link store's links count as its files' size). */
        bytesOnDisk: count,
        /** bytesOnDisk / bytes captured; absent when nothing was captured or for a restore. */
        compressionRatio: z.number().nonnegative().optional(),
      })
      .strict()
      .optional(),
    totals: z
      .object({
        files: Counts,
        bytes: Counts,
        registry: Counts,
        ini: Counts,
        /** Bytes captured or restored per second of the whole run. */
        throughputBytesPerSecond: z.number().nonnegative(),
        warnings: count,
        errors: count,
      })
      .strict(),
    /** Users by `DOMAIN\name` (the source account); `System` holds machine objects. */
    users: z.record(z.string(), UserReportSchema),
    /** Restore: source account → target account (after /mu /md). */
    userMap: z.record(z.string(), z.string()).optional(),
    /** Components Config.xml turns off (their objects are not walked at capture, not applied at restore). */
    componentsOff: z.array(z.string()),
    phases: z.array(PhaseSchema),
    warnings: z.array(WarningGroupSchema),
  })
  .strict();

/** A capture's or restore's report (what became of each object, and why), as validated by `ReportSchema`. */
export type MigrationReport = z.infer<typeof ReportSchema>;
export type UserReport = z.infer<typeof UserReportSchema>;
export type ReportGroup = z.infer<typeof GroupSchema>;
export type CountSet = z.infer<typeof Counts>;

/** Check a parsed report; throws a zod error listing what is wrong. */
export function parseReport(value: unknown): MigrationReport {
  return ReportSchema.parse(value);
}

/** The JSON Schema (draft 2020-12) of the report, as committed in migration-report.schema.json. */
export function reportJsonSchema(): Record<string, unknown> {
  return {
    title: 'Ferry migration report',
    description: `Version ${REPORT_VERSION}; see docs/report-format.md.`,
    ...z.toJSONSchema(ReportSchema, { target: 'draft-2020-12' }),
  };
}
