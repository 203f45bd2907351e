// Issue 11 item 6: ScanState/LoadState/UsmtUtils never show `/key`, the `/keyfile` key or the
// `/lac` password — not in `/l`, the default log, the progress log, `--json` events or the
// console — and write their logs owner-only (0600).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { generateSampleVolume, parseSize } from '../../src/sample-volume/index.ts';

const MAIN = new URL('../../src/cli/main.ts', import.meta.url).pathname;
const KEY = 'Sup3rSecretKey';
const FILE_KEY = 'K3yFromTheFile';
const LAC = 'LacPassw0rd';
let work: string;
let windir: string;

const run = (tool: string, args: string[]) =>
  spawnSync(process.execPath, [MAIN, tool, ...args], { cwd: work, encoding: 'utf8', timeout: 120_000 });

before(() => {
  work = mkdtempSync(join(tmpdir(), 'ferry-usmt-secrets-'));
  generateSampleVolume({ out: join(work, 'vol'), size: parseSize('1M'), users: 1, seed: 7 });
  windir = join(work, 'vol/Windows');
});

after(() => rmSync(work, { recursive: true, force: true }));

function assertClean(what: string, text: string, secrets: string[]): void {
  for (const s of secrets) assert.ok(!text.includes(s), `${what} shows the secret ${s}:\n${text.slice(0, 2000)}`);
}

test('scanstate /key: masked in /l, /progress, --json and the console; logs are 0600', () => {
  const scanLog = join(work, 'scan.log');
  const progress = join(work, 'progress.log');
  // An existing world-readable log is made owner-only too.
  writeFileSync(scanLog, 'old');
  chmodSync(scanLog, 0o644);
  const r = run('scanstate', [
    join(work, 'store'),
    `/offlinewindir:${windir}`,
    '/i:MigUser.xml',
    '/o',
    '/c',
    '/encrypt',
    `/key:${KEY}`,
    `/l:${scanLog}`,
    `/progress:${progress}`,
    '--json',
  ]);
  assert.equal(r.status, 0, r.stderr.slice(-2000));
  const log = readFileSync(scanLog, 'utf8');
  assert.match(log, /\/key:\*{8}/);
  assertClean('ScanState log', log, [KEY]);
  assertClean('progress log', readFileSync(progress, 'utf8'), [KEY]);
  assertClean('--json events', r.stdout, [KEY]);
  assertClean('stderr', r.stderr, [KEY]);
  for (const f of [scanLog, progress]) assert.equal(statSync(f).mode & 0o777, 0o600, f);
});

test('loadstate /keyfile and /lac: the key from the file and the password are masked, also in errors', () => {
  const keyFile = join(work, 'key.txt');
  writeFileSync(keyFile, `${KEY}\r\n`);
  const loadLog = join(work, 'load.log');
  generateSampleVolume({ out: join(work, 'dst'), size: parseSize('1M'), users: 1, seed: 8 });
  const r = run('loadstate', [
    join(work, 'store'),
    `/offlinewindir:${join(work, 'dst/Windows')}`,
    '/i:MigUser.xml',
    '/c',
    '/decrypt',
    `/keyfile:${keyFile}`,
    `/lac:${LAC}`,
    `/l:${loadLog}`,
    '--json',
  ]);
  assert.equal(r.status, 0, r.stderr.slice(-2000));
  const log = readFileSync(loadLog, 'utf8');
  assert.match(log, /\/lac:\*{8}/);
  assertClean('LoadState log', log, [KEY, LAC]);
  assertClean('--json events', r.stdout, [KEY, LAC]);
  assert.equal(statSync(loadLog).mode & 0o777, 0o600);

  // A wrong key from a file fails, and its text appears nowhere either.
  writeFileSync(keyFile, `${FILE_KEY}\n`);
  const bad = run('loadstate', [
    join(work, 'store'),
    `/offlinewindir:${join(work, 'dst/Windows')}`,
    '/i:MigUser.xml',
    '/decrypt',
    `/keyfile:${keyFile}`,
    `/l:${loadLog}`,
    '--json',
  ]);
  assert.notEqual(bad.status, 0);
  assertClean('failed LoadState', readFileSync(loadLog, 'utf8') + bad.stdout + bad.stderr, [FILE_KEY]);
});

test('a command line that cannot be parsed does not leak the key into the default log or the console', () => {
  const long = `/key:${KEY}${'x'.repeat(300)}`;
  const r = run('usmtutils', ['/verify', join(work, 'store/USMT/USMT.MIG'), '/decrypt', long]);
  assert.equal(r.status, 12);
  assertClean('console', r.stdout + r.stderr, [KEY.slice(0, 8)]);
});
