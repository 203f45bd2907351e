import assert from 'node:assert/strict';
import Fastify from 'fastify';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { openDatabase } from '../../db/index.ts';
import { SmpHttpClient } from '../../smp/index.ts';
import { registerSmpRoutes } from './routes.ts';
import { createSmpServer, openSmp } from './server.ts';

test('docs, OpenAPI, health are public; rate limit and body limit answer with codes; access log', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ferry-smp-routes-'));
  const lines: string[] = [];
  const server = await createSmpServer({
    dataDir: dir,
    rateLimitPerMinute: 30,
    logger: { level: 'info', stream: { write: (l: string) => void lines.push(l) } },
  });
  t.after(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });
  assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+$/);
  const docs = await fetch(`${server.url}/docs/`);
  assert.equal(docs.status, 200);
  assert.match(await docs.text(), /swagger/i);
  const spec = (await (await fetch(`${server.url}/openapi.json`)).json()) as { openapi: string; paths: Record<string, unknown> };
  assert.match(spec.openapi, /^3\./);
  for (const p of [
    '/register',
    '/requests/capture',
    '/requests/restore',
    '/stores/{id}/manifest',
    '/stores/{id}/files/{index}/chunks/{chunk}',
    '/stores/{id}/release',
    '/admin/folders',
    '/admin/associations',
  ]) {
    assert.ok(spec.paths[p], p);
  }
  assert.equal((await fetch(`${server.url}/health`)).status, 200);

  const admin = { authorization: `Bearer ${server.firstStart.adminToken}`, 'content-type': 'application/json' };
  const huge = await fetch(`${server.url}/admin/computers`, {
    method: 'POST',
    headers: admin,
    body: JSON.stringify({ name: 'x'.repeat(70 * 1024 * 1024) }),
  });
  assert.equal(huge.status, 413);
  assert.equal(((await huge.json()) as { code: string }).code, 'FERRY_E_SMP_TOO_LARGE');
  const bad = await fetch(`${server.url}/admin/computers`, { method: 'POST', headers: admin, body: '{nope' });
  assert.equal(((await bad.json()) as { code: string }).code, 'FERRY_E_INVALID_ARGUMENT');

  let limited: Response | undefined;
  for (let i = 0; i < 40 && !limited; i++) {
    const r = await fetch(`${server.url}/admin/settings`, { headers: admin });
    if (r.status === 429) limited = r;
  }
  assert.ok(limited, 'the rate limit answers 429');
  assert.equal(((await limited.json()) as { code: string }).code, 'FERRY_E_SMP_RATE_LIMITED');
  assert.ok(Number(limited.headers.get('retry-after')) > 0);

  // The structured access log has one line per request, without the credential.
  const log = lines.map((l) => JSON.parse(l) as { msg?: string; req?: { url: string }; res?: { statusCode: number } });
  assert.ok(log.some((l) => l.msg === 'request completed' && l.res?.statusCode === 429));
  assert.ok(!lines.some((l) => l.includes(String(server.firstStart.adminToken))));
});

test('all-in-one use: SMP routes under a prefix on a shared fastify and database', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ferry-smp-mounted-'));
  const database = await openDatabase(join(dir, 'site.sqlite'));
  const app = Fastify({ logger: false });
  t.after(async () => {
    await app.close();
    await database.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const port = await new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port: p } = s.address() as AddressInfo;
      s.close(() => resolve(p));
    });
  });
  const base = `http://127.0.0.1:${port}`;
  const smp = await openSmp({ dataDir: join(dir, 'smp'), database, publicUrl: `${base}/smp`, name: 'all-in-one', verifyStore: false });
  await app.register((scope) => registerSmpRoutes(scope, { service: smp.service }), { prefix: '/smp' });
  app.get('/site/health', async () => ({ ok: true }));
  await app.listen({ host: '127.0.0.1', port });

  // The all-in-one server enrolls its local agent itself, in process.
  const { token } = await smp.service.createEnrollmentToken({ kind: 'admin' }, { expiresInSeconds: 60, uses: 1 });
  await smp.service.addFolder({ kind: 'admin' }, { path: join(dir, 'folder'), maxClients: 5, minFreeSpace: 1, spaceUnit: 'Megabyte' });
  const { credential } = await SmpHttpClient.register(`${base}/smp`, token, 'AGENT1');
  const client = new SmpHttpClient({ servers: [`${base}/smp`], computerName: 'AGENT1', credential, retryCount: 0 });
  const grant = await client.requestCapture();
  assert.ok(grant.location.startsWith(`${base}/smp/stores/`));
  const src = join(dir, 'src');
  mkdirSync(src);
  writeFileSync(join(src, 'USMT.MIG'), 'state');
  await client.upload(src, grant.location);
  assert.equal((await client.releaseCapture(grant.location)).status, 'captured');
  assert.equal((await fetch(`${base}/site/health`)).status, 200);
  // The shared database holds the SMP tables beside whatever else the site keeps there.
  assert.equal(
    (
      await database.db
        .selectFrom('smp_stores' as never)
        .selectAll()
        .execute()
    ).length,
    1,
  );
});
