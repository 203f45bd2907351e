// `ferry scanstate` / `scanstate`: USMT ScanState's command line and return codes.
import { runTool, type ToolInvocation } from './cli-runner.ts';
import { SCANSTATE_HELP } from './help.ts';
import { parseScanStateArgs, type ScanStateOptions } from './scanstate-options.ts';
import { usmtError } from './usmt-error.ts';

/** The `scanstate` command: parses USMT's command line, runs the capture and returns USMT's exit code. */
export function run(argv: string[], invocation: ToolInvocation = {}): Promise<number> {
  return runTool<ScanStateOptions>(
    {
      program: 'ScanState',
      defaultLog: 'ScanState.log',
      help: SCANSTATE_HELP,
      parse: parseScanStateArgs,
      execute: async (options, ctx) => {
        if (options.mode === 'genmigxml')
          throw usmtError(
            'FERRY_E_USMT_UNSUPPORTED_OPTION',
            '/genmigxml has no Ferry equivalent: write the MigXML by hand, starting from MigDocs.xml.',
          );
        return (await (await import('./scanstate.ts')).scanState(options, ctx)).exitCode;
      },
      reportOf: (options) =>
        options.mode === 'capture' && options.storePath !== undefined
          ? { kind: 'capture', storePath: options.storePath, storeType: options.storeKind }
          : undefined,
    },
    argv,
    invocation,
  );
}
