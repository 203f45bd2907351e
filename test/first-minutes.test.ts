// The first five minutes: a typo in a volume path fails at once with a coded error (nothing is
// created, no agent registered), and a new console sign-in link can be minted from the server's
// data directory without restarting it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, utimesSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSite } from './site-helpers.ts';
import { runFerry } from '../src/cli/testing.ts';

const MAIN = new URL('../src/cli/main.ts', import.meta.url).pathname;
/** `ferry …` in-process; `ferryProcess` for `ferry serve`, which serves until stopped once it starts. */
const ferry = (...args: string[]) => runFerry(args);
const ferryProcess = (...args: string[]) => spawnSync(process.execPath, [MAIN, ...args], { encoding: 'utf8', timeout: 120_000 });

test('ferry ts run --root with a typo: FERRY_E_VOLUME_ROOT_NOT_FOUND, nothing created', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ferry-typo-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const root = join(dir, 'no/such/dir');
  const r = await ferry('ts', 'run', 'src/tasksequence/examples/refresh-hardlink.xml', '--root', root);
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stderr, /^FERRY_E_VOLUME_ROOT_NOT_FOUND: --root .*no\/such\/dir: no such folder/m);
  assert.equal(existsSync(join(dir, 'no')), false, 'no smsts.log or state folder created under the typo');
});

test('ferry serve --agent NAME=ROOT with a typo: FERRY_E_VOLUME_ROOT_NOT_FOUND before anything starts', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ferry-typo-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const r = ferryProcess('serve', '--data', join(dir, 'data'), '--port', '0', '--agent', `SRC=${join(dir, 'nope')}`);
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /^FERRY_E_VOLUME_ROOT_NOT_FOUND: --agent SRC=.*nope: no such folder/m);
  assert.equal(existsSync(join(dir, 'data')), false, 'no server started, no agent registered');
});

test('ferry console-link --data DIR: a one-time link the running server accepts once, within 15 minutes', async (t) => {
  const s = await startSite();
  t.after(() => s.close());
  const r = await ferry('console-link', '--data', s.dataDir);
  assert.equal(r.status, 0, r.stderr);
  const token = /\/\?token=(\S+)/.exec(r.stdout)?.[1];
  assert.ok(token, r.stdout);
  const open = () => fetch(`${s.url}/?token=${token}`, { redirect: 'manual' });
  const first = await open();
  assert.equal(first.status, 303);
  assert.ok(first.headers.getSetCookie().some((c) => c.startsWith('ferry_session=')));
  assert.notEqual((await open()).status, 303, 'spent after one use');
  // A link older than 15 minutes is refused.
  const stale = /\/\?token=(\S+)/.exec((await ferry('console-link', '--data', s.dataDir)).stdout)![1]!;
  for (const f of readdirSync(join(s.dataDir, 'sign-in')))
    utimesSync(join(s.dataDir, 'sign-in', f), new Date(Date.now() - 16 * 60_000), new Date(Date.now() - 16 * 60_000));
  assert.notEqual((await fetch(`${s.url}/?token=${stale}`, { redirect: 'manual' })).status, 303);
  const unsigned = await fetch(`${s.url}/`);
  assert.equal(unsigned.status, 401);
  assert.match(await unsigned.text(), /ferry console-link --data/, 'the "not signed in" page says how to get a link');
  const bad = await ferry('console-link', '--data', join(s.dataDir, 'nowhere'));
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /FERRY_E_INVALID_ARGUMENT: .* is not the data directory of a Ferry server/);
});
