// A throwaway PostgreSQL cluster for tests: initdb into a temp dir, start it on a free
// 127.0.0.1 port with its socket in that dir, hand out database URLs, stop and remove it.
// Uses the Debian postgresql package; `startPostgres` returns the reason when it is missing.
import { execFileSync, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestPostgres {
  readonly port: number;
  /** A new empty database's URL. */
  createDatabase(name: string): string;
  stop(): void;
}

function binDir(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root)
    .filter((v) => existsSync(join(root, v, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] ? join(root, versions[0], 'bin') : undefined;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

/** Start a cluster, or return why it cannot run here (for `t.skip(reason)`). */
export async function startPostgres(): Promise<TestPostgres | string> {
  const bin = binDir();
  if (!bin) return 'PostgreSQL server binaries not installed (apt-get install postgresql)';
  const asRoot = process.getuid?.() === 0;
  if (asRoot && spawnSync('id', ['postgres']).status !== 0) return 'no "postgres" system user to run the test cluster as';
  const dir = mkdtempSync(join(tmpdir(), 'ferry-pg-'));
  const data = join(dir, 'data');
  const port = await freePort();
  // initdb and postgres refuse to run as root: run them as the postgres user.
  const run = (cmd: string, args: string[]): void => {
    const [file, argv] = asRoot
      ? ['setpriv', ['--reuid=postgres', '--regid=postgres', '--init-groups', join(bin, cmd), ...args]]
      : [join(bin, cmd), args];
    execFileSync(file as string, argv as string[], { stdio: ['ignore', 'pipe', 'pipe'], cwd: dir });
  };
  try {
    if (asRoot)
      chownSync(
        dir,
        Number(execFileSync('id', ['-u', 'postgres']).toString().trim()),
        Number(execFileSync('id', ['-g', 'postgres']).toString().trim()),
      );
    run('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync']);
    run('pg_ctl', [
      '-D',
      data,
      '-l',
      join(dir, 'log'),
      '-o',
      `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200`,
      '-w',
      'start',
    ]);
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    const e = err as { stderr?: Buffer; message: string };
    return `could not start a PostgreSQL test cluster: ${e.stderr?.toString().trim() || e.message}`;
  }
  let stopped = false;
  return {
    port,
    createDatabase(name: string): string {
      run('createdb', ['-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', name]);
      return `postgres://postgres@127.0.0.1:${port}/${name}`;
    },
    stop(): void {
      if (stopped) return;
      stopped = true;
      try {
        run('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
