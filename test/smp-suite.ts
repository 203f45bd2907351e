// The SMP end-to-end suite, run once per database engine (smp-sqlite.test.ts,
// smp-postgres.test.ts): real HTTP on 127.0.0.1, real storage folders, real `ferry smp serve`
// processes where a process has to die.
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it, type TestContext } from 'node:test';
import { isFerryError } from '../src/errors/index.ts';
import { SmpHttpClient } from '../src/smp/index.ts';
import { openRecoverySlot } from '../src/smp/index.ts';
import { createStore } from '../src/store/index.ts';
import type { SmpServer } from '../src/server/index.ts';
import { adminOk, api, client, makeStore, registerComputer, ROOT, sleep, spawnSmp, startSmp, treeHashes, treeSize } from './smp-helpers.ts';

export interface SuiteBackend {
  readonly name: string;
  /** Prepare the engine; return a reason to skip every test. */
  setup(): Promise<string | undefined>;
  /** A fresh database for one test (`undefined`: the data directory's SQLite file). */
  database(): Promise<string | undefined>;
  teardown(): Promise<void>;
}

const CHUNK = 64 * 1024;

export function defineSmpSuite(backend: SuiteBackend): void {
  describe(`SMP end to end (${backend.name})`, { concurrency: false }, () => {
    let skip: string | undefined;
    const temps: string[] = [];
    const servers: SmpServer[] = [];
    // The servers' clock: tests move it past a credential's expiry or a store's retention
    // instead of sleeping through them.
    let clockOffsetMs = 0;
    const now = (): Date => new Date(Date.now() + clockOffsetMs);
    const advanceClock = (ms: number): void => {
      clockOffsetMs += ms;
    };
    const tmp = (): string => {
      const d = mkdtempSync(join(tmpdir(), 'ferry-smp-'));
      temps.push(d);
      return d;
    };

    before(async () => {
      skip = await backend.setup();
    });
    after(async () => {
      for (const s of servers) await s.close().catch(() => {});
      await backend.teardown();
      for (const d of temps) rmSync(d, { recursive: true, force: true });
    });

    /** A running SMP with one storage folder, and its admin token. */
    async function site(extra: Partial<Parameters<typeof startSmp>[0]> = {}) {
      const dataDir = tmp();
      const db = await backend.database();
      const server = await startSmp({ dataDir, chunkSize: CHUNK, now, ...(db ? { db } : {}), ...extra });
      servers.push(server);
      const adminToken = server.firstStart.adminToken as string;
      const folder = await adminOk(server.url, adminToken, 'POST', '/admin/folders', {
        path: join(dataDir, 'store-folder'),
        maxClients: 10,
        minFreeSpace: 1,
        spaceUnit: 'Megabyte',
      });
      return { server, url: server.url, adminToken, folder, dataDir, db };
    }

    const guard = (t: TestContext): boolean => {
      if (skip) t.skip(skip);
      return Boolean(skip);
    };

    it('replace: A captures, B (associated) restores, release, store deleted by the policy', async (t) => {
      if (guard(t)) return;
      const s = await site();
      const credA = await registerComputer(s.url, s.adminToken, 'PC-A');
      const credB = await registerComputer(s.url, s.adminToken, 'PC-B');
      const assoc = await adminOk(s.url, s.adminToken, 'POST', '/admin/associations', {
        source: 'PC-A',
        destination: 'PC-B',
        migrationBehavior: 0,
      });
      assert.equal(assoc.migrationType, 1);

      const a = client(s.url, 'PC-A', credA);
      const grant = await a.requestCapture();
      assert.equal(grant.users, 'all');
      assert.equal(Buffer.from(grant.key, 'base64').length, 32);
      assert.equal(grant.location, `${s.url}/stores/${grant.storeId}`);
      assert.deepEqual(await a.requestCapture().then((g) => g.storeId), grant.storeId, 'a retried request returns the same store');

      const src = tmp();
      makeStore(src);
      const up = await a.upload(src, grant.location);
      assert.equal(up.bytes, treeSize(src));
      assert.equal(up.files, 5);
      const b = client(s.url, 'PC-B', credB);
      await assert.rejects(
        b.requestRestore(),
        (e) => isFerryError(e, 'FERRY_E_SMP_NO_STORE'),
        'nothing to restore before the capture is released',
      );
      const released = await a.releaseCapture(grant.location);
      assert.equal(released.status, 'captured');
      await assert.rejects(a.upload(src, grant.location), (e) => isFerryError(e, 'FERRY_E_SMP_STORE_STATE'));

      const rg = await b.requestRestore();
      assert.equal(rg.storeId, grant.storeId);
      assert.equal(rg.key, grant.key);
      assert.equal(rg.sourceComputer, 'PC-A');
      const dest = tmp();
      // A download interrupted earlier left the first 1000 bytes of the MIG: it resumes with a Range request.
      mkdirSync(join(dest, 'USMT'), { recursive: true });
      writeFileSync(join(dest, 'USMT/USMT.MIG.ferry-part'), readFileSync(join(src, 'USMT/USMT.MIG')).subarray(0, 1000));
      const down = await b.download(rg.location, dest);
      assert.equal(down.bytes, up.bytes);
      assert.equal(down.bytesTransferred, up.bytes - 1000);
      assert.deepEqual(treeHashes(dest), treeHashes(src));
      await assert.rejects(b.releaseRestore(rg.location, { verified: false, manifestDigest: down.manifestDigest }), (e) =>
        isFerryError(e, 'FERRY_E_SMP_STORE_STATE'),
      );
      const report = await b.verifyDownload(rg.location, dest);
      assert.equal(report.verified, true);
      const done = await b.releaseRestore(rg.location, report);
      assert.equal(done.status, 'released');

      const storeDir = join(s.folder.path, grant.storeId);
      // "Delete immediately" (the default policy): the release itself starts the deletion.
      await s.server.deletion.runOnce();
      assert.ok(!existsSync(storeDir));
      const [row] = await adminOk(s.url, s.adminToken, 'GET', '/admin/associations');
      assert.equal(row.migrationStatus, 2);
      assert.ok(row.storeDeletionDate);
    });

    it('in-place refresh needs no association; the recovery key opens the store key', async (t) => {
      if (guard(t)) return;
      const s = await site();
      const cred = await registerComputer(s.url, s.adminToken, 'PC-R');
      const c = client(s.url, 'PC-R', cred);
      const g = await c.requestCapture();
      const src = tmp();
      makeStore(src, [10, 20]);
      await c.upload(src, g.location);
      await c.releaseCapture(g.location);
      const [assoc] = await adminOk(s.url, s.adminToken, 'GET', '/admin/associations');
      assert.equal(assoc.migrationType, 2);
      assert.equal(assoc.sourceName, 'PC-R');
      assert.equal(assoc.restoreName, 'PC-R');
      const rg = await c.requestRestore();
      assert.equal(rg.storeId, g.storeId);

      const info = await adminOk(s.url, s.adminToken, 'GET', `/admin/stores/${g.storeId}/recovery`);
      assert.equal(info.key, g.key);
      const recoveryKey = s.server.firstStart.recoveryKey;
      if (recoveryKey) assert.equal(openRecoverySlot(info.recoverySlot, recoveryKey, g.storeId).toString('base64'), g.key);
      else assert.ok(backend.name !== 'sqlite', 'a fresh SQLite site prints its recovery key');
      assert.throws(() => openRecoverySlot(info.recoverySlot, 'frk_AAAA', g.storeId));
    });

    it('the three user options, one association per source for "specified"', async (t) => {
      if (guard(t)) return;
      const s = await site();
      const cred = await registerComputer(s.url, s.adminToken, 'SRC');
      for (const n of ['DST1', 'DST2', 'DST3']) await adminOk(s.url, s.adminToken, 'POST', '/admin/computers', { name: n });
      await adminOk(s.url, s.adminToken, 'POST', '/admin/associations', {
        source: 'SRC',
        destination: 'DST1',
        migrationBehavior: 2,
        userNames: ['CORP\\alice'],
      });
      const conflict = await api(s.url, s.adminToken, 'POST', '/admin/associations', {
        source: 'SRC',
        destination: 'DST2',
        migrationBehavior: 0,
      });
      assert.equal(conflict.status, 409);
      assert.equal(conflict.body.code, 'FERRY_E_SMP_ASSOCIATION_CONFLICT');
      const missingUsers = await api(s.url, s.adminToken, 'POST', '/admin/associations', {
        source: 'DST2',
        destination: 'DST3',
        migrationBehavior: 1,
      });
      assert.equal(missingUsers.body.code, 'FERRY_E_INVALID_ARGUMENT');
      const g = await client(s.url, 'SRC', cred).requestCapture();
      assert.deepEqual(g.users, ['CORP\\alice']);

      // Capture all, restore specified: several associations of one source are allowed.
      const cred2 = await registerComputer(s.url, s.adminToken, 'SRC2');
      await adminOk(s.url, s.adminToken, 'POST', '/admin/associations', {
        source: 'SRC2',
        destination: 'DST2',
        migrationBehavior: 1,
        userNames: ['CORP\\bob'],
      });
      await adminOk(s.url, s.adminToken, 'POST', '/admin/associations', { source: 'SRC2', destination: 'DST3', migrationBehavior: 0 });
      const g2 = await client(s.url, 'SRC2', cred2).requestCapture();
      assert.equal(g2.users, 'all');
    });

    it("a computer never lists, reads, writes or releases another computer's store", async (t) => {
      if (guard(t)) return;
      const s = await site();
      const credA = await registerComputer(s.url, s.adminToken, 'OWNER');
      const credM = await registerComputer(s.url, s.adminToken, 'MALLORY');
      const a = client(s.url, 'OWNER', credA);
      const g = await a.requestCapture();
      const src = tmp();
      makeStore(src, [1000]);
      await a.upload(src, g.location);
      await a.releaseCapture(g.location);
      const id = g.storeId;
      for (const [method, path, body] of [
        ['GET', `/stores/${id}`],
        ['GET', `/stores/${id}/manifest`],
        ['GET', `/stores/${id}/files/0`],
        ['PUT', `/stores/${id}/manifest`, { files: [] }],
        ['POST', `/stores/${id}/release`, { kind: 'restore', verified: true, manifestDigest: 'x' }],
        ['POST', `/stores/${id}/release`, { kind: 'capture' }],
      ] as const) {
        const r = await api(s.url, credM, method, path, body);
        assert.equal(r.status, 404, `${method} ${path}`);
        assert.equal(r.body.code, 'FERRY_E_SMP_STORE_NOT_FOUND');
      }
      assert.deepEqual((await api(s.url, credM, 'GET', '/stores')).body, []);
      assert.equal((await api(s.url, credA, 'GET', '/stores')).body.length, 1);
      assert.equal((await api(s.url, credM, 'GET', '/admin/stores')).body.code, 'FERRY_E_SMP_FORBIDDEN');
      assert.equal((await api(s.url, s.adminToken, 'POST', '/requests/capture')).body.code, 'FERRY_E_SMP_FORBIDDEN');
      assert.equal((await api(s.url, undefined, 'GET', '/stores')).status, 401);
      assert.equal((await api(s.url, undefined, 'GET', '/admin/folders')).status, 401);
    });

    it('wrong, unknown and expired credentials; enrollment tokens used up', async (t) => {
      if (guard(t)) return;
      const s = await site({ credentialTtlSeconds: 1 });
      const { token } = await adminOk(s.url, s.adminToken, 'POST', '/admin/enrollment-tokens', { uses: 1 });
      const reg = await api(s.url, undefined, 'POST', '/register', { enrollmentToken: token, computerName: 'PC-E' });
      assert.equal(reg.status, 200);
      const again = await api(s.url, undefined, 'POST', '/register', { enrollmentToken: token, computerName: 'PC-F' });
      assert.equal(again.status, 403);
      assert.equal(again.body.code, 'FERRY_E_SMP_ENROLLMENT_REFUSED');
      const cred: string = reg.body.credential;
      const wrong = `${cred.slice(0, -4)}AAAA`;
      const bad = await api(s.url, wrong, 'POST', '/requests/capture');
      assert.equal(bad.status, 401);
      assert.equal(bad.body.code, 'FERRY_E_SMP_UNAUTHORIZED');
      const unknown = await api(s.url, 'fc_00000000-0000-0000-0000-000000000000.x', 'POST', '/requests/capture');
      assert.equal(unknown.body.code, 'FERRY_E_SMP_UNAUTHORIZED');
      advanceClock(1100);
      const expired = await api(s.url, cred, 'POST', '/requests/capture');
      assert.equal(expired.status, 401);
      assert.equal(expired.body.code, 'FERRY_E_SMP_CREDENTIAL_EXPIRED');
      await assert.rejects(client(s.url, 'PC-E', cred, { retryCount: 2 }).requestCapture(), (e) =>
        isFerryError(e, 'FERRY_E_SMP_CREDENTIAL_EXPIRED'),
      );
    });

    it('re-registration needs proof: the current credential or a token bound to the computer; revocation is immediate', async (t) => {
      if (guard(t)) return;
      const s = await site({ credentialTtlSeconds: 1, credentialRenewalGraceSeconds: 1 });
      const owner = await registerComputer(s.url, s.adminToken, 'PC-OWN');
      const ownerId = (await api(s.url, s.adminToken, 'GET', '/admin/computers')).body.find(
        (c: { name: string }) => c.name === 'PC-OWN',
      ).id;

      // An unbound enrollment token cannot take over a registered name (in any case); the refused
      // attempt does not use up the token, and the owner keeps its credential.
      const { token } = await adminOk(s.url, s.adminToken, 'POST', '/admin/enrollment-tokens', { uses: 1 });
      for (const name of ['PC-OWN', 'pc-own']) {
        const takeover = await api(s.url, undefined, 'POST', '/register', { enrollmentToken: token, computerName: name });
        assert.equal(takeover.status, 409);
        assert.equal(takeover.body.code, 'FERRY_E_SMP_COMPUTER_REGISTERED');
        assert.match(takeover.body.message, /enrollment create --computer PC-OWN/);
      }
      assert.equal((await api(s.url, owner, 'GET', '/stores')).status, 200);
      const other = (await api(s.url, undefined, 'POST', '/register', { enrollmentToken: token, computerName: 'PC-NEW' })).body
        .credential as string;
      assert.ok(other);

      // Renewal with the current credential replaces it; another computer's credential renews nothing.
      const renewed = await api(s.url, undefined, 'POST', '/register', { currentCredential: owner, computerName: 'PC-OWN' });
      assert.equal(renewed.status, 200);
      assert.equal(renewed.body.computerId, ownerId);
      assert.equal((await api(s.url, owner, 'GET', '/stores')).body.code, 'FERRY_E_SMP_UNAUTHORIZED');
      assert.equal(
        (await api(s.url, undefined, 'POST', '/register', { currentCredential: other, computerName: 'PC-OWN' })).body.code,
        'FERRY_E_SMP_UNAUTHORIZED',
      );
      assert.equal((await api(s.url, undefined, 'POST', '/register', { computerName: 'PC-OWN' })).status, 400);

      // A token bound to the computer resets it, and only it, once.
      assert.equal((await api(s.url, s.adminToken, 'POST', '/admin/enrollment-tokens', { uses: 2, computer: 'PC-OWN' })).status, 400);
      const bound = await adminOk(s.url, s.adminToken, 'POST', '/admin/enrollment-tokens', { computer: 'PC-OWN' });
      assert.equal(bound.computer, 'PC-OWN');
      assert.equal(
        (await api(s.url, undefined, 'POST', '/register', { enrollmentToken: bound.token, computerName: 'PC-NEW' })).body.code,
        'FERRY_E_SMP_ENROLLMENT_REFUSED',
      );
      const reset = await api(s.url, undefined, 'POST', '/register', { enrollmentToken: bound.token, computerName: 'PC-OWN' });
      assert.equal(reset.status, 200);
      assert.equal(reset.body.computerId, ownerId);
      assert.equal((await api(s.url, renewed.body.credential, 'GET', '/stores')).status, 401);

      // Revocation: refused at once, cannot renew itself, and a plain token cannot re-register it.
      const current: string = reset.body.credential;
      assert.deepEqual(await adminOk(s.url, s.adminToken, 'POST', '/admin/computers/PC-OWN/revoke'), { revoked: true });
      assert.equal((await api(s.url, current, 'GET', '/stores')).body.code, 'FERRY_E_SMP_UNAUTHORIZED');
      assert.equal(
        (await api(s.url, undefined, 'POST', '/register', { currentCredential: current, computerName: 'PC-OWN' })).body.code,
        'FERRY_E_SMP_UNAUTHORIZED',
      );
      const { token: plain } = await adminOk(s.url, s.adminToken, 'POST', '/admin/enrollment-tokens', { uses: 1 });
      assert.equal(
        (await api(s.url, undefined, 'POST', '/register', { enrollmentToken: plain, computerName: 'PC-OWN' })).body.code,
        'FERRY_E_SMP_COMPUTER_REGISTERED',
      );
      const listed = (await adminOk(s.url, s.adminToken, 'GET', '/admin/computers')).find((c: { name: string }) => c.name === 'PC-OWN');
      assert.equal(listed.registered, false);
      assert.ok(listed.credentialRevokedAt);
      assert.equal((await api(s.url, s.adminToken, 'POST', '/admin/computers/NOPE/revoke')).body.code, 'FERRY_E_SMP_UNKNOWN_COMPUTER');
      const back = await SmpHttpClient.register(
        s.url,
        (await adminOk(s.url, s.adminToken, 'POST', '/admin/enrollment-tokens', { computer: 'PC-OWN' })).token,
        'PC-OWN',
      );

      // An expired credential renews within the grace, not after it.
      advanceClock(1200);
      assert.equal((await api(s.url, back.credential, 'GET', '/stores')).body.code, 'FERRY_E_SMP_CREDENTIAL_EXPIRED');
      const late = await SmpHttpClient.renew(s.url, back.credential, 'PC-OWN');
      advanceClock(2100);
      await assert.rejects(SmpHttpClient.renew(s.url, late.credential, 'PC-OWN'), (e) => isFerryError(e, 'FERRY_E_SMP_UNAUTHORIZED'));
    });

    it('Network Access Account: only with fallback on, only for a known computer', async (t) => {
      if (guard(t)) return;
      const s = await site();
      await adminOk(s.url, s.adminToken, 'POST', '/admin/computers', { name: 'NEWPC' });
      const off = await api(s.url, 'fn_whatever', 'POST', '/requests/capture', undefined, { 'x-ferry-computer': 'NEWPC' });
      assert.equal(off.body.code, 'FERRY_E_SMP_NAA_NOT_ALLOWED');
      const { credential: naa } = await adminOk(s.url, s.adminToken, 'PUT', '/admin/naa', { enabled: true });

      const logs: string[] = [];
      const events = new (await import('../src/events/index.ts')).EventStream();
      events.on((e) => e.type === 'log' && logs.push(e.message));
      const noFallback = client(s.url, 'NEWPC', 'fc_bogus.bogus', { naaCredential: naa, fallbackToNaa: false, retryCount: 1, events });
      await assert.rejects(noFallback.requestCapture(), (e) => isFerryError(e, 'FERRY_E_SMP_UNAUTHORIZED'));
      assert.ok(!logs.some((l) => l.includes('Network Access Account')));
      await assert.rejects(client(s.url, 'NEWPC', undefined, { naaCredential: naa }).requestCapture(), (e) =>
        isFerryError(e, 'FERRY_E_SMP_NAA_NOT_ALLOWED'),
      );

      const withFallback = client(s.url, 'NEWPC', 'fc_bogus.bogus', { naaCredential: naa, fallbackToNaa: true, events });
      const g = await withFallback.requestCapture();
      assert.ok(logs.some((l) => l.includes('Network Access Account')));
      const src = tmp();
      makeStore(src, [5000]);
      await withFallback.upload(src, g.location);
      await withFallback.releaseCapture(g.location);

      const unknown = await api(s.url, naa, 'POST', '/requests/capture', undefined, { 'x-ferry-computer': 'NOPE' });
      assert.equal(unknown.status, 404);
      assert.equal(unknown.body.code, 'FERRY_E_SMP_UNKNOWN_COMPUTER');
      assert.equal(
        (await api(s.url, naa, 'GET', '/admin/stores', undefined, { 'x-ferry-computer': 'NEWPC' })).body.code,
        'FERRY_E_SMP_FORBIDDEN',
      );
      assert.equal(
        (await api(s.url, naa, 'GET', '/stores', undefined, { 'x-ferry-computer': 'NEWPC' })).body.code,
        'FERRY_E_SMP_FORBIDDEN',
        'the NAA does not list stores',
      );
      // A revoked computer cannot be reached through the NAA either.
      await adminOk(s.url, s.adminToken, 'POST', '/admin/computers/NEWPC/revoke');
      const revoked = await api(s.url, naa, 'POST', '/requests/restore', undefined, { 'x-ferry-computer': 'NEWPC' });
      assert.equal(revoked.status, 403);
      assert.equal(revoked.body.code, 'FERRY_E_SMP_FORBIDDEN');
      await adminOk(s.url, s.adminToken, 'PUT', '/admin/naa', { enabled: false });
      assert.equal(
        (await api(s.url, naa, 'GET', '/stores', undefined, { 'x-ferry-computer': 'NEWPC' })).body.code,
        'FERRY_E_SMP_NAA_NOT_ALLOWED',
      );
    });

    it('refuses path traversal, oversized, truncated and corrupted uploads; nothing incomplete is released', async (t) => {
      if (guard(t)) return;
      const s = await site({ maxStoreBytes: 10_000_000 });
      const cred = await registerComputer(s.url, s.adminToken, 'PC-T');
      const g = await client(s.url, 'PC-T', cred).requestCapture();
      for (const path of ['../evil', '/etc/passwd', 'a/../../b', 'a//b', 'C:/x', 'a\\..\\b', 'a/./b', 'x\u0000y', 'USMT/f.ferry-part']) {
        const r = await api(s.url, cred, 'PUT', `/stores/${g.storeId}/manifest`, {
          files: [{ path, size: 1, sha256: sha(Buffer.from('x')) }],
        });
        assert.equal(r.status, 400, path);
        assert.equal(r.body.code, 'FERRY_E_SMP_PATH_INVALID', path);
      }
      const big = await api(s.url, cred, 'PUT', `/stores/${g.storeId}/manifest`, {
        files: [{ path: 'big', size: 20_000_000, sha256: sha(Buffer.from('x')) }],
      });
      assert.equal(big.status, 413);
      assert.equal(big.body.code, 'FERRY_E_SMP_TOO_LARGE');

      const data = Buffer.alloc(CHUNK + 10, 7);
      await api(s.url, cred, 'PUT', `/stores/${g.storeId}/manifest`, {
        files: [{ path: 'USMT/USMT.MIG', size: data.length, sha256: sha(data) }],
      });
      const first = data.subarray(0, CHUNK);
      const put = (chunk: number, body: Buffer, hash: string, headers: Record<string, string> = {}) =>
        fetch(`${s.url}/stores/${g.storeId}/files/0/chunks/${chunk}`, {
          method: 'PUT',
          headers: { authorization: `Bearer ${cred}`, 'content-type': 'application/octet-stream', 'x-ferry-sha256': hash, ...headers },
          body: body as Uint8Array<ArrayBuffer>,
        });
      let r = await put(0, Buffer.concat([first, Buffer.alloc(5)]), sha(first));
      assert.equal(r.status, 413);
      assert.equal(((await r.json()) as { code: string }).code, 'FERRY_E_SMP_TOO_LARGE');
      r = await put(0, first, sha(Buffer.from('other')));
      assert.equal(r.status, 422);
      assert.equal(((await r.json()) as { code: string }).code, 'FERRY_E_SMP_CHUNK_MISMATCH');
      r = await put(0, first.subarray(0, 100), sha(first));
      assert.equal(r.status, 422);
      // A body cut off mid-stream (the client dies): the server records nothing.
      await new Promise<void>((resolve) => {
        const u = new URL(`${s.url}/stores/${g.storeId}/files/0/chunks/0`);
        const req = request({
          host: u.hostname,
          port: u.port,
          path: u.pathname,
          method: 'PUT',
          headers: {
            authorization: `Bearer ${cred}`,
            'content-type': 'application/octet-stream',
            'x-ferry-sha256': sha(first),
            'content-length': String(CHUNK),
          },
        });
        req.on('error', () => resolve());
        req.write(first.subarray(0, 1000), () => setTimeout(() => req.destroy(), 50));
        req.on('close', () => resolve());
      });
      const rel = await api(s.url, cred, 'POST', `/stores/${g.storeId}/release`, { kind: 'capture' });
      assert.equal(rel.status, 409);
      assert.equal(rel.body.code, 'FERRY_E_SMP_STORE_INCOMPLETE');
      const state = (await api(s.url, cred, 'GET', `/stores/${g.storeId}`)).body;
      assert.deepEqual(state.files[0].chunksReceived, []);
      assert.equal((await put(0, first, sha(first))).status, 200);
      assert.equal((await put(1, data.subarray(CHUNK), sha(data.subarray(CHUNK)))).status, 200);
      assert.equal((await api(s.url, cred, 'POST', `/stores/${g.storeId}/release`, { kind: 'capture' })).status, 200);
    });

    it('a capture is released only if the upload is an intact store under the grant key', async (t) => {
      if (guard(t)) return;
      const s = await site({ verifyStore: undefined });
      const cred = await registerComputer(s.url, s.adminToken, 'PC-V');
      const c = client(s.url, 'PC-V', cred);
      const g = await c.requestCapture();
      const src = tmp();
      const doc = join(src, 'doc.txt');
      writeFileSync(doc, 'quarterly numbers');
      const storeDir = join(src, 'store');
      const w = await createStore(storeDir, { encryption: { key: g.key } });
      await w.addFile(
        {
          kind: 'file',
          winPath: 'C:\\Users\\alice\\Documents\\doc.txt',
          user: { name: 'alice', domain: 'PC-V' },
          component: 'Documents',
          size: 17,
          mtimeMs: 1,
          atimeMs: 1,
          birthtimeMs: 1,
          attributes: 0x20,
        },
        doc,
      );
      await w.finish();

      // Tampered in transit or on the client: every byte matches the manifest, but not the store's own MAC.
      const mig = join(storeDir, 'USMT', 'USMT.MIG');
      const good = readFileSync(mig);
      const bad = Buffer.from(good);
      bad[bad.length - 40] = (bad[bad.length - 40] as number) ^ 1;
      writeFileSync(mig, bad);
      await c.upload(storeDir, g.location);
      await assert.rejects(c.releaseCapture(g.location), (e) => isFerryError(e, 'FERRY_E_SMP_STORE_REJECTED'));
      writeFileSync(mig, good);
      await c.upload(storeDir, g.location);
      assert.equal((await c.releaseCapture(g.location)).status, 'captured');
    });

    it('a crash between the last chunk and its check is finished when the client resumes', async (t) => {
      if (guard(t)) return;
      const s = await site();
      const cred = await registerComputer(s.url, s.adminToken, 'PC-C');
      const c = client(s.url, 'PC-C', cred);
      const g = await c.requestCapture();
      const src = tmp();
      makeStore(src, [200_000, 3_000]);
      await c.upload(src, g.location);
      const repo = s.server.service.repo;
      const dir = join(s.folder.path, g.storeId);
      // File 0: all chunks recorded, never checked (part file still there).
      renameSync(join(dir, 'USMT/USMT.MIG'), join(dir, 'USMT/USMT.MIG.ferry-part'));
      await repo.setFileVerified(g.storeId, 0, false);
      // File 1: moved into place, but the database never heard of it.
      await repo.setFileVerified(g.storeId, 1, false);
      const again = await c.upload(src, g.location);
      assert.equal(again.bytesTransferred, 0);
      assert.equal((await c.releaseCapture(g.location)).status, 'captured');
    });

    it('full storage folder, maximum clients and restore-only mode are not chosen for capture', async (t) => {
      if (guard(t)) return;
      const s = await site();
      const cred = await registerComputer(s.url, s.adminToken, 'PC-1');
      const cred2 = await registerComputer(s.url, s.adminToken, 'PC-2');
      await adminOk(s.url, s.adminToken, 'PATCH', `/admin/folders/${s.folder.id}`, { minFreeSpace: 99999, spaceUnit: 'Gigabyte' });
      await assert.rejects(client(s.url, 'PC-1', cred, { retryCount: 2 }).requestCapture(), (e) =>
        isFerryError(e, 'FERRY_E_SMP_NO_ELIGIBLE_FOLDER'),
      );
      await adminOk(s.url, s.adminToken, 'PATCH', `/admin/folders/${s.folder.id}`, {
        minFreeSpace: 1,
        spaceUnit: 'Percent',
        maxClients: 1,
      });
      const c1 = client(s.url, 'PC-1', cred);
      const g = await c1.requestCapture();
      const r = await api(s.url, cred2, 'POST', '/requests/capture');
      assert.equal(r.status, 507);
      assert.equal(r.body.code, 'FERRY_E_SMP_NO_ELIGIBLE_FOLDER');

      const src = tmp();
      makeStore(src, [100]);
      await c1.upload(src, g.location);
      await c1.releaseCapture(g.location);
      await adminOk(s.url, s.adminToken, 'PATCH', '/admin/settings', { restoreOnly: true });
      await adminOk(s.url, s.adminToken, 'PATCH', `/admin/folders/${s.folder.id}`, { maxClients: 10 });
      const ro = await api(s.url, cred2, 'POST', '/requests/capture');
      assert.equal(ro.body.code, 'FERRY_E_SMP_NO_ELIGIBLE_FOLDER');
      assert.match(ro.body.message, /restore-only/);
      const rg = await c1.requestRestore();
      const dest = tmp();
      await c1.download(rg.location, dest);
      await c1.releaseRestore(rg.location, await c1.verifyDownload(rg.location, dest));
    });

    it('disk full during an upload: coded error, partial store kept, resumed after space is freed', async (t) => {
      if (guard(t)) return;
      if (process.getuid?.() !== 0) return t.skip('needs root to mount a small tmpfs');
      const mnt = tmp();
      try {
        execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', mnt]);
      } catch (err) {
        return t.skip(`cannot mount a tmpfs here: ${(err as Error).message}`);
      }
      t.after(() => execFileSync('umount', ['-l', mnt]));
      const s = await site();
      await adminOk(s.url, s.adminToken, 'DELETE', `/admin/folders/${s.folder.id}`);
      await adminOk(s.url, s.adminToken, 'POST', '/admin/folders', {
        path: join(mnt, 'f'),
        maxClients: 5,
        minFreeSpace: 1,
        spaceUnit: 'Percent',
      });
      const cred = await registerComputer(s.url, s.adminToken, 'PC-D');
      const c = client(s.url, 'PC-D', cred, { transferAttempts: 1 });
      const g = await c.requestCapture();
      const src = tmp();
      makeStore(src, [600_000]);
      const file = readFileSync(join(src, 'USMT/USMT.MIG'));
      const declared = await api(s.url, cred, 'PUT', `/stores/${g.storeId}/manifest`, {
        files: [{ path: 'USMT/USMT.MIG', size: file.length, sha256: sha(file) }],
      });
      assert.equal(declared.status, 200, 'the store fits when it is declared');
      // Then something else fills the disk: the upload meets ENOSPC.
      writeFileSync(join(mnt, 'filler'), Buffer.alloc(700_000));
      await assert.rejects(c.upload(src, g.location), (e) => isFerryError(e, 'FERRY_E_SMP_FOLDER_FULL'));
      assert.equal(
        (await api(s.url, cred, 'POST', `/stores/${g.storeId}/release`, { kind: 'capture' })).body.code,
        'FERRY_E_SMP_STORE_INCOMPLETE',
      );
      rmSync(join(mnt, 'filler'));
      await c.upload(src, g.location);
      assert.equal((await c.releaseCapture(g.location)).status, 'captured');
    });

    it('the deletion job survives a restart', async (t) => {
      if (guard(t)) return;
      const s = await site();
      await adminOk(s.url, s.adminToken, 'PATCH', '/admin/settings', { timeDeleteAfter: 2, timeUnit: 'Seconds' });
      const cred = await registerComputer(s.url, s.adminToken, 'PC-X');
      const c = client(s.url, 'PC-X', cred);
      const g = await c.requestCapture();
      const src = tmp();
      makeStore(src, [2000]);
      await c.upload(src, g.location);
      await c.releaseCapture(g.location);
      const rg = await c.requestRestore();
      const dest = tmp();
      await c.download(rg.location, dest);
      const rel = await c.releaseRestore(rg.location, await c.verifyDownload(rg.location, dest));
      assert.ok(rel.deleteAfter && rel.deleteAfter > new Date().toISOString());
      assert.deepEqual(await s.server.deletion.runOnce(), [], 'not yet due');
      await s.server.close();
      advanceClock(2100);
      const restarted = await startSmp({
        dataDir: s.dataDir,
        chunkSize: CHUNK,
        now,
        ...(s.db ? { db: s.db } : {}),
        name: s.server.service.serverName,
        port: Number(new URL(s.url).port),
      });
      servers.push(restarted);
      assert.equal(restarted.firstStart.adminToken, undefined, 'the admin token is printed only on first start');
      await restarted.deletion.runOnce();
      assert.ok(!existsSync(join(s.folder.path, g.storeId)));
      const [store] = await adminOk(restarted.url, s.adminToken, 'GET', '/admin/stores');
      assert.equal(store.status, 'deleted');
    });

    it('client killed mid-upload, then resumed; server killed mid-upload, then restarted', async (t) => {
      if (guard(t)) return;
      const dataDir = tmp();
      const db = await backend.database();
      const args = [
        '--data',
        dataDir,
        '--chunk-size',
        String(CHUNK),
        '--rate-limit',
        '100000',
        '--no-verify-stores',
        ...(db ? ['--db', db] : []),
      ];
      const smp = await spawnSmp(['--port', '0', ...args]);
      t.after(() => smp.kill('SIGKILL'));
      const adminToken = smp.adminToken as string;
      await adminOk(smp.url, adminToken, 'POST', '/admin/folders', {
        path: join(dataDir, 'sf'),
        maxClients: 10,
        minFreeSpace: 1,
        spaceUnit: 'Megabyte',
      });
      const cred = await registerComputer(smp.url, adminToken, 'PC-K');
      // Enough transfer attempts (backing off to 5 s) to outlast a slow restart on a loaded machine;
      // a back-off still running when the restarted server listens ends then, so the resumed
      // upload does not sit out the rest of a 5 s wait.
      let serverBack = (): void => {};
      const back = new Promise<void>((r) => (serverBack = r));
      const c = client(smp.url, 'PC-K', cred, {
        parallelChunks: 2,
        sleep: (ms) =>
          new Promise<void>((r) => {
            const timer = setTimeout(r, ms);
            void back.then(() => {
              clearTimeout(timer);
              r();
            });
          }),
        transferAttempts: 40,
      });
      const g = await c.requestCapture();
      const src = tmp();
      makeStore(src, [12_000_000, 6_000_000]);
      const total = treeSize(src);

      const received = async (): Promise<number> => {
        const r = await api(smp.url, cred, 'GET', `/stores/${g.storeId}`);
        return r.status === 200 ? r.body.files.reduce((n: number, f: { chunksReceived: number[] }) => n + f.chunksReceived.length, 0) : 0;
      };
      // 1. The uploading client process is killed.
      const up = spawn(
        process.execPath,
        [
          join(ROOT, 'src/cli/main.ts'),
          'smp',
          'upload',
          '--server',
          smp.url,
          '--computer',
          'PC-K',
          '--credential',
          cred,
          '--store',
          src,
          '--location',
          g.location,
        ],
        { stdio: 'ignore' },
      );
      t.after(() => up.kill('SIGKILL'));
      while ((await received()) < 20) await sleep(20);
      up.kill('SIGKILL');
      await new Promise((r) => up.once('exit', r));
      const afterKill = await received();
      assert.ok(afterKill < Math.ceil(total / CHUNK), 'killed before it finished');

      // 2. The server is killed while the resumed upload runs, and restarted on the same port.
      const uploading = c.upload(src, g.location);
      // Awaited below, once the restarted server is in `servers` for the after hook to close.
      uploading.catch(() => {});
      while ((await received()) < afterKill + 20) await sleep(10);
      await smp.kill('SIGKILL');
      await sleep(300);
      // The same port, data and database: the client resumes against the URL it was given. Only
      // the killed server had to be a process; the restart runs in this one (one Node start less).
      const restarted = await startSmp({
        dataDir,
        chunkSize: CHUNK,
        rateLimitPerMinute: 100_000,
        verifyStore: false,
        ...(db ? { db } : {}),
        port: Number(new URL(smp.url).port),
      });
      servers.push(restarted);
      serverBack();
      const result = await uploading;
      assert.ok(result.bytesTransferred < total, `resumed: sent ${result.bytesTransferred} of ${total}`);
      await c.releaseCapture(g.location);
      const dest = tmp();
      await c.download((await c.requestRestore()).location, dest);
      assert.deepEqual(treeHashes(dest), treeHashes(src));
    });
  });
}

function sha(b: Buffer): string {
  return createHash('sha256').update(b).digest('hex');
}
