// `ferry console-link [--data DIR]`: print a new one-time console sign-in link for the server
// running on this data directory, without restarting it (src/server/site/sign-in-links.ts).
import { resolve } from 'node:path';
import { Command } from 'commander';
import { mintSignInLink } from '../server/index.ts';
import { print } from '../events/index.ts';
import { commandErrorExit, TERMINAL_OUTPUT } from './command-error.ts';

export async function run(argv: string[]): Promise<number> {
  const cmd = new Command('ferry console-link')
    .configureOutput(TERMINAL_OUTPUT)
    .description('Print a new one-time console sign-in link (valid 15 minutes) for the `ferry serve` that uses this data directory.')
    .option('--data <dir>', 'the data directory of `ferry serve`', './.ferry-data')
    .exitOverride();
  try {
    cmd.parse(argv, { from: 'user' });
    const { link } = mintSignInLink(resolve(cmd.opts<{ data: string }>().data));
    print(link);
    return 0;
  } catch (err) {
    return commandErrorExit(err, 2);
  }
}
