// Request State Store is atomic on PostgreSQL (issue 11, item 5): 20 parallel capture requests
// for one computer, split across two SMPs in two processes sharing one database (a `ferry smp
// serve` process, and one in the test's process, each with its own connection pool), create
// exactly one store and one association; the database enforces it (a unique index on the open
// capture store per computer), not a check-then-insert in the service.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { sql } from 'kysely';
import { openDatabase } from '../../src/db/index.ts';
import type { SmpServer } from '../../src/server/index.ts';
import { adminOk, api, registerComputer, spawnSmp, startSmp, type SmpProcess } from '../smp-helpers.ts';
import { startPostgres, type TestPostgres } from '../support/postgres.ts';

let pg: TestPostgres | string;
const procs: SmpProcess[] = [];
const servers: SmpServer[] = [];
const temps: string[] = [];
const tmp = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'ferry-sec-pg-'));
  temps.push(d);
  return d;
};

before(async () => {
  pg = await startPostgres();
});
after(async () => {
  for (const p of procs) await p.kill('SIGTERM');
  for (const s of servers) await s.close();
  if (typeof pg !== 'string') await pg.stop();
  for (const d of temps) rmSync(d, { recursive: true, force: true });
});

it('20 parallel capture requests across two SMPs on one PostgreSQL make one store', { timeout: 120_000 }, async (t) => {
  if (typeof pg === 'string') return t.skip(pg);
  const db = await pg.createDatabase('smp_atomic');
  const [dirA, dirB] = [tmp(), tmp()];
  const a = await spawnSmp(['--data', dirA, '--db', db, '--name', 'smp-a', '--port', '0', '--no-verify-stores']);
  procs.push(a);
  const b = await startSmp({ dataDir: dirB, db, name: 'smp-b', siteKeyFile: join(dirA, 'site.key') });
  servers.push(b);
  const [ta, tb] = [a.adminToken as string, b.firstStart.adminToken as string];
  await adminOk(a.url, ta, 'POST', '/admin/folders', { path: join(dirA, 'sf'), maxClients: 50, minFreeSpace: 1, spaceUnit: 'Megabyte' });
  await adminOk(b.url, tb, 'POST', '/admin/folders', { path: join(dirB, 'sf'), maxClients: 50, minFreeSpace: 1, spaceUnit: 'Megabyte' });
  const credential = await registerComputer(a.url, ta, 'RACEPC');

  const grants = await Promise.all(
    Array.from({ length: 20 }, (_, i) => api(i % 2 ? b.url : a.url, credential, 'POST', '/requests/capture')),
  );
  for (const g of grants) assert.equal(g.status, 200, JSON.stringify(g.body));
  assert.equal(new Set(grants.map((g) => g.body.storeId)).size, 1, 'every request got the same store');
  assert.equal(new Set(grants.map((g) => g.body.key)).size, 1, 'and the same key');
  assert.equal((await adminOk(a.url, ta, 'GET', '/admin/stores')).length, 1);
  assert.equal((await adminOk(b.url, tb, 'GET', '/admin/associations')).length, 1);

  // The database itself refuses a second open capture store for the computer.
  const database = await openDatabase<any>(db);
  try {
    const store = (await database.db.selectFrom('smp_stores').selectAll().executeTakeFirstOrThrow()) as Record<string, unknown>;
    await assert.rejects(
      database.db
        .insertInto('smp_stores')
        .values({ ...store, id: 'second' })
        .execute(),
      (err: { code?: string }) => err.code === '23505',
    );
    const n = await sql<{ n: number }>`SELECT count(*)::int AS n FROM smp_stores WHERE status = 'requested'`.execute(database.db);
    assert.equal(n.rows[0]!.n, 1);
  } finally {
    await database.close();
  }
});
