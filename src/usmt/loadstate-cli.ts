// `ferry loadstate` / `loadstate`: USMT LoadState's command line and return codes.
import { runTool } from './cli-runner.ts';
import { LOADSTATE_HELP } from './help.ts';
import { loadState } from './loadstate.ts';
import { parseLoadStateArgs, type LoadStateOptions } from './loadstate-options.ts';

export { loadState, type LoadStateResult } from './loadstate.ts';

export function run(argv: string[]): Promise<number> {
  return runTool<LoadStateOptions>(
    { program: 'LoadState', help: LOADSTATE_HELP, parse: parseLoadStateArgs, execute: async (options, ctx) => (await loadState(options, ctx)).exitCode },
    argv,
  );
}
