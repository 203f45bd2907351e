// A throwaway PostgreSQL cluster for tests: a copy of a template data directory (initdb'ed once
// per machine) in a temp dir, started on a free 127.0.0.1 port with its socket in that dir; it
// hands out database URLs (CREATE DATABASE over one connection: a `createdb` process per database
// cost three times as long), and is stopped and removed.
// Uses the Debian postgresql package; `startPostgres` returns the reason when it is missing.
import { execFileSync, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { withLock } from './lock.ts';

export interface TestPostgres {
  readonly port: number;
  /** A new empty database's URL. */
  createDatabase(name: string): Promise<string>;
  stop(): Promise<void>;
}

function binDir(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root)
    .filter((v) => existsSync(join(root, v, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] ? join(root, versions[0], 'bin') : undefined;
}

/** A port that was free a moment ago; postgres cannot listen on port 0, so `start` retries on a race. */
function probePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

type Run = (cmd: string, args: string[], cwd: string) => void;

/**
 * An initdb'ed data directory to copy, made once per machine and PostgreSQL version (initdb costs
 * about ten times a copy): under the OS temp dir, created under a lock so that concurrent test
 * files do not race, and renamed into place only when complete.
 */
async function template(bin: string, run: Run, owner: { uid: number; gid: number } | undefined): Promise<string> {
  const version = bin.split('/').at(-2) ?? 'pg';
  const dir = join(tmpdir(), `ferry-test-pg${version}-template`);
  if (existsSync(join(dir, 'PG_VERSION'))) return dir;
  return withLock(`ferry-test-pg${version}-template`, () => {
    if (existsSync(join(dir, 'PG_VERSION'))) return dir;
    const work = mkdtempSync(join(tmpdir(), 'ferry-pg-template-'));
    try {
      if (owner) chownSync(work, owner.uid, owner.gid);
      run('initdb', ['-D', join(work, 'data'), '-A', 'trust', '-U', 'postgres', '--no-sync'], work);
      renameSync(join(work, 'data'), dir);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
    return dir;
  });
}

/** Start a cluster, or return why it cannot run here (for `t.skip(reason)`). */
export async function startPostgres(): Promise<TestPostgres | string> {
  const bin = binDir();
  if (!bin) return 'PostgreSQL server binaries not installed (apt-get install postgresql)';
  const asRoot = process.getuid?.() === 0;
  if (asRoot && spawnSync('id', ['postgres']).status !== 0) return 'no "postgres" system user to run the test cluster as';
  const owner = asRoot
    ? {
        uid: Number(execFileSync('id', ['-u', 'postgres']).toString().trim()),
        gid: Number(execFileSync('id', ['-g', 'postgres']).toString().trim()),
      }
    : undefined;
  // initdb and postgres refuse to run as root: run them as the postgres user.
  const run: Run = (cmd, args, cwd) => {
    const [file, argv] = asRoot
      ? ['setpriv', ['--reuid=postgres', '--regid=postgres', '--init-groups', join(bin, cmd), ...args]]
      : [join(bin, cmd), args];
    execFileSync(file as string, argv as string[], { stdio: ['ignore', 'pipe', 'pipe'], cwd });
  };
  const dir = mkdtempSync(join(tmpdir(), 'ferry-pg-'));
  const data = join(dir, 'data');
  let port = 0;
  try {
    if (owner) chownSync(dir, owner.uid, owner.gid);
    execFileSync('cp', ['-a', await template(bin, run, owner), data]);
    // The probed port may be taken before postgres binds it (other test files probe too): retry.
    for (let attempt = 1; ; attempt++) {
      port = await probePort();
      try {
        run(
          'pg_ctl',
          [
            '-D',
            data,
            '-l',
            join(dir, 'log'),
            '-o',
            `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c ` +
              `synchronous_commit=off -c full_page_writes=off -c max_connections=200`,
            '-w',
            'start',
          ],
          dir,
        );
        break;
      } catch (err) {
        const log = existsSync(join(dir, 'log')) ? readFileSync(join(dir, 'log'), 'utf8') : '';
        if (attempt >= 5 || !/already in use/i.test(log)) throw err;
        rmSync(join(dir, 'log'), { force: true });
      }
    }
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    const e = err as { stderr?: Buffer; message: string };
    return `could not start a PostgreSQL test cluster: ${e.stderr?.toString().trim() || e.message}`;
  }
  let stopped = false;
  let admin: Promise<pg.Client> | undefined;
  return {
    port,
    async createDatabase(name: string): Promise<string> {
      if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`createDatabase: ${name} is not a plain lower-case name`);
      admin ??= (async () => {
        const client = new pg.Client({ connectionString: `postgres://postgres@127.0.0.1:${port}/postgres` });
        await client.connect();
        return client;
      })();
      await (await admin).query(`CREATE DATABASE ${name}`);
      return `postgres://postgres@127.0.0.1:${port}/${name}`;
    },
    async stop(): Promise<void> {
      if (stopped) return;
      stopped = true;
      await admin?.then((c) => c.end()).catch(() => {});
      try {
        run('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop'], dir);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
