import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FerryError } from '../errors/index.ts';
import { BASE_BLOCK_SIZE, BB, NK, VK, baseBlockChecksum } from './format.ts';
import { HiveEditor, RegType, openHive, type RegKey } from './index.ts';

function tmp(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'ferry-regbad-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A small hive with a 600-subkey key (ri), values of every size class and a class name. */
function sample(): Buffer {
  const e = HiveEditor.create({ now: () => Date.UTC(2024, 0, 1) });
  for (let i = 0; i < 600; i++) e.ensureKey(`Wide\\k${i}`);
  e.setValue('Deep\\A\\B', 'small', RegType.DWORD, 1);
  e.setValue('Deep\\A\\B', 'text', RegType.SZ, 'some text here');
  e.setValue('Deep\\A\\B', 'big', RegType.BINARY, Buffer.alloc(40000, 1));
  e.ensureKey('Deep\\Classy', { className: 'cls' });
  return e.toBuffer();
}

function walkAll(k: RegKey): number {
  let n = 1;
  void k.className;
  for (const v of k.values()) void v.data;
  for (const s of k.subkeys()) n += walkAll(s);
  return n;
}

function openAndWalk(file: string): number {
  const h = openHive(file);
  try {
    return walkAll(h.root);
  } finally {
    h.close();
  }
}

function expectCode(fn: () => unknown, code: string, reason?: string): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof FerryError, `expected a FerryError, got ${String(err)}`);
    assert.equal(err.code, code, err.message);
    if (reason) assert.equal(err.details.reason, reason, err.message);
    return true;
  });
}

const fixChecksum = (b: Buffer): void => {
  b.writeUInt32LE(baseBlockChecksum(b), BB.checksum);
};
/** File offset of a cell's data (after its size) given its hive-bins offset. */
const at = (cell: number): number => BASE_BLOCK_SIZE + cell + 4;

function locate<T>(bytes: Buffer, file: string, fn: (h: ReturnType<typeof openHive>) => T): T {
  writeFileSync(file, bytes);
  const h = openHive(file);
  try {
    return fn(h);
  } finally {
    h.close();
  }
}

test('the sample hive itself is sound', (t) => {
  const file = join(tmp(t), 'ok.hiv');
  writeFileSync(file, sample());
  assert.equal(openAndWalk(file), 1 + 1 + 600 + 1 + 1 + 1 + 1);
});

test('bad checksum, truncation, wrong signature, log file, unsupported version', (t) => {
  const dir = tmp(t);
  const file = join(dir, 'h');
  const good = sample();

  const bad = Buffer.from(good);
  bad.writeUInt8(bad.readUInt8(BB.lastWritten) ^ 0xff, BB.lastWritten);
  writeFileSync(file, bad);
  expectCode(() => openHive(file), 'FERRY_E_HIVE_CORRUPT', 'checksum');

  writeFileSync(file, good.subarray(0, good.length - 4096));
  expectCode(() => openHive(file), 'FERRY_E_HIVE_CORRUPT', 'truncated');
  writeFileSync(file, good.subarray(0, 1000));
  expectCode(() => openHive(file), 'FERRY_E_HIVE_CORRUPT', 'truncated');
  writeFileSync(file, Buffer.alloc(0));
  expectCode(() => openHive(file), 'FERRY_E_HIVE_NOT_REGF');
  writeFileSync(file, Buffer.from('PK\x03\x04 not a hive at all'));
  expectCode(() => openHive(file), 'FERRY_E_HIVE_NOT_REGF');

  const log = Buffer.from(good);
  log.writeUInt32LE(6, BB.fileType);
  fixChecksum(log);
  writeFileSync(file, log);
  expectCode(() => openHive(file), 'FERRY_E_HIVE_NOT_REGF');

  const v2 = Buffer.from(good);
  v2.writeUInt32LE(2, BB.major);
  fixChecksum(v2);
  writeFileSync(file, v2);
  expectCode(() => openHive(file), 'FERRY_E_HIVE_UNSUPPORTED');

  const hbins = Buffer.from(good);
  hbins.writeUInt32LE(0x7fff0000, BB.hbinsSize);
  fixChecksum(hbins);
  writeFileSync(file, hbins);
  expectCode(() => openHive(file), 'FERRY_E_HIVE_CORRUPT', 'truncated');

  const hbinSig = Buffer.from(good);
  hbinSig.write('xbin', BASE_BLOCK_SIZE + 4096, 'latin1');
  writeFileSync(file, hbinSig);
  expectCode(() => openHive(file), 'FERRY_E_HIVE_CORRUPT', 'hbin');

  expectCode(() => openHive(join(dir, 'missing')), 'FERRY_E_IO');
});

test('cells pointing outside the file, free cells, negative and odd sizes', (t) => {
  const dir = tmp(t);
  const file = join(dir, 'h');
  const good = sample();
  const deep = locate(good, file, (h) => h.key('Deep')!.nk.offset);
  const deepB = locate(good, file, (h) => h.key('Deep\\A\\B')!.nk);

  const cases: Array<[string, (b: Buffer) => void, string]> = [
    [
      'root outside',
      (b) => {
        b.writeUInt32LE(0x7ffffff8, BB.rootCell);
        fixChecksum(b);
      },
      'cell-offset',
    ],
    [
      'root unaligned',
      (b) => {
        b.writeUInt32LE(0x24, BB.rootCell);
        fixChecksum(b);
      },
      'cell-offset',
    ],
    ['subkey list outside', (b) => b.writeUInt32LE(0xfffffff0, at(deep) + NK.subkeyList), 'cell-offset'],
    ['value list outside', (b) => b.writeUInt32LE(good.length * 2, at(deepB.offset) + NK.valueList), 'cell-offset'],
    ['value count beyond list', (b) => b.writeUInt32LE(5000, at(deepB.offset) + NK.valueCount), 'value-list'],
    ['subkey count mismatch', (b) => b.writeUInt32LE(7, at(deep) + NK.subkeyCount), 'index'],
    ['cell size positive (free)', (b) => b.writeInt32LE(96, at(deep) - 4), 'cell-free'],
    ['cell size odd', (b) => b.writeInt32LE(-13, at(deep) - 4), 'cell-size'],
    ['cell size past its bin', (b) => b.writeInt32LE(-0x100000, at(deep) - 4), 'cell-size'],
    ['cell size zero', (b) => b.writeInt32LE(0, at(deep) - 4), 'cell-free'],
    ['name longer than cell', (b) => b.writeUInt16LE(4000, at(deep) + NK.nameLength), 'nk'],
    [
      'class name longer than cell',
      (b) => b.writeUInt16LE(4000, at(locate(good, file, (h) => h.key('Deep\\Classy')!.nk.offset)) + NK.classLength),
      'class',
    ],
  ];
  for (const [name, mutate, reason] of cases) {
    const b = Buffer.from(good);
    mutate(b);
    writeFileSync(file, b);
    expectCode(() => openAndWalk(file), 'FERRY_E_HIVE_CORRUPT', reason);
    assert.ok(true, name);
  }

  const values = locate(good, file, (h) => {
    const k = h.key('Deep\\A\\B')!;
    return h.valueOffsets(k.nk).map((off) => ({ off, name: h.readValue(off).name }));
  });
  const vkOf = (n: string): number => values.find((v) => v.name === n)!.off;
  const vcases: Array<[(b: Buffer) => void, string]> = [
    [(b) => b.writeUInt32LE(0x80000009, at(vkOf('small')) + VK.dataSize), 'vk-data'],
    [(b) => b.writeUInt32LE(0x7ffffff0, at(vkOf('text')) + VK.dataSize), 'vk-data'],
    [(b) => b.writeUInt32LE(200, at(vkOf('text')) + VK.dataSize), 'vk-data'],
    [(b) => b.writeUInt32LE(0x13, at(vkOf('text')) + VK.dataOffset), 'cell-offset'],
    [(b) => b.writeUInt32LE(60000, at(vkOf('big')) + VK.dataSize), 'big-data'],
    [(b) => b.writeUInt16LE(4000, at(vkOf('text')) + VK.nameLength), 'vk'],
  ];
  for (const [mutate, reason] of vcases) {
    const b = Buffer.from(good);
    mutate(b);
    writeFileSync(file, b);
    expectCode(() => openAndWalk(file), 'FERRY_E_HIVE_CORRUPT', reason);
  }
});

test('loops: ri → ri, a key listing its ancestor, a key listed twice — refused quickly', (t) => {
  const dir = tmp(t);
  const file = join(dir, 'h');
  const good = sample();
  const wide = locate(good, file, (h) => h.key('Wide')!.nk);
  const ri = wide.subkeyList;
  const firstLeaf = locate(good, file, (h) => h.file.cell(ri, 't').readUInt32LE(4));
  const root = locate(good, file, (h) => h.root.nk.offset);
  const deep = locate(good, file, (h) => h.key('Deep')!.nk);
  const deepList = deep.subkeyList;
  const cases: Array<[(b: Buffer) => void, string]> = [
    [(b) => b.writeUInt32LE(ri, at(ri) + 4), 'index-loop'],
    [(b) => b.writeUInt32LE(ri, at(firstLeaf) + 4), 'nk'],
    [(b) => b.writeUInt32LE(wide.offset, at(firstLeaf) + 4), 'key-loop'],
    [(b) => b.writeUInt32LE(root, at(deepList) + 4), 'key-loop'],
    [
      (b) => {
        b.writeUInt32LE(b.readUInt32LE(at(firstLeaf) + 4), at(firstLeaf) + 12);
      },
      'key-loop',
    ],
    [(b) => b.write('zz', at(ri), 'latin1'), 'index'],
  ];
  for (const [mutate, reason] of cases) {
    const b = Buffer.from(good);
    mutate(b);
    writeFileSync(file, b);
    const started = Date.now();
    expectCode(() => openAndWalk(file), 'FERRY_E_HIVE_CORRUPT', reason);
    assert.ok(Date.now() - started < 2000);
  }
});

test('random damage never crashes or hangs: a FerryError or a clean read', (t) => {
  const dir = tmp(t);
  const file = join(dir, 'h');
  const good = sample();
  let seed = 12345;
  const rnd = (n: number): number => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed % n;
  };
  let failures = 0;
  for (let i = 0; i < 300; i++) {
    const b = Buffer.from(good);
    for (let j = 0; j < 1 + rnd(8); j++) b[BASE_BLOCK_SIZE + rnd(b.length - BASE_BLOCK_SIZE)] = rnd(256);
    writeFileSync(file, b);
    try {
      openAndWalk(file);
    } catch (err) {
      assert.ok(err instanceof FerryError, `iteration ${i}: ${String((err as Error).stack)}`);
      failures++;
    }
  }
  assert.ok(failures > 0);
});

test('dirty hives: sequence mismatch or pending log entries are reported, not replayed', (t) => {
  const dir = tmp(t);
  const file = join(dir, 'NTUSER.DAT');
  const good = sample();
  const seq = good.readUInt32LE(BB.secondarySeq);

  const torn = Buffer.from(good);
  torn.writeUInt32LE(seq + 1, BB.primarySeq);
  fixChecksum(torn);
  writeFileSync(file, torn);
  expectCode(() => openHive(file), 'FERRY_E_HIVE_DIRTY');
  const h = openHive(file, { allowDirty: true });
  assert.equal(h.dirty?.primarySequence, seq + 1);
  assert.equal(h.key('Deep\\A\\B')?.value('small')?.data, 1);
  h.close();

  writeFileSync(file, good);
  const log = (entrySeq: number): Buffer => {
    const b = Buffer.alloc(BASE_BLOCK_SIZE);
    good.copy(b, 0, 0, 0x200);
    b.writeUInt32LE(6, BB.fileType);
    fixChecksum(b);
    b.write('HvLE', 0x200, 'latin1');
    b.writeUInt32LE(0x200, 0x204);
    b.writeUInt32LE(entrySeq, 0x20c);
    return b;
  };
  writeFileSync(join(dir, 'NTUSER.DAT.LOG1'), Buffer.alloc(0));
  writeFileSync(join(dir, 'ntuser.dat.LOG2'), log(seq - 1));
  openHive(file).close();
  writeFileSync(join(dir, 'ntuser.dat.LOG2'), log(seq));
  expectCode(() => openHive(file), 'FERRY_E_HIVE_DIRTY');
  const d = openHive(file, { allowDirty: true });
  assert.deepEqual(d.dirty?.pendingLogs, [join(dir, 'ntuser.dat.LOG2')]);
  d.close();
  expectCode(() => HiveEditor.open(file), 'FERRY_E_HIVE_DIRTY');
  assert.deepEqual(readFileSync(file), good, 'nothing written');
});
