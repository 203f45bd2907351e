// `ferry report FILE [--json]`: a migration report (or a store's catalog) as a terminal summary;
// `ferry report --compare CAPTURE RESTORE`: every object captured but not restored, with why.
import { parseArgs } from 'node:util';
import { FerryError } from '../errors/index.ts';
import { loadReport } from '../report/index.ts';
import { compareReports, renderComparisonText, renderReportText } from '../report/index.ts';
import { reportError } from './rule-options.ts';
import { print, terminal } from '../events/index.ts';

const USAGE = [
  'Usage: ferry report FILE [--json] [--key KEY]',
  '       ferry report --compare CAPTURE RESTORE [--json]',
  '',
  'FILE is a <log>.report.json written by ScanState or LoadState, or a store folder (summarized',
  'from its catalog; --key for an encrypted store). --json prints the report as is.',
].join('\n');

/** `ferry report`: a migration report as a summary, or a capture compared with its restore. Returns the exit code. */
export async function run(argv: string[]): Promise<number> {
  try {
    let parsed;
    try {
      parsed = parseArgs({
        args: argv,
        allowPositionals: true,
        options: {
          json: { type: 'boolean' },
          compare: { type: 'boolean' },
          key: { type: 'string' },
          help: { type: 'boolean', short: 'h' },
        },
      });
    } catch (err) {
      throw new FerryError('FERRY_E_INVALID_ARGUMENT', `${(err as Error).message}\n${USAGE}`);
    }
    const { values, positionals } = parsed;
    if (values.help) {
      print(USAGE);
      return 0;
    }
    const key = values.key === undefined ? {} : { key: values.key };
    if (values.compare) {
      if (positionals.length !== 2)
        throw new FerryError('FERRY_E_INVALID_ARGUMENT', `--compare takes a capture report and a restore report.\n${USAGE}`);
      const [capture, restore] = await Promise.all([loadReport(positionals[0]!, key), loadReport(positionals[1]!, key)]);
      if (restore.kind !== 'restore')
        throw new FerryError(
          'FERRY_E_INVALID_ARGUMENT',
          `${positionals[1]} is a ${restore.kind} report; give the LoadState report second.`,
        );
      const c = compareReports(capture, restore);
      terminal().stdout.write(values.json ? `${JSON.stringify(c, null, 2)}\n` : renderComparisonText(c));
      return 0;
    }
    if (positionals.length !== 1) throw new FerryError('FERRY_E_INVALID_ARGUMENT', `give one report file or store.\n${USAGE}`);
    const report = await loadReport(positionals[0]!, key);
    terminal().stdout.write(values.json ? `${JSON.stringify(report, null, 2)}\n` : renderReportText(report));
    return 0;
  } catch (err) {
    return reportError(err);
  }
}
