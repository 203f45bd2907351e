// `ferry serve` as a process: it prints the one-time sign-in URL, serves the console only to a
// signed-in browser, mounts the State Migration Point, and the console's SMP pages act on it
// (default storage folder, associations, recovery key views audited).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { call, signIn, startSite } from './site-helpers.ts';

const MAIN = fileURLToPath(new URL('../src/cli/main.ts', import.meta.url));

test('ferry serve prints the sign-in URL and serves the console and the SMP', { timeout: 120_000 }, async () => {
  const data = mkdtempSync(join(tmpdir(), 'ferry-serve-'));
  mkdirSync(join(data, 'vol', 'Windows'), { recursive: true });
  const child = spawn(
    process.execPath,
    [MAIN, 'serve', '--port', '0', '--data', join(data, 'site'), '--agent', `PC1=${join(data, 'vol')}`],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  try {
    const link = await new Promise<string>((done, fail) => {
      const timer = setTimeout(() => fail(new Error(`no sign-in URL printed:\n${out}`)), 90_000);
      const look = () => {
        const m = /(http:\/\/127\.0\.0\.1:\d+)\/\?token=(\S+)/.exec(out);
        if (m) {
          clearTimeout(timer);
          done(m[0]);
        }
      };
      child.stdout!.on('data', look);
      child.once('exit', () => fail(new Error(`ferry serve exited:\n${out}`)));
    });
    const origin = new URL(link).origin;
    assert.match(out, /ferry agent --site http:\/\/127\.0\.0\.1:\d+ --enroll \S+enroll-token/);
    assert.equal((await fetch(`${origin}/`)).status, 401);
    assert.equal((await fetch(`${origin}/smp/health`)).status, 200);
    const signIn = await fetch(link, { redirect: 'manual' });
    assert.equal(signIn.status, 303);
    const cookie = signIn.headers
      .getSetCookie()
      .map((c) => c.split(';')[0])
      .join('; ');
    const page = await fetch(`${origin}/`, { headers: { cookie } });
    assert.equal(page.status, 200);
    const html = await page.text();
    assert.match(html, /<div id="root"><\/div>/);
    const script = /src="(\/assets\/[^"]+\.js)"/.exec(html)![1]!;
    assert.equal((await fetch(`${origin}${script}`, { headers: { cookie } })).status, 200);
    assert.equal((await fetch(`${origin}${script}`)).status, 401, 'assets need the session too');
    assert.equal((await fetch(link, { redirect: 'manual' })).status, 401, 'the link works once');
    // The local agent given with --agent enrolled itself with the data directory's token.
    const deadline = Date.now() + 20_000;
    let computers: { name: string }[] = [];
    while (!computers.some((c) => c.name === 'PC1')) {
      assert.ok(Date.now() < deadline, `local agent did not register:\n${out}`);
      await new Promise((r) => setTimeout(r, 250));
      computers = (await (await fetch(`${origin}/api/computers`, { headers: { cookie } })).json()) as { name: string }[];
    }
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => (child.exitCode !== null ? r(undefined) : child.once('exit', r)));
    rmSync(data, { recursive: true, force: true });
  }
});

test('console SMP routes: default folder, settings, associations, audited recovery view', async () => {
  const s = await startSite({ withSmp: true });
  try {
    const session = await signIn(s);
    const spec = (await call(s, session, 'GET', '/openapi.json')).body;
    assert.ok(
      spec.paths['/smp/requests/capture'] && spec.paths['/api/smp/associations'] && spec.paths['/api/deployments'],
      'one OpenAPI document for site and SMP',
    );
    const folders = (await call(s, session, 'GET', '/api/smp/folders')).body;
    assert.equal(folders.length, 1, 'a fresh all-in-one server stores under its data directory');
    assert.ok(folders[0].path.startsWith(s.dataDir));
    const settings = await call(s, session, 'PUT', '/api/smp/settings', { restoreOnly: true });
    assert.equal(settings.body.restoreOnly, true);
    assert.equal(
      (await call(s, session, 'PUT', '/api/smp/settings', { restoreOnly: false, timeDeleteAfter: 2, timeUnit: 'Days' })).body
        .deleteAfterSeconds,
      172800,
    );
    const noUsers = await call(s, session, 'POST', '/api/smp/associations', { source: 'SRC', destination: 'DST', migrationBehavior: 2 });
    assert.equal(noUsers.status, 400);
    assert.match(noUsers.body.code, /^FERRY_E_/);
    const a = await call(s, session, 'POST', '/api/smp/associations', {
      source: 'SRC',
      destination: 'DST',
      migrationBehavior: 1,
      userNames: ['CONTOSO\\alice'],
    });
    assert.equal(a.status, 201, JSON.stringify(a.body));
    assert.equal((await call(s, session, 'GET', '/api/smp/associations')).body[0].restoreName, 'DST');
    assert.equal(
      (
        await call(
          s,
          session,
          'POST',
          '/api/smp/associations',
          { source: 'SRC', destination: 'DST', migrationBehavior: 0 },
          { 'x-ferry-csrf': 'x' },
        )
      ).body.code,
      'FERRY_E_SITE_CSRF',
    );

    // A computer credential from the site (as an agent gets it) requests a capture store.
    const cred = await s.site.smp!.credentialFor('SRC', 'GUID:SRC-TEST');
    const grant = await fetch(`${cred.servers[0]}/requests/capture`, {
      method: 'POST',
      headers: { authorization: `Bearer ${cred.credential}` },
    });
    assert.equal(grant.status, 200, await grant.clone().text());
    const { storeId } = (await grant.json()) as { storeId: string };
    const recovery = await call(s, session, 'GET', `/api/smp/stores/${storeId}/recovery`);
    assert.equal(recovery.status, 200);
    assert.equal(Buffer.from(recovery.body.key, 'base64').length, 32);
    const audit = (await call(s, session, 'GET', '/api/audit')).body;
    assert.equal(audit.length, 1);
    assert.equal(audit[0].action, 'view-recovery-key');
    assert.equal(audit[0].target, storeId);
    assert.equal((await call(s, undefined, 'GET', `/api/smp/stores/${storeId}/recovery`)).status, 401);
  } finally {
    await s.close();
  }
});

test('/docs: swagger-ui for the whole API behind the session, every asset served locally', async () => {
  const s = await startSite({ withSmp: true });
  try {
    const signedOut = await fetch(`${s.url}/docs/`);
    assert.equal(signedOut.status, 401);
    assert.match(await signedOut.text(), /not signed in/);
    assert.equal((await call(s, undefined, 'GET', '/docs/json')).body.code, 'FERRY_E_SITE_AUTH_REQUIRED');

    // The sign-in link works on the docs page as on any console path.
    const link = await fetch(`${s.url}/docs/?token=${s.site.auth.issueSignInToken()}`, { redirect: 'manual' });
    assert.equal(link.status, 303);
    assert.equal(link.headers.get('location'), '/docs/');
    const cookie = link.headers
      .getSetCookie()
      .map((c) => c.split(';')[0])
      .join('; ');
    const page = await fetch(`${s.url}/docs/`, { headers: { cookie } });
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-security-policy')!, /default-src 'self'/);
    const html = await page.text();
    assert.match(html, /<div id="swagger-ui">/);
    const assets = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
    assert.ok(assets.some((a) => a.endsWith('swagger-ui-bundle.js')) && assets.some((a) => a.endsWith('swagger-ui.css')), assets.join(' '));
    for (const asset of assets) {
      assert.doesNotMatch(asset, /^(https?:)?\/\//, `${asset} would leave the server`);
      const res = await fetch(new URL(asset, `${s.url}/docs/`), { headers: { cookie } });
      assert.equal(res.status, 200, asset);
      assert.equal((await fetch(new URL(asset, `${s.url}/docs/`))).status, 401, `${asset} needs the session too`);
    }
    const initializer = await (await fetch(`${s.url}/docs/static/swagger-initializer.js`, { headers: { cookie } })).text();
    assert.match(initializer, /validatorUrl: null/, 'no validator badge from validator.swagger.io');
    assert.doesNotMatch(initializer, /url: ['"]https?:/);

    const spec = (await (await fetch(`${s.url}/docs/json`, { headers: { cookie } })).json()) as { paths: Record<string, unknown> };
    assert.ok(
      spec.paths['/api/deployments'] && spec.paths['/api/agent/policy'] && spec.paths['/smp/requests/capture'],
      'site, agent and SMP routes in one document',
    );
    assert.ok(!spec.paths['/docs/'] && !spec.paths['/openapi.json'], 'the docs do not document themselves');
  } finally {
    await s.close();
  }
});
