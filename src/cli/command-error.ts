// One mapping from what a commander program throws to the exit code of a `ferry` command.
import { CommanderError, type OutputConfiguration } from 'commander';
import { FerryError } from '../errors/index.ts';
import { printError, terminal } from '../events/index.ts';

/**
 * The exit code for an error thrown while a commander program (built with `exitOverride()`) runs:
 * 0 after `--help`/`--version`, 2 for a usage error, `ferryExit` for a FerryError (whose code and
 * message go to stderr). Anything else is rethrown: it is a bug, not a user's mistake.
 *
 * @example
 * try {
 *   await program.parseAsync(argv, { from: 'user' });
 * } catch (err) {
 *   return commandErrorExit(err, 1);
 * }
 */
export function commandErrorExit(err: unknown, ferryExit: number): number {
  if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2;
  if (err instanceof FerryError) {
    printError(`${err.code}: ${err.message}`);
    return ferryExit;
  }
  throw err;
}

/** Commander's help and usage errors go to the command's terminal (`configureOutput(TERMINAL_OUTPUT)`), not straight to the process's. */
export const TERMINAL_OUTPUT: OutputConfiguration = {
  writeOut: (str) => terminal().stdout.write(str),
  writeErr: (str) => terminal().stderr.write(str),
};
