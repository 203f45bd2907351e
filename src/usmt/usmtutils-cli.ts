// `ferry usmtutils` / `usmtutils`: USMT UsmtUtils' command line and return codes.
import { runTool, type ToolInvocation } from './cli-runner.ts';
import { USMTUTILS_HELP } from './help.ts';
import { parseUsmtUtilsArgs, type UsmtUtilsOptions } from './usmtutils-options.ts';

/** The `usmtutils` command: parses USMT's command line, runs the command and returns USMT's exit code. */
export function run(argv: string[], invocation: ToolInvocation = {}): Promise<number> {
  return runTool<UsmtUtilsOptions>(
    {
      program: 'UsmtUtils',
      help: USMTUTILS_HELP,
      parse: parseUsmtUtilsArgs,
      execute: async (options, ctx) => (await import('./usmtutils.ts')).usmtUtils(options, ctx),
    },
    argv,
    invocation,
  );
}
