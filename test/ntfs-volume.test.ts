// End to end on a real NTFS file system: mkntfs on an image file, mounted with ntfs-3g (FUSE),
// Windows attributes set through ntfs-3g's `system.ntfs_attrib_be`, remounted, then read back
// through openVolume with the registry hives of the fixture set. Skipped (with the reason) where
// FUSE, mkntfs or mount are unavailable.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventStream } from '../src/events/index.ts';
import { FileAttr, openVolume, type VolumeEntry } from '../src/volume/index.ts';
import { writeHiveFixtures } from '../src/sample-volume/testing.ts';

const HIVES = writeHiveFixtures();
process.on('exit', () => rmSync(HIVES, { recursive: true, force: true }));

function run(cmd: string, args: string[]): { ok: boolean; out: string } {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  return { ok: !r.error && r.status === 0, out: `${r.stdout ?? ''}${r.stderr ?? ''}${r.error ? String(r.error) : ''}` };
}

function unavailable(): string | null {
  if (!existsSync('/dev/fuse')) return '/dev/fuse is not available (no FUSE in this environment)';
  for (const tool of ['mkntfs', 'ntfs-3g', 'setfattr']) {
    if (!run('sh', ['-c', `command -v ${tool}`]).ok) return `${tool} is not installed (apt-get install ntfs-3g attr)`;
  }
  return null;
}

const setAttr = (path: string, bits: number): void => {
  const r = run('setfattr', ['-n', 'system.ntfs_attrib_be', '-v', `0x${bits.toString(16).padStart(8, '0')}`, path]);
  assert.ok(r.ok, r.out);
};

test('openVolume on an ntfs-3g mount reads NTFS attributes, profiles and hives', async (t) => {
  const why = unavailable();
  if (why) return t.skip(why);
  const base = mkdtempSync(join(tmpdir(), 'ferry-ntfs-'));
  const img = join(base, 'disk.img');
  const mnt = join(base, 'mnt');
  mkdirSync(mnt);
  let mounted = false;
  const mount = (): boolean => {
    const r = run('ntfs-3g', [img, mnt]);
    mounted = r.ok;
    return r.ok;
  };
  const unmount = (): void => {
    if (!mounted) return;
    if (!run('umount', [mnt]).ok) run('fusermount', ['-u', mnt]);
    mounted = false;
  };
  try {
    run('truncate', ['-s', '64M', img]);
    const mk = run('mkntfs', ['-F', '-Q', img]);
    if (!mk.ok) return t.skip(`mkntfs failed: ${mk.out.trim()}`);
    if (!mount()) return t.skip('ntfs-3g could not mount the image (FUSE not permitted here)');

    // A small Windows layout.
    for (const d of [
      'Windows/System32/config',
      'Users/alice/Documents',
      'Users/alice/AppData/Local',
      'Users/bob.smith/Desktop',
      'Users/Public',
      'Users/Default',
    ]) {
      mkdirSync(join(mnt, d), { recursive: true });
    }
    for (const h of ['SOFTWARE', 'SYSTEM', 'SAM']) copyFileSync(join(HIVES, h), join(mnt, 'Windows/System32/config', h));
    copyFileSync(join(HIVES, 'NTUSER-1001.DAT'), join(mnt, 'Users/alice/NTUSER.DAT'));
    copyFileSync(join(HIVES, 'NTUSER-1002.DAT'), join(mnt, 'Users/bob.smith/NTUSER.DAT'));
    writeFileSync(join(mnt, 'pagefile.sys'), Buffer.alloc(4096));
    writeFileSync(join(mnt, 'Users/alice/Documents/Report.docx'), 'report');
    writeFileSync(join(mnt, 'Users/alice/Documents/Fixed.txt'), 'fixed');
    writeFileSync(join(mnt, 'Users/alice/Documents/Übergabe 設計.txt'), 'unicode');
    writeFileSync(join(mnt, 'Users/bob.smith/Desktop/desktop.ini'), '[.ShellClassInfo]');
    symlinkSync('.', join(mnt, 'Users/alice/AppData/Local/Application Data'));
    setAttr(join(mnt, 'pagefile.sys'), FileAttr.HIDDEN | FileAttr.SYSTEM | FileAttr.ARCHIVE);
    setAttr(join(mnt, 'Users/alice/AppData'), FileAttr.HIDDEN | FileAttr.DIRECTORY);
    setAttr(join(mnt, 'Users/alice/Documents/Fixed.txt'), FileAttr.READONLY | FileAttr.ARCHIVE);
    setAttr(join(mnt, 'Users/bob.smith/Desktop/desktop.ini'), FileAttr.HIDDEN | FileAttr.SYSTEM);
    chmodSync(join(mnt, 'Users/alice/Documents/Report.docx'), 0o644);
    unmount();
    assert.ok(mount(), 'remount');

    const events = new EventStream();
    const warnings = events.record();
    const vol = await openVolume(join(mnt, 'Windows'), { events });
    try {
      assert.equal(vol.attributeSource, 'ntfs-3g');
      assert.equal(vol.computerName, 'DESKTOP-FIXTURE');
      const attrs = async (p: string): Promise<number> => (await vol.stat(p))!.attributes;
      assert.equal(await attrs('C:\\PAGEFILE.SYS'), FileAttr.HIDDEN | FileAttr.SYSTEM | FileAttr.ARCHIVE);
      assert.equal(
        (await attrs('c:\\users\\alice\\appdata')) & (FileAttr.HIDDEN | FileAttr.DIRECTORY),
        FileAttr.HIDDEN | FileAttr.DIRECTORY,
      );
      assert.ok((await attrs('C:\\Users\\alice\\Documents\\fixed.txt')) & FileAttr.READONLY);
      assert.equal((await attrs('C:\\Users\\alice\\Documents\\report.docx')) & (FileAttr.HIDDEN | FileAttr.SYSTEM | FileAttr.READONLY), 0);
      assert.equal(
        (await attrs('C:\\Users\\bob.smith\\Desktop\\DESKTOP.INI')) & (FileAttr.HIDDEN | FileAttr.SYSTEM),
        FileAttr.HIDDEN | FileAttr.SYSTEM,
      );
      assert.equal((await vol.stat('C:\\Users\\alice\\AppData\\Local\\Application Data'))?.kind, 'symlink');

      const profiles = await vol.profiles();
      assert.deepEqual(
        profiles.map((p) => [p.userName, p.sid, p.source]),
        [
          ['alice', 'S-1-5-21-3623811015-3361044348-30300820-1001', 'ProfileList'],
          ['bob.smith', 'S-1-5-21-3623811015-3361044348-30300820-1002', 'ProfileList'],
        ],
      );
      assert.ok(profiles[0]!.ntuserMtimeMs! > 0);
      assert.ok(warnings.some((e) => e.type === 'warning' && e.code === 'FERRY_W_PROFILE_MISSING'));
      const env = await vol.userEnv(profiles[0]!);
      assert.equal(env.get('CSIDL_PERSONAL'), 'C:\\Users\\alice\\Documents');

      const all: VolumeEntry[] = [];
      for await (const e of vol.walk('C:\\Users', { onError: (p, err) => assert.fail(`${p}: ${err.message}`) })) all.push(e);
      assert.ok(all.some((e) => e.winPath.endsWith('Übergabe 設計.txt')));
      assert.ok(!all.some((e) => e.winPath.includes('Application Data\\')), 'the self-loop is not entered');
      assert.ok(all.every((e) => (e.kind === 'dir') === ((e.attributes & FileAttr.DIRECTORY) !== 0)));
    } finally {
      vol.close();
    }
  } finally {
    unmount();
    rmSync(base, { recursive: true, force: true });
  }
});
