import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, lstatSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FerryError } from '../errors/index.ts';
import { openTargetVolume } from './index.ts';
import { generateVolume, type GeneratedVolume } from './testing.ts';

let gen: GeneratedVolume;
before(() => {
  gen = generateVolume({ users: 1 });
  symlinkSync('/tmp', join(gen.root, 'Users/out'));
});
after(() => gen.cleanup());

test('hostPathFor reuses existing folders case-insensitively and keeps the given case for new ones', async () => {
  const t = await openTargetVolume(gen.windowsDir);
  assert.equal(t.hostPathFor('c:\\USERS\\alice\\documents\\New Folder\\x.txt'), join(gen.root, 'Users/alice/Documents/New Folder/x.txt'));
  const m = t.mapPath('C:\\users\\NewUser\\AppData');
  assert.deepEqual(m, { winPath: 'C:\\Users\\NewUser\\AppData', hostPath: join(gen.root, 'Users/NewUser/AppData'), exists: false });
  assert.equal(t.mapPath('C:\\users\\ALICE').exists, true);
  assert.equal(existsSync(join(gen.root, 'Users/NewUser')), false, 'mapping creates nothing');
  t.close();
});

test('ensureDir creates missing parts once, then finds them in any case', async () => {
  const t = await openTargetVolume(gen.windowsDir);
  const host = await t.ensureDir('C:\\Users\\Émile\\AppData\\Roaming');
  assert.equal(host, join(gen.root, 'Users/Émile/AppData/Roaming'));
  assert.ok(lstatSync(host).isDirectory());
  assert.equal(await t.ensureDir('c:\\users\\ÉMILE\\appdata'), join(gen.root, 'Users/Émile/AppData'));
  assert.equal(await t.resolve('C:\\USERS\\émile\\APPDATA\\roaming'), host);
  t.close();
});

test('refuses paths that leave the volume, pass through links, or use names Windows forbids', async () => {
  const t = await openTargetVolume(gen.windowsDir);
  const code = (c: string) => (e: FerryError) => e.code === c;
  assert.throws(() => t.hostPathFor('C:\\Users\\..\\..\\etc'), code('FERRY_E_PATH_OUTSIDE_VOLUME'));
  assert.throws(() => t.hostPathFor('C:\\Users\\out\\evil'), code('FERRY_E_PATH_OUTSIDE_VOLUME'));
  await assert.rejects(t.ensureDir('C:\\Users\\OUT\\evil'), code('FERRY_E_PATH_OUTSIDE_VOLUME'));
  assert.equal(existsSync('/tmp/evil'), false);
  assert.throws(() => t.hostPathFor('C:\\pagefile.sys\\x'), code('FERRY_E_PATH_OUTSIDE_VOLUME'));
  assert.throws(() => t.hostPathFor('C:\\Users\\a:b'), code('FERRY_E_WIN_PATH_INVALID'));
  assert.throws(() => t.hostPathFor('C:\\Users\\a\u0001b'), code('FERRY_E_WIN_PATH_INVALID'));
  assert.throws(
    () => t.hostPathFor('E:\\Data'),
    (e: FerryError) => e.code === 'FERRY_E_DRIVE_NOT_MAPPED' && e.usmtExitCode === 29,
  );
  t.close();
});

test('a mapped second drive is writable, its root never escaped', async () => {
  const data = join(gen.root, '..', 'ddrive');
  mkdirSync(data);
  const t = await openTargetVolume(gen.windowsDir, { drives: { D: data } });
  assert.equal(await t.ensureDir('D:\\Shares\\Team'), join(data, 'Shares/Team'));
  assert.throws(
    () => t.hostPathFor('D:\\..\\vol'),
    (e: FerryError) => e.code === 'FERRY_E_PATH_OUTSIDE_VOLUME',
  );
  t.close();
});

test('noteCreated makes a file written by the caller visible to later lookups in any case', async () => {
  const t = await openTargetVolume(gen.windowsDir);
  const dir = await t.ensureDir('C:\\Users\\alice\\Restored');
  assert.equal(t.mapPath('C:\\Users\\alice\\Restored\\x').exists, false, 'listing now cached');
  const first = t.mapPath('C:\\Users\\alice\\Restored\\Report.docx');
  writeFileSync(first.hostPath, 'v1');
  t.noteCreated(first.hostPath);
  const second = t.mapPath('c:\\users\\alice\\restored\\REPORT.DOCX');
  assert.deepEqual(second, { winPath: 'C:\\Users\\alice\\Restored\\Report.docx', hostPath: join(dir, 'Report.docx'), exists: true });
  t.close();
});
