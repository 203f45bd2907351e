// `ferry loadstate` / `loadstate`: USMT LoadState's command line and return codes.
import { runTool, type ToolInvocation } from './cli-runner.ts';
import { LOADSTATE_HELP } from './help.ts';
import { parseLoadStateArgs, type LoadStateOptions } from './loadstate-options.ts';

/**
 * `loadstate …` as on the command line: returns USMT's return code; the `/l` log, `/progress` log
 * and migration report are written as the arguments ask.
 * @example
 * process.exitCode = await runLoadStateCli(['D:\\Store', '/offlinewindir:/mnt/target/Windows', '/i:MigUser.xml', '/lac', '/l:load.log']);
 */
export function run(argv: string[], invocation: ToolInvocation = {}): Promise<number> {
  return runTool<LoadStateOptions>(
    {
      program: 'LoadState',
      defaultLog: 'LoadState.log',
      help: LOADSTATE_HELP,
      parse: parseLoadStateArgs,
      execute: async (options, ctx) => {
        const result = await (await import('./loadstate.ts')).loadState(options, ctx);
        ctx.report?.note({ userMap: result.users });
        return result.exitCode;
      },
      reportOf: (options) => ({ kind: 'restore', storePath: options.storePath, storeType: options.storeKind }),
    },
    argv,
    invocation,
  );
}
