import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HiveEditor, RegType, openHive, readHiveFile } from './index.ts';
import { FerryError } from '../errors/index.ts';
import { compareNames, lhHash } from './format.ts';
import { ferryExport, hivexExport, hivexGet, hivexMerge, hivexMissing } from './testing/hivex.ts';
import { writeHiveFixtures } from '../sample-volume/testing.ts';

const DAT = writeHiveFixtures();
process.on('exit', () => rmSync(DAT, { recursive: true, force: true }));
const T0 = Date.UTC(2024, 5, 1, 12, 0, 0);
const T1 = Date.UTC(2025, 0, 2, 3, 4, 5);

function tmp(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'ferry-reg-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const BIG = Buffer.from(Array.from({ length: 70000 }, (_, i) => (i * 7 + 3) & 0xff));

function fillAllTypes(e: HiveEditor, at: string): void {
  e.setValue(at, '', RegType.SZ, 'default value');
  e.setValue(at, 'String', RegType.SZ, 'C:\\Users\\Zoë Müller\\李伟 "quoted"');
  e.setValue(at, 'Expand', RegType.EXPAND_SZ, '%USERPROFILE%\\Documents');
  e.setValue(at, 'Binary', RegType.BINARY, Buffer.from([0, 1, 2, 0xfe, 0xff]));
  e.setValue(at, 'Dword', RegType.DWORD, 0xdeadbeef);
  e.setValue(at, 'DwordBE', RegType.DWORD_BIG_ENDIAN, 0x01020304);
  e.setValue(at, 'Link', RegType.LINK, '\\Registry\\Machine\\Software\\Target');
  e.setValue(at, 'Multi', RegType.MULTI_SZ, ['one', 'twö', '三']);
  e.setValue(at, 'Qword', RegType.QWORD, 0x0123456789abcdefn);
  e.setValue(at, 'None', RegType.NONE, Buffer.alloc(0));
  e.setValue(at, 'ResList', RegType.RESOURCE_LIST, Buffer.from('0102', 'hex'));
  e.setValue(at, 'Odd type', 0x12345, Buffer.from('custom'));
  e.setValue(at, 'Big', RegType.BINARY, BIG);
  e.setValue(at, '名前 ünicode', RegType.SZ, 'värde');
  e.setValue(at, 'Tiny', RegType.BINARY, Buffer.from([9, 8, 7]));
}

function checkAllTypes(hivePath: string, at: string): void {
  readHiveFile(hivePath, (h) => {
    const k = h.key(at);
    assert.ok(k, at);
    assert.equal(k.value('')?.data, 'default value');
    assert.equal(k.value('string')?.data, 'C:\\Users\\Zoë Müller\\李伟 "quoted"');
    assert.equal(k.value('Expand')?.type, RegType.EXPAND_SZ);
    assert.deepEqual(k.value('Binary')?.data, Buffer.from([0, 1, 2, 0xfe, 0xff]));
    assert.equal(k.value('Dword')?.data, 0xdeadbeef);
    assert.equal(k.value('DwordBE')?.data, 0x01020304);
    assert.deepEqual(k.value('DwordBE')?.raw, Buffer.from([1, 2, 3, 4]));
    assert.equal(k.value('Link')?.data, '\\Registry\\Machine\\Software\\Target');
    assert.deepEqual(k.value('Multi')?.data, ['one', 'twö', '三']);
    assert.equal(k.value('Qword')?.data, 0x0123456789abcdefn);
    assert.equal(k.value('None')?.raw.length, 0);
    assert.equal(k.value('Odd type')?.type, 0x12345);
    assert.deepEqual(k.value('BIG')?.raw, BIG);
    assert.equal(k.value('名前 ÜNICODE')?.data, 'värde');
    assert.deepEqual(k.value('Tiny')?.data, Buffer.from([9, 8, 7]));
  });
}

test('a new hive: all value types, unicode names, big data, 2000 subkeys (ri) — hivex reads it the same', (t) => {
  const dir = tmp(t);
  const file = join(dir, 'NEW.DAT');
  const e = HiveEditor.create({ rootName: 'CMI-CreateHive{6A1C4018-979D-4291-A7DC-7AED1C75B67C}', now: () => T0 });
  fillAllTypes(e, 'Software\\Ferry\\Types');
  e.ensureKey('Software\\Ünïcödé\\李伟', { className: 'MyClass' });
  for (let i = 0; i < 2000; i++) e.ensureKey(`Many\\Key ${String(i).padStart(4, '0')}${i % 3 === 0 ? 'ä' : ''}`);
  e.setValue('Many\\Key 0007', 'v', RegType.DWORD, 7);
  e.save(file);

  checkAllTypes(file, 'Software\\Ferry\\Types');
  readHiveFile(file, (h) => {
    assert.equal(h.base.minorVersion, 5);
    assert.equal(h.base.primarySequence, h.base.secondarySequence);
    const uni = h.key('software\\ÜNÏCÖDÉ\\李伟');
    assert.equal(uni?.className, 'MyClass');
    assert.equal(uni?.lastWrittenMs, T0);
    const many = h.key('Many');
    assert.ok(many);
    const list = h.file.cell(many.nk.subkeyList, 'test');
    assert.equal(list.toString('latin1', 0, 2), 'ri');
    assert.equal(list.readUInt16LE(2), 4);
    const names = many.subkeys().map((k) => k.name);
    assert.equal(names.length, 2000);
    assert.deepEqual(names, [...names].sort(compareNames));
    const leaf = h.file.cell(list.readUInt32LE(4), 'test');
    assert.equal(leaf.toString('latin1', 0, 2), 'lh');
    assert.equal(leaf.readUInt32LE(8), lhHash(names[0]!));
    assert.equal(many.subkey('KEY 0007')?.value('V')?.data, 7);
  });

  const missing = hivexMissing();
  if (missing) return t.skip(missing);
  readHiveFile(file, (h) => assert.equal(hivexExport(file), ferryExport(h.root)));
  assert.equal(hivexGet(file, '\\Software\\Ferry\\Types', 'String'), 'C:\\Users\\Zoë Müller\\李伟 "quoted"');
  assert.equal(hivexGet(file, '\\Software\\Ferry\\Types', 'Dword'), String(0xdeadbeef | 0), 'hivexget prints DWORDs signed');
  assert.equal(hivexGet(file, '\\Many\\Key 1999', undefined), '');
});

test('editing a fixture: add, replace, delete keys and values; timestamps kept except for changed keys', (t) => {
  const dir = tmp(t);
  const src = join(DAT, 'NTUSER-1003.DAT');
  const out = join(dir, 'NTUSER.DAT');
  const srcBytes = readFileSync(src);
  const e = HiveEditor.open(src, { now: () => T1 });
  e.setValue('Control Panel\\Desktop', 'Wallpaper', RegType.SZ, 'D:\\new.jpg');
  e.setValue('Control Panel\\Desktop', 'WallpaperStyle', RegType.SZ, '6');
  assert.equal(e.deleteValue('Control Panel\\Desktop', 'TILEWALLPAPER'), true);
  assert.equal(e.deleteValue('Control Panel\\Desktop', 'nope'), false);
  assert.equal(e.deleteKey('Network\\S'), true);
  assert.equal(e.deleteKey('Network\\Nope'), false);
  fillAllTypes(e, 'Software\\Ferry\\Restored');
  e.save(out);

  checkAllTypes(out, 'Software\\Ferry\\Restored');
  readHiveFile(out, (h) => {
    const before = openHive(src);
    try {
      assert.equal(h.base.minorVersion, before.base.minorVersion);
      assert.equal(h.base.primarySequence, before.base.primarySequence + 1);
      assert.equal(h.base.embeddedName, before.base.embeddedName);
      const desk = h.key('Control Panel\\Desktop');
      assert.equal(desk?.value('Wallpaper')?.data, 'D:\\new.jpg');
      assert.equal(desk?.value('TileWallpaper'), null);
      assert.equal(desk?.lastWrittenMs, T1);
      assert.equal(h.key('Network')?.lastWrittenMs, T1);
      assert.equal(h.key('Network\\S'), null);
      assert.equal(h.key('Network\\Z')?.lastWrittenMs, before.key('Network\\Z')?.lastWrittenMs);
      assert.equal(h.key('Console')?.lastWrittenMs, before.key('Console')?.lastWrittenMs);
      assert.equal(h.key('Software\\Microsoft\\Office\\16.0\\Common\\MailSettings')?.value('NewSignature')?.data, 'Work');
      assert.deepEqual(h.root.securityDescriptor(), before.root.securityDescriptor());
    } finally {
      before.close();
    }
  });
  assert.deepEqual(readFileSync(src), srcBytes, 'source untouched');

  const missing = hivexMissing();
  if (missing) return t.skip(missing);
  readHiveFile(out, (h) => assert.equal(hivexExport(out), ferryExport(h.root)));
  assert.equal(hivexGet(out, '\\Control Panel\\Desktop', 'Wallpaper'), 'D:\\new.jpg');
});

test('security cells: one per distinct descriptor, reference counts and flink/blink correct', (t) => {
  const dir = tmp(t);
  const file = join(dir, 'sk.hiv');
  const e = HiveEditor.create({ now: () => T0 });
  e.ensureKey('A\\B\\C');
  const other = Buffer.from(e.root.securityDescriptor);
  other.writeUInt8(other.readUInt8(other.length - 1) ^ 1, other.length - 1);
  e.ensureKey('D').securityDescriptor = other;
  e.ensureKey('D\\E');
  e.save(file);
  readHiveFile(file, (h) => {
    const refs = new Map<number, number>();
    const walk = (k: ReturnType<typeof h.key> & {}): void => {
      refs.set(k.nk.security, (refs.get(k.nk.security) ?? 0) + 1);
      k.subkeys().forEach(walk);
    };
    walk(h.root);
    assert.equal(refs.size, 2);
    const cells = [...refs.keys()];
    for (const [off, n] of refs) {
      const c = h.file.cell(off, 'sk');
      assert.equal(c.toString('latin1', 0, 2), 'sk');
      assert.equal(c.readUInt32LE(12), n);
      const otherOff = cells.find((x) => x !== off);
      assert.equal(c.readUInt32LE(4), otherOff);
      assert.equal(c.readUInt32LE(8), otherOff);
    }
    assert.deepEqual(h.key('D\\E')?.securityDescriptor(), other);
  });
});

test('Ferry reads what hivex writes (merge into a copy of a fixture)', (t) => {
  const missing = hivexMissing();
  if (missing) return t.skip(missing);
  const dir = tmp(t);
  const file = join(dir, 'SOFTWARE');
  copyFileSync(join(DAT, 'SOFTWARE'), file);
  const big = Buffer.alloc(20000, 0xab);
  const hex = (b: Buffer): string => [...b].map((x) => x.toString(16).padStart(2, '0')).join(',');
  const lines = [
    'Windows Registry Editor Version 5.00',
    '',
    '[HKEY_LOCAL_MACHINE\\SOFTWARE\\HivexWrote]',
    '@="default"',
    '"Str"="hello wörld 李"',
    `"Exp"=hex(2):${hex(Buffer.from('%TEMP%\\x\0', 'utf16le'))}`,
    '"Dw"=dword:0000002a',
    `"Be"=hex(5):00,00,00,2a`,
    `"Qw"=hex(b):${hex(Buffer.from('0100000000000080', 'hex'))}`,
    `"Multi"=hex(7):${hex(Buffer.from('a\0b c\0\0', 'utf16le'))}`,
    `"Bin"=hex:de,ad`,
    `"Big"=hex:${hex(big)}`,
    '',
    '[HKEY_LOCAL_MACHINE\\SOFTWARE\\HivexWrote\\Ünï 李伟]',
    '"x"=dword:00000001',
    '',
  ];
  for (let i = 0; i < 300; i++) lines.push(`[HKEY_LOCAL_MACHINE\\SOFTWARE\\HivexWrote\\Sub${i}]`, '');
  hivexMerge(file, lines.join('\n'), 'HKEY_LOCAL_MACHINE\\SOFTWARE');
  readHiveFile(file, (h) => {
    const k = h.key('HivexWrote');
    assert.ok(k);
    assert.equal(k.value('')?.data, 'default');
    assert.equal(k.value('str')?.data, 'hello wörld 李');
    assert.equal(k.value('Exp')?.data, '%TEMP%\\x');
    assert.equal(k.value('Dw')?.data, 42);
    assert.equal(k.value('Be')?.data, 42);
    assert.equal(k.value('Qw')?.data, 0x8000000000000001n);
    assert.deepEqual(k.value('Multi')?.data, ['a', 'b c']);
    assert.deepEqual(k.value('Big')?.raw, big);
    assert.equal(k.subkey('ünï 李伟')?.value('x')?.data, 1);
    assert.equal(k.subkeys().length, 301);
    assert.equal(hivexExport(file), ferryExport(h.root));
  });
  // And the hive hivex edited survives a Ferry edit, read back by hivex.
  const e = HiveEditor.open(file, { now: () => T1 });
  e.setValue('HivexWrote\\Sub7', 'added', RegType.SZ, 'by ferry');
  e.save(file);
  readHiveFile(file, (h) => assert.equal(hivexExport(file), ferryExport(h.root)));
});

test('invalid names and data are refused with coded errors', () => {
  const e = HiveEditor.create();
  const code = (fn: () => unknown): string | undefined => {
    try {
      fn();
    } catch (err) {
      return err instanceof FerryError ? err.code : String(err);
    }
    return undefined;
  };
  assert.equal(
    code(() => e.ensureKey('a\\' + 'x'.repeat(256))),
    'FERRY_E_REGISTRY_NAME_INVALID',
  );
  assert.equal(
    code(() => e.setValue('a', 'v'.repeat(16384), RegType.SZ, 'x')),
    'FERRY_E_REGISTRY_NAME_INVALID',
  );
  assert.equal(
    code(() => e.setValue('a', 'v', RegType.DWORD, 2 ** 32)),
    'FERRY_E_REGISTRY_VALUE_INVALID',
  );
  assert.equal(
    code(() => e.setValue('a', 'v', RegType.SZ, 5)),
    'FERRY_E_REGISTRY_VALUE_INVALID',
  );
  assert.equal(
    code(() => e.setValue('a', 'v', RegType.BINARY, 'text')),
    'FERRY_E_REGISTRY_VALUE_INVALID',
  );
  assert.equal(
    code(() => e.setValue('a', 'v', RegType.MULTI_SZ, ['a\0b'])),
    'FERRY_E_REGISTRY_VALUE_INVALID',
  );
  assert.equal(
    code(() => e.setClassName('missing', 'x')),
    'FERRY_E_REGISTRY_KEY_NOT_FOUND',
  );
  assert.equal(
    code(() => e.deleteKey('')),
    'FERRY_E_INVALID_ARGUMENT',
  );
  assert.equal(e.key('a'), null, 'nothing was created by the refused calls');
  e.setValue('a', 'neg', RegType.DWORD, -1);
  assert.equal(e.key('A')?.value('NEG')?.data, 0xffffffff);
});

test('save is atomic: the target is replaced by rename, never rewritten in place', (t) => {
  const dir = tmp(t);
  const file = join(dir, 'NTUSER.DAT');
  copyFileSync(join(DAT, 'NTUSER-1001.DAT'), file);
  const inodeBefore = statSync(file).ino;
  const old = openHive(file);
  const e = HiveEditor.open(file);
  e.setValue('Control Panel\\Desktop', 'Wallpaper', RegType.SZ, 'new');
  e.save(file);
  assert.notEqual(statSync(file).ino, inodeBefore);
  assert.equal(
    old.key('Control Panel\\Desktop')?.value('Wallpaper')?.data,
    'C:\\Users\\alice\\Pictures\\wallpaper.jpg',
    'open readers keep the old file',
  );
  old.close();
  assert.deepEqual(readdirSync(dir), ['NTUSER.DAT'], 'no temp file left');
  readHiveFile(file, (h) => assert.equal(h.key('Control Panel\\Desktop')?.value('Wallpaper')?.data, 'new'));
});

test('a process killed while saving leaves the old or the new hive, whole', async (t) => {
  const dir = tmp(t);
  const file = join(dir, 'BIG.DAT');
  const seed = HiveEditor.create({ now: () => T0 });
  seed.setValue('K', 'gen', RegType.DWORD, 0);
  seed.save(file);
  const script = `
    import { HiveEditor, RegType } from ${JSON.stringify(new URL('./index.ts', import.meta.url).href)};
    const e = HiveEditor.create();
    for (let i = 0; i < 3000; i++) e.setValue('Bulk\\\\K' + (i % 50), 'v' + i, 3, Buffer.alloc(1500, i & 255));
    for (let gen = 1; ; gen++) { e.setValue('K', 'gen', RegType.DWORD, gen); e.save(${JSON.stringify(file)}); process.stdout.write('.'); }
  `;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
  await new Promise((r) => setTimeout(r, 150));
  child.kill('SIGKILL');
  await new Promise((r) => child.once('exit', r));
  readHiveFile(file, (h) => {
    assert.ok(Number(h.key('K')?.value('gen')?.data) >= 1);
    assert.equal(h.key('Bulk')?.subkeys().length, 50);
  });
});

test('hivex can edit a hive Ferry wrote (free space and bins as its allocator expects)', (t) => {
  const missing = hivexMissing();
  if (missing) return t.skip(missing);
  const file = join(tmp(t), 'FERRY.DAT');
  const e = HiveEditor.create({ now: () => T0 });
  fillAllTypes(e, 'Software\\Ferry');
  for (let i = 0; i < 700; i++) e.ensureKey(`Software\\Wide\\W${i}`);
  e.save(file);
  hivexMerge(
    file,
    [
      'Windows Registry Editor Version 5.00',
      '',
      '[HKEY_LOCAL_MACHINE\\SOFTWARE\\Software\\Ferry\\Added]',
      '"x"=dword:00000003',
      '',
      '[HKEY_LOCAL_MACHINE\\SOFTWARE\\Software\\Wide\\W350]',
      '"y"=hex:01,02',
      '',
    ].join('\n'),
    'HKEY_LOCAL_MACHINE\\SOFTWARE',
  );
  checkAllTypes(file, 'Software\\Ferry');
  readHiveFile(file, (h) => {
    assert.equal(h.key('Software\\Ferry\\Added')?.value('x')?.data, 3);
    assert.deepEqual(h.key('Software\\Wide\\W350')?.value('y')?.data, Buffer.from([1, 2]));
    assert.equal(h.key('Software\\Wide')?.subkeys().length, 700);
    assert.equal(hivexExport(file), ferryExport(h.root));
  });
});
