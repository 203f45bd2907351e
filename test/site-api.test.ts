// The site REST API end to end over real HTTP: sign-in, CSRF, task sequences (template,
// validation, versions, 409 conflicts, XML round trip), collections, deployments, the agent API
// (enrollment, revoked credential, status messages) and Monitoring's aggregation.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { call, signIn, startSite, type RunningSite, type Session } from './site-helpers.ts';
import { isDue } from '../src/server/index.ts';

async function withSite(fn: (s: RunningSite, session: Session) => Promise<void>) {
  const s = await startSite();
  try {
    await fn(s, await signIn(s));
  } finally {
    await s.close();
  }
}

test('nothing is served without a session; the sign-in token works once', async () => {
  const s = await startSite();
  try {
    const api = await call(s, undefined, 'GET', '/api/task-sequences');
    assert.equal(api.status, 401);
    assert.equal(api.body.code, 'FERRY_E_SITE_AUTH_REQUIRED');
    const page = await fetch(`${s.url}/`);
    assert.equal(page.status, 401);
    assert.match(await page.text(), /not signed in/);
    assert.equal((await call(s, undefined, 'GET', '/openapi.json')).status, 401);

    const token = s.site.auth.issueSignInToken();
    const first = await fetch(`${s.url}/?token=${token}`, { redirect: 'manual' });
    assert.equal(first.status, 303);
    assert.equal(first.headers.get('location'), '/');
    const cookies = first.headers.getSetCookie();
    assert.ok(cookies.some((c) => c.startsWith('ferry_session=') && /HttpOnly/.test(c) && /SameSite=Strict/.test(c)));
    const again = await fetch(`${s.url}/?token=${token}`, { redirect: 'manual' });
    assert.equal(again.status, 401, 'a spent token signs nobody in');
    assert.equal((await fetch(`${s.url}/api/computers`, { headers: { cookie: 'ferry_session=forged' } })).status, 401);
  } finally {
    await s.close();
  }
});

test('state-changing calls need the CSRF header', () =>
  withSite(async (s, session) => {
    const none = await call(s, session, 'POST', '/api/task-sequences', { name: 'x' }, { 'x-ferry-csrf': '' });
    assert.equal(none.status, 403);
    assert.equal(none.body.code, 'FERRY_E_SITE_CSRF');
    const wrong = await call(s, session, 'DELETE', '/api/task-sequences/FRY00001', undefined, { 'x-ferry-csrf': 'guess' });
    assert.equal(wrong.body.code, 'FERRY_E_SITE_CSRF');
    assert.equal((await call(s, session, 'GET', '/api/task-sequences')).body.length, 0, 'nothing was created');
    assert.equal((await call(s, session, 'POST', '/api/session/sign-out', {})).status, 200);
    assert.equal((await call(s, session, 'GET', '/api/task-sequences')).body.code, 'FERRY_E_SITE_AUTH_REQUIRED', 'signed out');
  }));

test('the image-package template, property validation, duplicate names, versions and 409 conflicts', () =>
  withSite(async (s, session) => {
    const created = await call(s, session, 'POST', '/api/task-sequences', { name: 'Refresh', template: 'image-package' });
    assert.equal(created.status, 201);
    const ts = created.body;
    assert.deepEqual(
      ts.document.children.map((g: any) => [g.name, g.children.map((c: any) => c.name)]),
      [
        ['Capture Files and Settings', ['Request State Store', 'Capture User State', 'Release State Store']],
        ['Restore User Files and Settings', ['Request State Store', 'Restore User State', 'Release State Store']],
      ],
    );
    const request = ts.document.children[0].children[0];
    assert.deepEqual(request.properties, { RequestType: 'capture', SMPRetryCount: 3, SMPRetryTime: 10, FallbackToNAA: false });
    assert.equal(ts.document.children[1].children[1].properties.UsmtRestorePackageID, 'FRY00001');

    assert.equal((await call(s, session, 'GET', '/api/task-sequences')).body[0].errors, 0);
    const dup = await call(s, session, 'POST', '/api/task-sequences', { name: 'Refresh' });
    assert.equal(dup.status, 409);
    assert.equal(dup.body.code, 'FERRY_E_SITE_DUPLICATE_NAME');

    // Invalid values are refused with the editor's messages; nothing is saved.
    const bad = structuredClone(ts.document);
    bad.children[0].children[0].properties.SMPRetryCount = 31;
    bad.children[0].children[1].properties.UsmtPackageID = '';
    const refused = await call(s, session, 'PUT', `/api/task-sequences/${ts.id}`, {
      name: 'Refresh',
      description: '',
      sequence: bad,
      version: 1,
    });
    assert.equal(refused.status, 400);
    assert.equal(refused.body.code, 'FERRY_E_SITE_INVALID');
    const messages = refused.body.details.problems.map((p: any) => p.message);
    assert.ok(messages.includes('Number of retries must be a whole number from 0 to 30.'), messages.join('|'));
    assert.ok(messages.some((m: string) => /Select the user state migration tool package/.test(m)));
    const malformed = await call(s, session, 'PUT', `/api/task-sequences/${ts.id}`, {
      name: 'Refresh',
      description: '',
      sequence: { children: [{ kind: 'step' }] },
      version: 1,
    });
    assert.equal(malformed.body.code, 'FERRY_E_SITE_INVALID');
    assert.equal((await call(s, session, 'GET', `/api/task-sequences/${ts.id}`)).body.version, 1);

    // Two editors load version 1; the first save wins, the second gets 409 and loses nothing.
    const a = structuredClone(ts.document);
    a.children[0].children[0].properties.SMPRetryCount = 5;
    const b = structuredClone(ts.document);
    b.children[0].children[0].properties.SMPRetryTime = 60;
    const saveA = await call(s, session, 'PUT', `/api/task-sequences/${ts.id}`, {
      name: 'Refresh',
      description: 'A',
      sequence: a,
      version: 1,
    });
    assert.equal(saveA.status, 200);
    assert.equal(saveA.body.version, 2);
    assert.equal(saveA.headers.get('etag'), '"2"');
    const saveB = await call(s, session, 'PUT', `/api/task-sequences/${ts.id}`, {
      name: 'Refresh',
      description: 'B',
      sequence: b,
      version: 1,
    });
    assert.equal(saveB.status, 409);
    assert.equal(saveB.body.code, 'FERRY_E_SITE_CONFLICT');
    assert.equal(saveB.body.details.currentVersion, 2);
    const ifMatch = await call(
      s,
      session,
      'PUT',
      `/api/task-sequences/${ts.id}`,
      { name: 'Refresh', description: 'B', sequence: b, version: 2 },
      { 'if-match': '"1"' },
    );
    assert.equal(ifMatch.status, 409, 'If-Match takes precedence');
    const current = (await call(s, session, 'GET', `/api/task-sequences/${ts.id}`)).body;
    assert.equal(current.description, 'A');
    assert.equal(current.document.children[0].children[0].properties.SMPRetryCount, 5);
    const versions = (await call(s, session, 'GET', `/api/task-sequences/${ts.id}/versions`)).body;
    assert.deepEqual(
      versions.map((v: any) => v.version),
      [2, 1],
    );
    assert.equal(
      (await call(s, session, 'GET', `/api/task-sequences/${ts.id}/versions/1`)).body.document.children[0].children[0].properties
        .SMPRetryCount,
      3,
    );
    const v1 = await call(s, session, 'GET', `/api/task-sequences/${ts.id}/versions/1/export`);
    assert.match(v1.body, /<variable name="OSDStateSMPRetryCount" property="SMPRetryCount" hidden="true">3<\/variable>/);
    assert.equal((await call(s, session, 'GET', `/api/task-sequences/${ts.id}/versions/9`)).body.code, 'FERRY_E_SITE_NOT_FOUND');
  }));

test('XML export and re-import round-trip; copy; names with markup are kept verbatim as data', () =>
  withSite(async (s, session) => {
    const xssName = '<img src=x onerror=alert(1)> & "quotes"';
    const ts = (
      await call(s, session, 'POST', '/api/task-sequences', {
        name: xssName,
        description: '<script>alert(2)</script>',
        template: 'image-package',
      })
    ).body;
    assert.equal(ts.name, xssName);
    const exported = await call(s, session, 'GET', `/api/task-sequences/${ts.id}/export`);
    assert.equal(exported.status, 200);
    assert.match(exported.headers.get('content-type')!, /xml/);
    assert.match(exported.body, /name="&lt;img src=x onerror=alert\(1\)&gt; &amp; &quot;quotes&quot;"/);
    assert.match(exported.body, /osdsmpclient\.exe \/capture/);
    const imported = await call(s, session, 'POST', '/api/task-sequences/import', { name: 'Reimported', xml: exported.body });
    assert.equal(imported.status, 201);
    const shape = (nodes: any[]): unknown =>
      nodes.map((n) => [n.kind, n.name, n.type, n.continueOnError, n.properties, n.children ? shape(n.children) : null]);
    assert.deepEqual(shape(imported.body.document.children), shape(ts.document.children));
    const bad = await call(s, session, 'POST', '/api/task-sequences/import', { xml: '<notasequence/>' });
    assert.equal(bad.status, 400);
    assert.match(bad.body.code, /^FERRY_E_/);
    const malformed = await call(s, session, 'POST', '/api/task-sequences/import', { xml: '<sequence><group name="x"></sequence>' });
    assert.equal(malformed.status, 400);
    assert.equal(malformed.body.code, 'FERRY_E_SITE_INVALID');
    assert.match(malformed.body.message, /FERRY_E_XML_MALFORMED/);
    const entity = await call(s, session, 'POST', '/api/task-sequences/import', {
      xml: '<!DOCTYPE s [<!ENTITY x SYSTEM "file:///etc/passwd">]><sequence version="3.10">&x;</sequence>',
    });
    assert.equal(entity.status, 400, 'DTDs and external entities are refused');
    const copy = await call(s, session, 'POST', `/api/task-sequences/${ts.id}/copy`, {});
    assert.equal(copy.body.name, `${xssName} - Copy`);
    assert.equal((await call(s, session, 'GET', '/api/task-sequences')).body.length, 3);
    const page = await fetch(`${s.url}/api/task-sequences`, { headers: { cookie: session.cookie } });
    assert.match(page.headers.get('content-type')!, /application\/json/, 'names only ever travel as JSON data');
    assert.match(page.headers.get('content-security-policy')!, /default-src 'self'/);
  }));

test('agents enroll, get policy, report status; Monitoring aggregates; revoked credentials are refused', () =>
  withSite(async (s, session) => {
    const refused = await call(s, undefined, 'POST', '/api/agent/register', { name: 'PC1', enrollToken: 'wrong' });
    assert.equal(refused.status, 403);
    assert.equal(refused.body.code, 'FERRY_E_AGENT_ENROLLMENT_REFUSED');
    const pc1 = (await call(s, undefined, 'POST', '/api/agent/register', { name: 'PC1', enrollToken: s.site.enrollToken })).body;
    const pc2 = (await call(s, undefined, 'POST', '/api/agent/register', { name: 'PC2', enrollToken: s.site.enrollToken })).body;
    const auth = (c: any) => ({ authorization: `Bearer ${c.credential}` });

    const col = await call(s, session, 'POST', '/api/collections', {
      name: 'Refresh PCs',
      members: [pc1.computerId, pc2.computerId],
      variables: [{ name: 'OSDStateStorePath', value: 'C:\\x', hidden: false }],
    });
    assert.equal(col.status, 201);
    assert.equal((await call(s, session, 'POST', '/api/collections', { name: 'Refresh PCs' })).body.code, 'FERRY_E_SITE_DUPLICATE_NAME');
    assert.equal((await call(s, session, 'POST', '/api/collections', { name: 'X', members: ['nope'] })).body.code, 'FERRY_E_SITE_INVALID');
    assert.equal(
      (await call(s, session, 'POST', '/api/collections', { name: 'Y', variables: [{ name: '1bad', value: '', hidden: false }] })).body
        .code,
      'FERRY_E_SITE_INVALID',
    );
    await call(s, session, 'PUT', `/api/computers/${encodeURIComponent(pc2.computerId)}/variables`, {
      variables: [{ name: 'OSDStateStorePath', value: 'D:\\y', hidden: true }],
    });

    const ts = (await call(s, session, 'POST', '/api/task-sequences', { name: 'Refresh', template: 'image-package' })).body;
    const dep = await call(s, session, 'POST', '/api/deployments', {
      taskSequenceId: ts.id,
      collectionId: col.body.id,
      purpose: 'required',
    });
    assert.equal(dep.status, 201);
    assert.deepEqual(dep.body.schedule, [{ kind: 'asap' }]);
    assert.equal(dep.body.rerun, 'always');
    assert.equal(dep.body.counts.Unknown, 2);
    assert.equal((await call(s, session, 'DELETE', `/api/task-sequences/${ts.id}`)).body.code, 'FERRY_E_SITE_IN_USE');

    const policy = (await call(s, undefined, 'GET', '/api/agent/policy', undefined, auth(pc1))).body;
    assert.equal(policy.deployments.length, 1);
    assert.equal(policy.deployments[0].due, true);
    const detail = (await call(s, undefined, 'GET', `/api/agent/deployments/${dep.body.id}`, undefined, auth(pc2))).body;
    assert.equal(detail.variables.OSDStateStorePath, 'D:\\y', 'device variables override collection variables');
    assert.equal(detail.taskSequence.sequence.children.length, 2);
    const computers = (await call(s, session, 'GET', '/api/computers')).body;
    assert.equal(computers.find((c: any) => c.name === 'PC2').variables[0].value, '', 'hidden values never reach the console');

    const post = (c: any, messages: unknown[]) =>
      call(s, undefined, 'POST', `/api/agent/deployments/${dep.body.id}/status`, { messages }, auth(c));
    await post(pc1, [
      { kind: 'tsStarted' },
      { kind: 'actionCompleted', step: 0, groupName: 'Capture Files and Settings', actionName: 'Request State Store', exitCode: 0 },
      { kind: 'tsCompleted', exitCode: 0 },
    ]);
    await post(pc2, [
      { kind: 'tsStarted' },
      {
        kind: 'actionFailed',
        step: 1,
        groupName: 'Capture Files and Settings',
        actionName: 'Capture User State',
        exitCode: 27,
        actionOutput: 'boom',
      },
    ]);
    let list = (await call(s, session, 'GET', '/api/deployments')).body;
    assert.deepEqual(list[0].counts, { Success: 1, 'In Progress': 1, Error: 0, 'Requirements Not Met': 0, Unknown: 0 });
    await post(pc2, [{ kind: 'tsFailed', exitCode: 27 }]);
    list = (await call(s, session, 'GET', '/api/deployments')).body;
    assert.equal(list[0].counts.Error, 1);
    assert.equal(list[0].compliance, 50);
    const msgs = (await call(s, session, 'GET', `/api/deployments/${dep.body.id}/computers/${encodeURIComponent(pc1.computerId)}/messages`))
      .body;
    assert.deepEqual(
      msgs.map((m: any) => m.messageId),
      [11140, 11134, 11143],
    );
    assert.equal(
      msgs[1].text,
      'The task sequence execution engine successfully completed the action (Request ' +
        'State Store) in the group (Capture Files and Settings) with exit code 0',
    );
    assert.equal(
      (await call(s, undefined, 'GET', '/api/agent/policy', undefined, auth(pc1))).body.deployments[0].due,
      false,
      'ASAP runs once',
    );
    assert.equal((await post(pc1, [{ kind: 'nonsense' }])).status, 400);

    await call(s, session, 'POST', `/api/computers/${encodeURIComponent(pc1.computerId)}/revoke`);
    const revoked = await call(s, undefined, 'GET', '/api/agent/policy', undefined, auth(pc1));
    assert.equal(revoked.status, 401);
    assert.equal(revoked.body.code, 'FERRY_E_AGENT_REVOKED');
    assert.equal((await post(pc1, [{ kind: 'tsStarted' }])).body.code, 'FERRY_E_AGENT_REVOKED');
    assert.equal((await call(s, undefined, 'GET', '/api/agent/policy')).body.code, 'FERRY_E_AGENT_REVOKED');
  }));

test(
  'the State Migration Point follows the site: revoking or deleting a computer ' +
    'revokes its SMP credential; each deployment fetch replaces the last one',
  async () => {
    const s = await startSite({ withSmp: true });
    try {
      const session = await signIn(s);
      const register = async (name: string) =>
        (await call(s, undefined, 'POST', '/api/agent/register', { name, enrollToken: s.site.enrollToken })).body;
      const pc1 = await register('PC1');
      const pc2 = await register('PC2');
      const col = (await call(s, session, 'POST', '/api/collections', { name: 'Replace', members: [pc1.computerId, pc2.computerId] })).body;
      const ts = (await call(s, session, 'POST', '/api/task-sequences', { name: 'Replace', template: 'image-package' })).body;
      const dep = (
        await call(s, session, 'POST', '/api/deployments', { taskSequenceId: ts.id, collectionId: col.id, purpose: 'available' })
      ).body;
      const smpFor = async (c: { credential: string }) =>
        (await call(s, undefined, 'GET', `/api/agent/deployments/${dep.id}`, undefined, { authorization: `Bearer ${c.credential}` })).body
          .smp;
      const stores = async (credential: string) => {
        const r = await call(s, undefined, 'GET', '/smp/stores', undefined, { authorization: `Bearer ${credential}` });
        return r.status === 200 ? 'ok' : r.body.code;
      };

      const first = await smpFor(pc1);
      assert.equal(await stores(first.credential), 'ok');
      assert.ok(
        Date.parse(first.expiresAt) <= Date.now() + 24 * 3600 * 1000 + 60_000,
        'a per-run SMP credential lasts one run, not months',
      );
      const second = await smpFor(pc1);
      assert.equal(await stores(first.credential), 'FERRY_E_SMP_UNAUTHORIZED', 'the earlier credential is replaced');
      assert.equal(await stores(second.credential), 'ok');

      await call(s, session, 'POST', `/api/computers/${encodeURIComponent(pc1.computerId)}/revoke`);
      assert.equal(await stores(second.credential), 'FERRY_E_SMP_UNAUTHORIZED', 'revoked on the site, refused by the SMP at once');
      const smpComputer = (await call(s, session, 'GET', '/api/smp/computers')).body.find((c: { name: string }) => c.name === 'PC1');
      assert.equal(smpComputer.registered, false);
      assert.ok(smpComputer.credentialRevokedAt);

      const other = await smpFor(pc2);
      assert.equal((await call(s, session, 'DELETE', `/api/computers/${encodeURIComponent(pc2.computerId)}`)).status, 200);
      assert.equal(await stores(other.credential), 'FERRY_E_SMP_UNAUTHORIZED', 'deleted on the site, refused by the SMP');
    } finally {
      await s.close();
    }
  },
);

test(
  'the shared enrollment token registers new computers only; a registered or ' +
    "revoked one re-registers with its administrator's reset token",
  () =>
    withSite(async (s, session) => {
      const register = (name: string, enrollToken: string) => call(s, undefined, 'POST', '/api/agent/register', { name, enrollToken });
      const pc1 = (await register('PC1', s.site.enrollToken)).body;
      const policy = async (credential: string) =>
        (await call(s, undefined, 'GET', '/api/agent/policy', undefined, { authorization: `Bearer ${credential}` })).status;

      for (const name of ['PC1', 'pc1']) {
        const takeover = await register(name, s.site.enrollToken);
        assert.equal(takeover.status, 409);
        assert.equal(takeover.body.code, 'FERRY_E_AGENT_ALREADY_REGISTERED');
        assert.match(takeover.body.message, /\/reset/);
      }
      assert.equal(await policy(pc1.credential), 200, 'the owner keeps its credential');
      assert.equal((await call(s, session, 'GET', '/api/computers')).body.length, 1);

      await call(s, session, 'POST', `/api/computers/${encodeURIComponent(pc1.computerId)}/revoke`);
      assert.equal(
        (await register('PC1', s.site.enrollToken)).body.code,
        'FERRY_E_AGENT_ALREADY_REGISTERED',
        'the shared token does not undo a revocation',
      );
      const reset = await call(s, session, 'POST', `/api/computers/${encodeURIComponent(pc1.computerId)}/reset`);
      assert.equal(reset.status, 200);
      assert.equal(reset.body.name, 'PC1');
      assert.equal(
        (await register('PC2', reset.body.enrollToken)).body.code,
        'FERRY_E_AGENT_ENROLLMENT_REFUSED',
        'a reset token registers only its computer',
      );
      const again = await register('PC1', reset.body.enrollToken);
      assert.equal(again.status, 201);
      assert.equal(again.body.computerId, pc1.computerId);
      assert.equal(await policy(again.body.credential), 200);
      assert.equal((await call(s, session, 'GET', `/api/computers/${encodeURIComponent(pc1.computerId)}`)).body.revoked, false);
      assert.equal(
        (await register('PC1', reset.body.enrollToken)).body.code,
        'FERRY_E_AGENT_ENROLLMENT_REFUSED',
        'a reset token works once',
      );
      assert.equal((await call(s, session, 'POST', '/api/computers/nope/reset')).body.code, 'FERRY_E_SITE_NOT_FOUND');
    }),
);

test('deployment input is validated', () =>
  withSite(async (s, session) => {
    const ts = (await call(s, session, 'POST', '/api/task-sequences', { name: 'T', template: 'image-package' })).body;
    const cols = (await call(s, session, 'GET', '/api/collections')).body;
    const bad = (body: object) =>
      call(s, session, 'POST', '/api/deployments', { taskSequenceId: ts.id, collectionId: cols[0].id, ...body });
    assert.equal((await bad({ purpose: 'sometimes' })).body.code, 'FERRY_E_SITE_INVALID');
    assert.equal((await bad({ purpose: 'required', schedule: [{ kind: 'at', at: 'tomorrow-ish' }] })).body.code, 'FERRY_E_SITE_INVALID');
    assert.equal(
      (await bad({ purpose: 'available', availableAt: '2030-01-02T00:00:00Z', expiresAt: '2030-01-01T00:00:00Z' })).body.code,
      'FERRY_E_SITE_INVALID',
    );
    assert.equal((await bad({ purpose: 'required', collectionId: 'FRY99999' })).body.code, 'FERRY_E_SITE_NOT_FOUND');
    assert.equal((await call(s, session, 'GET', '/api/nothing-here')).body.code, 'FERRY_E_SITE_NOT_FOUND');
    const spec = (await call(s, session, 'GET', '/openapi.json')).body;
    assert.ok(spec.paths['/api/task-sequences/{id}'] && spec.paths['/api/deployments'] && spec.paths['/api/agent/policy']);
  }));

test('schedule and rerun behaviour', () => {
  const at = new Date('2030-01-01T12:00:00Z');
  const d = {
    purpose: 'required' as const,
    availableAt: '2030-01-01T00:00:00Z',
    expiresAt: null,
    schedule: [{ kind: 'asap' as const }],
    rerun: 'always' as const,
  };
  assert.equal(isDue(d, undefined, at), true);
  assert.equal(isDue({ ...d, availableAt: '2030-01-02T00:00:00Z' }, undefined, at), false, 'not yet available');
  assert.equal(isDue({ ...d, expiresAt: '2030-01-01T06:00:00Z' }, undefined, at), false, 'expired');
  const ran = (state: string) => ({ state, requested_at: null, started_at: '2030-01-01T01:00:00Z' });
  assert.equal(isDue(d, ran('error'), at), false, 'ASAP is once');
  const recurring = { ...d, schedule: [{ kind: 'at' as const, at: '2030-01-01T10:00:00Z' }] };
  assert.equal(isDue(recurring, ran('success'), at), true, 'always rerun');
  assert.equal(isDue({ ...recurring, rerun: 'never' }, ran('error'), at), false);
  assert.equal(isDue({ ...recurring, rerun: 'ifFailed' }, ran('error'), at), true);
  assert.equal(isDue({ ...recurring, rerun: 'ifFailed' }, ran('success'), at), false);
  assert.equal(isDue({ ...recurring, rerun: 'ifSucceeded' }, ran('success'), at), true);
  assert.equal(isDue(recurring, { state: 'running', requested_at: null, started_at: '2030-01-01T01:00:00Z' }, at), false);
  const available = { ...d, purpose: 'available' as const, schedule: [] };
  assert.equal(isDue(available, undefined, at), false, 'available runs on request only');
  assert.equal(isDue(available, { state: 'success', requested_at: '2030-01-01T11:00:00Z', started_at: '2030-01-01T01:00:00Z' }, at), true);
});
