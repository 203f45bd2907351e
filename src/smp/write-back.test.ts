import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { dataSyncIfPresent, WriteBack } from './write-back.ts';

const eio = (): NodeJS.ErrnoException => Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' });

test('dataSyncIfPresent: nothing for a file renamed away, the datasync error itself otherwise', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ferry-write-back-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'a'), 'x');
  assert.equal(await dataSyncIfPresent(join(dir, 'a')), undefined);
  assert.equal(await dataSyncIfPresent(join(dir, 'gone.part')), undefined);
  // A character device cannot be synced: the error the write-back met is what it answers.
  assert.equal(((await dataSyncIfPresent('/dev/full')) as NodeJS.ErrnoException).code, 'EINVAL');
});

test('a failed write-back is kept for its store folder until the folder is forgotten', async () => {
  const flushed: string[] = [];
  const wb = new WriteBack(async (path) => {
    flushed.push(path);
    return path.endsWith('bad.part') ? eio() : undefined;
  });
  wb.mark('/s/1/USMT/ok.part');
  wb.mark('/s/1/USMT/bad.part');
  wb.mark('/s/2/USMT/other.part');
  wb.mark('/s/2/USMT/dropped.part');
  wb.drop('/s/2/USMT/dropped.part');
  await wb.idle();
  assert.deepEqual(flushed, ['/s/1/USMT/ok.part', '/s/1/USMT/bad.part', '/s/2/USMT/other.part']);
  assert.equal(wb.failure('/s/1')?.path, '/s/1/USMT/bad.part');
  assert.equal((wb.failure('/s/1')!.error as NodeJS.ErrnoException).code, 'EIO');
  assert.equal(wb.failure('/s/2'), undefined);
  assert.deepEqual(wb.failure('/s'), wb.failure('/s/1'), 'a folder above it holds the failed file too');
  // A later write-back that succeeds does not clear it: the lost pages are not written again.
  wb.mark('/s/1/USMT/bad.part');
  await wb.idle();
  assert.notEqual(wb.failure('/s/1'), undefined);
  wb.forget('/s/1');
  assert.equal(wb.failure('/s/1'), undefined);
});

test('settled() waits for the write-back under way and its error', async () => {
  let release!: () => void;
  const wb = new WriteBack(
    (path) =>
      new Promise((resolve) => {
        release = () => resolve(path.endsWith('bad') ? eio() : undefined);
      }),
  );
  wb.mark('/s/1/bad');
  const settled = wb.settled().then(() => wb.failure('/s/1'));
  release();
  assert.equal((await settled)?.path, '/s/1/bad');
  await wb.idle();
  // Nothing under way: settled() does not wait for anything.
  await wb.settled();
});
