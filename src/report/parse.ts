// Reading a report checks it against the zod schema (model.ts). zod is ~95 modules, loaded here
// on first use only: LoadState and ScanState write reports but never read one, and loading it
// cost every run ~0.15 s of CPU at start-up (issue 16).
import { createRequire } from 'node:module';
import type * as Model from './model.ts';

const require = createRequire(import.meta.url);
let model: typeof Model | undefined;
const load = (): typeof Model => (model ??= require('./model.ts') as typeof Model);

/** Check a parsed report; throws a zod error listing what is wrong. */
export function parseReport(value: unknown): Model.MigrationReport {
  return load().parseReport(value);
}

/** The JSON Schema (draft 2020-12) of the report, as committed in migration-report.schema.json. */
export function reportJsonSchema(): Record<string, unknown> {
  return load().reportJsonSchema();
}
