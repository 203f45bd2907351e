// The SMP's upload is durable at its commit, not per chunk: a chunk is acknowledged unsynced,
// and after a crash a chunk the old process acknowledged but the disk lost is sent again, never
// accepted (src/smp/README.md, "Transfers").
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync, writeSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { SmpServer } from '../src/server/index.ts';
import { adminOk, api, client, registerComputer, startSmp } from './smp-helpers.ts';

const CHUNK = 64 * 1024;
const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
const dirs: string[] = [];
const servers: SmpServer[] = [];
after(async () => {
  for (const s of servers) await s.close().catch(() => {});
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'ferry-smp-durable-'));
  dirs.push(d);
  return d;
}

async function start(dataDir: string, port: number): Promise<SmpServer> {
  const s = await startSmp({ dataDir, chunkSize: CHUNK, port, name: 'smp-durable' });
  servers.push(s);
  return s;
}

/** Zeros over `length` bytes at `offset`: what a write the page cache lost in a crash leaves. */
function tear(path: string, offset: number, length: number): void {
  const fd = openSync(path, 'r+');
  writeSync(fd, Buffer.alloc(length), 0, length, offset);
  closeSync(fd);
}

describe('SMP upload durability', () => {
  it('chunks acknowledged before a crash but lost by the disk are sent again at resume, never accepted', async () => {
    const dataDir = tmp();
    // Port 0, then the restart takes the port the first server got: the client keeps its URL.
    const s1 = await start(dataDir, 0);
    const port = Number(new URL(s1.url).port);
    const adminToken = s1.firstStart.adminToken as string;
    const folder = await adminOk(s1.url, adminToken, 'POST', '/admin/folders', {
      path: join(dataDir, 'store-folder'),
      maxClients: 10,
      minFreeSpace: 1,
      spaceUnit: 'Megabyte',
    });
    const cred = await registerComputer(s1.url, adminToken, 'PC-D');
    const c = client(s1.url, 'PC-D', cred);
    const g = await c.requestCapture();
    const src = tmp();
    mkdirSync(join(src, 'USMT'));
    // A: 4 chunks, all acknowledged (so placed); B: 3 chunks, the first two acknowledged.
    const a = randomBytes(3 * CHUNK + 100);
    const b = randomBytes(2 * CHUNK + 7);
    writeFileSync(join(src, 'USMT', 'A.bin'), a);
    writeFileSync(join(src, 'USMT', 'B.bin'), b);
    const storePath = `/stores/${g.storeId}`;
    await adminOk(s1.url, cred, 'PUT', `${storePath}/manifest`, {
      files: [
        { path: 'USMT/A.bin', size: a.length, sha256: sha(a) },
        { path: 'USMT/B.bin', size: b.length, sha256: sha(b) },
      ],
    });
    const put = async (base: string, index: number, chunk: number, data: Buffer): Promise<void> => {
      const body = data.subarray(chunk * CHUNK, (chunk + 1) * CHUNK);
      const r = await fetch(`${base}${storePath}/files/${index}/chunks/${chunk}`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${cred}`, 'content-type': 'application/octet-stream', 'x-ferry-sha256': sha(body) },
        body: body as Uint8Array<ArrayBuffer>,
      });
      assert.equal(r.status, 200, await r.text());
    };
    for (let i = 0; i < 4; i++) await put(s1.url, 0, i, a);
    await put(s1.url, 1, 0, b);
    await put(s1.url, 1, 1, b);
    const before = (await api(s1.url, cred, 'GET', storePath)).body;
    assert.equal(before.files[0].verified, true, 'A is complete and placed');
    assert.deepEqual(before.files[1].chunksReceived, [0, 1]);

    // The server dies before any commit; the disk lost A's chunk 1 and B's chunk 0.
    await s1.close();
    const storeDir = join(folder.path, g.storeId, 'USMT');
    tear(join(storeDir, 'A.bin'), CHUNK, CHUNK);
    tear(join(storeDir, 'B.bin.ferry-part'), 0, 1000);

    const s2 = await start(dataDir, port);
    // Release commits first: it finds the torn chunks, so the store is not complete.
    const early = await api(s2.url, cred, 'POST', `${storePath}/release`, { kind: 'capture' });
    assert.equal(early.status, 409);
    assert.equal(early.body.code, 'FERRY_E_SMP_STORE_INCOMPLETE');
    const state = (await api(s2.url, cred, 'GET', storePath)).body;
    assert.equal(state.files[0].verified, false, 'A went back to a part file');
    assert.deepEqual(state.files[0].chunksReceived, [0, 2, 3]);
    assert.deepEqual(state.files[1].chunksReceived, [1]);

    // The client resumes: only the torn chunks and B's missing one travel again.
    const again = await c.upload(src, g.location);
    assert.equal(again.bytesTransferred, CHUNK + CHUNK + (b.length - 2 * CHUNK));
    assert.equal((await c.releaseCapture(g.location)).status, 'captured');
    assert.deepEqual(readFileSync(join(storeDir, 'A.bin')), a);
    assert.deepEqual(readFileSync(join(storeDir, 'B.bin')), b);
  });

  it('the commit answers with what is still missing, and a later upload completes it', async () => {
    const dataDir = tmp();
    const s = await start(dataDir, 0);
    const adminToken = s.firstStart.adminToken as string;
    await adminOk(s.url, adminToken, 'POST', '/admin/folders', {
      path: join(dataDir, 'store-folder'),
      maxClients: 10,
      minFreeSpace: 1,
      spaceUnit: 'Megabyte',
    });
    const cred = await registerComputer(s.url, adminToken, 'PC-E');
    const c = client(s.url, 'PC-E', cred);
    const g = await c.requestCapture();
    const data = randomBytes(CHUNK + 5);
    await adminOk(s.url, cred, 'PUT', `/stores/${g.storeId}/manifest`, {
      files: [{ path: 'USMT/USMT.MIG', size: data.length, sha256: sha(data) }],
    });
    const committed = (await api(s.url, cred, 'POST', `/stores/${g.storeId}/commit`)).body;
    assert.equal(committed.files[0].verified, false);
    assert.deepEqual(committed.files[0].chunksReceived, []);
    const src = tmp();
    mkdirSync(join(src, 'USMT'));
    writeFileSync(join(src, 'USMT', 'USMT.MIG'), data);
    const r = await c.upload(src, g.location);
    assert.equal(r.bytesTransferred, data.length);
    assert.equal((await c.releaseCapture(g.location)).status, 'captured');
  });
});
