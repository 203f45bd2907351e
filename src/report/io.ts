// Reports on disk: `<log file>.report.json` and `<log file>.report.html` beside the log, reading
// one back (checked against the schema), and a report made from a store's catalog when the
// capture's own report is not at hand.
import { readFile, stat } from 'node:fs/promises';
import { FerryError } from '../errors/index.ts';
import { writeFileAtomic } from '../files/index.ts';
import { openStore } from '../store/index.ts';
import { ReportCollector } from './collector.ts';
import { renderReportHtml } from './html.ts';
import type { MigrationReport } from './model.ts';
import { parseReport } from './parse.ts';
import { STORE_CATALOG } from './text.ts';

/** The `log` event component announcing a written report (message: the .report.json path). */
export const REPORT_WRITTEN = 'migration report';

export const reportPaths = (logFile: string) => ({ json: `${logFile}.report.json`, html: `${logFile}.report.html` });

/** Write both files (each atomically: a reader never sees half a report). */
export async function writeReportFiles(logFile: string, report: MigrationReport): Promise<{ json: string; html: string }> {
  const paths = reportPaths(logFile);
  writeFileAtomic(paths.json, `${JSON.stringify(report, null, 2)}\n`);
  writeFileAtomic(paths.html, renderReportHtml(report));
  return paths;
}

/** Parse and check a report's text. */
export function reportFromJson(text: string, source: string): MigrationReport {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new FerryError(
      'FERRY_E_REPORT_INVALID',
      `${source} is not JSON (${(err as Error).message}); give a .report.json file written by ScanState or LoadState.`,
    );
  }
  try {
    return parseReport(value);
  } catch (err) {
    const issues = (err as { issues?: { path: PropertyKey[]; message: string }[] }).issues ?? [];
    const first = issues
      .slice(0, 3)
      .map((i) => `${i.path.map(String).join('.') || '(root)'}: ${i.message}`)
      .join('; ');
    throw new FerryError(
      'FERRY_E_REPORT_INVALID',
      `${source} is not a Ferry migration report of version 1 (${first || (err as Error).message}).`,
    );
  }
}

/**
 * A report file, or a store: a store folder (or its USMT.MIG) is summarized from its catalog as
 * a capture report (counts only: no reasons, no timings — those are in the capture's own report).
 */
export async function loadReport(path: string, options: { key?: string } = {}): Promise<MigrationReport> {
  const st = await stat(path).catch(() => null);
  if (!st) throw new FerryError('FERRY_E_REPORT_INVALID', `${path} does not exist; give a .report.json file or a store folder.`);
  if (st.isFile() && !/\.mig$/i.test(path)) return reportFromJson(await readFile(path, 'utf8'), path);
  return storeReport(path, options.key);
}

async function storeReport(path: string, key: string | undefined): Promise<MigrationReport> {
  const reader = await openStore(path, key === undefined ? {} : { key });
  try {
    const collector = new ReportCollector('capture');
    collector.onEvent({ type: 'phase', phase: 'Collecting', status: 'start', at: Date.now() });
    for await (const entry of reader.entries()) {
      collector.onEvent({
        type: 'object',
        at: Date.now(),
        outcome: 'captured',
        kind: entry.kind,
        object: entry.winPath,
        ...(entry.user ? { user: `${entry.user.domain}\\${entry.user.name}` } : {}),
        ...(entry.kind === 'file' ? { bytes: entry.size } : {}),
      });
    }
    collector.onEvent({ type: 'phase', phase: 'Collecting', status: 'end', ok: true, at: Date.now() });
    const source = reader.header.source;
    const report = await collector.finish({
      tool: STORE_CATALOG,
      commandLine: `ferry report ${path}`,
      exitCode: 0,
      ...(source?.computer ? { computer: source.computer } : {}),
      store: { path: reader.paths.storeDir, type: reader.type },
    });
    // The catalog knows what was stored, not how long it took.
    return { ...report, phases: [], totals: { ...report.totals, throughputBytesPerSecond: 0 } };
  } finally {
    await reader.close();
  }
}
