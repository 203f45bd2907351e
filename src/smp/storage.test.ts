import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { test } from 'node:test';
import { isFerryError } from '../errors/index.ts';
import { checkStorePath, chunkCount, chunkLength, manifestDigest, minimumFreeBytes, writeChunk } from './storage.ts';

test('store paths stay inside the store', () => {
  for (const ok of ['USMT/USMT.MIG', 'USMT/File/C$/Users/ünï/a b.txt', 'catalog.json']) assert.equal(checkStorePath(ok), ok);
  for (const bad of [
    '',
    '/abs',
    '../x',
    'a/../b',
    'a/./b',
    'a//b',
    'a/',
    'C:/x',
    'a\\b',
    'x\u0001',
    'f.ferry-part',
    `${'a'.repeat(256)}/b`,
  ]) {
    assert.throws(() => checkStorePath(bad), { code: 'FERRY_E_SMP_PATH_INVALID' }, JSON.stringify(bad));
  }
});

test('chunks and minimum free space', () => {
  assert.equal(chunkCount(0, 10), 1);
  assert.equal(chunkCount(25, 10), 3);
  assert.deepEqual(
    [0, 1, 2].map((c) => chunkLength(25, 10, c)),
    [10, 10, 5],
  );
  assert.equal(minimumFreeBytes({ minFreeSpace: 2, spaceUnit: 'Megabyte' }, 0), 2 * 1024 * 1024);
  assert.equal(minimumFreeBytes({ minFreeSpace: 1, spaceUnit: 'Gigabyte' }, 0), 1024 ** 3);
  assert.equal(minimumFreeBytes({ minFreeSpace: 10, spaceUnit: 'Percent' }, 1000), 100);
});

test('manifest digest ignores order and hash case', () => {
  const a = { path: 'a', size: 1, sha256: 'AB'.repeat(32) };
  const b = { path: 'b', size: 2, sha256: 'cd'.repeat(32) };
  assert.equal(manifestDigest([a, b]), manifestDigest([b, { ...a, sha256: a.sha256.toLowerCase() }]));
  assert.notEqual(manifestDigest([a]), manifestDigest([{ ...a, size: 2 }]));
});

test('a chunk cut short by a full disk is refused and never lands on its neighbour', async (t) => {
  if (process.getuid?.() !== 0) return t.skip('needs root to mount a small tmpfs');
  const mnt = mkdtempSync(join(tmpdir(), 'ferry-smp-enospc-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', mnt]);
  } catch (err) {
    rmSync(mnt, { recursive: true, force: true });
    return t.skip(`cannot mount a tmpfs here: ${(err as Error).message}`);
  }
  t.after(() => {
    execFileSync('umount', ['-l', mnt]);
    rmSync(mnt, { recursive: true, force: true });
  });
  const sha256Hex = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
  const chunk = 64 * 1024;
  const part = join(mnt, 'USMT.MIG.ferry-part');
  writeFileSync(part, '');
  // Chunk 1 is already in (its pages are allocated); then the disk fills up to 8 free pages.
  const next = randomBytes(chunk);
  await writeChunk(part, chunk, chunk, sha256Hex(next), Readable.from([next]));
  const { bavail, bsize } = statfsSync(mnt);
  writeFileSync(join(mnt, 'filler'), Buffer.alloc(bavail * bsize - 8 * 4096));
  // Chunk 0 arrives in small pieces, as from a socket, so the writes are batched; the kernel
  // takes only part of a batch before the disk is full.
  const data = randomBytes(chunk);
  const pieces = Array.from({ length: 16 }, (_, i) => data.subarray(i * 4096, (i + 1) * 4096));
  await assert.rejects(writeChunk(part, 0, chunk, sha256Hex(data), Readable.from(pieces)), (e) =>
    isFerryError(e, 'FERRY_E_SMP_FOLDER_FULL'),
  );
  assert.ok(
    readFileSync(part)
      .subarray(chunk, 2 * chunk)
      .equals(next),
    'the bytes of chunk 1 are untouched',
  );
  rmSync(join(mnt, 'filler'));
  await writeChunk(part, 0, chunk, sha256Hex(data), Readable.from(pieces));
  assert.ok(readFileSync(part).equals(Buffer.concat([data, next])));
});

test('a chunk whose client went away before the body was read fails at once, and the next try works', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ferry-smp-gone-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const part = join(dir, 'USMT.MIG.ferry-part');
  writeFileSync(part, '');
  const data = randomBytes(4096);
  const digest = createHash('sha256').update(data).digest('hex');
  const gone = new PassThrough();
  gone.write(data.subarray(0, 100));
  gone.destroy();
  await assert.rejects(writeChunk(part, 0, data.length, digest, gone), (e) => isFerryError(e, 'FERRY_E_SMP_CHUNK_MISMATCH'));
  await writeChunk(part, 0, data.length, digest, Readable.from([data]));
  assert.ok(readFileSync(part).equals(data));
});
