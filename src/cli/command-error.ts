// Commander glue for the `ferry` commands: one mapping from what a program throws to the exit
// code, and its output and environment taken from the command's terminal.
import { type Command, CommanderError, type OutputConfiguration } from 'commander';
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

/**
 * Commander reads `.env()` options from process.env; a command run in-process with an environment
 * of its own (src/cli/testing.ts) takes them from its terminal's instead. A value given on the
 * command line still wins. No-op when the terminal is the process's.
 */
export function envFromTerminal(cmd: Command): Command {
  const env = terminal().env;
  if (env === process.env) return cmd;
  for (const option of cmd.options) {
    if (!option.envVar) continue;
    const value = env[option.envVar];
    if (value !== undefined) cmd.setOptionValueWithSource(option.attributeName(), option.required || option.optional ? value : true, 'env');
    delete option.envVar;
  }
  for (const sub of cmd.commands) envFromTerminal(sub);
  return cmd;
}
