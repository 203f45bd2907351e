import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { EventStream } from '../events/index.ts';
import type { FerryError } from '../errors/index.ts';
import { findWindowsDir, openVolume, FileAttr, type VolumeEntry } from './index.ts';
import { DirIndex } from './dir-index.ts';
import { HiveEditor, RegType } from '../registry/index.ts';
import { generateVolume, type GeneratedVolume } from './testing.ts';

let gen: GeneratedVolume;
before(() => {
  gen = generateVolume();
  // Extras the generator does not make: a link that points out of the volume, a read-only
  // document, a folder that is not a profile.
  symlinkSync('/etc', join(gen.root, 'Users/alice/escape'));
  chmodSync(join(gen.root, 'Users/alice/Documents'), 0o755);
  writeFileSync(join(gen.root, 'Users/alice/Documents/frozen.txt'), 'x');
  chmodSync(join(gen.root, 'Users/alice/Documents/frozen.txt'), 0o444);
  mkdirSync(join(gen.root, 'Users/alice/Documents', 'Rene\u0301 NFD'));
  symlinkSync('../../pagefile.sys', join(gen.root, 'Users/alice/pagefile-link'));
  mkdirSync(join(gen.root, 'Odd'));
  writeFileSync(join(gen.root, 'Odd', '..\\..\\..\\Windows\\System32\\evil.dll'), 'x');
  writeFileSync(join(gen.root, 'Odd', 'a:b'), 'x');
  writeFileSync(join(gen.root, 'Odd', 'fine.txt'), 'x');
});
after(() => gen.cleanup());

async function collect(it: AsyncIterable<VolumeEntry>): Promise<VolumeEntry[]> {
  const out: VolumeEntry[] = [];
  for await (const e of it) out.push(e);
  return out;
}

function findCount(root: string): number {
  const r = spawnSync('find', [root], { encoding: 'utf8' });
  return r.stdout.trim().split('\n').length;
}

describe('openVolume', () => {
  test('accepts the Windows folder case-insensitively and reads the machine', async () => {
    const vol = await openVolume(join(gen.root, 'WINDOWS'));
    assert.equal(vol.root, gen.root);
    assert.equal(vol.windowsDir, join(gen.root, 'Windows'));
    assert.equal(vol.systemDrive, 'C:');
    assert.equal(vol.computerName, 'DESKTOP-FIXTURE');
    assert.equal(vol.is64Bit, true);
    assert.equal(vol.registry.available, true);
    assert.equal(vol.attributeSource, 'dosattrib');
    vol.close();
  });

  test('findWindowsDir takes a Windows folder or a volume root (Offline.xml <path>)', () => {
    assert.equal(findWindowsDir(gen.windowsDir), gen.windowsDir);
    assert.equal(findWindowsDir(`${gen.root}/`), gen.windowsDir);
    assert.equal(findWindowsDir(join(gen.root, 'Users')), null);
    assert.equal(findWindowsDir('/no/such'), null);
  });

  test('a missing folder is FERRY_E_WINDIR_NOT_FOUND (USMT 11), a non-Windows one FERRY_E_NOT_A_WINDOWS_DIR (USMT 26)', async () => {
    await assert.rejects(
      openVolume(join(gen.root, 'NoSuch')),
      (e: FerryError) => e.code === 'FERRY_E_WINDIR_NOT_FOUND' && e.usmtExitCode === 11,
    );
    await assert.rejects(
      openVolume(join(gen.root, 'Data')),
      (e: FerryError) => e.code === 'FERRY_E_NOT_A_WINDOWS_DIR' && e.usmtExitCode === 26,
    );
    await assert.rejects(openVolume(join(gen.root, 'pagefile.sys')), (e: FerryError) => e.code === 'FERRY_E_WINDIR_NOT_FOUND');
    await assert.rejects(openVolume('/no/such/dir/Windows'), (e: FerryError) => e.code === 'FERRY_E_WINDIR_NOT_FOUND');
  });
});

describe('paths', () => {
  test('resolve is case-insensitive and returns the stored case', async () => {
    const vol = await openVolume(gen.windowsDir);
    assert.equal(await vol.resolve('c:\\USERS\\ALICE\\documents'), join(gen.root, 'Users/alice/Documents'));
    assert.equal(await vol.resolve('C:/users/zoë müller'), join(gen.root, 'Users/Zoë Müller'));
    assert.equal((await vol.stat('c:\\users\\alice\\appdata'))?.winPath, 'C:\\Users\\alice\\AppData');
    assert.equal(await vol.resolve('C:\\'), gen.root);
    // Stored decomposed (NFD, as macOS tools write), asked for precomposed: found, reported as stored.
    assert.equal((await vol.stat('C:\\Users\\alice\\Documents\\RENÉ nfd'))?.winPath, 'C:\\Users\\alice\\Documents\\Rene\u0301 NFD');
    assert.equal(await vol.resolve('\\Windows'), gen.windowsDir, 'a rootless path is on the system drive');
    assert.equal(await vol.resolve('C:\\Users\\nobody'), null);
    assert.equal(await vol.resolve('D:\\Users'), null, 'unmapped drive');
    assert.equal(await vol.resolve('\\\\Users\\alice'), null, 'a UNC path is not on the volume');
    vol.close();
  });

  test('links are never followed, not even to resolve a path below them', async () => {
    const vol = await openVolume(gen.windowsDir);
    assert.equal((await vol.stat('C:\\Users\\alice\\My Documents'))?.kind, 'symlink');
    assert.equal(await vol.resolve('C:\\Users\\alice\\My Documents\\desktop.ini'), null);
    assert.equal(await vol.resolve('C:\\Users\\alice\\escape\\passwd'), null);
    assert.equal(await vol.resolve('C:\\..\\..\\etc\\passwd'), null, '.. stops at the drive root');
    vol.close();
  });

  test('toWindowsPath maps host paths under the root (or a mapped drive) and refuses others', async () => {
    const data = mkdtempSync(join(tmpdir(), 'ferry-d-'));
    try {
      writeFileSync(join(data, 'x.txt'), 'x');
      const vol = await openVolume(gen.windowsDir, { drives: { 'd:': data } });
      assert.equal(vol.toWindowsPath(join(gen.root, 'Users/alice')), 'C:\\Users\\alice');
      assert.equal(vol.toWindowsPath(gen.root), 'C:\\');
      assert.equal(vol.toWindowsPath(join(data, 'x.txt')), 'D:\\x.txt');
      assert.equal(await vol.resolve('d:\\X.TXT'), join(data, 'x.txt'));
      assert.throws(
        () => vol.toWindowsPath('/etc/passwd'),
        (e: FerryError) => e.code === 'FERRY_E_PATH_OUTSIDE_VOLUME',
      );
      assert.throws(
        () => vol.toWindowsPath(`${gen.root}-other/x`),
        (e: FerryError) => e.code === 'FERRY_E_PATH_OUTSIDE_VOLUME',
      );
      vol.close();
    } finally {
      rmSync(data, { recursive: true, force: true });
    }
  });

  test('the folder-listing cache stays within its bounds', () => {
    const idx = new DirIndex({ maxDirs: 2 });
    for (const d of ['Users', 'Windows', 'Data', 'Program Files']) assert.ok(idx.lookup(gen.root, d));
    assert.equal(idx.lookup(join(gen.root, 'Users'), 'ALICE')?.name, 'alice');
    assert.equal(idx.lookup(join(gen.root, 'Windows'), 'system32')?.name, 'System32');
    assert.equal(idx.lookup(join(gen.root, 'Data'), 'nothing-here'), null);
    assert.equal(idx.lookup(gen.root, 'users')?.kind, 'dir');
  });

  test('a folder recorded as just created is known empty without reading it, and keeps the names added', () => {
    const idx = new DirIndex();
    const fresh = join(gen.root, 'never-made');
    idx.created(fresh);
    assert.equal(idx.lookup(fresh, 'a.txt'), null, 'no listing read: the folder does not exist on disk');
    idx.add(fresh, 'A.txt', 'file');
    assert.equal(idx.lookup(fresh, 'a.TXT')?.name, 'A.txt');
  });
});

describe('attributes', () => {
  test('from user.DOSATTRIB, the write bit, and the entry kind', async () => {
    const vol = await openVolume(gen.windowsDir);
    const attrs = async (p: string): Promise<number> => (await vol.stat(p))!.attributes;
    assert.equal(await attrs('C:\\pagefile.sys'), FileAttr.HIDDEN | FileAttr.SYSTEM | FileAttr.ARCHIVE);
    assert.equal(await attrs('C:\\Users\\alice\\AppData'), FileAttr.HIDDEN | FileAttr.DIRECTORY);
    assert.equal(await attrs('C:\\Users\\alice\\Documents\\frozen.txt'), FileAttr.READONLY);
    assert.equal(await attrs('C:\\Users\\alice\\Documents'), FileAttr.DIRECTORY);
    assert.equal(await attrs('C:\\Users\\alice\\My Documents'), FileAttr.REPARSE_POINT);
    // A link to a hidden+system file reports its own (no) bits: the xattr read does not follow it.
    assert.equal(await attrs('C:\\Users\\alice\\pagefile-link'), FileAttr.REPARSE_POINT);
    const ini = await vol.stat('C:\\Users\\alice\\Desktop\\desktop.ini');
    assert.ok(ini && (ini.attributes & (FileAttr.HIDDEN | FileAttr.SYSTEM)) === (FileAttr.HIDDEN | FileAttr.SYSTEM));
    assert.equal(JSON.parse(JSON.stringify(ini)).attributes, ini.attributes, 'attributes survive JSON');
    vol.close();
  });
});

describe('walk', () => {
  test('streams every object once, depth-first, folder first, links as entries', async () => {
    const vol = await openVolume(gen.windowsDir);
    const errors: string[] = [];
    const all = await collect(vol.walk('C:\\', { onError: (p) => errors.push(p) }));
    assert.equal(errors.length, 2, 'the two invalid names in C:\\Odd');
    assert.equal(all.length, findCount(gen.root) - 2);
    assert.equal(all[0]!.winPath, 'C:\\');
    const seen = new Set<string>();
    for (const e of all) {
      assert.ok(!seen.has(e.winPath), `once: ${e.winPath}`);
      seen.add(e.winPath);
      assert.ok(!relative(gen.root, e.hostPath).startsWith('..'), `inside the root: ${e.hostPath}`);
      assert.equal(vol.toWindowsPath(e.hostPath), e.winPath);
    }
    // Depth-first: every entry's parent was yielded before it.
    const parentOf = (w: string): string => (w.lastIndexOf('\\') === 2 ? 'C:\\' : w.slice(0, w.lastIndexOf('\\')));
    const order = new Map(all.map((e, i) => [e.winPath, i]));
    for (const [i, e] of all.entries()) if (i > 0) assert.ok(order.get(parentOf(e.winPath))! < i, e.winPath);
    const loop = all.find((e) => e.winPath === 'C:\\Users\\alice\\AppData\\Local\\Application Data');
    assert.equal(loop?.kind, 'symlink');
    assert.equal(loop?.linkTarget, '.');
    assert.ok(
      !all.some((e) => e.winPath.startsWith('C:\\Users\\alice\\AppData\\Local\\Application Data\\')),
      'the self-loop is not entered',
    );
    const escape = all.find((e) => e.winPath === 'C:\\Users\\alice\\escape');
    assert.equal(escape?.kind, 'symlink');
    assert.equal(escape?.linkTarget, '/etc');
    assert.ok(!all.some((e) => e.winPath.startsWith('C:\\Users\\alice\\escape\\')));
    assert.ok(
      all.some((e) => e.winPath.length > 260),
      'long paths',
    );
    assert.ok(
      all.some((e) => e.winPath.startsWith('C:\\Users\\Zoë Müller\\Documents\\')),
      'unicode names as stored',
    );
    vol.close();
  });

  test('host names Windows cannot have are reported, never posing as other paths', async () => {
    const vol = await openVolume(gen.windowsDir);
    const errors: Array<[string, string]> = [];
    const seen = await collect(vol.walk('C:\\Odd', { onError: (p, e) => errors.push([p, (e as FerryError).code]) }));
    assert.deepEqual(
      seen.map((e) => e.winPath),
      ['C:\\Odd', 'C:\\Odd\\fine.txt'],
    );
    assert.deepEqual(
      errors.map(([, c]) => c),
      ['FERRY_E_WIN_PATH_INVALID', 'FERRY_E_WIN_PATH_INVALID'],
    );
    assert.deepEqual(
      (await vol.list('C:\\Odd')).map((e) => e.winPath),
      ['C:\\Odd\\fine.txt'],
    );
    assert.equal(await vol.resolve('C:\\Odd\\a:b'), null);
    vol.close();
  });

  test('sorted, pruned and non-recursive walks', async () => {
    const vol = await openVolume(gen.windowsDir);
    const users = (await collect(vol.walk('c:\\users', { recursive: false, sorted: true }))).map((e) => e.winPath);
    assert.deepEqual(users, [
      'C:\\Users',
      'C:\\Users\\alice',
      'C:\\Users\\All Users',
      'C:\\Users\\bob.smith',
      'C:\\Users\\Default',
      'C:\\Users\\Default User',
      'C:\\Users\\desktop.ini',
      'C:\\Users\\Public',
      'C:\\Users\\Zoë Müller',
    ]);
    const pruned = await collect(vol.walk('C:\\Users', { enterDir: (e) => !/\\AppData$/i.test(e.winPath) }));
    assert.ok(
      pruned.some((e) => e.winPath === 'C:\\Users\\alice\\AppData'),
      'the pruned folder itself is reported',
    );
    assert.ok(!pruned.some((e) => /\\AppData\\/i.test(e.winPath)));
    assert.deepEqual(await collect(vol.walk('C:\\No\\Such')), []);
    const single = await collect(vol.walk('C:\\pagefile.sys'));
    assert.equal(single.length, 1);
    assert.deepEqual(
      (await vol.list('C:\\Users\\alice\\Documents')).map((e) => e.winPath),
      (await collect(vol.walk('C:\\Users\\alice\\Documents', { recursive: false, sorted: true }))).slice(1).map((e) => e.winPath),
    );
    vol.close();
  });
});

describe('walk: other entry points and failures', () => {
  test('walkBatches and walkSync give the same entries in the same order', async () => {
    const vol = await openVolume(gen.windowsDir);
    const one = (await collect(vol.walk('C:\\Users'))).map((e) => e.winPath);
    const batches: string[] = [];
    let count = 0;
    for await (const b of vol.walkBatches('C:\\Users', { batchSize: 100 })) {
      assert.ok(b.length <= 100);
      count++;
      for (const e of b) batches.push(e.winPath);
    }
    assert.deepEqual(batches, one);
    assert.equal(count, Math.ceil(one.length / 100));
    assert.deepEqual(
      [...vol.walkSync('C:\\Users')].map((e) => e.winPath),
      one,
    );
    assert.deepEqual([...vol.walkSync('C:\\Nothing')], []);
    vol.close();
  });

  test('breaking out of a walk closes its folder handles', async () => {
    const vol = await openVolume(gen.windowsDir);
    const openFds = (): number => readdirSync('/proc/self/fd').length;
    const before = openFds();
    for (let i = 0; i < 100; i++) {
      for await (const e of vol.walk('C:\\Users\\alice\\AppData')) if (e.kind === 'file') break;
    }
    assert.equal(openFds(), before);
    vol.close();
  });

  test('unreadable folders and names go to onError as FERRY_E_ACCESS_DENIED (run as uid 65534)', async (t) => {
    const check = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', 'true']);
    if (check.error || check.status !== 0) return t.skip('setpriv cannot switch to uid 65534 here');
    const secret = join(gen.root, 'Users/bob.smith/Documents/Secret');
    const listOnly = join(gen.root, 'Users/bob.smith/Documents/ListOnly');
    mkdirSync(secret);
    writeFileSync(join(secret, 'a.txt'), 'a');
    chmodSync(secret, 0o700);
    mkdirSync(listOnly);
    writeFileSync(join(listOnly, 'b.txt'), 'b');
    chmodSync(listOnly, 0o744);
    const script = join(gen.root, '..', 'walk-as-nobody.ts');
    writeFileSync(
      script,
      `import { openVolume } from ${JSON.stringify(new URL('./index.ts', import.meta.url).pathname)};
const vol = await openVolume(${JSON.stringify(gen.windowsDir)});
const errors = []; let n = 0;
for await (const e of vol.walk('C:\\\\Users\\\\bob.smith\\\\Documents', { onError: (p, err) => errors.push({ p, code: err.code }) })) n++;
let thrown = null;
try { for await (const e of vol.walk('C:\\\\Users\\\\bob.smith\\\\Documents\\\\Secret')) n++; } catch (err) { thrown = err.code; }
console.log(JSON.stringify({ n, errors, thrown, uid: process.getuid() }));
`,
    );
    chmodSync(script, 0o644);
    try {
      const r = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, script], { encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
      const out = JSON.parse(r.stdout);
      assert.equal(out.uid, 65534);
      assert.deepEqual(
        out.errors.sort((a: { p: string }, b: { p: string }) => (a.p < b.p ? -1 : 1)),
        [
          { p: 'C:\\Users\\bob.smith\\Documents\\ListOnly\\b.txt', code: 'FERRY_E_ACCESS_DENIED' },
          { p: 'C:\\Users\\bob.smith\\Documents\\Secret', code: 'FERRY_E_ACCESS_DENIED' },
        ],
      );
      assert.equal(out.thrown, 'FERRY_E_ACCESS_DENIED', 'without onError the walk throws the coded error');
      assert.ok(out.n > 3);
    } finally {
      rmSync(secret, { recursive: true, force: true });
      rmSync(listOnly, { recursive: true, force: true });
    }
  });
});

describe('profiles', () => {
  test('from ProfileList: SID, path, local account of the computer, NTUSER.DAT time', async () => {
    const events = new EventStream();
    const seen = events.record();
    const vol = await openVolume(gen.windowsDir, { events });
    const profiles = await vol.profiles();
    assert.deepEqual(
      profiles.map((p) => [p.userName, p.profilePath, p.domain, p.isLocal, p.source]),
      [
        ['alice', 'C:\\Users\\alice', 'DESKTOP-FIXTURE', true, 'ProfileList'],
        ['bob.smith', 'C:\\Users\\bob.smith', 'DESKTOP-FIXTURE', true, 'ProfileList'],
        ['Zoë Müller', 'C:\\Users\\Zoë Müller', 'DESKTOP-FIXTURE', true, 'ProfileList'],
      ],
    );
    assert.equal(profiles[0]!.sid, 'S-1-5-21-3623811015-3361044348-30300820-1001');
    assert.equal(profiles[0]!.ntuserHostPath, join(gen.root, 'Users/alice/NTUSER.DAT'));
    assert.ok(profiles[0]!.ntuserMtimeMs! > 0);
    // ProfileList lists exactly the profiles the sample volume holds (profiles.test.ts covers a missing one).
    assert.deepEqual(
      seen.filter((e) => e.type === 'warning'),
      [],
    );
    assert.ok(await vol.registry.user(profiles[0]!));
    vol.close();
  });

  test('without hives: Users\\* minus Default, Public, All Users, links, files and folders without NTUSER.DAT', async () => {
    const g = generateVolume({ hives: 'none', users: 2 });
    try {
      mkdirSync(join(g.root, 'Users/Scratch'));
      const events = new EventStream();
      const seen = events.record();
      const vol = await openVolume(g.windowsDir, { events });
      assert.equal(vol.registry.available, false);
      assert.equal(vol.computerName, 'FERRY-OFFLINE');
      const profiles = await vol.profiles();
      assert.deepEqual(
        profiles.map((p) => [p.userName, p.domain, p.isLocal, p.sid, p.source]),
        [
          ['alice', 'FERRY-OFFLINE', true, undefined, 'Users'],
          ['bob.smith', 'FERRY-OFFLINE', true, undefined, 'Users'],
        ],
      );
      assert.ok(seen.some((e) => e.type === 'warning' && e.code === 'FERRY_W_REGISTRY_UNAVAILABLE'));
      const env = await vol.userEnv(profiles[0]!);
      assert.equal(env.get('CSIDL_PERSONAL'), 'C:\\Users\\alice\\Documents', 'known-folder defaults without a hive');
      vol.close();
    } finally {
      g.cleanup();
    }
  });
});

describe('real hives edited with the registry library', () => {
  test('a redirected Documents and a temporary profile are honoured', async () => {
    const g = generateVolume({ users: 2 });
    try {
      const ntuser = HiveEditor.open(join(g.root, 'Users/alice/NTUSER.DAT'));
      ntuser.setValue(
        'Software\\Microsoft\\Windows\\CurrentVersion\\Explorer\\User Shell Folders',
        'Personal',
        RegType.EXPAND_SZ,
        'D:\\Docs\\%USERNAME%',
      );
      ntuser.save(join(g.root, 'Users/alice/NTUSER.DAT'));
      const software = HiveEditor.open(join(g.windowsDir, 'System32/config/SOFTWARE'));
      software.setValue(
        'Microsoft\\Windows NT\\CurrentVersion\\ProfileList\\S-1-5-21-3623811015-3361044348-30300820-1002',
        'State',
        RegType.DWORD,
        0x800,
      );
      software.save(join(g.windowsDir, 'System32/config/SOFTWARE'));
      const events = new EventStream();
      const seen = events.record();
      const vol = await openVolume(g.windowsDir, { events });
      const profiles = await vol.profiles();
      assert.deepEqual(
        profiles.map((p) => p.userName),
        ['alice'],
      );
      assert.ok(seen.some((e) => e.type === 'warning' && e.code === 'FERRY_W_PROFILE_TEMPORARY' && e.path === 'C:\\Users\\bob.smith'));
      const env = await vol.userEnv(profiles[0]!);
      assert.equal(env.get('CSIDL_PERSONAL'), 'D:\\Docs\\alice');
      assert.equal(env.get('CSIDL_MYDOCUMENTS'), 'D:\\Docs\\alice');
      vol.close();
    } finally {
      g.cleanup();
    }
  });
});

describe('environment', () => {
  test('system and user variables of the volume', async () => {
    const vol = await openVolume(gen.windowsDir);
    const sys = await vol.systemEnv();
    assert.equal(sys.get('WINDIR'), 'C:\\Windows');
    assert.equal(sys.get('PROGRAMFILES(X86)'), 'C:\\Program Files (x86)');
    assert.equal(sys.get('PROFILESFOLDER'), 'C:\\Users');
    assert.equal(sys.get('CSIDL_COMMON_DOCUMENTS'), 'C:\\Users\\Public\\Documents');
    assert.equal(sys.get('DEFAULTUSERPROFILE'), 'C:\\Users\\Default');
    assert.equal(sys.has('CSIDL_PERSONAL'), false, 'user variables are not system variables');
    const [alice] = await vol.profiles();
    const env = await vol.userEnv(alice!);
    assert.equal(env.get('USERPROFILE'), 'C:\\Users\\alice');
    assert.equal(env.get('CSIDL_PERSONAL'), 'C:\\Users\\alice\\Documents');
    assert.equal(env.get('FOLDERID_DOWNLOADS'), 'C:\\Users\\alice\\Downloads');
    assert.equal(env.get('CSIDL_INTERNET_CACHE'), 'C:\\Users\\alice\\AppData\\Local\\Microsoft\\Windows\\INetCache', 'from the user hive');
    assert.equal(env.get('USERSID'), alice!.sid);
    assert.equal(env.get('WINDIR'), 'C:\\Windows', 'system variables are visible in user context');
    vol.close();
  });
});
