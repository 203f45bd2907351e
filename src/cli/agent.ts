// `ferry agent`: the agent of one computer (one volume root). `ferry agent --site URL --root DIR
// --name NAME [--enroll TOKEN]` registers (first time) and then polls and runs deployments;
// `ferry agent run <deployment> [--state DIR]` runs an available deployment now (the user's
// "Install" in Software Center) and exits with 0 when the task sequence succeeded.
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Command } from 'commander';
import { Agent } from '../agent/index.ts';
import { FerryError } from '../errors/index.ts';
import { requireVolumeRoot } from '../volume/index.ts';
import { print, printError } from '../events/index.ts';
import { TERMINAL_OUTPUT } from './command-error.ts';

const defaultState = (name: string) => resolve('.ferry-agent', name);

async function parse(cmd: Command, argv: string[]): Promise<number | undefined> {
  cmd.exitOverride().configureOutput({ outputError: (str, write) => write(`FERRY_E_INVALID_ARGUMENT: ${str.replace(/^error: /, '')}`) });
  try {
    cmd.parse(argv, { from: 'user' });
    return undefined;
  } catch (err) {
    const code = (err as { code?: string }).code;
    return code === 'commander.helpDisplayed' || code === 'commander.version' ? 0 : 2;
  }
}

async function runOne(argv: string[]): Promise<number> {
  const cmd = new Command('ferry agent run')
    .configureOutput(TERMINAL_OUTPUT)
    .description('run an available (or required) deployment now on this computer')
    .argument('<deployment>', 'deployment id, e.g. FRY20001')
    .option('--state <dir>', 'agent state folder (default ./.ferry-agent/<name>)')
    .option('--name <name>', 'computer name, to find the default state folder');
  const early = await parse(cmd, argv);
  if (early !== undefined) return early;
  const o = cmd.opts<{ state?: string; name?: string }>();
  if (!o.state && !o.name) {
    printError('FERRY_E_INVALID_ARGUMENT: give --state DIR (or --name NAME for ./.ferry-agent/NAME).');
    return 2;
  }
  const stateDir = resolve(o.state ?? defaultState(o.name!));
  const id = Agent.storedIdentity(stateDir);
  const agent = new Agent({ site: id.site, root: id.root, name: id.name, stateDir, log: print });
  await agent.register();
  const deployment = cmd.args[0]!;
  await agent.client.requestRun(deployment);
  const status = await agent.runDeployment(deployment);
  if (status === 'not-started') {
    printError(`Deployment ${deployment} did not start on ${id.name} (already running, or refused; see the site's status messages).`);
    return 1;
  }
  return status === 'succeeded' ? 0 : 1;
}

/** `ferry agent`: registers, polls and runs deployments; `ferry agent run <deployment>` runs one now. Returns the exit code. */
export async function run(argv: string[]): Promise<number> {
  if (argv[0] === 'run') return runOne(argv.slice(1));
  const cmd = new Command('ferry agent')
    .configureOutput(TERMINAL_OUTPUT)
    .description('register with a site, then poll for deployments and run them (ferry agent run <deployment> runs one now)')
    .requiredOption('--site <url>', 'site server URL (the one ferry serve printed)')
    .requiredOption('--root <dir>', "this computer's volume root (offline Windows tree)")
    .requiredOption('--name <name>', 'computer name')
    .option('--state <dir>', 'state folder: credential and task sequence state (default ./.ferry-agent/<name>)')
    .option(
      '--enroll <token|file>',
      "the site's enrollment token, or the file holding it (<data>/enroll-token), for a new computer; " +
        'the reset token from the console/API to re-register a registered or revoked one',
    )
    .option('--poll <seconds>', 'policy poll interval', (v) => Number(v), 5)
    .option('--once', 'poll once, run what is due, then exit');
  const early = await parse(cmd, argv);
  if (early !== undefined) return early;
  const o = cmd.opts<{ site: string; root: string; name: string; state?: string; enroll?: string; poll: number; once?: boolean }>();
  if (!Number.isFinite(o.poll) || o.poll <= 0) {
    printError('FERRY_E_INVALID_ARGUMENT: --poll takes a number of seconds greater than 0.');
    return 2;
  }
  try {
    requireVolumeRoot(o.root);
  } catch (err) {
    if (!(err instanceof FerryError)) throw err;
    printError(`${err.code}: ${err.message}`);
    return 2;
  }
  const agent = new Agent({
    site: o.site,
    root: resolve(o.root),
    name: o.name,
    stateDir: resolve(o.state ?? defaultState(o.name)),
    pollMs: o.poll * 1000,
    // The command's terminal (the process's stdout when run as `ferry agent`).
    log: print,
    ...(o.enroll ? { enrollToken: existsSync(o.enroll) ? readFileSync(o.enroll, 'utf8').trim() : o.enroll } : {}),
  });
  if (o.once) {
    await agent.register();
    await agent.resumeInterrupted();
    await agent.pollOnce();
    return 0;
  }
  // A stop never waits for a running task sequence: its state is saved around every step and
  // the next start resumes it (the interrupted step runs again).
  const stop = () => {
    agent.stop();
    setTimeout(() => process.exit(0), 500).unref();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  await agent.loop();
  return 0;
}
