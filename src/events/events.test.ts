import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventStream } from './events.ts';

test('events are stamped, typed and delivered in order; a throwing listener does not break others', () => {
  const s = new EventStream();
  const seen = s.record();
  s.on(() => {
    throw new Error('broken consumer');
  });
  s.phase('scan', 'start');
  s.emit({ type: 'progress', phase: 'scan', done: 1, total: 2 });
  s.warn('FERRY_W_REGISTRY_UNAVAILABLE', 'no hives');
  assert.deepEqual(
    seen.map((e) => e.type),
    ['phase', 'progress', 'warning'],
  );
  assert.ok(seen.every((e) => typeof e.at === 'number'));
});
