// Stores written by earlier format versions must stay readable: read the checked-in golden stores.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { inspectStore, openStore } from './index.ts';
import { readAll } from './test-support.ts';

const v1 = new URL('../../test/fixtures/stores/v1/', import.meta.url).pathname;
const expected = JSON.parse(readFileSync(`${v1}expected.json`, 'utf8')) as {
  key: string;
  mtimeMs: number;
  files: { winPath: string; size: number; sha256: string }[];
};

for (const [name, type, encrypted] of [
  ['compressed', 'compressed', false],
  ['encrypted', 'compressed', true],
  ['uncompressed', 'uncompressed', false],
] as const) {
  test(`golden v1 ${name} store reads back exactly`, async () => {
    const info = await inspectStore(`${v1}${name}`);
    assert.deepEqual([info.version, info.type, info.encrypted, info.complete], [1, type, encrypted, true]);
    const r = await openStore(`${v1}${name}`, encrypted ? { key: expected.key } : {});
    const { entries, contents } = await readAll(r);
    assert.deepEqual(
      entries.map((e) => e.kind),
      ['dir', 'file', 'file', 'file', 'file', 'registry'],
    );
    for (const f of expected.files) {
      const e = entries.find((x) => x.winPath === f.winPath);
      assert.ok(e && e.kind === 'file', f.winPath);
      assert.deepEqual([e.size, e.sha256, e.mtimeMs, e.attributes], [f.size, f.sha256, expected.mtimeMs, 0x20]);
      assert.equal(createHash('sha256').update(contents.get(f.winPath)!).digest('hex'), f.sha256);
    }
    const hello = entries.find((x) => x.winPath.endsWith('hello.txt'))!;
    assert.deepEqual(hello.user, { name: 'alice', domain: 'PC01', sid: 'S-1-5-21-1-2-3-1001' });
    const reg = entries.at(-1)!;
    assert.ok(reg.kind === 'registry');
    assert.deepEqual(
      [reg.hive, reg.key, reg.valueName, reg.regType, reg.data?.toString('utf16le')],
      ['HKCU', 'Software\\Ferry', 'Color', 'REG_SZ', 'blue\u0000'],
    );
    assert.deepEqual(r.trailer.extra, { golden: true });
    const report = await r.verify('all');
    assert.deepEqual([report.catalogOk, report.intact, report.corrupted], [true, expected.files.length, 0]);
    await r.close();
  });
}
