// Shared pieces of the SMP end-to-end suites: servers in-process and as `ferry smp serve`
// processes, admin calls, registered computers, and generated store folders.
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { SmpHttpClient, type SmpHttpClientOptions } from '../src/smp/index.ts';
import { createSmpServer, type CreateSmpServerOptions, type SmpServer } from '../src/server/index.ts';

export const ROOT = new URL('..', import.meta.url).pathname;

export async function startSmp(o: CreateSmpServerOptions): Promise<SmpServer> {
  // Random test payloads are not migration stores: their check is tested on its own.
  return createSmpServer({ logger: false, deletionIntervalMs: 3_600_000, verifyStore: false, ...o });
}

export async function api(
  base: string,
  token: string | undefined,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: any }> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...headers,
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

export async function adminOk(base: string, token: string, method: string, path: string, body?: unknown): Promise<any> {
  const r = await api(base, token, method, path, body);
  if (r.status >= 300) throw new Error(`${method} ${path} → ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

export async function registerComputer(base: string, adminToken: string, name: string): Promise<string> {
  const { token } = await adminOk(base, adminToken, 'POST', '/admin/enrollment-tokens', { uses: 1 });
  return (await SmpHttpClient.register(base, token, name)).credential;
}

export function client(
  servers: string | string[],
  computerName: string,
  credential: string | undefined,
  extra: Partial<SmpHttpClientOptions> = {},
): SmpHttpClient {
  return new SmpHttpClient({
    servers: Array.isArray(servers) ? servers : [servers],
    computerName,
    ...(credential ? { credential } : {}),
    retryCount: 0,
    retryDelaySeconds: 0,
    sleep: async () => {},
    ...extra,
  });
}

/** A store-shaped folder: USMT/USMT.MIG plus a few files, sizes in bytes. */
export function makeStore(dir: string, sizes: number[] = [300_000, 70_000, 1, 0, 150_000]): void {
  const names = [
    'USMT/USMT.MIG',
    'USMT/File/C$/Users/alice/Documents/Ünïcode report.docx',
    'USMT/File/C$/Users/bob/a.txt',
    'USMT/File/empty.dat',
    'catalog.json',
  ];
  sizes.forEach((size, i) => {
    const path = join(dir, names[i % names.length] + (i >= names.length ? `.${i}` : ''));
    mkdirSync(join(path, '..'), { recursive: true });
    writeFileSync(path, randomBytes(size));
  });
}

/** path → sha256 of every file under dir. */
export function treeHashes(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.set(relative(dir, p).split(sep).join('/'), createHash('sha256').update(readFileSync(p)).digest('hex'));
    }
  };
  walk(dir);
  return out;
}

export function treeSize(dir: string): number {
  let n = 0;
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else n += statSync(p).size;
    }
  };
  walk(dir);
  return n;
}

export interface SmpProcess {
  readonly child: ChildProcess;
  readonly url: string;
  readonly adminToken?: string;
  readonly recoveryKey?: string;
  readonly output: () => string;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

// Servers a failed test did not get to stop die with the test file's process.
const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

/**
 * Run `ferry smp serve` as its own process and wait until it listens. Pass `--port 0` (the system
 * picks the port; the process prints its URL) unless the test restarts a server on its old port.
 * Start-up gets two minutes, for a loaded machine; a process that does not start in time is
 * killed, not left behind.
 */
export async function spawnSmp(args: string[], startTimeoutMs = 120_000): Promise<SmpProcess> {
  const child = spawn(process.execPath, [join(ROOT, 'src/cli/main.ts'), 'smp', 'serve', ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  live.add(child);
  child.once('exit', () => live.delete(child));
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const kill = async (signal: NodeJS.Signals = 'SIGTERM'): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    await exited;
  };
  let url: string;
  try {
    url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`ferry smp serve did not start in ${startTimeoutMs} ms:\n${out}`)), startTimeoutMs);
      const check = (): void => {
        const m = /listening on (\S+)/.exec(out);
        if (m) {
          clearTimeout(timer);
          resolve(m[1] as string);
        }
      };
      child.stdout.on('data', check);
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`ferry smp serve exited with ${code}:\n${out}`));
      });
    });
  } catch (err) {
    await kill('SIGKILL');
    throw err;
  }
  const admin = /Admin token \(shown once; keep it\): (\S+)/.exec(out)?.[1];
  const recovery = /Site recovery key \(shown once; keep it offline\): (\S+)/.exec(out)?.[1];
  return {
    child,
    url,
    ...(admin ? { adminToken: admin } : {}),
    ...(recovery ? { recoveryKey: recovery } : {}),
    output: () => out,
    kill,
  };
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
