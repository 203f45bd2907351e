// The byte queue keeps what was appended, in order, across compaction and growth.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ByteQueue } from './byte-queue.ts';

test('appended bytes stay addressable until consumed, through compaction and growth', () => {
  const q = new ByteQueue(16);
  const live: { at: number; text: string }[] = [];
  for (let i = 0; i < 2000; i++) {
    const text = `{"n":${i},"é":"${'x'.repeat(i % 37)}"}`;
    live.push({ at: q.write(text), text });
    // Consume the oldest now and then, so the queue both compacts and grows.
    while (live.length > (i % 50) + 1) {
      const first = live.shift()!;
      assert.equal(q.view(first.at, Buffer.byteLength(first.text)).toString('utf8'), first.text);
      q.consume(first.at + Buffer.byteLength(first.text));
    }
    for (const l of live) assert.equal(q.view(l.at, Buffer.byteLength(l.text)).toString('utf8'), l.text);
  }
  const at = q.append(Buffer.from('tail'));
  assert.equal(q.view(at, 4).toString(), 'tail');
  assert.throws(() => q.view(at - 1_000_000, 4), RangeError);
  q.clear();
  assert.equal(q.length, 0);
});
