import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { formatRegPath, openHive, readHiveFile, RegType } from './index.ts';
import { ferryExport, hivexExport, hivexMissing } from './testing/hivex.ts';
import { HIVE_USERS, writeHiveFixtures } from '../sample-volume/testing.ts';

// Fixture hives written by Ferry's writer (as `ferry sample-volume` writes them); the hivex test
// below is what makes reading them an independent check.
const DAT = writeHiveFixtures();
process.on('exit', () => rmSync(DAT, { recursive: true, force: true }));
const users = HIVE_USERS.map(([rid, name]) => [String(rid), name] as const);
const PROFILE_LIST = 'Microsoft\\Windows NT\\CurrentVersion\\ProfileList';

test('SOFTWARE: ProfileList SIDs, ProfileImagePath, binary Sid, CurrentVersion', () => {
  readHiveFile(join(DAT, 'SOFTWARE'), (hive) => {
    const list = hive.key(PROFILE_LIST);
    assert.ok(list);
    const sids = list.subkeys().map((k) => k.name);
    assert.deepEqual(sids.slice(0, 3), ['S-1-5-18', 'S-1-5-19', 'S-1-5-20']);
    for (const [rid, name] of users) {
      const k = list.subkey(`S-1-5-21-3623811015-3361044348-30300820-${rid}`);
      assert.ok(k, rid);
      assert.equal(k.path, `${PROFILE_LIST}\\S-1-5-21-3623811015-3361044348-30300820-${rid}`);
      const pip = k.value('profileimagepath');
      assert.equal(pip?.type, RegType.EXPAND_SZ);
      assert.equal(pip?.data, `C:\\Users\\${name}`);
      const sid = k.value('Sid');
      assert.equal(sid?.type, RegType.BINARY);
      assert.ok(Buffer.isBuffer(sid.data));
      assert.equal(sid.data.readUInt32LE(sid.data.length - 4), Number(rid));
      assert.equal(k.value('State')?.data, 0);
    }
    assert.equal(list.value('ProfilesDirectory')?.data, '%SystemDrive%\\Users');
    const cv = hive.key('MICROSOFT\\windows nt\\CurrentVersion');
    assert.equal(cv?.value('ProductName')?.data, 'Windows 10 Pro');
    assert.equal(cv?.value('CurrentBuild')?.data, '22631');
    assert.equal(cv?.lastWrittenMs, Date.UTC(2024, 0, 1));
    assert.equal(hive.key('Microsoft\\Nope'), null);
    assert.equal(hive.dirty, null);
  });
});

test('NTUSER: wallpaper, Shell Folders, User Shell Folders, Office signatures, Run', () => {
  for (const [rid, name] of users) {
    readHiveFile(join(DAT, `NTUSER-${rid}.DAT`), (hive) => {
      assert.equal(hive.key('Control Panel\\Desktop')?.value('Wallpaper')?.data, `C:\\Users\\${name}\\Pictures\\wallpaper.jpg`);
      const sf = hive.key('Software\\Microsoft\\Windows\\CurrentVersion\\Explorer\\Shell Folders');
      assert.equal(sf?.value('Personal')?.data, `C:\\Users\\${name}\\Documents`);
      assert.equal(sf?.value('{374DE290-123F-4565-9164-39C4925E467B}')?.data, `C:\\Users\\${name}\\Downloads`);
      const usf = hive.key('Software\\Microsoft\\Windows\\CurrentVersion\\Explorer\\User Shell Folders');
      assert.equal(usf?.value('personal')?.type, RegType.EXPAND_SZ);
      assert.equal(usf?.value('Personal')?.data, '%USERPROFILE%\\Documents');
      assert.equal(hive.key('Software\\Microsoft\\Office\\16.0\\Common\\MailSettings')?.value('NewSignature')?.data, 'Work');
      const outlook = hive.key('Software\\Microsoft\\Office\\16.0\\Outlook\\Profiles\\Outlook\\9375CFF0413111d3B88A00104B2A6676\\00000002');
      assert.equal(outlook?.value('Reply-Forward Signature')?.data, 'Work (short)');
      assert.equal(outlook?.value('Account Name')?.data, `${name}@corp.example`);
      assert.deepEqual(hive.key('Software\\Microsoft\\Office\\16.0\\Outlook\\Setup')?.value('First-Run')?.data, Buffer.from([1, 0, 0, 0]));
      assert.equal(hive.key('Console')?.value('FontSize')?.data, 0x00100000);
      assert.match(
        String(hive.key('Software\\Microsoft\\Windows\\CurrentVersion\\Run')?.value('OneDrive')?.data),
        /OneDrive\.exe" \/background$/,
      );
      assert.ok(hive.key('Printers\\Connections\\,,printsrv01.corp.example,HR-Laser'));
    });
  }
});

test('every fixture hive reads exactly as hivexregedit --export reads it', (t) => {
  const missing = hivexMissing();
  if (missing) return t.skip(missing);
  for (const f of readdirSync(DAT)) {
    readHiveFile(join(DAT, f), (hive) => assert.equal(ferryExport(hive.root), hivexExport(join(DAT, f)), f));
  }
});

test('root key, class names absent, security descriptor present', () => {
  const hive = openHive(join(DAT, 'SAM'));
  try {
    assert.equal(hive.root.path, '');
    assert.equal(hive.root.subkeys().length, 0);
    assert.equal(hive.root.values().length, 0);
    assert.equal(hive.root.className, undefined);
    assert.ok((hive.root.securityDescriptor()?.length ?? 0) > 20);
    assert.equal(hive.key('')?.path, '');
    assert.equal(hive.key('\\')?.name, hive.root.name);
  } finally {
    hive.close();
  }
});

test('formatRegPath writes MigXML encoded locations', () => {
  assert.equal(formatRegPath('HKCU', 'Control Panel\\Desktop', 'Wallpaper'), 'HKCU\\Control Panel\\Desktop [Wallpaper]');
  assert.equal(formatRegPath('HKEY_LOCAL_MACHINE\\SOFTWARE', '\\MyKey\\', ''), 'HKLM\\SOFTWARE\\MyKey []');
  assert.equal(formatRegPath('HKLM', 'SOFTWARE\\MyKey'), 'HKLM\\SOFTWARE\\MyKey');
  assert.equal(formatRegPath('HKCU', 'K', 'a[1]^b'), 'HKCU\\K [a^[1^]^^b]');
});
