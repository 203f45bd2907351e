// The USMT tools' return codes for bad command lines and bad inputs (spec/usmt-cli.md §6), run
// in-process (the code `cli()` returns is the process's exit code; a few run as real processes
// to check that), plus `--json` event streaming and IgnoreIrrelevantLinks on a real restore.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildShellLink } from '../src/usmt/index.ts';
import { generateSampleVolume } from '../src/sample-volume/index.ts';
import { runFerry } from '../src/cli/testing.ts';

const MAIN = new URL('../src/cli/main.ts', import.meta.url).pathname;
let work: string;
let windir: string;

type Tool = 'scanstate' | 'loadstate' | 'usmtutils';
type Run = Pick<SpawnSyncReturns<string>, 'status' | 'stdout' | 'stderr'>;

/** The tool in-process, as `ferry <tool>` runs it. */
function run(tool: Tool, args: readonly string[]): Promise<Run> {
  return runFerry([tool, ...args], { cwd: work });
}
/** The tool as a real process: its exit status as the OS reports it. */
function runProcess(tool: Tool, args: readonly string[]): Run {
  return spawnSync(process.execPath, [MAIN, tool, ...args], { cwd: work, encoding: 'utf8', timeout: 120_000 });
}
const show = (r: Run) => `exit ${r.status}\n${r.stdout.slice(-1500)}\n${r.stderr.slice(-1500)}`;

before(() => {
  work = mkdtempSync(join(tmpdir(), 'ferry-usmt-cli-'));
  const vol = join(work, 'vol');
  generateSampleVolume({ out: vol, size: 4 << 20, users: 1, seed: 5 });
  windir = join(vol, 'Windows');
  const desktop = join(vol, 'Users/alice/Desktop');
  mkdirSync(desktop, { recursive: true });
  writeFileSync(join(desktop, 'Notes.lnk'), buildShellLink('C:\\Users\\alice\\Desktop\\notes.txt'));
  writeFileSync(join(desktop, 'notes.txt'), 'notes');
  writeFileSync(join(desktop, 'Gone.lnk'), buildShellLink('C:\\Program Files\\Retired App\\retired.exe'));
});

after(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

test('command-line return codes: help 1, invalid 11, too long 12, platform 36', async () => {
  const cases: [string, string[], number, RegExp?][] = [
    ['scanstate', ['/?'], 1, /ScanState \(Ferry\)/],
    ['loadstate', ['/help'], 1],
    ['usmtutils', ['/?'], 1],
    ['scanstate', [], 11, /Command line arguments are required/],
    ['scanstate', ['store', '/nocompress', '/encrypt', '/key:k'], 11],
    ['scanstate', ['store', '/hardlink'], 11, /\/hardlink requires \/nocompress/],
    ['scanstate', ['store', '/v:2'], 11, /Verbosity level/],
    ['scanstate', ['store', '/vsc', `/offlinewindir:${windir}`], 11, /FERRY_E_NOT_SUPPORTED_ON_PLATFORM/],
    ['scanstate', ['store', '/genmigxml:x.xml'], 11, /FERRY_E_INVALID_ARGUMENT|FERRY_E_USMT_UNSUPPORTED_OPTION/],
    ['scanstate', ['store', `/offlinewindir:${windir}`, '/uel:0'], 11],
    ['scanstate', [`s${'x'.repeat(300)}`], 12],
    ['scanstate', ['store'], 36, /Use \/offline to run gather on this platform/],
    ['loadstate', ['store'], 36, /offlinewindir/],
    ['loadstate', ['store', '/offline:o.xml'], 36],
    ['loadstate', ['store', '/lae'], 11, /\/lae is only used with \/lac/],
    ['usmtutils', ['/verify'], 11],
  ];
  // Real processes for a few: the code `cli()` returns is what the OS reports.
  const asProcess = new Set([0, 3, 12]);
  for (const [i, [tool, args, code, re]] of cases.entries()) {
    const r = asProcess.has(i) ? runProcess(tool as Tool, args) : await run(tool as Tool, args);
    assert.equal(r.status, code, `${tool} ${args.join(' ')}: ${show(r)}`);
    if (re) assert.match(r.stdout + r.stderr, re, `${tool} ${args.join(' ')}`);
  }
});

test(
  'input return codes: /i 28, /config 39, /l 13, /progress 40, /keyfile 33, ' +
    'Offline.xml 11/26, store root and existing store 27, /rd 35',
  async () => {
    const store = join(work, 'store');
    const base = [store, `/offlinewindir:${windir}`];
    writeFileSync(join(work, 'notxml.xml'), 'this is not xml');
    writeFileSync(join(work, 'offline.xml'), `<offline><winDir><path>${join(work, 'nowhere')}</path></winDir></offline>`);
    writeFileSync(
      join(work, 'offline-good.xml'),
      `<offline><winDir><path>${join(work, 'nowhere')}</path><path>${windir}</path></winDir></offline>`,
    );
    writeFileSync(join(work, 'file'), '');
    writeFileSync(
      join(work, 'Config.xml'),
      '<?xml version="1.0"?>\n<Configuration><Applications/><Documents/><WindowsComponents/></Configuration>\n',
    );
    const cases: [string[], number, RegExp?][] = [
      [[...base, '/i:missing.xml'], 28],
      [[...base, '/i:notxml.xml'], 28, /Script file is invalid for \/i/],
      [[...base, '/i:Config.xml'], 28],
      [[...base, '/config:missing.xml'], 39],
      [[...base, '/l:file/x.log'], 13],
      [[...base, '/progress:file/p.log'], 40],
      [[...base, '/encrypt', '/keyfile:missing.txt'], 33],
      [[store, '/offline:missing.xml'], 11],
      [[store, '/offline:offline.xml'], 26, /Unable to find a valid Windows directory/],
      [['/', `/offlinewindir:${windir}`, '/i:MigDocs.xml', '/nocompress'], 27, /FERRY_E_STORE_ROOT_FOLDER/],
    ];
    for (const [args, code, re] of cases) {
      const r = await run('scanstate', args);
      assert.equal(r.status, code, `scanstate ${args.join(' ')}: ${show(r)}`);
      if (re) assert.match(r.stdout + r.stderr, re);
    }
    const first = await run('scanstate', [store, '/offline:offline-good.xml', '/i:MigDocs.xml', '/nocompress']);
    assert.equal(first.status, 0, show(first));
    const again = await run('scanstate', [store, `/offlinewindir:${windir}`, '/i:MigDocs.xml', '/nocompress']);
    assert.equal(again.status, 27, show(again));
    assert.match(again.stderr, /specify \/o/);
    const rd = await run('usmtutils', ['/rd', store, '/y']);
    assert.equal(rd.status, 35, show(rd));
    assert.ok(existsSync(join(store, 'USMT')), '/rd refuses a store that is not a hard-link store');
    const wrongKind = await run('loadstate', [store, `/offlinewindir:${windir}`]);
    assert.equal(wrongKind.status, 27, show(wrongKind));
    assert.match(wrongKind.stderr, /\/nocompress/);
  },
);

test('--json streams typed events, one JSON object per line', async () => {
  const r = await run('scanstate', [join(work, 'store-json'), `/offlinewindir:${windir}`, '/i:MigUser.xml', '--json']);
  assert.equal(r.status, 0, show(r));
  const events = r.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { type: string; phase?: string; component?: string });
  assert.ok(events.some((e) => e.type === 'phase' && e.phase === 'Collecting'));
  assert.ok(events.some((e) => e.type === 'progress'));
  assert.ok(events.some((e) => e.type === 'log' && e.component === 'summary'));
  const bad = await run('scanstate', ['store', '--json']);
  assert.equal(bad.status, 36);
  assert.deepEqual(JSON.parse(bad.stdout.trim()).exitCode, 36);
});

test(
  'IgnoreIrrelevantLinks: a shortcut to a missing target is dropped, one to a ' +
    'restored file kept, an unparseable one kept with a warning',
  async () => {
    writeFileSync(join(windir, '../Users/alice/Desktop/Broken.lnk'), Buffer.from('not a shell link'));
    const store = join(work, 'store-links');
    const scan = await run('scanstate', [store, `/offlinewindir:${windir}`, '/i:MigUser.xml', '/nocompress']);
    assert.equal(scan.status, 0, show(scan));
    const target = join(work, 'target-links');
    mkdirSync(join(target, 'Windows/System32'), { recursive: true });
    const log = join(work, 'links.log');
    const load = await run('loadstate', [
      store,
      `/offlinewindir:${join(target, 'Windows')}`,
      '/i:MigUser.xml',
      '/nocompress',
      '/lac',
      `/l:${log}`,
    ]);
    assert.equal(load.status, 0, show(load));
    assert.ok(existsSync(join(target, 'Users/alice/Desktop/Notes.lnk')), 'the shortcut to a restored file is kept');
    assert.ok(existsSync(join(target, 'Users/alice/Desktop/notes.txt')));
    assert.ok(!existsSync(join(target, 'Users/alice/Desktop/Gone.lnk')), 'the shortcut to a missing program is dropped');
    const text = readFileSync(log, 'utf8');
    assert.match(text, /Dropped the shortcut C:\\Users\\alice\\Desktop\\Gone\.lnk/);
    assert.equal(
      text.match(/FERRY_W_USMT_LINK_UNPARSEABLE/g)?.length,
      1,
      "the sample volume's own shortcuts are real links; only Broken.lnk is not",
    );
    assert.match(text, /Broken\.lnk could not be parsed/);
    assert.ok(existsSync(join(target, 'Users/alice/Desktop/Broken.lnk')), 'an unparseable shortcut is kept');
  },
);

test('restore faults: a target path that cannot be written stops with 61, or is skipped with /c (3); a full target is 72', async (t) => {
  const store = join(work, 'store-links');
  const blocked = join(work, 'target-blocked');
  mkdirSync(join(blocked, 'Windows/System32'), { recursive: true });
  mkdirSync(join(blocked, 'Users/alice'), { recursive: true });
  writeFileSync(join(blocked, 'Users/alice/Desktop'), 'a file where the Desktop folder should be');
  const args = [store, `/offlinewindir:${join(blocked, 'Windows')}`, '/i:MigUser.xml', '/nocompress', '/lac'];
  const stop = await run('loadstate', args);
  assert.equal(stop.status, 61, show(stop));
  assert.match(stop.stderr, /FERRY_E_USMT_STOPPED_ON_ERROR/);
  const cont = await run('loadstate', [...args, '/c', `/l:${work}/blocked.log`]);
  assert.equal(cont.status, 3, show(cont));
  assert.match(readFileSync(`${work}/blocked.log`, 'utf8'), /Could not restore C:\\Users\\alice\\Desktop\\notes\.txt \(\/c\)/);
  assert.ok(existsSync(join(blocked, 'Users/alice/Documents')), 'the rest of the profile is restored with /c');

  const mnt = join(work, 'tiny-target');
  mkdirSync(mnt);
  const m = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=256k', 'tmpfs', mnt], { encoding: 'utf8' });
  if (m.status !== 0) {
    t.skip(`cannot mount a tmpfs here (${m.stderr.trim()})`);
    return;
  }
  try {
    mkdirSync(join(mnt, 'Windows/System32'), { recursive: true });
    const full = await run('loadstate', [store, `/offlinewindir:${join(mnt, 'Windows')}`, '/nocompress', '/lac', '/c']);
    assert.equal(full.status, 72, show(full));
    assert.match(full.stderr, /FERRY_E_DISK_FULL/);
    const leftovers = readdirSync(mnt, { recursive: true }).filter((f) => String(f).endsWith('.tmp'));
    assert.deepEqual(leftovers, [], 'no half-written file is left behind');
  } finally {
    spawnSync('umount', [mnt]);
  }
});

test("registry settings round-trip into the renamed user's NTUSER.DAT on the target", async () => {
  const { openHive } = await import('../src/registry/index.ts');
  const rules = join(work, 'desktop-settings.xml');
  writeFileSync(
    rules,
    `<?xml version="1.0"?>
<migration urlid="http://www.microsoft.com/migration/1.0/migxmlext/ferrytest">
  <component type="Documents" context="User">
    <displayName>Desktop settings</displayName>
    <role role="Settings"><rules><include><objectSet>
      <pattern type="Registry">HKCU\\Control Panel\\Desktop\\* [*]</pattern>
    </objectSet></include></rules></role>
  </component>
</migration>`,
  );
  const store = join(work, 'store-registry');
  const scan = await run('scanstate', [store, `/offlinewindir:${windir}`, `/i:${rules}`, '/nocompress']);
  assert.equal(scan.status, 0, show(scan));
  const target = join(work, 'target-registry');
  mkdirSync(join(target, 'Windows/System32'), { recursive: true });
  const load = await run('loadstate', [
    store,
    `/offlinewindir:${join(target, 'Windows')}`,
    `/i:${rules}`,
    '/nocompress',
    '/lac',
    '/mu:alice:al',
  ]);
  assert.equal(load.status, 0, show(load));
  const source = openHive(join(windir, '../Users/alice/NTUSER.DAT'), { allowDirty: true });
  const restored = openHive(join(target, 'Users/al/NTUSER.DAT'));
  const values = (h: typeof source) =>
    (h.key('Control Panel\\Desktop')?.values() ?? []).map((v) => [v.name, v.type, v.raw.toString('hex')]);
  assert.ok(values(source).length > 0, 'the generated hive has Control Panel\\Desktop values');
  // The wallpaper path moves with the profile folder (C:\Users\alice → C:\Users\al); the rest is as captured.
  const moved = (v: unknown[]) =>
    v[0] === 'Wallpaper' ? [v[0], v[1], Buffer.from('C:\\Users\\al\\Pictures\\wallpaper.jpg\0', 'utf16le').toString('hex')] : v;
  assert.deepEqual(values(restored), values(source).map(moved));
  source.close();
  restored.close();
});
