// End to end: a generated offline Windows volume → `scanstate` (MigUser + MigApp) in each store
// mode → `loadstate` onto an empty target volume with `/mu` renaming one user → every expected
// file present, byte-identical, with its times and attributes, nothing unexpected, and
// `usmtutils /verify` clean. Then the faults: wrong key, tampered/truncated/future stores,
// unreadable source files with and without /c (as uid 65534), ENOSPC on a tiny tmpfs, and
// kill -9 in the middle of a capture followed by a resume.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import {
  chmodSync,
  chownSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  truncateSync,
  writeFileSync,
  openSync,
  writeSync,
  closeSync,
  readSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { getAttributeSync } from '@napi-rs/xattr';
import { openPlanning } from '../src/migxml/index.ts';
import { inspectStore } from '../src/store/index.ts';
import { generateSampleVolume } from '../src/sample-volume/index.ts';
import { runFerry } from '../src/cli/testing.ts';

const ROOT = new URL('..', import.meta.url).pathname;
const MAIN = join(ROOT, 'src/cli/main.ts');
/** Ferry's bundled rule files (src/usmt/xml), by their bare names as USMT command lines give them. */
const BUNDLED = new URL('../src/usmt/xml/', import.meta.url).pathname;
const RULES = ['/i:MigUser.xml', '/i:MigApp.xml'];
const KEY = '/key:correct horse';

let work: string;
let vol: string;
let windir: string;
/** Files the rules select on the source: Windows path → host path. */
let expected: Map<string, string>;

type Tool = 'scanstate' | 'loadstate' | 'usmtutils';

type Run = Pick<SpawnSyncReturns<string>, 'status' | 'stdout' | 'stderr'>;

/**
 * Run a tool in-process (src/cli/testing.ts, what `ferry <tool>` runs), or as a real process where
 * the test is about it: through its `bin/<tool>.mjs` alias, or as uid 65534.
 */
async function cli(tool: Tool, args: readonly string[], opts: { cwd?: string; nobody?: boolean; bin?: boolean } = {}): Promise<Run> {
  if (!opts.nobody && !opts.bin) return runFerry([tool, ...args], { cwd: opts.cwd ?? work, env: { FERRY_DEBUG: '1' } });
  const node = opts.bin ? [join(ROOT, `bin/${tool}.mjs`), ...args] : [MAIN, tool, ...args];
  const cmd = opts.nobody ? 'setpriv' : process.execPath;
  const argv = opts.nobody ? ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, ...node] : node;
  return spawnSync(cmd, argv, { cwd: opts.cwd ?? work, encoding: 'utf8', env: { ...process.env, FERRY_DEBUG: '1' }, timeout: 300_000 });
}

const rc = (r: Run) => r.status;
const explain = (r: Run) => `exit ${r.status}\n${r.stdout.slice(-2000)}\n${r.stderr.slice(-3000)}`;

function makeTarget(name: string): string {
  const t = join(work, name);
  mkdirSync(join(t, 'Windows/System32'), { recursive: true });
  mkdirSync(join(t, 'Users/Default'), { recursive: true });
  return t;
}

const sha = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile())
    .map((d) => relative(dir, join(d.parentPath, d.name)));
}

/** `C:\Users\alice\x` → `Users/alice2/x` on the target (the /mu rename). */
function targetRel(winPath: string): string {
  return winPath
    .replace(/^C:\\Users\\alice\\/i, 'C:\\Users\\alice2\\')
    .slice(3)
    .replaceAll('\\', '/');
}

function assertRestored(target: string, label: string): void {
  const want = new Map<string, string>();
  for (const [win, host] of expected) want.set(targetRel(win), host);
  const got = new Set(filesUnder(target));
  // Besides files: the account plan, and each user's new NTUSER.DAT holding the registry settings
  // the bundled rules collect.
  const unexpected = [...got].filter(
    (f) => !want.has(f) && f !== 'Windows/Ferry/accounts-plan.json' && !/^Users\/[^/]+\/NTUSER\.DAT$/.test(f),
  );
  assert.deepEqual(unexpected, [], `${label}: files on the target that the store should not have put there`);
  let hidden = 0;
  for (const [rel, src] of want) {
    const dst = join(target, rel);
    // The sample volume's shortcuts are real links: IgnoreIrrelevantLinks drops those whose target
    // (a program, or a file of the renamed user) is not on the target.
    if (rel.toLowerCase().endsWith('.lnk') && !got.has(rel)) continue;
    assert.ok(got.has(rel), `${label}: ${rel} missing on the target`);
    const a = statSync(src);
    const b = statSync(dst);
    assert.equal(b.size, a.size, `${label}: size of ${rel}`);
    assert.ok(Math.abs(b.mtimeMs - a.mtimeMs) < 1, `${label}: mtime of ${rel} (${b.mtimeMs} vs ${a.mtimeMs})`);
    assert.equal(sha(dst), sha(src), `${label}: content of ${rel}`);
    const attr = getAttributeSync(src, 'user.DOSATTRIB');
    if (attr) {
      assert.equal(getAttributeSync(dst, 'user.DOSATTRIB')?.toString(), attr.toString(), `${label}: attributes of ${rel}`);
      hidden++;
    }
  }
  assert.ok(want.size > 50, `${label}: the rules should select a real amount of files (got ${want.size})`);
  assert.ok(
    [...got].some((f) => /^Users\/bob\.smith\/.*\.lnk$/.test(f)),
    `${label}: shortcuts to restored files are kept`,
  );
  assert.ok(got.has('Windows/Ferry/accounts-plan.json'), `${label}: /lac records the local accounts in the plan`);
  const plan = JSON.parse(readFileSync(join(target, 'Windows/Ferry/accounts-plan.json'), 'utf8'));
  const alice2 = plan.accounts.find((a: { userName: string }) => a.userName === 'alice2');
  assert.ok(alice2, `${label}: renamed account in the plan`);
  assert.equal(alice2.profilePath, 'C:\\Users\\alice2', `${label}: the plan names the profile folder`);
  assert.match(alice2.profileSid, /^S-1-5-21-\d+-\d+-\d+-\d+$/, `${label}: the plan names the new local SID of the profile`);
  assert.notEqual(alice2.profileSid, alice2.sourceSid, `${label}: /mu gives the renamed account a new SID`);
  assert.ok(hidden >= 0);
}

before(async () => {
  work = mkdtempSync(join(tmpdir(), 'ferry-usmt-e2e-'));
  chmodSync(work, 0o755);
  vol = join(work, 'vol');
  generateSampleVolume({ out: vol, size: 30 << 20, users: 3, seed: 7 });
  windir = join(vol, 'Windows');
  const planning = await openPlanning({ windowsDir: windir, ruleFiles: [`${BUNDLED}MigUser.xml`, `${BUNDLED}MigApp.xml`] });
  expected = new Map();
  for await (const o of planning.engine.objects()) if (o.kind === 'file') expected.set(o.winPath!, o.entry!.hostPath);
  planning.engine.close();
  planning.volume.close();
});

after(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

const MODES = [
  { name: 'compressed+encrypted', scan: ['/encrypt:AES_256', KEY], load: ['/decrypt:AES_256', KEY], verify: true },
  { name: 'uncompressed', scan: ['/nocompress'], load: ['/nocompress'], verify: false },
  { name: 'hard-link', scan: ['/hardlink', '/nocompress'], load: ['/hardlink', '/nocompress'], verify: false },
] as const;

for (const mode of MODES) {
  test(`capture and restore, ${mode.name} store`, async () => {
    const store = join(work, `store-${mode.name}`);
    const scan = await cli('scanstate', [
      store,
      `/offlinewindir:${windir}`,
      ...RULES,
      ...mode.scan,
      `/l:${store}.scan.log`,
      `/progress:${store}.progress.log`,
      '/v:5',
      '/o',
    ]);
    assert.equal(rc(scan), 0, explain(scan));
    const progressLog = readFileSync(`${store}.progress.log`, 'utf8');
    assert.match(progressLog, /, totalPercentageCompleted, 100\n/);
    assert.ok((progressLog.match(/totalPercentageCompleted/g) ?? []).length >= 3, 'the percentage advances during the capture');
    assert.match(progressLog, /, PHASE, Scanning\n[\s\S]*, totalSizeInMBToTransfer, \d+\.\d\d\n[\s\S]*, PHASE, Collecting\n/);
    const target = makeTarget(`target-${mode.name}`);
    const load = await cli('loadstate', [
      store,
      `/offlinewindir:${join(target, 'Windows')}`,
      ...RULES,
      ...mode.load,
      '/mu:alice:alice2',
      '/lac',
      `/l:${store}.load.log`,
    ]);
    assert.equal(rc(load), 0, explain(load));
    assertRestored(target, mode.name);
    assert.ok(!existsSync(join(target, 'Users/alice')), 'the renamed user has no folder under the old name');
    if (mode.verify) {
      const v = await cli('usmtutils', ['/verify:all', join(store, 'USMT/USMT.MIG'), '/decrypt:AES_256', KEY]);
      assert.equal(rc(v), 0, explain(v));
      assert.match(v.stdout, /CATALOG\tOK\n$/);
      assert.doesNotMatch(v.stdout, /CORRUPTED/);
    }
    if (mode.name === 'hard-link') {
      const rd = await cli('usmtutils', ['/rd', store, '/y']);
      assert.equal(rc(rd), 0, explain(rd));
      assert.ok(!existsSync(store), 'usmtutils /rd removes the hard-link store');
      for (const src of expected.values()) assert.ok(existsSync(src), 'removing the store keeps the originals');
    }
  });
}

test('a restore onto a target that already holds a file renames the store copy to name(1).ext', async () => {
  const store = join(work, 'store-uncompressed');
  const [win, src] = [...expected].find(([w]) => /^C:\\Users\\bob\.smith\\Documents\\[^\\]+\.docx$/i.test(w))!;
  const target = makeTarget('target-collision');
  const rel = targetRel(win);
  mkdirSync(join(target, rel, '..'), { recursive: true });
  writeFileSync(join(target, rel), 'already here');
  const desk = [...expected.keys()].find((w) => /^C:\\Users\\bob\.smith\\Desktop\\[^\\]+$/i.test(w) && !/\.(lnk|ini)$/i.test(w))!;
  assert.ok(desk, "the generated volume has a file on bob's desktop");
  mkdirSync(join(target, targetRel(desk), '..'), { recursive: true });
  writeFileSync(join(target, targetRel(desk)), 'mine');
  const load = await cli('loadstate', [
    store,
    `/offlinewindir:${join(target, 'Windows')}`,
    ...RULES,
    '/nocompress',
    '/lac',
    '/mu:alice:alice2',
  ]);
  assert.equal(rc(load), 0, explain(load));
  assert.equal(readFileSync(join(target, rel), 'utf8'), 'already here', 'nothing is overwritten without a merge rule');
  const renamed = join(target, rel.replace(/\.docx$/, '(1).docx'));
  assert.equal(sha(renamed), sha(src));
  // MigUser.xml gives the Desktop DestinationPriority: the target's copy stays, no (1) copy.
  const deskRel = targetRel(desk);
  assert.equal(readFileSync(join(target, deskRel), 'utf8'), 'mine', 'DestinationPriority keeps the target file');
  const stem = deskRel.replace(/(\.[^./]+)?$/, '');
  assert.deepEqual(
    filesUnder(join(target, deskRel, '..')).filter((f) => f.startsWith(`${stem.split('/').pop()}(1)`)),
    [],
    'and writes no renamed copy',
  );
});

test("the spec's ScanState example command lines run unchanged (plus the offline source)", async () => {
  const cwd = join(work, 'example');
  mkdirSync(cwd);
  for (const f of ['MigApp.xml', 'MigDocs.xml']) cpSync(join(BUNDLED, f), join(cwd, f));
  writeFileSync(
    join(cwd, 'Config.xml'),
    '<?xml version="1.0"?>\n<Configuration><Applications/><Documents/><WindowsComponents/></Configuration>\n',
  );
  const line = [
    '\\\\server\\share\\migration\\mystore',
    '/i:MigApp.xml',
    '/i:MigDocs.xml',
    '/o',
    '/config:Config.xml',
    '/v:13',
    '/encrypt',
    '/key:mykey',
    `/offlinewindir:${windir}`,
  ];
  const r = await cli('scanstate', line, { cwd });
  assert.equal(rc(r), 0, explain(r));
  assert.ok(existsSync(join(cwd, '\\\\server\\share\\migration\\mystore', 'USMT', 'USMT.MIG')));
  assert.ok(existsSync(join(cwd, 'ScanState.log')), 'the default log is ScanState.log in the current folder');
  const p = await cli('scanstate', ['C:\\store', '/p:C:\\spaceRequirements.xml', `/offlinewindir:${windir}`, '/i:MigDocs.xml'], { cwd });
  assert.equal(rc(p), 0, explain(p));
  assert.match(
    readFileSync(join(cwd, 'C:\\spaceRequirements.xml'), 'utf8'),
    /<PreMigration>\n {2}<storeSize>\n {4}<size clusterSize="4096">\d+<\/size>/,
  );
  assert.ok(!existsSync(join(cwd, 'C:\\store', 'USMT')), '/p creates no store');
  const g = await cli('scanstate', ['/i:MigApp.xml', '/i:MigDocs.xml', '/genconfig:Gen.xml', '/v:13', `/offlinewindir:${windir}`], { cwd });
  assert.equal(rc(g), 0, explain(g));
  assert.match(readFileSync(join(cwd, 'Gen.xml'), 'utf8'), /<Configuration>/);
});

test('the scanstate / loadstate / usmtutils bin aliases run the tools', async () => {
  const help = await cli('scanstate', ['/?'], { bin: true });
  assert.equal(rc(help), 1, explain(help));
  assert.match(help.stdout, /ScanState \(Ferry\)/);
  const store = join(work, 'store-compressed+encrypted');
  const v = await cli('usmtutils', ['/verify', join(store, 'USMT/USMT.MIG'), '/decrypt:AES_256', KEY], { bin: true });
  assert.equal(rc(v), 0, explain(v));
  assert.match(v.stdout, /Number of corrupted files: 0/);
});

test('faults in the store: wrong key 37, tampered byte 42, truncated 42, future version 27, incomplete 27', async () => {
  const store = join(work, 'store-compressed+encrypted');
  const target = makeTarget('target-faults');
  const load = (s: string, extra: string[] = ['/decrypt:AES_256', KEY]) =>
    cli('loadstate', [s, `/offlinewindir:${join(target, 'Windows')}`, ...extra, '/lac']);

  const wrong = await load(store, ['/decrypt', '/key:wrong key']);
  assert.equal(rc(wrong), 37, explain(wrong));
  assert.match(wrong.stderr, /FERRY_E_STORE_BAD_KEY/);
  const noKey = await load(store, []);
  assert.equal(rc(noKey), 37, explain(noKey));
  assert.deepEqual(filesUnder(target), [], 'nothing restored with a wrong key');

  const copy = (name: string) => {
    const c = join(work, name);
    cpSync(store, c, { recursive: true });
    return c;
  };
  const tampered = copy('store-tampered');
  const mig = join(tampered, 'USMT/USMT.MIG');
  const fd = openSync(mig, 'r+');
  const at = Math.floor(statSync(mig).size / 3);
  const b = Buffer.alloc(1);
  readSync(fd, b, 0, 1, at);
  b[0] = b[0]! ^ 0x40;
  writeSync(fd, b, 0, 1, at);
  closeSync(fd);
  const t = await load(tampered);
  assert.equal(rc(t), 42, explain(t));
  assert.match(t.stderr, /FERRY_E_STORE_TAMPERED/);
  const v = await cli('usmtutils', ['/verify:failureonly', mig, '/decrypt', KEY]);
  assert.equal(rc(v), 42, explain(v));
  assert.match(v.stdout, /CORRUPTED/);

  const truncated = copy('store-truncated');
  truncateSync(join(truncated, 'USMT/USMT.MIG'), statSync(join(truncated, 'USMT/USMT.MIG')).size - 100);
  const tr = await load(truncated);
  assert.equal(rc(tr), 42, explain(tr));
  assert.match(tr.stderr, /FERRY_E_STORE_TRUNCATED/);

  const future = copy('store-future');
  const ffd = openSync(join(future, 'USMT/USMT.MIG'), 'r+');
  writeSync(ffd, Buffer.from([9, 0]), 0, 2, 8);
  closeSync(ffd);
  const fu = await load(future);
  assert.equal(rc(fu), 27, explain(fu));
  assert.match(fu.stderr, /FERRY_E_STORE_VERSION/);

  const missing = await load(join(work, 'no-such-store'));
  assert.equal(rc(missing), 27, explain(missing));
});

test('local users absent from the target need /lac (14); without it their data is not restored', async () => {
  const target = makeTarget('target-nolac');
  const r = await cli('loadstate', [join(work, 'store-uncompressed'), `/offlinewindir:${join(target, 'Windows')}`, '/nocompress']);
  assert.equal(rc(r), 14, explain(r));
  assert.ok(!existsSync(join(target, 'Users/alice')), 'no profile data without /lac');
});

test('unreadable source file (uid 65534): stops with 61 and a resumable store without /c; skipped, listed and 3 with /c', async () => {
  const [win, host] = [...expected].find(([w]) => /^C:\\Users\\alice\\Documents\\[^\\]+$/i.test(w))!;
  const parent = join(work, 'nobody');
  mkdirSync(parent);
  chownSync(parent, 65534, 65534);
  chmodSync(host, 0o000);
  try {
    const store = join(parent, 'store');
    const args = [store, `/offlinewindir:${windir}`, ...RULES, '/nocompress', `/l:${parent}/scan.log`];
    const stop = await cli('scanstate', args, { nobody: true });
    assert.equal(rc(stop), 61, explain(stop));
    assert.match(stop.stderr, /FERRY_E_USMT_STOPPED_ON_ERROR/);
    assert.ok(readFileSync(`${parent}/scan.log`, 'utf8').includes(win), 'the log names the file');
    assert.equal((await inspectStore(store)).complete, false, 'the store is left incomplete (resumable), never reported whole');
    const cont = await cli('scanstate', [...args, '/c', `/listfiles:${parent}/list.txt`], { nobody: true });
    assert.equal(rc(cont), 3, explain(cont));
    const log = readFileSync(`${parent}/scan.log`, 'utf8');
    assert.match(log, /Skipped because of \/c \(1\)/);
    assert.ok(log.includes(win));
    assert.ok(!readFileSync(`${parent}/list.txt`, 'utf8').includes(win), '/listfiles lists only what was stored');
    assert.equal(statSync(host).mode & 0o777, 0, 'the source is untouched');
    assert.equal((await inspectStore(store)).complete, true, 'with /c the store is finished');
  } finally {
    chmodSync(host, 0o644);
  }
});

test('ENOSPC on a tiny tmpfs: 72 and an incomplete store', async (t) => {
  const mnt = join(work, 'tiny');
  mkdirSync(mnt);
  const m = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=3m', 'tmpfs', mnt], { encoding: 'utf8' });
  if (m.status !== 0) {
    t.skip(`cannot mount a tmpfs here (${m.stderr.trim()})`);
    return;
  }
  try {
    const r = await cli('scanstate', [join(mnt, 'store'), `/offlinewindir:${windir}`, ...RULES, '/nocompress', `/l:${work}/enospc.log`]);
    assert.equal(rc(r), 72, explain(r));
    assert.match(r.stderr, /FERRY_E_DISK_FULL/);
    assert.equal((await inspectStore(join(mnt, 'store'))).complete, false, 'the partial store is marked incomplete');
  } finally {
    spawnSync('umount', [mnt]);
  }
});

test('kill -9 in the middle of a capture, then the same command resumes and the store restores', async (t) => {
  const v2 = join(work, 'vol-kill');
  generateSampleVolume({ out: v2, size: 8 << 20, users: 2, seed: 3 });
  const big = join(v2, 'Users/alice/Documents/big.docx');
  writeFileSync(big, randomBytes(48 * 1024 * 1024));
  const store = join(work, 'store-kill');
  const args = [store, `/offlinewindir:${join(v2, 'Windows')}`, ...RULES, '/encrypt', KEY, `/l:${work}/kill.log`];
  const child = spawn(process.execPath, [MAIN, 'scanstate', ...args], { cwd: work, stdio: 'ignore' });
  const partial = join(store, 'USMT/USMT.MIG.partial');
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline && child.exitCode === null) {
    if (existsSync(partial) && statSync(partial).size > 8 * 1024 * 1024) break;
    await new Promise((r) => setTimeout(r, 5));
  }
  if (child.exitCode !== null) {
    t.skip('the capture finished before it could be killed');
    return;
  }
  child.kill('SIGKILL');
  await new Promise((r) => child.once('exit', r));
  assert.equal((await inspectStore(store)).complete, false, 'a killed capture leaves an incomplete store');
  const target = makeTarget('target-kill');
  const early = await cli('loadstate', [store, `/offlinewindir:${join(target, 'Windows')}`, '/decrypt', KEY, '/lac']);
  assert.equal(rc(early), 27, explain(early));
  assert.match(early.stderr, /FERRY_E_STORE_INCOMPLETE/);

  const again = await cli('scanstate', args);
  assert.equal(rc(again), 0, explain(again));
  assert.match(readFileSync(`${work}/kill.log`, 'utf8'), /Resuming the interrupted capture/);
  const load = await cli('loadstate', [store, `/offlinewindir:${join(target, 'Windows')}`, '/decrypt', KEY, '/lac']);
  assert.equal(rc(load), 0, explain(load));
  assert.equal(sha(join(target, 'Users/alice/Documents/big.docx')), sha(big));
});
