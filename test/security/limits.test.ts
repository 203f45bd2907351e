// Resource exhaustion and guessing (issue 11, item 4): bodies over a route's limit get 413 from
// their Content-Length before they are read, and failed authentications are counted per client
// address: 30 a minute, then 429, on the State Migration Point and on the site (sign-in,
// session, agent and enroll routes).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSmp } from '../smp-helpers.ts';
import { call, signIn, startSite } from '../site-helpers.ts';

/** Declare a 60 MiB body, send 1 KiB of it, and take the answer that comes without the rest. */
function oversizedPost(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': String(60 * 1024 * 1024) } },
      (res) => {
        let body = '';
        res.on('data', (d) => (body += d));
        res.on('end', () => {
          resolve({ status: res.statusCode ?? 0, body });
          req.destroy();
        });
      },
    );
    req.on('error', (err) => (req.destroyed ? undefined : reject(err)));
    req.write('{"computerName":"' + 'x'.repeat(1000));
    setTimeout(() => reject(new Error('no answer before the body was sent: it is being read')), 5000).unref();
  });
}

test('SMP: unauthenticated /register gets 413 before a big body is read; other JSON routes stop at 1 MiB', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ferry-sec-limits-'));
  const smp = await startSmp({ dataDir: dir });
  t.after(async () => {
    await smp.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const r = await oversizedPost(`${smp.url}/register`);
  assert.equal(r.status, 413);
  assert.equal(JSON.parse(r.body).code, 'FERRY_E_SMP_TOO_LARGE');
  const admin = { authorization: `Bearer ${smp.firstStart.adminToken}`, 'content-type': 'application/json' };
  const twoMiB = await fetch(`${smp.url}/admin/computers`, {
    method: 'POST',
    headers: admin,
    body: JSON.stringify({ name: 'x'.repeat(2 * 1024 * 1024) }),
  });
  assert.equal(twoMiB.status, 413);
});

test('SMP: 30 failed authentications per minute per address, then 429 even for a good credential', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ferry-sec-limits-'));
  const smp = await startSmp({ dataDir: dir });
  t.after(async () => {
    await smp.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const admin = { authorization: `Bearer ${smp.firstStart.adminToken}` };
  const statuses: number[] = [];
  for (let i = 0; i < 20; i++)
    statuses.push((await fetch(`${smp.url}/stores`, { headers: { authorization: `Bearer fc_guess${i}.x` } })).status);
  for (let i = 0; i < 10; i++) {
    const r = await fetch(`${smp.url}/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ computerName: `PC${i}`, enrollmentToken: `fe_guess${i}` }),
    });
    statuses.push(r.status);
  }
  assert.ok(
    statuses.every((s) => s === 401 || s === 403),
    statuses.join(),
  );
  const blocked = await fetch(`${smp.url}/admin/settings`, { headers: admin });
  assert.equal(blocked.status, 429);
  assert.equal(((await blocked.json()) as { code: string }).code, 'FERRY_E_SMP_RATE_LIMITED');
  assert.ok(Number(blocked.headers.get('retry-after')) > 0);
  assert.equal((await fetch(`${smp.url}/health`)).status, 200, 'health is not an authentication');
});

test('site: failed sign-ins, sessions, agent credentials and enrollments are limited to 30 a minute per address', async () => {
  const s = await startSite();
  try {
    const session = await signIn(s);
    const attempts = [
      () => fetch(`${s.url}/?token=guess`, { redirect: 'manual' }),
      () => fetch(`${s.url}/api/computers`, { headers: { cookie: 'ferry_session=guess' } }),
      () => fetch(`${s.url}/api/agent/policy`, { headers: { authorization: 'Bearer guess' } }),
      () =>
        fetch(`${s.url}/api/agent/register`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ name: 'PC', enrollToken: 'guess' }),
        }),
    ];
    for (let i = 0; i < 30; i++) {
      const r = await attempts[i % attempts.length]!();
      assert.notEqual(r.status, 429, `attempt ${i + 1} is still allowed`);
    }
    for (const attempt of attempts) assert.equal((await attempt()).status, 429);
    const good = await call(s, session, 'GET', '/api/computers');
    assert.equal(good.status, 429, 'the address is blocked for the rest of the minute');
    assert.equal(good.body.code, 'FERRY_E_SITE_RATE_LIMITED');
    assert.ok(Number(good.headers.get('retry-after')) > 0);
  } finally {
    await s.close();
  }
});

test('site: agent registration gets 413 before a big body is read', async () => {
  const s = await startSite();
  try {
    const r = await oversizedPost(`${s.url}/api/agent/register`);
    assert.equal(r.status, 413);
    assert.match(JSON.parse(r.body).code, /^FERRY_E_/);
  } finally {
    await s.close();
  }
});
