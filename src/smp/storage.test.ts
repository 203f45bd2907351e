import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkStorePath, chunkCount, chunkLength, manifestDigest, minimumFreeBytes } from './storage.ts';

test('store paths stay inside the store', () => {
  for (const ok of ['USMT/USMT.MIG', 'USMT/File/C$/Users/ünï/a b.txt', 'catalog.json']) assert.equal(checkStorePath(ok), ok);
  for (const bad of ['', '/abs', '../x', 'a/../b', 'a/./b', 'a//b', 'a/', 'C:/x', 'a\\b', 'x\u0001', 'f.ferry-part', `${'a'.repeat(256)}/b`]) {
    assert.throws(() => checkStorePath(bad), { code: 'FERRY_E_SMP_PATH_INVALID' }, JSON.stringify(bad));
  }
});

test('chunks and minimum free space', () => {
  assert.equal(chunkCount(0, 10), 1);
  assert.equal(chunkCount(25, 10), 3);
  assert.deepEqual([0, 1, 2].map((c) => chunkLength(25, 10, c)), [10, 10, 5]);
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
