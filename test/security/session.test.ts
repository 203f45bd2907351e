// Console cookies and sessions (issue 11, item 7): the CSRF and session cookies expire with the
// session and are `Secure` over TLS; a malformed cookie is a 401, not a 500; sessions expire.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConsoleAuth, SESSION_TTL_MS } from '../../src/server/index.ts';
import { startSite } from '../site-helpers.ts';

test('cookies over HTTP: SameSite=Strict, an expiry, HttpOnly session, no Secure; a malformed cookie is 401', async () => {
  const s = await startSite();
  try {
    const res = await fetch(`${s.url}/?token=${s.site.auth.issueSignInToken()}`, { redirect: 'manual' });
    const cookies = res.headers.getSetCookie();
    assert.equal(cookies.length, 2);
    for (const c of cookies) {
      assert.match(c, /Max-Age=43200/);
      assert.match(c, /SameSite=Strict/);
      assert.doesNotMatch(c, /Secure/);
    }
    assert.match(cookies.find((c) => c.startsWith('ferry_session='))!, /HttpOnly/);
    const bad = await fetch(`${s.url}/api/computers`, { headers: { cookie: 'ferry_session=%E0%A4%A; ferry_csrf=%' } });
    assert.equal(bad.status, 401);
    assert.equal(((await bad.json()) as { code: string }).code, 'FERRY_E_SITE_AUTH_REQUIRED');
  } finally {
    await s.close();
  }
});

test('cookies over TLS are Secure', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ferry-sec-tls-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const [key, cert] = [join(dir, 'key.pem'), join(dir, 'cert.pem')];
  try {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:P-256',
        '-nodes',
        '-keyout',
        key,
        '-out',
        cert,
        '-days',
        '2',
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
      ],
      { stdio: 'ignore' },
    );
  } catch (err) {
    return t.skip(`openssl cannot make a test certificate: ${(err as Error).message}`);
  }
  const s = await startSite({ tls: { key: readFileSync(key), cert: readFileSync(cert) } });
  try {
    const url = s.url.replace(/^http:/, 'https:');
    const cookies = await new Promise<string[]>((resolve, reject) => {
      const req = request(`${url}/?token=${s.site.auth.issueSignInToken()}`, { ca: readFileSync(cert) }, (res) => {
        res.resume();
        resolve((res.headers['set-cookie'] ?? []) as string[]);
      });
      req.on('error', reject);
      req.end();
    });
    assert.equal(cookies.length, 2);
    for (const c of cookies) assert.match(c, /; Secure/);
  } finally {
    await s.close();
  }
});

test('a console session expires', (t) => {
  t.mock.timers.enable({ apis: ['Date'] });
  const auth = new ConsoleAuth();
  const s = auth.signIn(auth.issueSignInToken())!;
  assert.ok(auth.session(s.session));
  t.mock.timers.tick(SESSION_TTL_MS + 1);
  assert.equal(auth.session(s.session), undefined);
});
