// `ferry` entry point. Each subcommand lives in its own module, loaded on demand, and exports
// `run(argv): Promise<number>` (the process exit code). scanstate/loadstate/usmtutils take
// USMT's slash syntax and exit with USMT's return codes; the rest use commander. Nothing else is
// imported up front: a command pays only for the modules it runs (start-up is most of a small
// command's time, and the test suite starts the CLI hundreds of times).
import { enableCompileCache } from 'node:module';
// The running command's terminal (src/events/terminal.ts): the process's own, or a test's.
import { print, printError } from '../events/index.ts';

// Before the command's modules load, so that they come from the cache (compiled code and stripped
// TypeScript: a cache hit also spares loading the type stripper). bin/*.mjs enable it even before
// this file is read.
enableCompileCache();

type CommandModule = { run(argv: string[]): Promise<number> };

/** Every `ferry` subcommand with its one-line summary (for `ferry --help`) and its module, loaded only when run. */
export const COMMANDS: Record<string, { summary: string; load: () => Promise<CommandModule> }> = {
  // usmt/index.ts loads only the command lines; each tool's engine is imported when it runs.
  scanstate: {
    summary: 'capture user state into a store (USMT ScanState syntax)',
    load: async () => ({ run: (await import('../usmt/index.ts')).runScanStateCli }),
  },
  loadstate: {
    summary: 'restore user state from a store (USMT LoadState syntax)',
    load: async () => ({ run: (await import('../usmt/index.ts')).runLoadStateCli }),
  },
  usmtutils: {
    summary: 'verify, extract or delete stores (USMT UsmtUtils syntax)',
    load: async () => ({ run: (await import('../usmt/index.ts')).runUsmtUtilsCli }),
  },
  explain: { summary: 'explain the include/exclude decision for paths', load: () => import('./explain.ts') },
  plan: { summary: 'list everything that would migrate, without writing', load: () => import('./plan.ts') },
  report: { summary: 'show a migration report (or a store), or compare a capture with its restore', load: () => import('./report.ts') },
  ts: { summary: 'task sequences: show, validate, convert, run, resume', load: () => import('./ts.ts') },
  smp: { summary: 'State Migration Point: serve, request, release', load: () => import('./smp.ts') },
  serve: { summary: 'all-in-one server: site + SMP + web console', load: () => import('./serve.ts') },
  'sample-volume': { summary: 'write a synthetic offline Windows volume to try things on', load: () => import('./sample-volume.ts') },
  'console-link': { summary: 'print a new one-time console sign-in link for a running server', load: () => import('./console-link.ts') },
  agent: { summary: 'the agent that runs deployed task sequences on a computer', load: () => import('./agent.ts') },
};

function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((c) => c.length));
  return [
    'Usage: ferry <command> [options]',
    '',
    'Commands:',
    ...Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`),
    '',
    'Run `ferry <command> --help` for the options of a command.',
  ].join('\n');
}

/**
 * Runs `ferry ARGS…` (help, version, or a subcommand) and returns the exit code; an error the subcommand throws propagates (`cli` prints
 * it).
 */
export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    print(usage());
    return 0;
  }
  if (name === '--version') {
    print(`ferry ${(await import('../version.ts')).FERRY_VERSION}`);
    return 0;
  }
  const cmd = COMMANDS[name];
  if (!cmd) {
    printError(`FERRY_E_INVALID_ARGUMENT: unknown command "${name}".\n\n${usage()}`);
    return 2;
  }
  const mod = await cmd.load();
  return mod.run(rest);
}

/** Run `ferry` with these arguments and return the exit code; coded errors are printed, not thrown. */
export async function cli(argv: string[]): Promise<number> {
  try {
    return await main(argv);
  } catch (err) {
    const { FerryError } = await import('../errors/index.ts');
    if (err instanceof FerryError) printError(`${err.code}: ${err.message}`);
    else printError(err);
    return 1;
  }
}

if (import.meta.main) {
  process.exitCode = await cli(process.argv.slice(2));
}
