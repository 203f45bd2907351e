import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { getAttributeSync } from '@napi-rs/xattr';
import { FerryError } from '../errors/index.ts';
import { restoreFile } from './restore-file.ts';

const dir = mkdtempSync(join(tmpdir(), 'ferry-restore-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

const body = Buffer.from('hello restored world');
const meta = {
  winPath: 'C:\\Users\\a\\x.txt',
  size: body.length,
  sha256: createHash('sha256').update(body).digest('hex'),
  mtimeMs: Date.UTC(2020, 0, 2, 3, 4, 5),
  atimeMs: Date.UTC(2021, 0, 2, 3, 4, 5),
  attributes: 0x23, // read-only + hidden + archive
};

test('a restored file lands with its bytes, times, attributes and read-only bit', async () => {
  const dest = join(dir, 'sub', 'x.txt');
  assert.equal(await restoreFile(dest, { open: async () => Readable.from([body]) }, meta, 'dosattrib'), 'copied');
  assert.deepEqual(readFileSync(dest), body);
  const st = statSync(dest);
  assert.equal(st.mtimeMs, meta.mtimeMs);
  assert.equal(st.mode & 0o222, 0);
  assert.equal(getAttributeSync(dest, 'user.DOSATTRIB')?.toString(), '0x23');
});

test('bytes that do not match the catalog hash never appear under the file name', async () => {
  const dest = join(dir, 'bad.txt');
  await assert.rejects(
    restoreFile(dest, { open: async () => Readable.from([Buffer.from('hello restored WORLD')]) }, meta, 'dosattrib'),
    (err: unknown) => err instanceof FerryError && err.code === 'FERRY_E_USMT_RESTORE_FAILED',
  );
  assert.ok(!existsSync(dest));
  assert.deepEqual(
    readdirSync(dir).filter((f) => f.endsWith('.tmp')),
    [],
  );
});
