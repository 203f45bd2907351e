// Identity takeover (issue 11, item 1): a deleted or directly registered computer's State
// Migration Point identity must not be reachable with the site's shared enrollment token, and the
// site hands an SMP identity only to the site record it was issued to. Both sides are attacked:
// the site path (agent register → deployment fetch mints the SMP credential) and the direct SMP
// path (/smp/register with tokens).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { call, signIn, startSite, type RunningSite, type Session } from '../site-helpers.ts';

const ADMIN = { kind: 'admin' } as const;

async function deployToAll(s: RunningSite, session: Session): Promise<string> {
  const ts = (await call(s, session, 'POST', '/api/task-sequences', { name: 'Migrate' })).body;
  const all = (await call(s, session, 'GET', '/api/collections')).body.find((c: { name: string }) => c.name === 'All Systems');
  return (await call(s, session, 'POST', '/api/deployments', { taskSequenceId: ts.id, collectionId: all.id, purpose: 'available' })).body
    .id;
}

async function agentRegister(s: RunningSite, name: string, token: string) {
  return call(s, undefined, 'POST', '/api/agent/register', { name, enrollToken: token });
}

async function fetchDeployment(s: RunningSite, credential: string, id: string) {
  return call(s, undefined, 'GET', `/api/agent/deployments/${id}`, undefined, { authorization: `Bearer ${credential}` });
}

const smpComputerId = (credential: string): string => /^fc_([^.]+)\./.exec(credential)![1]!;

test(
  'a deleted computer name stays unusable with the shared token until an ' +
    'administrator resets it, and then gets its own SMP identity back',
  async () => {
    const s = await startSite({ withSmp: true });
    try {
      const session = await signIn(s);
      const deployment = await deployToAll(s, session);
      const victim = await agentRegister(s, 'VICTIMPC', s.site.enrollToken);
      assert.equal(victim.status, 201);
      const first = await fetchDeployment(s, victim.body.credential, deployment);
      assert.equal(first.status, 200, JSON.stringify(first.body));
      const victimSmpId = smpComputerId(first.body.smp.credential);

      assert.equal((await call(s, session, 'DELETE', `/api/computers/${victim.body.computerId}`)).status, 200);
      // The attack: the shared token, the same name in another case.
      const attacker = await agentRegister(s, 'victimpc', s.site.enrollToken);
      assert.equal(attacker.status, 409);
      assert.equal(attacker.body.code, 'FERRY_E_AGENT_NAME_RETIRED');
      // The revoked SMP credential stays refused.
      const smp = await fetch(`${s.url}/smp/stores`, { headers: { authorization: `Bearer ${first.body.smp.credential}` } });
      assert.equal(smp.status, 401);

      // The administrator re-admits it: the same site id, the same SMP identity.
      const retired = (await call(s, session, 'GET', '/api/computers/retired')).body;
      assert.deepEqual(
        retired.map((r: { name: string }) => r.name),
        ['VICTIMPC'],
      );
      const reset = await call(s, session, 'POST', `/api/computers/${retired[0].id}/reset`);
      assert.equal(reset.status, 200);
      const back = await agentRegister(s, 'VICTIMPC', reset.body.enrollToken);
      assert.equal(back.status, 201, JSON.stringify(back.body));
      assert.equal(back.body.computerId, victim.body.computerId);
      const again = await fetchDeployment(s, back.body.credential, deployment);
      assert.equal(again.status, 200, JSON.stringify(again.body));
      assert.equal(smpComputerId(again.body.smp.credential), victimSmpId);
      assert.equal((await agentRegister(s, 'VICTIMPC', reset.body.enrollToken)).status, 403, 'the reset token is spent');
    } finally {
      await s.close();
    }
  },
);

test('the site never hands out the SMP identity of a computer registered on the SMP itself', async () => {
  const s = await startSite({ withSmp: true });
  try {
    const session = await signIn(s);
    const deployment = await deployToAll(s, session);
    const service = s.site.smp!.smp.service;
    const token = await service.createEnrollmentToken(ADMIN, { expiresInSeconds: 600, uses: 1 });
    const direct = await service.register('DIRECTPC', { enrollmentToken: token.token });

    // Holding only the site's shared token: a new site record under that name…
    const attacker = await agentRegister(s, 'directpc', s.site.enrollToken);
    assert.equal(attacker.status, 201);
    // …does not get the SMP identity, and the real computer keeps its credential.
    const fetched = await fetchDeployment(s, attacker.body.credential, deployment);
    assert.equal(fetched.status, 409, JSON.stringify(fetched.body));
    assert.equal(fetched.body.code, 'FERRY_E_SMP_IDENTITY_NOT_OWNED');
    const own = await fetch(`${s.url}/smp/stores`, { headers: { authorization: `Bearer ${direct.credential}` } });
    assert.equal(own.status, 200);
  } finally {
    await s.close();
  }
});

test(
  'direct SMP path: a site-owned identity, live or revoked, is not taken with ' +
    'a plain SMP token, and a bound reset hands it off the site',
  async () => {
    const s = await startSite({ withSmp: true });
    try {
      const session = await signIn(s);
      const deployment = await deployToAll(s, session);
      const service = s.site.smp!.smp.service;
      const agent = await agentRegister(s, 'OWNEDPC', s.site.enrollToken);
      const fetched = await fetchDeployment(s, agent.body.credential, deployment);
      assert.equal(fetched.status, 200);

      const register = (body: unknown) =>
        fetch(`${s.url}/smp/register`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      const plain = await service.createEnrollmentToken(ADMIN, { expiresInSeconds: 600, uses: 5 });
      const live = await register({ computerName: 'ownedpc', enrollmentToken: plain.token });
      assert.equal(live.status, 409);
      assert.equal(((await live.json()) as { code: string }).code, 'FERRY_E_SMP_COMPUTER_REGISTERED');

      assert.equal((await call(s, session, 'POST', `/api/computers/${agent.body.computerId}/revoke`)).status, 200);
      const revoked = await register({ computerName: 'OWNEDPC', enrollmentToken: plain.token });
      assert.equal(revoked.status, 409, 'a revoked identity needs a reset too');

      // The SMP administrator's bound token re-registers it on the SMP: from then on the site does
      // not own it and refuses to mint for its (reset) agent.
      const bound = await service.createEnrollmentToken(ADMIN, { expiresInSeconds: 600, uses: 1, computer: 'OWNEDPC' });
      const rebound = await register({ computerName: 'OWNEDPC', enrollmentToken: bound.token });
      assert.equal(rebound.status, 200);
      const reset = await call(s, session, 'POST', `/api/computers/${agent.body.computerId}/reset`);
      const back = await agentRegister(s, 'OWNEDPC', reset.body.enrollToken);
      const refused = await fetchDeployment(s, back.body.credential, deployment);
      assert.equal(refused.body.code, 'FERRY_E_SMP_IDENTITY_NOT_OWNED');
    } finally {
      await s.close();
    }
  },
);
