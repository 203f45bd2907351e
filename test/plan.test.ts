// End to end: `ferry plan` and `ferry explain` on a sample volume with the bundled rule files
// (MigUser+MigApp and MigDocs+MigApp); in-process, and as a process run as another user.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateSampleVolume } from '../src/sample-volume/index.ts';
import { runFerry } from '../src/cli/testing.ts';

const ROOT = new URL('..', import.meta.url).pathname;
let dir = '';
let windowsDir = '';

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'ferry-plan-'));
  const vol = join(dir, 'vol');
  generateSampleVolume({ out: vol, size: 20 << 20, users: 2, seed: 3 });
  windowsDir = join(vol, 'Windows');
  // The sample volume installs Chrome machine-wide; MigApp detects the per-user install, so give
  // alice one (MigApp.xml's detection: Application [chrome.exe] AND a version folder Application\1.*).
  const app = join(vol, 'Users', 'alice', 'AppData', 'Local', 'Google', 'Chrome', 'Application');
  mkdirSync(join(app, '1.0.154.65'), { recursive: true });
  writeFileSync(join(app, 'chrome.exe'), 'MZ');
});

after(() => rmSync(dir, { recursive: true, force: true }));

async function ferry(...args: string[]): Promise<{ status: number | null; lines: string[]; stderr: string }> {
  const r = await runFerry(args);
  return { status: r.status, lines: r.stdout.split('\n').filter(Boolean), stderr: r.stderr };
}

interface PlanLine {
  kind?: string;
  path?: string;
  user?: string | null;
  component?: string;
  totals?: { total: { objects: number }; byUser: Record<string, unknown>; byComponent: Record<string, unknown> };
}

async function plan(...rules: string[]): Promise<{ objects: PlanLine[]; totals: NonNullable<PlanLine['totals']> }> {
  const r = await ferry('plan', '--offlinewindir', windowsDir, ...rules.map((x) => `/i:${x}`), '--json');
  assert.equal(r.status, 0, r.stderr);
  const parsed = r.lines.map((l) => JSON.parse(l) as PlanLine);
  const totals = parsed.find((p) => p.totals)!.totals!;
  return { objects: parsed.filter((p) => p.kind), totals };
}

function checkCommon(objects: PlanLine[]): void {
  const files = objects.filter((o) => o.kind === 'file').map((o) => o.path!);
  const has = (re: RegExp) => files.some((f) => re.test(f));
  for (const user of ['alice', 'bob.smith']) {
    const u = user.replace('.', '\\.');
    assert.ok(has(new RegExp(`^C:\\\\Users\\\\${u}\\\\Documents\\\\`)), `${user}: documents`);
    assert.ok(has(new RegExp(`^C:\\\\Users\\\\${u}\\\\Desktop\\\\`)), `${user}: desktop`);
    assert.ok(has(new RegExp(`^C:\\\\Users\\\\${u}\\\\Favorites\\\\`)), `${user}: favorites`);
  }
  // MigApp's Google Chrome component: settings in, cache out.
  assert.ok(
    has(/^C:\\Users\\alice\\AppData\\Local\\Google\\Chrome\\User Data\\Default\\(Preferences|Bookmarks)$/),
    'app settings (Chrome)',
  );
  assert.ok(!has(/\\Google\\Chrome\\User Data\\[^\\]+\\Cache\\/i), 'Chrome cache');
  const all = objects.map((o) => o.path!);
  for (const bad of [
    /\\AppData\\Local\\Temp(\\|$)/i,
    /\\INetCache(\\|$)/i,
    /^C:\\pagefile\.sys$/i,
    /^C:\\hiberfil\.sys$/i,
    /^C:\\Windows(\\|$)/i,
    /^C:\\Program Files(\\|$)/i,
  ]) {
    assert.deepEqual(
      all.filter((p) => bad.test(p)),
      [],
      `nothing matching ${bad}`,
    );
  }
}

test('ferry plan with MigUser.xml + MigApp.xml', async () => {
  const { objects, totals } = await plan('MigUser.xml', 'MigApp.xml');
  checkCommon(objects);
  const byComp = new Set(objects.map((o) => o.component));
  for (const c of ['My Documents', 'Desktop', 'Favorites', 'Google Chrome']) assert.ok(byComp.has(c), c);
  assert.equal(totals.total.objects, objects.length);
  assert.ok(Object.keys(totals.byUser).some((u) => u.endsWith('\\alice')));
  assert.ok('My Documents' in totals.byComponent);
});

test('ferry plan with MigDocs.xml + MigApp.xml', async () => {
  const { objects } = await plan('MigDocs.xml', 'MigApp.xml');
  checkCommon(objects);
  assert.ok(
    objects.some((o) => o.path === 'C:\\Data\\Scans' || o.path?.startsWith('C:\\Data\\')),
    'non-profile data of the drive root',
  );
});

test('ferry explain --json: one object per path, in order, with the decision, rule and destination', async () => {
  const paths = [
    'C:\\Users\\alice\\Desktop',
    'C:\\pagefile.sys',
    'C:\\Users\\alice\\AppData\\Local\\Temp',
    'HKCU\\Control Panel\\Desktop [Wallpaper]',
  ];
  const r = await ferry('explain', `--offlinewindir=${windowsDir}`, '--i', 'MigUser.xml', '/i:MigApp.xml', '--json', ...paths);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.lines.length, paths.length);
  const objs = r.lines.map((l) => JSON.parse(l));
  objs.forEach((o, i) => {
    assert.deepEqual(Object.keys(o), ['path', 'decision', 'rule', 'destination']);
    assert.equal(o.path, paths[i]);
    assert.ok(['include', 'exclude', 'none'].includes(o.decision));
  });
  assert.equal(objs[0].decision, 'include');
  assert.deepEqual(Object.keys(objs[0].rule), ['file', 'component', 'kind', 'pattern']);
  assert.equal(objs[0].rule.component, 'Desktop');
  assert.equal(objs[0].destination, 'C:\\Users\\alice\\Desktop');
  assert.equal(objs[1].decision, 'none');
  assert.equal(objs[1].rule, null);
  assert.equal(objs[1].destination, null);
});

test('bad input: missing rule file 28, malformed XML 29, /uel:0 11, not a Windows folder', async () => {
  assert.equal((await ferry('plan', '--offlinewindir', windowsDir, '/i:' + join(dir, 'nope.xml'))).status, 28);
  const bad = join(dir, 'bad.xml');
  writeFileSync(bad, '<migration urlid="u"><component>');
  const r = await ferry('plan', '--offlinewindir', windowsDir, '/i:' + bad);
  assert.equal(r.status, 29);
  assert.match(r.stderr, /FERRY_E_XML_MALFORMED: .*bad\.xml:1/);
  assert.equal((await ferry('plan', '--offlinewindir', windowsDir, '/i:MigDocs.xml', '/uel:0')).status, 11);
  const notWin = await ferry('plan', '--offlinewindir', dir, '/i:MigDocs.xml');
  assert.notEqual(notWin.status, 0);
  assert.match(notWin.stderr, /FERRY_E_(NOT_A_WINDOWS_DIR|WINDIR_NOT_FOUND)/);
});

test('an unreadable folder is reported and skipped; the rest is still planned (run without root)', (t) => {
  if (process.getuid?.() === 0 && spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', 'true']).status !== 0) {
    return t.skip('setpriv is not available to drop root privileges');
  }
  const locked = join(windowsDir, '..', 'Users', 'alice', 'Documents', 'Locked');
  mkdirSync(locked, { recursive: true });
  writeFileSync(join(locked, 'secret.docx'), 'x');
  chmodSync(dir, 0o755);
  chmodSync(locked, 0o000);
  try {
    const cmd = [process.execPath, join(ROOT, 'src/cli/main.ts'), 'plan', '--offlinewindir', windowsDir, '/i:MigUser.xml', '--json'];
    const r =
      process.getuid?.() === 0
        ? spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', ...cmd], { encoding: 'utf8' })
        : spawnSync(cmd[0]!, cmd.slice(1), { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const lines = r.stdout
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l));
    assert.ok(
      lines.some((l) => l.warning && /Locked/.test(l.warning.message)),
      'a warning names the unreadable folder',
    );
    assert.ok(
      lines.some((l) => l.kind === 'file' && /\\alice\\Documents\\/.test(l.path)),
      'the readable documents are still planned',
    );
    assert.ok(!lines.some((l) => l.path && /secret\.docx/.test(l.path)));
  } finally {
    chmodSync(locked, 0o755);
  }
});

test('plan and explain with --store: what ScanState excludes because it is the store it writes, with the reason', async () => {
  // A hard-link store left in _SMSTSUserStatePath holds copies MigDocs would otherwise pick up.
  const vol = join(windowsDir, '..');
  const copy = join(vol, '_SMSTaskSequence', 'UserState', 'USMT', 'File', 'C$', 'Users', 'alice', 'Documents');
  mkdirSync(copy, { recursive: true });
  writeFileSync(join(copy, 'Budget.docx'), 'PK');
  const inStore = 'C:\\_SMSTaskSequence\\UserState\\USMT\\File\\C$\\Users\\alice\\Documents\\Budget.docx';
  try {
    const without = await plan('MigDocs.xml', 'MigApp.xml');
    assert.ok(
      without.objects.some((o) => o.path === inStore),
      'without --store, MigDocs picks up the stale store',
    );
    const r = await ferry(
      'plan',
      '--offlinewindir',
      windowsDir,
      '/i:MigDocs.xml',
      '/i:MigApp.xml',
      '--store',
      join(vol, '_SMSTaskSequence', 'UserState'),
      '--json',
    );
    assert.equal(r.status, 0, r.stderr);
    const lines = r.lines.map(
      (l) => JSON.parse(l) as PlanLine & { excluded?: string; excludedStore?: { objects: number; reason: string } },
    );
    assert.ok(!lines.some((o) => o.kind && !o.excluded && o.path?.startsWith('C:\\_SMSTaskSequence\\UserState')));
    assert.ok(lines.some((o) => o.path === inStore && /ScanState never captures the store it is writing/.test(o.excluded ?? '')));
    assert.ok(lines.find((o) => o.excludedStore)!.excludedStore!.objects >= 1);
    const text = await ferry('plan', '--offlinewindir', windowsDir, '/i:MigDocs.xml', '--store', 'C:\\_SMSTaskSequence\\UserState');
    assert.match(
      text.lines.join('\n'),
      /Excluded: \d+ objects inside the store path C:\\_SMSTaskSequence\\UserState: ScanState never captures the store it is writing\./,
    );
    const e = await ferry(
      'explain',
      '--offlinewindir',
      windowsDir,
      '/i:MigDocs.xml',
      '--store',
      'C:\\_SMSTaskSequence\\UserState',
      '--json',
      inStore,
    );
    assert.equal(e.status, 0, e.stderr);
    const ex = JSON.parse(e.lines[0]!);
    assert.equal(ex.decision, 'excluded');
    assert.match(ex.reason, /ScanState never captures the store it is writing/);
  } finally {
    rmSync(join(vol, '_SMSTaskSequence'), { recursive: true, force: true });
  }
});
