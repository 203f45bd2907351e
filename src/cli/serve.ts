// `ferry serve`: the all-in-one server — site REST API, State Migration Point and the web
// console in one process on embedded SQLite (or PostgreSQL by URL). Prints the console URL with
// a one-time sign-in token, as Jupyter does. Serves the console bundle built at install time
// (src/server/console/build.ts).
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, InvalidArgumentError } from 'commander';
import { FerryError } from '../errors/index.ts';
import { requireVolumeRoot } from '../volume/index.ts';
import { createSite, ensureConsoleBuilt, recordConsoleUrl, type Site } from '../server/index.ts';
import { print, printError } from '../events/index.ts';
import { TERMINAL_OUTPUT } from './command-error.ts';

function port(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError('a port is a number from 0 to 65535');
  return n;
}

interface ServeOptions {
  port: number;
  host: string;
  data: string;
  db?: string;
  /** Local agents: computer name and volume root. */
  agents: { name: string; root: string }[];
}

/** The options, or the exit code when they are wrong (the message is printed). */
function parseOptions(argv: string[]): ServeOptions | number {
  const cmd = new Command('ferry serve')
    .configureOutput(TERMINAL_OUTPUT)
    .description('all-in-one server: site REST API + State Migration Point + web console')
    .option('--port <port>', 'TCP port (0 = any free port)', port, 8080)
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--data <dir>', 'data directory (SQLite database, enrollment token, state stores)', './.ferry-data')
    .option('--db <url>', 'database: postgres://… URL or SQLite file (default <data>/site.db)')
    .option(
      '--agent <name=root>',
      'also run a local agent for this computer name and volume root (repeatable)',
      (v: string, all: string[]) => [...all, v],
      [] as string[],
    )
    .exitOverride()
    .configureOutput({ outputError: (str, write) => write(`FERRY_E_INVALID_ARGUMENT: ${str.replace(/^error: /, '')}`) });
  try {
    cmd.parse(argv, { from: 'user' });
  } catch (err) {
    const e = err as { exitCode?: number; code?: string };
    return e.code === 'commander.helpDisplayed' || e.code === 'commander.version' ? 0 : 2;
  }
  const o = cmd.opts<{ port: number; host: string; data: string; db?: string; agent: string[] }>();
  const agents: ServeOptions['agents'] = [];
  for (const a of o.agent) {
    const m = /^([^=]+)=(.+)$/.exec(a);
    if (!m) {
      printError('FERRY_E_INVALID_ARGUMENT: --agent takes NAME=VOLUME_ROOT, e.g. --agent PC1=/tmp/src-vol.');
      return 2;
    }
    agents.push({ name: m[1]!, root: m[2]! });
  }
  try {
    for (const a of agents) requireVolumeRoot(a.root, `--agent ${a.name}=`);
  } catch (err) {
    if (!(err instanceof FerryError)) throw err;
    printError(`${err.code}: ${err.message}`);
    return 2;
  }
  return { port: o.port, host: o.host, data: o.data, agents, ...(o.db ? { db: o.db } : {}) };
}

/**
 * Listen before the site is built: the State Migration Point builds store locations from its
 * public URL, so the port (any free one for `--port 0`) must be known first. Listening on the
 * port itself, rather than probing for a free one and reusing it, leaves no window for a race.
 */
async function listen(host: string, listenPort: number): Promise<Server> {
  const server = createServer();
  try {
    await new Promise<void>((done, fail) => {
      server.once('error', fail);
      server.listen(listenPort, host, () => {
        server.off('error', fail);
        done();
      });
    });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE' || code === 'EACCES' || code === 'EADDRNOTAVAIL')
      throw new FerryError(
        'FERRY_E_INVALID_ARGUMENT',
        `Cannot listen on ${host}:${listenPort} (${code}); choose another --port or --host.`,
        {
          cause: err,
        },
      );
    throw err;
  }
  return server;
}

function printWelcome(site: Site, o: ServeOptions, dataDir: string, origin: string): void {
  print(`Ferry site server: data in ${dataDir} (${site.database.dialect} ${site.database.location})`);
  print('Agents enroll with the token file of the data directory:');
  print(`  ferry agent --site ${origin} --enroll ${resolve(dataDir, 'enroll-token')} --root VOLUME --name NAME`);
  print('  (a registered or revoked computer re-enrolls with its one-time reset token: console Devices › Reset)');
  print('');
  if (site.smp?.smp.firstStart.adminToken) print(`State Migration Point admin token (shown once): ${site.smp.smp.firstStart.adminToken}`);
  if (site.smp?.smp.firstStart.recoveryKey)
    print(`State Migration Point recovery key (shown once; keep it offline): ${site.smp.smp.firstStart.recoveryKey}`);
  print(`Open the console (one-time sign-in link; another one: ferry console-link --data ${o.data}):`);
  print(`  ${origin}/?token=${site.auth.issueSignInToken()}`);
}

/** Local agents are enrolled by the server itself with the token of its data directory. */
function startLocalAgents(o: ServeOptions, site: Site, dataDir: string, origin: string): ChildProcess[] {
  return o.agents.map(({ name, root }) => {
    const child = spawn(
      process.execPath,
      [
        fileURLToPath(new URL('./main.ts', import.meta.url)),
        'agent',
        '--site',
        origin,
        '--root',
        resolve(root),
        '--name',
        name,
        '--state',
        resolve(dataDir, 'agents', name),
        '--enroll',
        site.enrollToken,
      ],
      { stdio: ['ignore', 'inherit', 'inherit'] },
    );
    print(`Local agent ${name} (volume ${resolve(root)}) started, pid ${child.pid}.`);
    return child;
  });
}

/** Runs until SIGINT/SIGTERM, then stops the agents, the site and the listener. */
function untilStopped(site: Site, server: Server, children: ChildProcess[]): Promise<void> {
  return new Promise<void>((done) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      for (const c of children) c.kill('SIGTERM');
      void site.close().then(() => {
        server.closeAllConnections();
        server.close(() => done());
      });
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

export async function run(argv: string[]): Promise<number> {
  const o = parseOptions(argv);
  if (typeof o === 'number') return o;
  const dataDir = resolve(o.data);
  const consoleDir = await ensureConsoleBuilt((s) => print(s));
  const server = await listen(o.host, o.port);
  const url = new URL(`http://${o.host.includes(':') ? `[${o.host}]` : o.host}:${(server.address() as AddressInfo).port}`);
  if (o.host === '0.0.0.0' || o.host === '::') url.hostname = '127.0.0.1';
  let site: Site;
  try {
    site = await createSite({ dataDir, consoleDir, server, smp: { publicUrl: url.origin }, ...(o.db ? { db: o.db } : {}) });
  } catch (err) {
    server.close();
    throw err;
  }
  recordConsoleUrl(dataDir, url.origin);
  printWelcome(site, o, dataDir, url.origin);
  await untilStopped(site, server, startLocalAgents(o, site, dataDir, url.origin));
  return 0;
}
