// Shared helpers for the site suites: start a site on a random port with a temporary data
// directory, sign in with the one-time token, and call the API with session + CSRF headers.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { createSite, type Site, type SiteOptions } from '../src/server/index.ts';

const ROOT = new URL('..', import.meta.url).pathname;

export interface RunningSite {
  site: Site;
  url: string;
  dataDir: string;
  close(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const srv = createServer();
    srv.once('error', fail);
    srv.listen(0, '127.0.0.1', () => {
      const p = (srv.address() as AddressInfo).port;
      srv.close(() => done(p));
    });
  });
}

/** A site on 127.0.0.1; with `withSmp` the State Migration Point runs in it, as in `ferry serve`. */
export async function startSite(options: Partial<SiteOptions> & { withSmp?: boolean } = {}): Promise<RunningSite> {
  const dataDir = mkdtempSync(join(tmpdir(), 'ferry-site-'));
  const port = await freePort();
  const { withSmp, ...rest } = options;
  const site = await createSite({ dataDir, ...rest, ...(withSmp ? { smp: { publicUrl: `http://127.0.0.1:${port}` } } : {}) });
  const url = await site.app.listen({ port, host: '127.0.0.1' });
  return {
    site,
    url,
    dataDir,
    async close() {
      await site.close();
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
