import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { writeFileAtomic } from './atomic-write.ts';

function tempDir(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'ferry-atomic-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('a new file gets the requested mode; an existing file keeps its own', (t) => {
  const dir = tempDir(t);
  const fresh = join(dir, 'state.json');
  writeFileAtomic(fresh, '{"a":1}');
  assert.equal(statSync(fresh).mode & 0o777, 0o600);
  assert.equal(readFileSync(fresh, 'utf8'), '{"a":1}');

  const kept = join(dir, 'hive');
  writeFileSync(kept, 'old');
  chmodSync(kept, 0o640);
  writeFileAtomic(kept, Buffer.from('new'), { mode: 0o600 });
  assert.equal(statSync(kept).mode & 0o777, 0o640);
  assert.equal(readFileSync(kept, 'utf8'), 'new');
  assert.deepEqual(readdirSync(dir).sort(), ['hive', 'state.json'], 'no temp file left behind');
});

test('a failed replace leaves the old content and no temp file', (t) => {
  const dir = tempDir(t);
  // A non-empty folder in the way makes the rename fail after the temp file was written.
  const target = join(dir, 'busy');
  mkdirSync(target);
  writeFileSync(join(target, 'inside'), 'keep');
  assert.throws(() => writeFileAtomic(target, 'data'));
  assert.deepEqual(readdirSync(dir), ['busy']);
  assert.equal(readFileSync(join(target, 'inside'), 'utf8'), 'keep');
  assert.throws(() => writeFileAtomic(join(dir, 'missing', 'f'), 'data'), { code: 'ENOENT' });
});
