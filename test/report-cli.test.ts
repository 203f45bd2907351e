// Migration reports end to end: ScanState and LoadState (in-process, a small generated volume)
// write <log>.report.json/.html that pass the schema and match the volumes; `ferry
// report` summarizes them and a store, and `--compare` lists what was captured but not restored.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, lstatSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseReport, type MigrationReport } from '../src/report/index.ts';
import { generateSampleVolume } from '../src/sample-volume/index.ts';
import { runFerry, type InProcessResult } from '../src/cli/testing.ts';

let work: string;
let capture: MigrationReport;
let restore: MigrationReport;

/** `ferry …` in-process (every path given is absolute). */
const ferry = (...args: string[]): Promise<InProcessResult> => runFerry(args);
const show = (r: InProcessResult) => `exit ${r.status}\n${r.stdout.slice(-1500)}\n${r.stderr.slice(-1500)}`;

function gen(name: string, size: number, users: number, seed: number): string {
  const out = join(work, name);
  generateSampleVolume({ out, size, users, seed });
  return join(out, 'Windows');
}

/** Files (not folders) under a host folder; NTUSER.DAT is the hive LoadState writes the user's registry into, not a store file. */
function countFiles(dir: string): number {
  let n = 0;
  for (const e of readdirSync(dir)) {
    if (/^ntuser\.dat/i.test(e)) continue;
    const st = lstatSync(join(dir, e));
    if (st.isDirectory()) n += countFiles(join(dir, e));
    else n++;
  }
  return n;
}

before(async () => {
  work = mkdtempSync(join(tmpdir(), 'ferry-report-'));
  const src = gen('src', 2 << 20, 2, 11);
  const dst = gen('dst', 1 << 20, 1, 12);
  const scan = await ferry(
    'scanstate',
    join(work, 'store'),
    `/offlinewindir:${src}`,
    '/i:MigUser.xml',
    '/i:MigApp.xml',
    '/o',
    '/c',
    `/l:${join(work, 'scan.log')}`,
  );
  assert.ok(scan.status === 0 || scan.status === 3, show(scan));
  // alice lands in a new profile on DST, so every file under it comes from the store.
  const load = await ferry(
    'loadstate',
    join(work, 'store'),
    `/offlinewindir:${dst}`,
    '/i:MigUser.xml',
    '/i:MigApp.xml',
    '/c',
    '/lac',
    '/mu:alice:alice2',
    `/l:${join(work, 'load.log')}`,
  );
  assert.ok(load.status === 0 || load.status === 3, show(load));
  capture = parseReport(JSON.parse(readFileSync(join(work, 'scan.log.report.json'), 'utf8')));
  restore = parseReport(JSON.parse(readFileSync(join(work, 'load.log.report.json'), 'utf8')));
});

after(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

test('ScanState and LoadState write reports that pass the schema, beside their logs', () => {
  assert.equal(capture.kind, 'capture');
  assert.equal(restore.kind, 'restore');
  for (const f of ['scan.log.report.html', 'load.log.report.html']) assert.match(readFileSync(join(work, f), 'utf8'), /^<!doctype html>/);
  assert.ok(capture.totals.files.captured > 0);
  assert.ok(capture.store!.bytesOnDisk > 0 && capture.store!.compressionRatio! > 0);
  assert.ok(capture.phases.some((p) => p.name === 'Collecting'));
  assert.ok(restore.phases.some((p) => p.name === 'Applying'));
  assert.match(readFileSync(join(work, 'scan.log'), 'utf8'), /Migration report written to .*scan\.log\.report\.json/);
});

test("the reports' numbers match the volumes and each other", () => {
  const alice = Object.keys(restore.users).find((u) => /\\alice$/.test(u))!;
  assert.equal(restore.userMap?.[alice], alice.replace(/alice$/, 'alice2'));
  const onDst = countFiles(join(work, 'dst/Users/alice2'));
  assert.equal(onDst, restore.users[alice]!.files.restored, 'files on DST under the new profile = restored count');
  // Every store object has one outcome: restored or not migrated (with a reason).
  for (const [name, u] of Object.entries(restore.users)) {
    assert.equal(u.files.restored + u.files.notMigrated, capture.users[name]!.files.captured, name);
    assert.equal(
      u.files.notMigrated,
      u.notMigrated.reduce((n, g) => n + g.kinds.file, 0),
      name,
    );
  }
  assert.equal(restore.totals.files.selected, capture.totals.files.captured);
  assert.equal(restore.totals.bytes.selected, capture.totals.bytes.captured);
  const summary = /Restored (\d+) files/.exec(readFileSync(join(work, 'load.log'), 'utf8'))!;
  assert.equal(Number(summary[1]), restore.totals.files.restored);
});

test('ferry report prints a summary, --json the report as is, and a store is summarized from its catalog', async () => {
  const text = await ferry('report', join(work, 'load.log.report.json'));
  assert.equal(text.status, 0, show(text));
  assert.match(text.stdout, new RegExp(`${restore.totals.files.restored} restored`));
  const json = await ferry('report', join(work, 'scan.log.report.json'), '--json');
  assert.deepEqual(JSON.parse(json.stdout), capture);
  const store = await ferry('report', join(work, 'store'), '--json');
  assert.equal(store.status, 0, show(store));
  const fromStore = parseReport(JSON.parse(store.stdout));
  assert.equal(fromStore.totals.files.captured, capture.totals.files.captured);
  assert.equal(fromStore.totals.registry.captured, capture.totals.registry.captured);
  const bad = await ferry('report', join(work, 'scan.log'));
  assert.equal(bad.status, 11);
  assert.match(bad.stderr, /FERRY_E_REPORT_INVALID/);
});

test('ferry report --compare lists what was captured but not restored, with why', async () => {
  const r = await ferry('report', '--compare', join(work, 'scan.log.report.json'), join(work, 'load.log.report.json'), '--json');
  assert.equal(r.status, 0, show(r));
  const cmp = JSON.parse(r.stdout) as {
    notRestored: number;
    unaccounted: number;
    users: { notRestored: { count: number; paths: string[] }[] }[];
  };
  const notRestored = restore.totals.files.notMigrated + restore.totals.registry.notMigrated + restore.totals.ini.notMigrated;
  assert.equal(cmp.unaccounted, 0);
  assert.ok(cmp.notRestored >= notRestored);
  const text = await ferry('report', '--compare', join(work, 'scan.log.report.json'), join(work, 'load.log.report.json'));
  assert.match(text.stdout, /captured but not restored/);
  assert.ok(existsSync(join(work, 'store')));
});

test("a hard-link capture's report gives the store's size on disk without walking it: catalog plus each linked inode once", async () => {
  const store = join(work, 'hl-store');
  const scan = await ferry(
    'scanstate',
    store,
    `/offlinewindir:${join(work, 'src/Windows')}`,
    '/i:MigUser.xml',
    '/hardlink',
    '/nocompress',
    '/o',
    '/c',
    `/l:${join(work, 'hl.log')}`,
  );
  assert.ok(scan.status === 0 || scan.status === 3, show(scan));
  const report = parseReport(JSON.parse(readFileSync(join(work, 'hl.log.report.json'), 'utf8')));
  // What a walk of the store finds: every file's size, each inode once.
  const seen = new Set<number>();
  let onDisk = 0;
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir)) {
      const st = lstatSync(join(dir, e));
      if (st.isDirectory()) walk(join(dir, e));
      else if (!seen.has(st.ino)) seen.add(st.ino), (onDisk += st.size);
    }
  };
  walk(join(store, 'USMT'));
  assert.equal(report.store!.type, 'hardlink');
  assert.ok(report.totals.files.captured > 0);
  assert.equal(report.store!.bytesOnDisk, onDisk);
});
