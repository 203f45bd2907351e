// `ferry serve`: the all-in-one server — site REST API, State Migration Point and the web
// console in one process on embedded SQLite (or PostgreSQL by URL). Prints the console URL with
// a one-time sign-in token, as Jupyter does. Serves the console bundle built at install time
// (src/server/console/build.ts).
import { spawn } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, InvalidArgumentError } from 'commander';
import { FerryError } from '../errors/index.ts';
import { requireVolumeRoot } from '../volume/index.ts';
import { ensureConsoleBuilt } from '../server/index.ts';
import { createSite } from '../server/index.ts';
import { recordConsoleUrl } from '../server/index.ts';

function freePort(host: string): Promise<number> {
  return new Promise((done, fail) => {
    const srv = createServer();
    srv.once('error', fail);
    srv.listen(0, host, () => {
      const p = (srv.address() as AddressInfo).port;
      srv.close(() => done(p));
    });
  });
}

function port(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError('a port is a number from 0 to 65535');
  return n;
}

export async function run(argv: string[]): Promise<number> {
  const cmd = new Command('ferry serve')
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
  const agents = o.agent.map((a) => /^([^=]+)=(.+)$/.exec(a));
  if (agents.some((m) => !m)) {
    console.error('FERRY_E_INVALID_ARGUMENT: --agent takes NAME=VOLUME_ROOT, e.g. --agent PC1=/tmp/src-vol.');
    return 2;
  }
  try {
    for (const m of agents) requireVolumeRoot(m![2]!, `--agent ${m![1]}=`);
  } catch (err) {
    if (!(err instanceof FerryError)) throw err;
    console.error(`${err.code}: ${err.message}`);
    return 2;
  }
  const dataDir = resolve(o.data);
  const consoleDir = await ensureConsoleBuilt((s) => console.log(s));
  // The SMP builds store locations from its public URL, so the port is fixed before starting.
  const listenPort = o.port || (await freePort(o.host));
  const url = new URL(`http://${o.host.includes(':') ? `[${o.host}]` : o.host}:${listenPort}`);
  if (o.host === '0.0.0.0' || o.host === '::') url.hostname = '127.0.0.1';
  const site = await createSite({ dataDir, consoleDir, smp: { publicUrl: url.origin }, ...(o.db ? { db: o.db } : {}) });
  try {
    await site.app.listen({ port: listenPort, host: o.host });
  } catch (err) {
    await site.close();
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE' || code === 'EACCES' || code === 'EADDRNOTAVAIL')
      throw new FerryError(
        'FERRY_E_INVALID_ARGUMENT',
        `Cannot listen on ${o.host}:${listenPort} (${code}); choose another --port or --host.`,
        { cause: err },
      );
    throw err;
  }
  recordConsoleUrl(dataDir, url.origin);
  console.log(`Ferry site server: data in ${dataDir} (${site.database.dialect} ${site.database.location})`);
  console.log('Agents enroll with the token file of the data directory:');
  console.log(`  ferry agent --site ${url.origin} --enroll ${resolve(dataDir, 'enroll-token')} --root VOLUME --name NAME`);
  console.log('  (a registered or revoked computer re-enrolls with its one-time reset token: console Devices › Reset)');
  console.log('');
  if (site.smp?.smp.firstStart.adminToken)
    console.log(`State Migration Point admin token (shown once): ${site.smp.smp.firstStart.adminToken}`);
  if (site.smp?.smp.firstStart.recoveryKey)
    console.log(`State Migration Point recovery key (shown once; keep it offline): ${site.smp.smp.firstStart.recoveryKey}`);
  console.log(`Open the console (one-time sign-in link; another one: ferry console-link --data ${o.data}):`);
  console.log(`  ${url.origin}/?token=${site.auth.issueSignInToken()}`);
  // Local agents are enrolled by the server itself with the token of its data directory.
  const children = agents.map((m) => {
    const [, name, root] = m!;
    const child = spawn(
      process.execPath,
      [
        fileURLToPath(new URL('./main.ts', import.meta.url)),
        'agent',
        '--site',
        url.origin,
        '--root',
        resolve(root!),
        '--name',
        name!,
        '--state',
        resolve(dataDir, 'agents', name!),
        '--enroll',
        site.enrollToken,
      ],
      { stdio: ['ignore', 'inherit', 'inherit'] },
    );
    console.log(`Local agent ${name} (volume ${resolve(root!)}) started, pid ${child.pid}.`);
    return child;
  });
  await new Promise<void>((done) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      for (const c of children) c.kill('SIGTERM');
      void site.close().then(done);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  return 0;
}
