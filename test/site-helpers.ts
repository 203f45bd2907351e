// Shared helpers for the site suites: start a site on a free port with a temporary data
// directory, sign in with the one-time token, and call the API with session + CSRF headers.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { createSite, type Site, type SiteOptions } from '../src/server/index.ts';

const ROOT = new URL('..', import.meta.url).pathname;

export interface RunningSite {
  site: Site;
  url: string;
  dataDir: string;
  close(): Promise<void>;
}

/** Listen on a port the system picks, so that its number is known before the site is built. */
function listenOnFreePort(): Promise<HttpServer> {
  return new Promise((done, fail) => {
    const srv = createHttpServer();
    srv.once('error', fail);
    srv.listen(0, '127.0.0.1', () => done(srv));
  });
}

/**
 * A site on 127.0.0.1, on a port the system picks (never probed then reused: that races with other
 * test files). With `withSmp` the State Migration Point runs in it, as in `ferry serve`, which
 * needs its URL first: as `ferry serve` does, the test listens first and hands the server over.
 */
export async function startSite(options: Partial<SiteOptions> & { withSmp?: boolean } = {}): Promise<RunningSite> {
  const dataDir = mkdtempSync(join(tmpdir(), 'ferry-site-'));
  const { withSmp, ...rest } = options;
  if (!withSmp) {
    const site = await createSite({ dataDir, ...rest });
    const url = await site.app.listen({ port: 0, host: '127.0.0.1' });
    return running(site, url, dataDir, async () => {});
  }
  if (rest.tls) throw new Error('startSite: withSmp over TLS is not supported by this helper');
  const server = await listenOnFreePort();
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  try {
    const site = await createSite({ dataDir, ...rest, server, smp: { publicUrl: url } });
    return running(site, url, dataDir, () => {
      server.closeAllConnections();
      return new Promise<void>((done) => server.close(() => done()));
    });
  } catch (err) {
    server.close();
    rmSync(dataDir, { recursive: true, force: true });
    throw err;
  }
}

function running(site: Site, url: string, dataDir: string, closeServer: () => Promise<void>): RunningSite {
  return {
    site,
    url,
    dataDir,
    async close() {
      await site.close();
      await closeServer();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export interface Session {
  cookie: string;
  csrf: string;
}

export async function signIn(s: RunningSite): Promise<Session> {
  const res = await fetch(`${s.url}/?token=${s.site.auth.issueSignInToken()}`, { redirect: 'manual' });
  const cookies = res.headers.getSetCookie().map((c) => c.split(';')[0]!);
  const csrf = decodeURIComponent(cookies.find((c) => c.startsWith('ferry_csrf='))!.split('=')[1]!);
  return { cookie: cookies.join('; '), csrf };
}

export async function call<T = any>(
  s: RunningSite,
  session: Session | undefined,
  method: string,
  path: string,
  body?: unknown,
  extra: Record<string, string> = {},
): Promise<{ status: number; body: T; headers: Headers }> {
  const headers: Record<string, string> = { ...extra };
  if (session) {
    headers.cookie = session.cookie;
    if (method !== 'GET' && !('x-ferry-csrf' in extra)) headers['x-ferry-csrf'] = session.csrf;
  }
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${s.url}${path}`, { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // XML or HTML bodies stay text
  }
  return { status: res.status, body: parsed as T, headers: res.headers };
}

/**
 * Start a local agent per `[name, volume folder]` under `work`, enrolled on the site; their output
 * goes to the test's diagnostics when they exit. The caller kills them.
 */
export function startAgents(
  t: { diagnostic(message: string): void },
  s: RunningSite,
  work: string,
  agents: readonly (readonly [string, string])[],
  pollSeconds = '1',
): ChildProcess[] {
  return agents.map(([name, vol]) => {
    const child = spawn(
      process.execPath,
      [
        join(ROOT, 'src/cli/main.ts'),
        'agent',
        '--site',
        s.url,
        '--root',
        join(work, vol),
        '--name',
        name,
        '--state',
        join(work, `agent-${name}`),
        '--enroll',
        s.site.enrollToken,
        '--poll',
        pollSeconds,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    child.stdout!.on('data', (d) => (out += d));
    child.stderr!.on('data', (d) => (out += d));
    child.on('exit', () => t.diagnostic(`agent ${name} output:\n${out}`));
    return child;
  });
}
