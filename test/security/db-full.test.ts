// SQLite disk full (issue 11, item 7): the real cause with its code (FERRY_E_DB_FULL, 507), not
// "cannot rollback - no transaction is active" as a 500. The disk is "filled" with SQLite's
// max_page_count, which fails writes exactly as a full disk does (SQLITE_FULL).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify from 'fastify';
import { sql } from 'kysely';
import { openDatabase } from '../../src/db/index.ts';
import { registerSmpRoutes } from '../../src/server/index.ts';
import { openSmp } from '../../src/server/index.ts';

test('a full SQLite database answers FERRY_E_DB_FULL with the transaction rolled back', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ferry-sec-dbfull-'));
  const database = await openDatabase<any>(join(dir, 'smp.sqlite'));
  const app = Fastify();
  t.after(async () => {
    await app.close();
    await database.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const smp = await openSmp({ dataDir: join(dir, 'smp'), database, publicUrl: 'http://127.0.0.1/smp', name: 'full', verifyStore: false });
  await app.register((scope) => registerSmpRoutes(scope, { service: smp.service }));
  const admin = { kind: 'admin' } as const;
  await smp.service.addFolder(admin, { path: join(dir, 'folder'), maxClients: 5, minFreeSpace: 1, spaceUnit: 'Megabyte' });
  const { token } = await smp.service.createEnrollmentToken(admin, { expiresInSeconds: 60, uses: 1 });
  const { credential } = await smp.service.register('PC-FULL', { enrollmentToken: token });
  const grant = await app.inject({ method: 'POST', url: '/requests/capture', headers: { authorization: `Bearer ${credential}` } });
  assert.equal(grant.statusCode, 200, grant.body);

  const pages = Number(
    ((await sql<{ page_count: number }>`PRAGMA page_count`.execute(database.db)).rows[0] as { page_count: number }).page_count,
  );
  await sql.raw(`PRAGMA max_page_count = ${pages + 2}`).execute(database.db);
  const files = Array.from({ length: 5000 }, (_, i) => ({
    path: `USMT/File/f-${i}-${'x'.repeat(100)}.txt`,
    size: 1,
    sha256: 'b'.repeat(64),
  }));
  const r = await app.inject({
    method: 'PUT',
    url: `/stores/${grant.json().storeId}/manifest`,
    headers: { authorization: `Bearer ${credential}`, 'content-type': 'application/json' },
    payload: JSON.stringify({ files }),
  });
  assert.equal(r.statusCode, 507, r.body);
  assert.equal(r.json().code, 'FERRY_E_DB_FULL');
  assert.doesNotMatch(r.body, /cannot rollback/);
  // Rolled back: no file rows were left behind.
  assert.equal((await database.db.selectFrom('smp_store_files').selectAll().execute()).length, 0);
});
