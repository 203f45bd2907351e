// Data frames sealed with a reused zstd context (the capture's threads) are the frames the plain
// path makes, and open again to the chunk they were made from.
import assert from 'node:assert/strict';
import { createSecretKey, randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { zstdDecompressSync } from 'node:zlib';
import { ChunkCompressor, FLAG_ZSTD, FRAME_HEADER_SIZE, FrameCodec, MAX_DATA_FRAME, decodeFrameHeader } from './frame.ts';

function chunks(): Buffer[] {
  const text = Buffer.from('Ferry stores user state. '.repeat(40_000));
  const random = randomBytes(1024 * 1024);
  const mixed = Buffer.concat([random.subarray(0, 300_000), text.subarray(0, 500_000)]);
  return [text, random, mixed, Buffer.from('x'), text.subarray(0, 12_345)];
}

for (const key of [null, createSecretKey(randomBytes(32))]) {
  test(`a reused zstd context seals the same frames as one per chunk (${key ? 'AES-GCM' : 'SHA-256 MAC'})`, () => {
    const codec = new FrameCodec(randomBytes(16), key);
    const zstd = new ChunkCompressor();
    try {
      let seq = 0;
      for (const raw of [...chunks(), ...chunks()]) {
        const h = { session: 1, seq: seq++, rawOffset: 1000 * seq };
        const plain = Buffer.alloc(MAX_DATA_FRAME);
        const reused = Buffer.alloc(MAX_DATA_FRAME, 0xaa);
        const n = codec.sealDataInto(h, raw, plain);
        assert.equal(codec.sealDataInto(h, raw, reused, zstd), n);
        assert.ok(plain.subarray(0, n).equals(reused.subarray(0, n)), `frame ${h.seq} differs`);
        const head = reused.subarray(0, FRAME_HEADER_SIZE);
        const payload = codec.openFrame(head, reused.subarray(FRAME_HEADER_SIZE, n));
        assert.ok(payload, 'the frame verifies');
        const packed = (decodeFrameHeader(head).flags & FLAG_ZSTD) !== 0;
        assert.ok((packed ? zstdDecompressSync(payload) : payload).equals(raw));
        // Random bytes do not shrink: they are stored as they are.
        if (raw.length === 1024 * 1024 && !packed) assert.equal(decodeFrameHeader(head).storedLen, raw.length);
      }
    } finally {
      zstd.close();
    }
  });
}

test('a chunk that does not fit the output is reported, and the context still works after it', () => {
  const zstd = new ChunkCompressor();
  try {
    const random = randomBytes(64 * 1024);
    assert.equal(zstd.compressInto(random, Buffer.alloc(1000)), -1);
    const text = Buffer.from('again and again '.repeat(5000));
    const out = Buffer.alloc(text.length);
    const n = zstd.compressInto(text, out);
    assert.ok(n > 0 && n < text.length);
    assert.ok(zstdDecompressSync(out.subarray(0, n)).equals(text));
  } finally {
    zstd.close();
  }
});
