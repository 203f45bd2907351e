// Where a command's console output goes. A command prints through `terminal()` instead of
// `process.stdout`/`console`, so that one process can run several commands at once with their
// own output, working folder and environment (tests call the CLI in-process: src/cli/testing.ts);
// outside `withTerminal` it is the process's own.
import { AsyncLocalStorage } from 'node:async_hooks';
import { format } from 'node:util';

/** The console, working folder and environment a command runs with. */
export interface Terminal {
  readonly stdout: NodeJS.WritableStream & { readonly isTTY?: boolean };
  readonly stderr: NodeJS.WritableStream & { readonly isTTY?: boolean };
  readonly stdin: NodeJS.ReadableStream;
  /** Relative paths on a command line are read from here. */
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
}

const current = new AsyncLocalStorage<Terminal>();

const processTerminal: Terminal = {
  get stdout() {
    return process.stdout;
  },
  get stderr() {
    return process.stderr;
  },
  get stdin() {
    return process.stdin;
  },
  get cwd() {
    return process.cwd();
  },
  get env() {
    return process.env;
  },
};

/** The terminal of the command running in this async context: the process's own unless `withTerminal` set one. */
export function terminal(): Terminal {
  return current.getStore() ?? processTerminal;
}

/** Run `fn` (and everything it starts) with `t` as its terminal. */
export function withTerminal<T>(t: Terminal, fn: () => Promise<T>): Promise<T> {
  return current.run(t, fn);
}

/** `console.log` on the current terminal. */
export function print(...args: unknown[]): void {
  terminal().stdout.write(`${format(...args)}\n`);
}

/** `console.error` on the current terminal. */
export function printError(...args: unknown[]): void {
  terminal().stderr.write(`${format(...args)}\n`);
}
