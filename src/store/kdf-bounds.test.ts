// Issue 11 item 2: a store header that asks scrypt for gigabytes (N=2^20, r=16, p=16) is refused
// with a coded error before any key derivation, by every reader (openStore, usmtutils, loadstate).
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { isFerryError } from '../errors/index.ts';
import { EventStream } from '../events/index.ts';
import {
  loadState,
  parseLoadStateArgs,
  parseUsmtUtilsArgs,
  usmtUtils,
  type LoadStateOptions,
  type UsmtUtilsOptions,
} from '../usmt/index.ts';
import { checkKdfParams, newKdfParams } from './crypto.ts';
import { createStore, openStore } from './index.ts';
import { tempDir } from './test-support.ts';

const code = (c: string) => (e: unknown) => isFerryError(e) && e.code === c;

/** An encrypted store whose header was rewritten to ask for `kdf`. */
async function hostileStore(t: { after(fn: () => void): void }, kdf: Record<string, unknown>): Promise<string> {
  const dir = tempDir(t);
  const w = await createStore(join(dir, 'store'), { encryption: { key: 'k3y' } });
  await w.addDirectory({ kind: 'dir', winPath: 'C:\\Users\\alice', mtimeMs: 1, atimeMs: 1, birthtimeMs: 1, attributes: 0x10 });
  await w.finish();
  const mig = join(dir, 'store/USMT/USMT.MIG');
  const b = readFileSync(mig);
  const len = b.readUInt32LE(12);
  const header = JSON.parse(b.subarray(16, 16 + len).toString('utf8'));
  header.encryption.kdf = { ...header.encryption.kdf, ...kdf };
  const json = Buffer.from(JSON.stringify(header));
  const fixed = Buffer.from(b.subarray(0, 16));
  fixed.writeUInt32LE(json.length, 12);
  writeFileSync(mig, Buffer.concat([fixed, json, b.subarray(16 + len)]));
  return join(dir, 'store');
}

const HOSTILE = { N: 1 << 20, r: 16, p: 16 };

test('a header asking for scrypt N=2^20, r=16, p=16 is refused fast with FERRY_E_STORE_KDF_PARAMS', async (t) => {
  const store = await hostileStore(t, HOSTILE);
  const rss = process.memoryUsage().rss;
  const t0 = performance.now();
  await assert.rejects(openStore(store, { key: 'k3y' }), code('FERRY_E_STORE_KDF_PARAMS'));
  const ms = performance.now() - t0;
  assert.ok(ms < 2000, `refused in ${ms.toFixed(0)} ms`);
  assert.ok(process.memoryUsage().rss - rss < 64 * 1024 * 1024, 'no scrypt memory was spent');
});

test('usmtutils /verify reports the hostile store as a corrupted catalog (42), fast', async (t) => {
  const store = await hostileStore(t, HOSTILE);
  const lines: string[] = [];
  const t0 = performance.now();
  const rc = await usmtUtils(
    parseUsmtUtilsArgs(['/verify', join(store, 'USMT/USMT.MIG'), '/decrypt', '/key:k3y']) as UsmtUtilsOptions,
    { events: new EventStream(), cwd: process.cwd() },
    (l) => lines.push(l),
  );
  assert.equal(rc, 42);
  assert.deepEqual(lines, ['CATALOG\tCORRUPTED']);
  assert.ok(performance.now() - t0 < 2000);
});

test('loadstate refuses the hostile store with the coded error before deriving a key', async (t) => {
  const store = await hostileStore(t, HOSTILE);
  const options = parseLoadStateArgs([store, `/offlinewindir:${join(store, '..', 'Windows')}`, '/decrypt', '/key:k3y']) as LoadStateOptions;
  const t0 = performance.now();
  await assert.rejects(loadState(options, { events: new EventStream(), cwd: process.cwd() }), code('FERRY_E_STORE_KDF_PARAMS'));
  assert.ok(performance.now() - t0 < 2000);
});

test('the bounds admit what Ferry writes and refuse each parameter just past its limit', () => {
  const ok = newKdfParams();
  checkKdfParams(ok);
  checkKdfParams({ ...ok, N: 1 << 16, r: 8, p: 2 });
  for (const bad of [
    { N: 1 << 17 },
    { N: 1 << 13 },
    { N: 40000 },
    { r: 9 },
    { r: 0 },
    { p: 3 },
    { p: 1.5 },
    { keyLength: 64 },
    { salt: 'AAAA' },
    { name: 'argon2' },
    { N: '32768' },
  ]) {
    assert.throws(() => checkKdfParams({ ...ok, ...bad }), code('FERRY_E_STORE_KDF_PARAMS'), JSON.stringify(bad));
  }
  assert.throws(() => checkKdfParams(null), code('FERRY_E_STORE_KDF_PARAMS'));
});

test('key derivation runs off the event loop: timers keep firing while a key is derived', async () => {
  const { deriveStoreKey } = await import('./crypto.ts');
  const kdf = { ...newKdfParams(), N: 1 << 16 };
  let ticks = 0;
  let longest = 0;
  let last = performance.now();
  const timer = setInterval(() => {
    const now = performance.now();
    longest = Math.max(longest, now - last);
    last = now;
    ticks++;
  }, 5);
  try {
    await Promise.all([deriveStoreKey('k3y', kdf, Buffer.alloc(16)), deriveStoreKey('k3y', kdf, Buffer.alloc(16, 1))]);
  } finally {
    clearInterval(timer);
  }
  assert.ok(ticks >= 2, `timer fired ${ticks} times`);
  assert.ok(longest < 1000, `the event loop stalled for ${longest.toFixed(0)} ms`);
});
