import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HiveEditor, openHive, RegType } from '../registry/index.ts';
import type { RegistryEntry } from '../store/index.ts';
import { openTargetVolume } from '../volume/index.ts';
import { registryKey } from '../migxml/index.ts';
import { compilePattern, patternMatches } from '../migxml/index.ts';
import { parseScriptCall } from '../migxml/index.ts';
import { parseRegLocation, RegistryApplier } from './registry-apply.ts';
import { writeHiveFixtures } from '../sample-volume/testing.ts';

const HIVES = writeHiveFixtures();
process.on('exit', () => rmSync(HIVES, { recursive: true, force: true }));
const PROFILE_LIST = 'Microsoft\\Windows NT\\CurrentVersion\\ProfileList';
const MACHINE_SID = 'S-1-5-21-111-222-333';

/** A target tree: System32\config with an optional SOFTWARE (fixture) and a SAM naming MACHINE_SID. */
function targetTree(t: { after: (fn: () => void) => void }, { software = true } = {}): string {
  const root = mkdtempSync(join(tmpdir(), 'ferry-registry-apply-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const config = join(root, 'Windows/System32/config');
  mkdirSync(config, { recursive: true });
  if (software) copyFileSync(join(HIVES, 'SOFTWARE'), join(config, 'SOFTWARE'));
  const sam = HiveEditor.create();
  const v = Buffer.alloc(36);
  [111, 222, 333].forEach((n, i) => v.writeUInt32LE(n, 24 + 4 * i));
  sam.setValue('SAM\\Domains\\Account', 'V', RegType.BINARY, v);
  sam.save(join(config, 'SAM'));
  return root;
}

const machineValue = (valueName: string, data: string): RegistryEntry => ({
  id: 1,
  kind: 'registry',
  winPath: `HKLM\\Software\\Ferry\\Test [${valueName}]`,
  hive: 'HKLM',
  key: 'Software\\Ferry\\Test',
  valueName,
  regType: 'REG_SZ',
  data: Buffer.from(`${data}\0`, 'utf16le'),
});

test('new local SIDs: the target machine SID from SAM, the next RIDs ProfileList does not use', async (t) => {
  const root = targetTree(t);
  const target = await openTargetVolume(join(root, 'Windows'));
  try {
    const applier = new RegistryApplier(target);
    assert.equal(applier.registerProfile(`${MACHINE_SID}-1004`, 'C:\\Users\\old'), 'added');
    assert.equal(applier.newLocalSid(), `${MACHINE_SID}-1005`);
    assert.equal(applier.newLocalSid(), `${MACHINE_SID}-1006`);
  } finally {
    target.close();
  }
});

test('ProfileList entries and HKLM\\Software values go into SOFTWARE in one atomic save', async (t) => {
  const root = targetTree(t);
  const software = join(root, 'Windows/System32/config/SOFTWARE');
  const target = await openTargetVolume(join(root, 'Windows'));
  try {
    const applier = new RegistryApplier(target);
    const sid = 'S-1-5-21-3623811015-3361044348-30300820-1001';
    assert.equal(applier.registerProfile(sid, 'C:\\Users\\alice'), 'present', 'the fixture lists alice already');
    assert.equal(applier.registerProfile(sid, 'C:\\Users\\alice.NEW'), 'updated');
    assert.equal(applier.registerProfile(`${MACHINE_SID}-1001`, 'C:\\Users\\al'), 'added');
    const entry = machineValue('Name', 'value');
    assert.equal(await applier.apply(entry, parseRegLocation(entry.winPath), undefined, undefined), 'written');
    assert.equal(openHive(software).key(`${PROFILE_LIST}\\${MACHINE_SID}-1001`), null, 'nothing written before save');
    assert.deepEqual(applier.save(), [software]);
  } finally {
    target.close();
  }
  const hive = openHive(software);
  const added = hive.key(`${PROFILE_LIST}\\${MACHINE_SID}-1001`)!;
  assert.equal(added.value('ProfileImagePath')?.type, RegType.EXPAND_SZ);
  assert.equal(added.value('ProfileImagePath')?.data, 'C:\\Users\\al');
  assert.deepEqual(
    added.value('Sid')?.raw,
    Buffer.from('010500000000000515000000' + '6f000000' + 'de000000' + '4d010000' + 'e9030000', 'hex'),
  );
  assert.equal(added.value('State')?.data, 0);
  assert.equal(
    hive.key(`${PROFILE_LIST}\\S-1-5-21-3623811015-3361044348-30300820-1001`)!.value('ProfileImagePath')?.data,
    'C:\\Users\\alice.NEW',
  );
  assert.equal(hive.key('Ferry\\Test')?.value('Name')?.data, 'value');
  hive.close();
});

test('without a SOFTWARE hive: no ProfileList entry, HKLM\\Software values counted as missing, nothing created', async (t) => {
  const root = targetTree(t, { software: false });
  const target = await openTargetVolume(join(root, 'Windows'));
  try {
    const applier = new RegistryApplier(target);
    assert.equal(applier.registerProfile(`${MACHINE_SID}-1001`, 'C:\\Users\\al'), null);
    const entry = machineValue('Name', 'value');
    assert.equal(await applier.apply(entry, parseRegLocation(entry.winPath), undefined, undefined), 'unsupported');
    assert.equal(applier.missingSoftware, 1);
    assert.deepEqual(applier.save(), []);
  } finally {
    target.close();
  }
  assert.equal(existsSync(join(root, 'Windows/System32/config/SOFTWARE')), false);
});

test('HKCU values of a moved profile: remapped into the new NTUSER.DAT, made from the Default hive', async (t) => {
  const root = targetTree(t);
  mkdirSync(join(root, 'Users/Default'), { recursive: true });
  copyFileSync(join(HIVES, 'NTUSER-Default.DAT'), join(root, 'Users/Default/NTUSER.DAT'));
  const target = await openTargetVolume(join(root, 'Windows'));
  try {
    const applier = new RegistryApplier(target);
    const entry: RegistryEntry = {
      id: 2,
      kind: 'registry',
      winPath: 'HKCU\\Control Panel\\Desktop [Wallpaper]',
      hive: 'HKCU',
      key: 'Control Panel\\Desktop',
      valueName: 'Wallpaper',
      regType: 'REG_SZ',
      data: Buffer.from('C:\\Users\\alice\\Pictures\\w.jpg\0', 'utf16le'),
    };
    const user = { profilePath: 'C:\\Users\\al', remap: { fromProfile: 'C:\\Users\\alice', toProfile: 'C:\\Users\\al' } };
    assert.equal(await applier.apply(entry, parseRegLocation(entry.winPath), user, undefined), 'written');
    assert.equal(applier.remapped, 1);
    applier.save();
  } finally {
    target.close();
  }
  const hive = openHive(join(root, 'Users/al/NTUSER.DAT'));
  assert.equal(hive.key('Control Panel\\Desktop')?.value('Wallpaper')?.data, 'C:\\Users\\al\\Pictures\\w.jpg');
  assert.ok(hive.key('Control Panel\\International'), "the Default hive's keys are there");
  const shellFolders = hive.key('Software\\Microsoft\\Windows\\CurrentVersion\\Explorer\\Shell Folders')!;
  assert.equal(shellFolders.value('Personal')?.data, 'C:\\Users\\al\\Documents');
  assert.ok(
    shellFolders.values().every((v) => !/\\Users\\Default\b/i.test(String(v.data))),
    'no path is left under Users\\Default',
  );
  hive.close();
});

test(
  '<contentModify> rewrites a value before it is ' +
    "written: merged with the target's value, " +
    'converted, or left as the target has it',
  async (t) => {
    const root = targetTree(t);
    const software = join(root, 'Windows/System32/config/SOFTWARE');
    const seed = HiveEditor.open(software, { allowDirty: true });
    seed.setValue('Ferry\\Test', 'Path', RegType.SZ, 'C:\\mine;C:\\shared');
    seed.setValue('Ferry\\Test', 'Mode', RegType.SZ, 'keep me');
    seed.save(software);
    const target = await openTargetVolume(join(root, 'Windows'));
    try {
      const applier = new RegistryApplier(target);
      const apply = (e: RegistryEntry, script: string) =>
        applier.apply(e, parseRegLocation(e.winPath), undefined, undefined, parseScriptCall(script, { file: 'test' }));
      assert.equal(
        await apply(machineValue('Path', 'C:\\shared;C:\\app'), 'MigXmlHelper.MergeDelimitedContent(";","Add","C:\\extra")'),
        'written',
      );
      assert.equal(await apply(machineValue('Level', '42'), 'MigXmlHelper.ConvertToDWORD(NULL)'), 'written');
      assert.equal(await apply(machineValue('Mode', 'unknown'), 'MigXmlHelper.SetValueByTable("a,b","1,2",NULL)'), 'kept');
      assert.equal(applier.modified, 2);
      applier.save();
    } finally {
      target.close();
    }
    const hive = openHive(software);
    const key = hive.key('Ferry\\Test')!;
    assert.equal(key.value('Path')?.data, 'C:\\mine;C:\\shared;C:\\app;C:\\extra');
    assert.equal(key.value('Level')?.type, RegType.DWORD);
    assert.equal(key.value('Level')?.data, 42);
    assert.equal(key.value('Mode')?.data, 'keep me');
    hive.close();
  },
);

test('<destinationCleanup> of registry values: only the values the pattern names, never a key', async (t) => {
  const root = targetTree(t);
  const software = join(root, 'Windows/System32/config/SOFTWARE');
  const seed = HiveEditor.open(software, { allowDirty: true });
  seed.setValue('Ferry\\Test', 'Stale', RegType.SZ, 'x');
  seed.setValue('Ferry\\Test\\Sub', 'Stale', RegType.SZ, 'y');
  seed.setValue('Ferry\\Test\\Sub', 'Keep', RegType.SZ, 'z');
  seed.save(software);
  const target = await openTargetVolume(join(root, 'Windows'));
  try {
    const applier = new RegistryApplier(target);
    const p = compilePattern('Registry', 'HKLM\\Software\\Ferry\\Test\\* [Stale]');
    const names = (location: string) => {
      const k = registryKey(location);
      return patternMatches(p, k.node, k.leaf);
    };
    assert.deepEqual((await applier.deleteValues('HKLM\\Software\\Ferry\\Test', names, undefined)).sort(), [
      'HKLM\\Software\\Ferry\\Test [Stale]',
      'HKLM\\Software\\Ferry\\Test\\Sub [Stale]',
    ]);
    assert.deepEqual(await applier.deleteValues('HKCU\\Software', () => true, undefined), [], 'HKCU needs a user');
    assert.deepEqual(
      await applier.deleteValues('HKCU\\Software', () => true, { profilePath: 'C:\\Users\\new' }),
      [],
      'a profile without a hive has nothing to clean',
    );
    assert.ok(!existsSync(join(root, 'Users/new')), 'and cleanup creates no profile or hive');
    applier.save();
  } finally {
    target.close();
  }
  const hive = openHive(software);
  assert.equal(hive.key('Ferry\\Test\\Sub')?.value('Keep')?.data, 'z');
  assert.equal(hive.key('Ferry\\Test\\Sub')?.value('Stale'), null);
  assert.ok(hive.key('Ferry\\Test'), 'the key stays');
  hive.close();
});
