// The staged-file writer thread: files packed into slabs (empty ones, several per slab, larger
// than a slab) land with their bytes and times; bytes that do not match the catalog SHA-256 are
// refused with HASH_MISMATCH and no file is left.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HASH_MISMATCH, StagedFileWriter } from './loadstate-writer.ts';

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const META = { mtimeMs: Date.UTC(2020, 0, 2), atimeMs: Date.UTC(2020, 0, 3), attributes: 0x20 };

test('files of every size land with their bytes and times; a hash mismatch writes nothing', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ferry-writer-'));
  const writer = new StagedFileWriter();
  try {
    const sizes = [0, 1, 1000, 700_000, 700_000, 700_000, 3 * 1024 * 1024, 0, 5];
    const files = sizes.map((n, i) => ({ path: join(dir, `f${i}`), bytes: randomBytes(n) }));
    const writes: Promise<void>[] = [];
    for (const f of files) {
      await writer.room();
      // Two pieces, as a file spanning two chunks arrives.
      const cut = f.bytes.length >> 1;
      writes.push(writer.write(f.path, [f.bytes.subarray(0, cut), f.bytes.subarray(cut)], f.bytes.length, META, 'dosattrib', sha(f.bytes)));
    }
    const bad = join(dir, 'bad');
    const refused = writer.write(bad, [Buffer.from('not these bytes')], 15, META, 'dosattrib', sha(Buffer.from('other bytes')));
    await Promise.all(writes);
    await assert.rejects(refused, (e: NodeJS.ErrnoException) => e.code === HASH_MISMATCH);
    assert.equal(existsSync(bad), false);
    for (const f of files) {
      assert.deepEqual(readFileSync(f.path), f.bytes, f.path);
      assert.equal(statSync(f.path).mtimeMs, META.mtimeMs);
    }
  } finally {
    await writer.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

async function* inPieces(bytes: Buffer, size: number): AsyncGenerator<Buffer> {
  for (let at = 0; at < bytes.length; at += size) yield bytes.subarray(at, at + size);
}

test('a file streamed in parts lands whole; a streamed mismatch or a failing source leaves no file', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ferry-writer-'));
  const writer = new StagedFileWriter();
  try {
    // Larger than the window of bytes in flight, in pieces that do not line up with the slabs.
    const big = randomBytes(11 * 1024 * 1024 + 5);
    const good = join(dir, 'big');
    const { written } = await writer.writeStreamed(good, inPieces(big, 3 * 1024 * 1024 + 7), big.length, META, 'dosattrib', sha(big));
    const bad = join(dir, 'bad');
    const { written: refused } = await writer.writeStreamed(
      bad,
      inPieces(big, 1024 * 1024),
      big.length,
      META,
      'dosattrib',
      sha(Buffer.from('x')),
    );
    const cut = join(dir, 'cut');
    async function* failing(): AsyncGenerator<Buffer> {
      yield big.subarray(0, 3 * 1024 * 1024);
      throw new Error('the store ends early');
    }
    await assert.rejects(writer.writeStreamed(cut, failing(), big.length, META, 'dosattrib', sha(big)), /ends early/);
    const small = join(dir, 'after');
    const after = writer.write(small, [Buffer.from('next')], 4, META, 'dosattrib', sha(Buffer.from('next')));
    await written;
    await assert.rejects(refused, (e: NodeJS.ErrnoException) => e.code === HASH_MISMATCH);
    await after;
    assert.deepEqual(readFileSync(good), big);
    assert.equal(statSync(good).mtimeMs, META.mtimeMs);
    assert.equal(existsSync(bad), false);
    assert.equal(existsSync(cut), false);
    assert.equal(readFileSync(small, 'utf8'), 'next');
  } finally {
    await writer.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
