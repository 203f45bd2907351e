// Issue 8 end to end: a generated volume's user settings (wallpaper, Explorer, regional
// settings, Outlook signatures) captured by `scanstate` with the bundled MigUser.xml and
// MigApp.xml into a compressed, encrypted store, then restored by `loadstate` onto a fresh
// target, where Debian's hivex — an independent regf implementation — reads them back from the
// new user's NTUSER.DAT (made from the target's Default profile hive) with the same data.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HiveEditor, RegType } from '../src/registry/index.ts';
import { hivexMissing } from '../src/registry/testing/hivex.ts';
import { openStore, type RegistryEntry } from '../src/store/index.ts';
import { openVolume } from '../src/volume/index.ts';
import { writeHiveFixtures } from '../src/sample-volume/testing.ts';
import { generateSampleVolume } from '../src/sample-volume/index.ts';
import { runFerry, type InProcessResult } from '../src/cli/testing.ts';

const KEY = 'registry-migration-key';
const ALICE_SID = 'S-1-5-21-3623811015-3361044348-30300820-1001';
const PROFILE_LIST = 'Microsoft\\Windows NT\\CurrentVersion\\ProfileList';
const OUTLOOK_ACCOUNT = 'Software\\Microsoft\\Office\\16.0\\Outlook\\Profiles\\Outlook\\9375CFF0413111d3B88A00104B2A6676\\00000002';

/** HKCU settings the issue names, as MigApp.xml collects them: [key, value]. */
const EXPECTED: readonly (readonly [string, string])[] = [
  ['Control Panel\\Desktop', 'Wallpaper'],
  ['Control Panel\\Desktop', 'WallpaperStyle'],
  ['Software\\Microsoft\\Windows\\CurrentVersion\\Explorer\\Advanced', 'HideFileExt'],
  ['Software\\Microsoft\\Windows\\CurrentVersion\\Explorer\\Advanced', 'Hidden'],
  ['Control Panel\\International', 'LocaleName'],
  ['Control Panel\\International', 'sShortDate'],
  ['Software\\Microsoft\\Office\\16.0\\Common\\MailSettings', 'NewSignature'],
  ['Software\\Microsoft\\Office\\16.0\\Common\\MailSettings', 'ReplySignature'],
  [OUTLOOK_ACCOUNT, 'New Signature'],
  [OUTLOOK_ACCOUNT, 'Reply-Forward Signature'],
];

const hivex = hivexMissing();
let work: string;
let hiveFixtures: string;
let windir: string;
let store: string;
/** alice's registry values in the catalog, by `HKCU\key [value]`. */
const catalog = new Map<string, RegistryEntry>();
/** HKLM\Software keys and values in the catalog (App Paths, collected by AppPaths.xml). */
let machineObjects = 0;

/** The tool in-process, as `ferry <tool>` runs it. */
function run(tool: 'scanstate' | 'loadstate', args: readonly string[]): Promise<InProcessResult> {
  return runFerry([tool, ...args], { cwd: work });
}
/** `loadstate` of the store onto `target` with the same rules; its /l log text comes back too. */
async function loadTo(target: string, ...extra: string[]): Promise<{ r: InProcessResult; log: string }> {
  const logFile = `${target}.log`;
  const r = await run('loadstate', [
    store,
    `/offlinewindir:${join(target, 'Windows')}`,
    '/i:MigUser.xml',
    '/i:MigApp.xml',
    '/i:AppPaths.xml',
    '/decrypt',
    `/key:${KEY}`,
    '/lac',
    `/l:${logFile}`,
    ...extra,
  ]);
  return { r, log: existsSync(logFile) ? readFileSync(logFile, 'utf8') : '' };
}
const registryWarnings = (log: string) => log.split('\n').filter((l) => l.includes('FERRY_W_REGISTRY_UNAVAILABLE'));
const show = (r: InProcessResult) => `exit ${r.status}\n${r.stdout.slice(-1500)}\n${r.stderr.slice(-2500)}`;
const location = (key: string, value: string) => `HKCU\\${key} [${value}]`;
const hex = (b: Buffer) => [...b].map((x) => x.toString(16).padStart(2, '0')).join(',');

/** `hivexregedit --export HIVE \\` once per hive (and version of it): one perl start-up instead of one per key. */
const hiveExports = new Map<string, string[]>();
function hivexExportLines(hive: string): string[] {
  const st = statSync(hive);
  const id = `${hive}\0${st.mtimeMs}\0${st.size}`;
  let lines = hiveExports.get(id);
  if (!lines) {
    const r = spawnSync('hivexregedit', ['--export', hive, '\\'], {
      encoding: 'utf8',
      maxBuffer: 1 << 28,
      env: { ...process.env, PERL_UNICODE: 'SDA' },
    });
    assert.equal(r.status, 0, `hivexregedit --export ${hive} \\: ${r.stderr}`);
    lines = r.stdout.split('\n');
    hiveExports.set(id, lines);
  }
  return lines;
}

/**
 * One key's values as hivexregedit exports them: lower-cased name → data bytes as `aa,bb,…`. As
 * `hivexregedit --export HIVE \KEY` would, this reads the key's section and those of its subkeys.
 */
function hivexValues(hive: string, key: string): Map<string, string> {
  const want = `\\${key}`.toLowerCase();
  const values = new Map<string, string>();
  let inside = false;
  for (const line of hivexExportLines(hive)) {
    const section = /^\[(.*)\]$/.exec(line);
    if (section) {
      const path = section[1]!.toLowerCase();
      inside = path === want || path.startsWith(`${want}\\`);
      continue;
    }
    if (!inside) continue;
    const m = /^"((?:[^"\\]|\\.)*)"=(?:dword:([0-9a-f]{8})|hex\([0-9a-f]+\):([0-9a-f,]*))$/.exec(line);
    if (!m) continue;
    const name = m[1]!.replace(/\\(.)/g, '$1').toLowerCase();
    if (m[2]) {
      const b = Buffer.alloc(4);
      b.writeUInt32LE(parseInt(m[2], 16));
      values.set(name, hex(b));
    } else values.set(name, m[3]!);
  }
  assert.ok(
    hivexExportLines(hive).some((l) => l.toLowerCase() === `[${want}]`),
    `hivexregedit --export ${hive}: no key \\${key}`,
  );
  return values;
}

const hivexGet = (hive: string, key: string, value: string) => {
  const r = spawnSync('hivexget', [hive, key, value], { encoding: 'utf8', env: { ...process.env, PERL_UNICODE: 'SDA' } });
  return r.status === 0 ? r.stdout.replace(/\n$/, '') : null;
};

/**
 * A fresh target: Windows\System32\config\SOFTWARE without the fixture's user profiles, and
 * Users\Default\NTUSER.DAT carrying a marker key (a new profile's hive must start from it).
 */
function freshTarget(name: string, { software = true } = {}): string {
  const root = join(work, name);
  mkdirSync(join(root, 'Windows/System32/config'), { recursive: true });
  mkdirSync(join(root, 'Users/Default'), { recursive: true });
  if (software) {
    const path = join(root, 'Windows/System32/config/SOFTWARE');
    const editor = HiveEditor.open(join(hiveFixtures, 'SOFTWARE'));
    for (const k of editor.key(PROFILE_LIST)!.subkeys()) if (k.name.startsWith('S-1-5-21-')) editor.deleteKey(`${PROFILE_LIST}\\${k.name}`);
    editor.deleteKey('Microsoft\\Windows\\CurrentVersion\\App Paths');
    editor.save(path);
  }
  const defaultHive = join(root, 'Users/Default/NTUSER.DAT');
  copyFileSync(join(hiveFixtures, 'NTUSER-Default.DAT'), defaultHive);
  const editor = HiveEditor.open(defaultHive);
  editor.setValue('Software\\FerryTarget', 'FromDefault', RegType.SZ, 'target default profile');
  editor.save(defaultHive);
  return root;
}

before(async () => {
  work = mkdtempSync(join(tmpdir(), 'ferry-registry-migration-'));
  hiveFixtures = writeHiveFixtures(join(work, 'hives'));
  const vol = join(work, 'vol');
  generateSampleVolume({ out: vol, size: 4 << 20, users: 1, seed: 8 });
  windir = join(vol, 'Windows');
  store = join(work, 'store');
  writeFileSync(
    join(work, 'AppPaths.xml'),
    `<?xml version="1.0"?>
<migration urlid="http://www.microsoft.com/migration/1.0/migxmlext/ferryapppaths">
  <component type="Application" context="System">
    <displayName>App Paths</displayName>
    <role role="Settings"><rules><include><objectSet>
      <pattern type="Registry">HKLM\\Software\\Microsoft\\Windows\\CurrentVersion\\App Paths\\* [*]</pattern>
    </objectSet></include></rules></role>
  </component>
</migration>`,
  );
  const scan = await run('scanstate', [
    store,
    `/offlinewindir:${windir}`,
    '/i:MigUser.xml',
    '/i:MigApp.xml',
    '/i:AppPaths.xml',
    '/encrypt',
    `/key:${KEY}`,
  ]);
  assert.equal(scan.status, 0, show(scan));
  const reader = await openStore(store, { key: KEY });
  try {
    for await (const e of reader.entries()) {
      if (e.kind !== 'registry') continue;
      if (!e.user && /^HKLM\\Software\\/i.test(e.winPath)) machineObjects++;
      if (e.user?.name === 'alice' && e.valueName !== null) catalog.set(e.winPath.toLowerCase(), e);
    }
  } finally {
    await reader.close();
  }
});

after(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

test('scanstate with MigUser.xml + MigApp.xml stores the HKCU settings as typed values, as hivex reads them on the source', async (t) => {
  if (hivex) return t.skip(hivex);
  const source = join(windir, '../Users/alice/NTUSER.DAT');
  for (const [key, value] of EXPECTED) {
    const entry = catalog.get(location(key, value).toLowerCase());
    assert.ok(entry?.data, `the catalog holds ${location(key, value)}`);
    assert.equal(hex(entry.data), hivexValues(source, key).get(value.toLowerCase()), `${location(key, value)} as captured`);
  }
  assert.equal(catalog.get(location('Control Panel\\Desktop', 'Wallpaper').toLowerCase())!.regType, 'REG_SZ');
  assert.equal(
    catalog.get(location('Software\\Microsoft\\Windows\\CurrentVersion\\Explorer\\Advanced', 'HideFileExt').toLowerCase())!.regType,
    'REG_DWORD',
  );
});

test(
  'loadstate onto a fresh target: the new NTUSER.DAT starts from the Default hive ' +
    'and hivex reads the same values; ProfileList lists the profile',
  async (t) => {
    if (hivex) return t.skip(hivex);
    const target = freshTarget('target-same');
    const { r: load, log } = await loadTo(target);
    assert.equal(load.status, 0, show(load));
    assert.deepEqual(registryWarnings(log), []);
    const ntuser = join(target, 'Users/alice/NTUSER.DAT');
    assert.equal(hivexGet(ntuser, 'Software\\FerryTarget', 'FromDefault'), 'target default profile');
    for (const [key, value] of EXPECTED) {
      assert.equal(
        hivexValues(ntuser, key).get(value.toLowerCase()),
        hex(catalog.get(location(key, value).toLowerCase())!.data!),
        `${location(key, value)} restored`,
      );
    }
    assert.equal(hivexGet(ntuser, 'Control Panel\\Desktop', 'Wallpaper'), 'C:\\Users\\alice\\Pictures\\wallpaper.jpg');

    const software = join(target, 'Windows/System32/config/SOFTWARE');
    assert.equal(hivexGet(software, `${PROFILE_LIST}\\${ALICE_SID}`, 'ProfileImagePath'), 'C:\\Users\\alice');
    // HKLM\Software values from the store, in the same atomic SOFTWARE write.
    const chrome = 'Microsoft\\Windows\\CurrentVersion\\App Paths\\chrome.exe';
    assert.deepEqual(hivexValues(software, chrome), hivexValues(join(windir, 'System32/config/SOFTWARE'), chrome));
    assert.equal(hivexGet(software, chrome, 'Path'), 'C:\\Program Files\\Google\\Chrome\\Application');
    assert.equal(
      hivexGet(software, 'Microsoft\\Windows NT\\CurrentVersion', 'ProductName'),
      'Windows 10 Pro',
      'the rest of the target hive is kept',
    );
    const volume = await openVolume(join(target, 'Windows'));
    try {
      const alice = (await volume.profiles()).find((p) => p.userName === 'alice');
      assert.equal(alice?.sid, ALICE_SID);
      assert.equal(alice?.profilePath, 'C:\\Users\\alice');
    } finally {
      volume.close();
    }
  },
);

test(
  'loadstate /mu:alice:alice2: values move to the ' + 'new profile folder (wallpaper path remapped), a ' + 'new local SID in ProfileList',
  async (t) => {
    if (hivex) return t.skip(hivex);
    const target = freshTarget('target-mu');
    const { r: load, log } = await loadTo(target, '/mu:alice:alice2');
    assert.equal(load.status, 0, show(load));
    assert.deepEqual(registryWarnings(log), []);
    const ntuser = join(target, 'Users/alice2/NTUSER.DAT');
    assert.equal(existsSync(join(target, 'Users/alice')), false);
    assert.equal(hivexGet(ntuser, 'Software\\FerryTarget', 'FromDefault'), 'target default profile');
    assert.equal(hivexGet(ntuser, 'Control Panel\\Desktop', 'Wallpaper'), 'C:\\Users\\alice2\\Pictures\\wallpaper.jpg');
    assert.equal(hivexGet(ntuser, 'Environment', 'OneDrive'), 'C:\\Users\\alice2\\OneDrive');
    assert.equal(hivexGet(ntuser, 'Environment', 'TEMP'), '%USERPROFILE%\\AppData\\Local\\Temp');
    // Shell Folders come from the target's Default hive, pointed at the new profile.
    assert.equal(
      hivexGet(ntuser, 'Software\\Microsoft\\Windows\\CurrentVersion\\Explorer\\Shell Folders', 'Personal'),
      'C:\\Users\\alice2\\Documents',
    );
    for (const [key, value] of EXPECTED) {
      if (value === 'Wallpaper') continue;
      assert.equal(
        hivexValues(ntuser, key).get(value.toLowerCase()),
        hex(catalog.get(location(key, value).toLowerCase())!.data!),
        `${location(key, value)} restored`,
      );
    }

    const software = join(target, 'Windows/System32/config/SOFTWARE');
    const list = spawnSync('hivexregedit', ['--export', software, `\\${PROFILE_LIST}`], { encoding: 'utf8' }).stdout;
    const sids = [...list.matchAll(/^\[\\.*\\ProfileList\\(S-1-5-21-[^\]]+)\]$/gm)].map((m) => m[1]!);
    assert.equal(sids.length, 1, list);
    assert.match(sids[0]!, /^S-1-5-21-\d+-\d+-\d+-1001$/);
    assert.notEqual(sids[0], ALICE_SID);
    assert.equal(hivexGet(software, `${PROFILE_LIST}\\${sids[0]}`, 'ProfileImagePath'), 'C:\\Users\\alice2');
    // /lac: the account plan names that SID, so the first-boot step finds the profile of the account it creates.
    const plan = JSON.parse(readFileSync(join(target, 'Windows/Ferry/accounts-plan.json'), 'utf8')) as {
      accounts: Record<string, unknown>[];
    };
    const alice2 = plan.accounts.find((a) => a.userName === 'alice2');
    assert.ok(alice2, JSON.stringify(plan));
    assert.equal(alice2.profileSid, sids[0]);
    assert.equal(alice2.profilePath, 'C:\\Users\\alice2');
    assert.equal(alice2.sourceSid, ALICE_SID);
  },
);

test("loadstate /md: a domain move changes no value and writes no ProfileList entry (the new SID is the domain's)", async (t) => {
  if (hivex) return t.skip(hivex);
  const target = freshTarget('target-md');
  const { r: load, log } = await loadTo(target, '/md:DESKTOP-FIXTURE:CORP');
  assert.equal(load.status, 0, show(load));
  const ntuser = join(target, 'Users/alice/NTUSER.DAT');
  for (const [key, value] of EXPECTED) {
    assert.equal(
      hivexValues(ntuser, key).get(value.toLowerCase()),
      hex(catalog.get(location(key, value).toLowerCase())!.data!),
      `${location(key, value)} restored`,
    );
  }
  const list = spawnSync('hivexregedit', ['--export', join(target, 'Windows/System32/config/SOFTWARE'), `\\${PROFILE_LIST}`], {
    encoding: 'utf8',
  }).stdout;
  assert.doesNotMatch(list, /ProfileList\\S-1-5-21-/);
  assert.match(log, /CORP\\alice is a different domain account: its SID is not known offline/);
});

test(
  'a target without hives: HKCU settings are still ' +
    'written; one accurate warning for the ' +
    'HKLM\\Software objects it could not take',
  async (t) => {
    if (hivex) return t.skip(hivex);
    assert.ok(machineObjects > 0, 'AppPaths.xml collected HKLM\\Software objects');
    const target = freshTarget('target-nohives', { software: false });
    const { r: load, log } = await loadTo(target);
    assert.equal(load.status, 0, show(load));
    const warnings = registryWarnings(log);
    assert.equal(warnings.length, 1, log);
    assert.match(warnings[0]!, new RegExp(`no SOFTWARE hive .*: ${machineObjects} HKLM\\\\Software registry object`));
    assert.equal(
      hivexGet(join(target, 'Users/alice/NTUSER.DAT'), 'Control Panel\\Desktop', 'Wallpaper'),
      'C:\\Users\\alice\\Pictures\\wallpaper.jpg',
    );
  },
);
