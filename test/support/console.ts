// What the browser suites share: the web console bundle they serve (console/dist as `npm ci`
// (prepare) built it; only when the console sources are newer than the bundle is it rebuilt, once
// for all the test files of a run (they wait on a lock), so a test never sees a stale console), a
// site and a real Chromium started side by side, and agents run in the test's process.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after } from 'node:test';
import { chromium, type Browser, type BrowserContext } from 'playwright-core';
import { Agent } from '../../src/agent/index.ts';
import { consoleBundleState, ensureConsoleBuilt, type SiteOptions } from '../../src/server/index.ts';
import { startSite, type RunningSite } from '../site-helpers.ts';
import { withLock } from './lock.ts';

export const CHROMIUM = '/usr/bin/chromium';
/** Why the browser suites cannot run on this machine, or undefined when they can. */
export const NO_CHROMIUM = existsSync(CHROMIUM) ? undefined : `${CHROMIUM} is missing (apt-get install chromium)`;

export async function consoleBundle(): Promise<string> {
  if (consoleBundleState() === 'fresh') return ensureConsoleBuilt();
  return withLock('ferry-test-console-build', () => ensureConsoleBuilt());
}

/** Debian's Chromium, headless, with nothing that reaches out of the machine. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/**
 * One Chromium per process, launched by the first suite that asks and closed when the process's
 * tests are done: a launch costs ~4 CPU-s, and a full run puts the console suites in one process
 * (scripts/test.mjs). Each suite's pages live in contexts of their own, closed with its site.
 */
let shared: Promise<Browser> | undefined;
function sharedChromium(): Promise<Browser> {
  shared ??= launchChromium();
  return shared;
}
after(async () => {
  const launched = shared;
  shared = undefined;
  await (await launched?.catch(() => undefined))?.close();
});

export interface ConsoleSite {
  s: RunningSite;
  /** The process's shared browser: a suite opens pages (each in a new context), never closes it. */
  browser: Browser;
  /** Close the contexts this suite opened, then the site (its data folder is removed). */
  close(): Promise<void>;
}

/**
 * A site serving the console and a Chromium to drive it. The browser starts while the site does
 * (another process: the two overlap), so a suite waits for the slower of the two, not for both.
 * The suites of a process run one after another, so the contexts opened meanwhile are this one's.
 */
export async function startConsoleSite(
  options: Partial<SiteOptions> & { withSmp?: boolean } = {},
  /** Work of the test's own (its volumes), done while the browser starts. */
  alongside: () => void = () => {},
): Promise<ConsoleSite> {
  const starting = Promise.allSettled([sharedChromium(), consoleBundle().then((consoleDir) => startSite({ ...options, consoleDir }))]);
  let failed: unknown;
  // Let Playwright spawn the browser before this thread is busy with the test's own work.
  await new Promise((r) => setTimeout(r, 20));
  try {
    alongside();
  } catch (err) {
    failed = err;
  }
  const [browser, site] = await starting;
  if (failed !== undefined || browser.status === 'rejected' || site.status === 'rejected') {
    if (browser.status === 'rejected') shared = undefined;
    if (site.status === 'fulfilled') await site.value.close();
    throw failed ?? (browser.status === 'rejected' ? browser.reason : (site as PromiseRejectedResult).reason);
  }
  const before = new Set<BrowserContext>(browser.value.contexts());
  return {
    s: site.value,
    browser: browser.value,
    async close() {
      for (const c of browser.value.contexts()) if (!before.has(c)) await c.close();
      await site.value.close();
    },
  };
}

export interface RunningAgents {
  agents: Agent[];
  /** Stop polling and wait (a little) for the loops to end; their log goes to the test's diagnostics. */
  stop(): Promise<void>;
}

/**
 * An agent per `[name, volume folder]` under `work`, enrolled on the site, each polling every
 * `pollMs`, in this process: the same Agent class `ferry agent` runs, over real HTTP to the site,
 * without a node process to start per computer (test/site-agent.test.ts is about the process).
 */
export function startAgents(
  t: { diagnostic(message: string): void },
  s: RunningSite,
  work: string,
  agents: readonly (readonly [string, string])[],
  pollMs = 200,
): RunningAgents {
  const running = agents.map(([name, vol]) => {
    let out = '';
    const agent = new Agent({
      site: s.url,
      root: join(work, vol),
      name,
      stateDir: join(work, `agent-${name}`),
      enrollToken: s.site.enrollToken,
      pollMs,
      log: (line) => (out += `${new Date().toISOString()} ${line}\n`),
    });
    const loop = agent.loop().catch((err: unknown) => {
      out += `agent loop failed: ${(err as Error).stack ?? String(err)}\n`;
    });
    return { name, agent, loop, output: () => out };
  });
  return {
    agents: running.map((r) => r.agent),
    async stop() {
      for (const r of running) r.agent.stop();
      // A run still going (a failed test) is left to end on its own: its state is on disk.
      await Promise.race([Promise.all(running.map((r) => r.loop)), new Promise((done) => setTimeout(done, 5000).unref())]);
      for (const r of running) t.diagnostic(`agent ${r.name} output:\n${r.output()}`);
    },
  };
}
