import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { createSmpServer } from './server.ts';

test('docs, OpenAPI, health are public; rate limit and body limit answer with codes; access log', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ferry-smp-routes-'));
  const lines: string[] = [];
  const server = await createSmpServer({ dataDir: dir, rateLimitPerMinute: 30, logger: { level: 'info', stream: { write: (l: string) => void lines.push(l) } } });
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
  for (const p of ['/register', '/requests/capture', '/requests/restore', '/stores/{id}/manifest', '/stores/{id}/files/{index}/chunks/{chunk}', '/stores/{id}/release', '/admin/folders', '/admin/associations']) {
    assert.ok(spec.paths[p], p);
  }
  assert.equal((await fetch(`${server.url}/health`)).status, 200);

  const admin = { authorization: `Bearer ${server.firstStart.adminToken}`, 'content-type': 'application/json' };
  const huge = await fetch(`${server.url}/admin/computers`, { method: 'POST', headers: admin, body: JSON.stringify({ name: 'x'.repeat(70 * 1024 * 1024) }) });
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
