// Test support: run `ferry …` (and scanstate/loadstate/usmtutils) in the test's own process.
// A real `node src/cli/main.ts` costs ~0.5 s of CPU to start; a test that is not about the
// process (its exit status as the OS sees it, signals, a TTY, another uid) calls the same `cli()`
// that bin/*.mjs call, with its own output, working folder and environment (src/events
// terminal.ts), so several can run at once. Never for commands that serve until stopped
// (`smp serve`, `serve`, `agent` without `--once`): they do not return.
import { Readable, Writable } from 'node:stream';
import { withTerminal } from '../events/index.ts';
import { cli } from './main.ts';

export interface InProcessOptions {
  /** The working folder relative paths are read from (scanstate, loadstate, usmtutils, plan, explain); default: the process's. */
  readonly cwd?: string;
  /** Added to (or, as undefined, removed from) the process's environment for this command. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** What the command reads on stdin (default: nothing). */
  readonly stdin?: string;
}

/** What a command left: its exit code (also as `status`, as spawnSync names it) and its output. */
export interface InProcessResult {
  readonly code: number;
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Commands that read relative paths from the given working folder; the others use the process's. */
const CWD_AWARE = new Set(['scanstate', 'loadstate', 'usmtutils', 'plan', 'explain']);
const NEVER_RETURN = new Set(['serve', 'agent']);
/** `ferry agent --once` and `ferry agent run <deployment>` return like any other command. */
const returns = (args: readonly string[]): boolean => args[0] === 'agent' && (args[1] === 'run' || args.includes('--once'));

function collector(): { stream: Writable; text: () => string } {
  const chunks: Buffer[] = [];
  const stream = new Writable({
    write(chunk: Buffer | string, encoding, done) {
      chunks.push(typeof chunk === 'string' ? Buffer.from(chunk, encoding) : chunk);
      done();
    },
  });
  return { stream, text: () => Buffer.concat(chunks).toString('utf8') };
}

/**
 * `ferry ARGS…` in-process: the exit code and what it printed.
 * @example
 * const r = await runFerry(['scanstate', 'store', '/offlinewindir:vol/Windows', '/i:MigUser.xml'], { cwd: work });
 * assert.equal(r.code, 0, r.stderr);
 */
export async function runFerry(args: readonly string[], options: InProcessOptions = {}): Promise<InProcessResult> {
  const [name, sub] = args;
  if ((NEVER_RETURN.has(name ?? '') && !returns(args)) || (name === 'smp' && sub === 'serve'))
    throw new Error(`runFerry: \`ferry ${name}${name === 'smp' ? ' serve' : ''}\` serves until stopped; spawn it instead`);
  if (options.cwd !== undefined && options.cwd !== process.cwd() && !CWD_AWARE.has(name ?? ''))
    throw new Error(`runFerry: \`ferry ${name}\` reads relative paths from the process's folder; pass absolute paths instead of cwd`);
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const [k, v] of Object.entries(options.env ?? {})) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  const out = collector();
  const err = collector();
  const code = await withTerminal(
    {
      stdout: out.stream,
      stderr: err.stream,
      stdin: Readable.from(options.stdin === undefined ? [] : [options.stdin]),
      cwd: options.cwd ?? process.cwd(),
      env,
    },
    () => cli([...args]),
  );
  return { code, status: code, stdout: out.text(), stderr: err.text() };
}

/** `scanstate ARGS…` in-process, as bin/scanstate.mjs runs it. */
export const runScanState = (args: readonly string[], options?: InProcessOptions) => runFerry(['scanstate', ...args], options);
/** `loadstate ARGS…` in-process, as bin/loadstate.mjs runs it. */
export const runLoadState = (args: readonly string[], options?: InProcessOptions) => runFerry(['loadstate', ...args], options);
/** `usmtutils ARGS…` in-process, as bin/usmtutils.mjs runs it. */
export const runUsmtUtils = (args: readonly string[], options?: InProcessOptions) => runFerry(['usmtutils', ...args], options);
