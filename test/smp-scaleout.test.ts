// Scale-out: two `ferry smp serve` processes, each with its own storage folder and data
// directory, share one PostgreSQL database and site key; captures and restores go through both.
// A third SMP with another site key is refused; it starts in-process, while the second starts.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { isFerryError } from '../src/errors/index.ts';
import { adminOk, client, makeStore, registerComputer, spawnSmp, startSmp, treeHashes, type SmpProcess } from './smp-helpers.ts';
import { startPostgres, type TestPostgres } from './support/postgres.ts';

let pg: TestPostgres | string;
const procs: SmpProcess[] = [];
const temps: string[] = [];
const tmp = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'ferry-smp-scale-'));
  temps.push(d);
  return d;
};

before(async () => {
  pg = await startPostgres();
});
after(async () => {
  for (const p of procs) await p.kill('SIGTERM');
  if (typeof pg !== 'string') await pg.stop();
  for (const d of temps) rmSync(d, { recursive: true, force: true });
});

it('two SMP processes on one PostgreSQL database serve captures and restores through both', async (t) => {
  if (typeof pg === 'string') return t.skip(pg);
  const db = await pg.createDatabase('smp_scaleout');
  const [dirA, dirB] = [tmp(), tmp()];
  const a = await spawnSmp(['--data', dirA, '--db', db, '--name', 'smp-a', '--port', '0', '--chunk-size', '65536', '--no-verify-stores']);
  procs.push(a);
  // A third SMP with its own (different) site key is refused: it could not open the stores' keys.
  const third = assert.rejects(
    startSmp({ dataDir: tmp(), db, name: 'smp-c' }),
    (e) => isFerryError(e, 'FERRY_E_INVALID_ARGUMENT') && /site key does not match/.test(e.message),
  );
  const b = await spawnSmp([
    '--data',
    dirB,
    '--db',
    db,
    '--name',
    'smp-b',
    '--port',
    '0',
    '--chunk-size',
    '65536',
    '--no-verify-stores',
    '--site-key',
    join(dirA, 'site.key'),
  ]);
  procs.push(b);
  await third;
  assert.ok(a.recoveryKey, 'the first SMP of the site prints the recovery key');
  assert.equal(b.recoveryKey, undefined, 'the second SMP joins the existing site');

  const [ta, tb] = [a.adminToken as string, b.adminToken as string];
  await adminOk(a.url, ta, 'POST', '/admin/folders', { path: join(dirA, 'sf'), maxClients: 50, minFreeSpace: 1, spaceUnit: 'Megabyte' });
  await adminOk(b.url, tb, 'POST', '/admin/folders', { path: join(dirB, 'sf'), maxClients: 50, minFreeSpace: 1, spaceUnit: 'Megabyte' });
  const folders = await adminOk(b.url, tb, 'GET', '/admin/folders');
  assert.deepEqual(folders.map((f: { serverName: string }) => f.serverName).sort(), ['smp-a', 'smp-b']);

  const pairs = [
    { src: 'S1', dst: 'D1', captureVia: a, restoreVia: b },
    { src: 'S2', dst: 'D2', captureVia: b, restoreVia: a },
    { src: 'S3', dst: 'D3', captureVia: a, restoreVia: a },
    { src: 'S4', dst: 'D4', captureVia: b, restoreVia: b },
  ];
  const creds = new Map<string, string>();
  for (const p of pairs) {
    creds.set(p.src, await registerComputer(a.url, ta, p.src));
    creds.set(p.dst, await registerComputer(b.url, tb, p.dst));
    await adminOk(p.src === 'S1' ? b.url : a.url, p.src === 'S1' ? tb : ta, 'POST', '/admin/associations', {
      source: p.src,
      destination: p.dst,
      migrationBehavior: 0,
    });
  }

  await Promise.all(
    pairs.map(async (p) => {
      const source = client(p.captureVia.url, p.src, creds.get(p.src));
      const grant = await source.requestCapture();
      assert.ok(grant.location.startsWith(p.captureVia.url), `${p.src} stored on the SMP it asked`);
      const store = tmp();
      makeStore(store, [400_000, 30_000, 5]);
      await source.upload(store, grant.location);
      await source.releaseCapture(grant.location);

      const dest = client(p.restoreVia.url, p.dst, creds.get(p.dst));
      const rg = await dest.requestRestore();
      assert.equal(rg.storeId, grant.storeId);
      assert.equal(rg.key, grant.key, 'any SMP of the site hands out the same key');
      assert.ok(rg.location.startsWith(p.captureVia.url), 'the restore is served by the SMP that holds the store');
      const out = tmp();
      await dest.download(rg.location, out);
      assert.deepEqual(treeHashes(out), treeHashes(store));
      await dest.releaseRestore(rg.location, await dest.verifyDownload(rg.location, out));
    }),
  );

  // Restore-only on A: a client that lists A first is served by B.
  await adminOk(a.url, ta, 'PATCH', '/admin/settings', { restoreOnly: true });
  const credE = await registerComputer(a.url, ta, 'S5');
  const grant = await client([a.url, b.url], 'S5', credE).requestCapture();
  assert.ok(grant.location.startsWith(b.url));

  const stores = await adminOk(a.url, ta, 'GET', '/admin/stores');
  assert.deepEqual(stores.map((s: { serverName: string }) => s.serverName).sort(), ['smp-a', 'smp-a', 'smp-b', 'smp-b', 'smp-b']);
  assert.equal(
    stores.filter((s: { releasedAt: string | null }) => s.releasedAt).length,
    4,
    'four restores released (and deleted at once by the default policy)',
  );
});
