import { test } from 'node:test';
import assert from 'node:assert/strict';
import { closeSync, mkdirSync, mkdtempSync, openSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { VolumeEntry } from './types.ts';
import { statEntry } from './entry.ts';
import { walkHost, walkHostSync } from './walk.ts';

test('a folder too big to list at once is streamed through a handle, with the same result', async () => {
  const base = mkdtempSync(join(tmpdir(), 'ferry-wide-'));
  try {
    const wide = join(base, 'wide');
    mkdirSync(wide);
    mkdirSync(join(base, 'wide', 'sub'));
    closeSync(openSync(join(base, 'wide', 'sub', 'inner.txt'), 'w'));
    const n = 6000;
    for (let i = 0; i < n; i++) closeSync(openSync(join(wide, `file-with-a-rather-long-name-${String(i).padStart(6, '0')}.txt`), 'w'));
    assert.ok(statSync(wide).size > 256 * 1024, 'the directory file is big enough to be streamed');
    const root = statEntry('C:\\wide', wide, 'dosattrib')!;
    const streamed: VolumeEntry[] = [];
    for await (const e of walkHost(root, { attributeSource: 'dosattrib' })) streamed.push(e);
    assert.equal(streamed.length, n + 3);
    assert.ok(streamed.some((e) => e.winPath === 'C:\\wide\\sub\\inner.txt'));
    const sorted: string[] = [];
    for await (const e of walkHost(root, { attributeSource: 'dosattrib', sorted: true })) sorted.push(e.winPath);
    assert.deepEqual([...sorted].sort(), streamed.map((e) => e.winPath).sort());
    assert.equal(sorted[1], 'C:\\wide\\file-with-a-rather-long-name-000000.txt');
    // Stopping half-way closes the streaming handle.
    const fds = (): number => readdirSync('/proc/self/fd').length;
    const before = fds();
    let k = 0;
    for await (const e of walkHost(root, { attributeSource: 'dosattrib' })) if (e.kind === 'file' && ++k === 100) break;
    for (const e of walkHostSync(root, { attributeSource: 'dosattrib' })) if (e.kind === 'file' && ++k === 200) break;
    assert.equal(fds(), before);
    // Past the open-handle budget, folders are listed whole instead.
    const limited: string[] = [];
    for await (const e of walkHost(root, { attributeSource: 'dosattrib', maxOpenDirs: 0 })) limited.push(e.winPath);
    assert.equal(limited.length, n + 3);
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
});

test('lazy stat fields read 0 when the object is gone', async () => {
  const base = mkdtempSync(join(tmpdir(), 'ferry-gone-'));
  try {
    closeSync(openSync(join(base, 'a.txt'), 'w'));
    const root = statEntry('C:\\d', base, 'dosattrib')!;
    const seen: VolumeEntry[] = [];
    for await (const e of walkHost(root, { attributeSource: 'dosattrib' })) {
      if (e.kind === 'file') rmSync(e.hostPath);
      seen.push(e);
    }
    const gone = seen.find((e) => e.kind === 'file')!;
    assert.equal(gone.size, 0);
    assert.equal(gone.mtimeMs, 0);
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
});

test('a name that is not valid UTF-8 is reported, not turned into a wrong path', async () => {
  const base = mkdtempSync(join(tmpdir(), 'ferry-latin1-'));
  try {
    closeSync(openSync(Buffer.concat([Buffer.from(`${base}/caf`), Buffer.from([0xe9]), Buffer.from('.txt')]), 'w'));
    closeSync(openSync(join(base, 'ok.txt'), 'w'));
    const root = statEntry('C:\\d', base, 'dosattrib')!;
    const errors: string[] = [];
    const seen: string[] = [];
    for (const e of walkHostSync(root, {
      attributeSource: 'dosattrib',
      onError: (_p, err) => errors.push((err as { code?: string }).code ?? ''),
    }))
      seen.push(e.winPath);
    assert.deepEqual(seen, ['C:\\d', 'C:\\d\\ok.txt']);
    assert.deepEqual(errors, ['FERRY_E_WIN_PATH_INVALID']);
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
});
