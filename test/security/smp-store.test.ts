// The SMP's handling of untrusted uploads (issue 11, items 2, 3, 6, 7): a linear manifest check
// that leaves the event loop free, only encrypted Ferry stores (no extra files, no plain
// stores), bounded and de-duplicated store verification, and coded errors for odd ranges,
// part-file names and a store file deleted on the server.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isFerryError } from '../../src/errors/index.ts';
import { checkManifest } from '../../src/smp/index.ts';
import { createStore } from '../../src/store/index.ts';
import { adminOk, api, client, registerComputer, startSmp } from '../smp-helpers.ts';
import type { SmpServer } from '../../src/server/index.ts';

const SHA = 'a'.repeat(64);
const entries = (n: number) =>
  Array.from({ length: n }, (_, i) => ({ path: `USMT/File/C/Users/u${i % 97}/Docs/d${i % 13}/file-${i}.txt`, size: 1, sha256: SHA }));

/** Best of three alternating runs of 10k and 100k entries: machine load hits both alike. */
async function timings(): Promise<{ small: number; large: number }> {
  const [smallList, largeList] = [entries(10_000), entries(100_000)];
  let small = Infinity;
  let large = Infinity;
  for (let i = 0; i < 3; i++) {
    let t = performance.now();
    await checkManifest(smallList);
    small = Math.min(small, performance.now() - t);
    t = performance.now();
    await checkManifest(largeList);
    large = Math.min(large, performance.now() - t);
  }
  return { small, large };
}

test('the manifest check is linear (10k vs 100k entries) and does not hold up the event loop', async () => {
  // Timers keep firing while the entries are checked: the check yields to the event loop.
  let ticks = 0;
  const tick = setInterval(() => ticks++, 1);
  const { small, large } = await timings();
  clearInterval(tick);
  const ratio = large / small;
  console.log(
    `manifest check: 10k entries ${small.toFixed(1)} ms, 100k ${large.toFixed(1)} ms ` +
      `(×${ratio.toFixed(1)}; quadratic would be ×100); ${ticks} timer ticks ran meanwhile`,
  );
  assert.ok(ratio < 50, `100k entries took ×${ratio.toFixed(1)} the time of 10k`);
  assert.ok(ticks >= 30, `only ${ticks} timer ticks ran during the check: it holds the event loop`);
  // Case-folded: the same name in two cases, and a name that is both a file and a folder.
  await assert.rejects(
    checkManifest([
      { path: 'USMT/A.txt', size: 1, sha256: SHA },
      { path: 'usmt/a.TXT', size: 1, sha256: SHA },
    ]),
    (e) => isFerryError(e, 'FERRY_E_SMP_PATH_INVALID'),
  );
  await assert.rejects(
    checkManifest([
      { path: 'a/b/c', size: 1, sha256: SHA },
      { path: 'A/B', size: 1, sha256: SHA },
    ]),
    (e) => isFerryError(e, 'FERRY_E_SMP_PATH_INVALID'),
  );
});

async function smpWith(o: Parameters<typeof startSmp>[0] extends infer T ? Partial<T> : never = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'ferry-sec-store-'));
  const server: SmpServer = await startSmp({ dataDir: join(dir, 'data'), ...o } as Parameters<typeof startSmp>[0]);
  const admin = server.firstStart.adminToken as string;
  await adminOk(server.url, admin, 'POST', '/admin/folders', {
    path: join(dir, 'sf'),
    maxClients: 50,
    minFreeSpace: 1,
    spaceUnit: 'Megabyte',
  });
  return {
    dir,
    server,
    admin,
    async close() {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

test('odd requests get coded 4xx: a part-file folder name, a Range past 2^53, a store file deleted on the server', async () => {
  const s = await smpWith({ verifyStore: false });
  try {
    const cred = await registerComputer(s.server.url, s.admin, 'PC-ODD');
    const grant = (await api(s.server.url, cred, 'POST', '/requests/capture')).body;
    const both = await api(s.server.url, cred, 'PUT', `/stores/${grant.storeId}/manifest`, {
      files: [
        { path: 'a', size: 1, sha256: SHA },
        { path: 'a.ferry-part/b', size: 1, sha256: SHA },
      ],
    });
    assert.equal(both.status, 400, JSON.stringify(both.body));
    assert.equal(both.body.code, 'FERRY_E_SMP_PATH_INVALID');

    const src = mkdtempSync(join(s.dir, 'src-'));
    mkdirSync(join(src, 'USMT'));
    writeFileSync(join(src, 'USMT', 'USMT.MIG'), 'not really a store');
    const dst = await registerComputer(s.server.url, s.admin, 'PC-ODD-DST');
    await adminOk(s.server.url, s.admin, 'POST', '/admin/associations', {
      source: 'PC-ODD',
      destination: 'PC-ODD-DST',
      migrationBehavior: 0,
    });
    const c = client(s.server.url, 'PC-ODD', cred);
    await c.upload(src, grant.location);
    await c.releaseCapture(grant.location);
    const restore = (await api(s.server.url, dst, 'POST', '/requests/restore')).body;
    const range = await fetch(`${s.server.url}/stores/${restore.storeId}/files/0`, {
      headers: { authorization: `Bearer ${dst}`, range: 'bytes=9007199254740993-' },
    });
    assert.equal(range.status, 400);
    assert.equal(((await range.json()) as { code: string }).code, 'FERRY_E_INVALID_ARGUMENT');

    unlinkSync(join(s.dir, 'sf', restore.storeId, 'USMT', 'USMT.MIG'));
    const gone = await fetch(`${s.server.url}/stores/${restore.storeId}/files/0`, { headers: { authorization: `Bearer ${dst}` } });
    const body = (await gone.json()) as { code: string; message: string };
    assert.equal(body.code, 'FERRY_E_SMP_STORE_DAMAGED');
    assert.ok(gone.status < 500, 'not retried by clients');
    assert.match(body.message, new RegExp(restore.storeId));
  } finally {
    await s.close();
  }
});

test('an SMP store is an encrypted Ferry store under the grant key: extra files and plain stores are refused', async () => {
  const s = await smpWith({ verifyStore: undefined });
  try {
    const cred = await registerComputer(s.server.url, s.admin, 'PC-ENC');
    const c = client(s.server.url, 'PC-ENC', cred);
    const grant = await c.requestCapture();
    const extra = await api(s.server.url, cred, 'PUT', `/stores/${grant.storeId}/manifest`, {
      files: [
        { path: 'USMT/USMT.MIG', size: 1, sha256: SHA },
        { path: 'payload.exe', size: 1, sha256: SHA },
      ],
    });
    assert.equal(extra.status, 422, JSON.stringify(extra.body));
    assert.equal(extra.body.code, 'FERRY_E_SMP_STORE_REJECTED');

    const doc = join(s.dir, 'doc.txt');
    writeFileSync(doc, 'quarterly numbers');
    const file = {
      kind: 'file' as const,
      winPath: 'C:\\Users\\alice\\Documents\\doc.txt',
      user: { name: 'alice', domain: 'PC-ENC' },
      component: 'Documents',
      size: 17,
      mtimeMs: 1,
      atimeMs: 1,
      birthtimeMs: 1,
      attributes: 0x20,
    };
    const plainDir = join(s.dir, 'plain');
    const plain = await createStore(plainDir, {});
    await plain.addFile(file, doc);
    await plain.finish();
    await c.upload(plainDir, grant.location);
    await assert.rejects(
      c.releaseCapture(grant.location),
      (e) => isFerryError(e, 'FERRY_E_SMP_STORE_REJECTED') && e.details.reason === 'unencrypted',
    );

    const encDir = join(s.dir, 'enc');
    const enc = await createStore(encDir, { encryption: { key: grant.key } });
    await enc.addFile(file, doc);
    await enc.finish();
    await c.upload(encDir, grant.location);
    assert.equal((await c.releaseCapture(grant.location)).status, 'captured');
  } finally {
    await s.close();
  }
});

test('store verification runs once per store at a time and at most two at once', async () => {
  let running = 0;
  let peak = 0;
  const calls: string[] = [];
  const s = await smpWith({
    verifyStore: async (dir: string) => {
      calls.push(dir);
      running++;
      peak = Math.max(peak, running);
      await new Promise((r) => setTimeout(r, 150));
      running--;
    },
  });
  try {
    const stores = [];
    for (let i = 0; i < 4; i++) {
      const cred = await registerComputer(s.server.url, s.admin, `PC-VER${i}`);
      const c = client(s.server.url, `PC-VER${i}`, cred);
      const g = await c.requestCapture();
      const src = mkdtempSync(join(s.dir, 'v-'));
      mkdirSync(join(src, 'USMT'));
      writeFileSync(join(src, 'USMT', 'USMT.MIG'), `store ${i}`);
      await c.upload(src, g.location);
      stores.push({ cred, g });
    }
    // Two releases of each store at once: each store verified once, never more than two at a time.
    const results = await Promise.all(
      stores.flatMap(({ cred, g }) =>
        [0, 1].map(() => api(s.server.url, cred, 'POST', `/stores/${g.storeId}/release`, { kind: 'capture' })),
      ),
    );
    assert.equal(results.filter((r) => r.status === 200).length, 4, JSON.stringify(results.map((r) => r.status)));
    assert.equal(calls.length, 4);
    assert.equal(peak, 2);
  } finally {
    await s.close();
  }
});
