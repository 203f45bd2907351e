// Secrets at rest (issue 11, item 6, server side): data directories 0700 and their files 0600
// (site.db, keys, tokens, SMP database and store files); "do not display" variable values sealed
// with the site key in the database, never returned by the API after they are set, handed only
// to the agent that runs the deployment, and masked in the status messages it sends back.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { SmpHttpClient } from '../../src/smp/index.ts';
import { call, signIn, startSite } from '../site-helpers.ts';
import { exportSequenceXml, newSequence, newStep } from '../../src/server/index.ts';

const mode = (p: string): number => statSync(p).mode & 0o777;

test('site and SMP data: directories 0700, files 0600; hidden variables sealed, write-only and masked', async () => {
  const s = await startSite({ withSmp: true });
  try {
    const session = await signIn(s);
    const secret = 'Pa55-w0rd-for-local-admin';
    const all = (await call(s, session, 'GET', '/api/collections')).body.find((c: { name: string }) => c.name === 'All Systems');
    const put = await call(s, session, 'PUT', `/api/collections/${all.id}`, {
      name: all.name,
      rule: all.rule,
      variables: [
        { name: 'OSDLocalAdminPassword', value: secret, hidden: true },
        { name: 'Plain', value: 'visible', hidden: false },
      ],
    });
    assert.equal(put.status, 200, JSON.stringify(put.body));
    const listed = JSON.stringify((await call(s, session, 'GET', '/api/collections')).body);
    assert.doesNotMatch(listed, new RegExp(secret), 'never returned after it is set');
    assert.match(listed, /visible/);

    // In the database: sealed, not in clear.
    const db = new Database(join(s.dataDir, 'site.db'), { readonly: true });
    const raw = (db.prepare('SELECT variables FROM collections WHERE id = ?').get(all.id) as { variables: string }).variables;
    db.close();
    assert.doesNotMatch(raw, new RegExp(secret));
    assert.match(raw, /enc:v1:/);

    // Saving again with the empty (masked) value keeps it; the agent of a run gets it in clear.
    await call(s, session, 'PUT', `/api/collections/${all.id}`, {
      name: all.name,
      rule: all.rule,
      variables: [{ name: 'OSDLocalAdminPassword', value: '', hidden: true }],
    });
    const ts = (await call(s, session, 'POST', '/api/task-sequences', { name: 'Secrets' })).body;
    const deployment = (
      await call(s, session, 'POST', '/api/deployments', { taskSequenceId: ts.id, collectionId: all.id, purpose: 'available' })
    ).body;
    const agent = (await call(s, undefined, 'POST', '/api/agent/register', { name: 'SECPC', enrollToken: s.site.enrollToken })).body;
    const bearer = { authorization: `Bearer ${agent.credential}` };
    const fetched = (await call(s, undefined, 'GET', `/api/agent/deployments/${deployment.id}`, undefined, bearer)).body;
    assert.equal(fetched.variables.OSDLocalAdminPassword, secret);
    const status = await call(
      s,
      undefined,
      'POST',
      `/api/agent/deployments/${deployment.id}/status`,
      {
        messages: [
          { kind: 'actionFailed', step: 1, actionName: 'Run', exitCode: 1, actionOutput: `net user Administrator ${secret} failed` },
        ],
      },
      bearer,
    );
    assert.equal(status.status, 200, JSON.stringify(status.body));
    const messages = JSON.stringify(
      (await call(s, session, 'GET', `/api/deployments/${deployment.id}/computers/${agent.computerId}/messages`)).body,
    );
    assert.doesNotMatch(messages, new RegExp(secret));
    assert.match(messages, /net user Administrator \*{8} failed/);

    // A store uploaded to the all-in-one SMP.
    const smp = fetched.smp as { servers: string[]; credential: string };
    const client = new SmpHttpClient({ servers: smp.servers, computerName: 'SECPC', credential: smp.credential, retryCount: 0 });
    const grant = await client.requestCapture();
    const storeDir = join(s.dataDir, 'smp', 'stores', grant.storeId);
    assert.equal(mode(storeDir), 0o700);

    for (const dir of [s.dataDir, join(s.dataDir, 'smp'), join(s.dataDir, 'smp', 'stores')]) assert.equal(mode(dir), 0o700, dir);
    for (const file of ['site.db', 'site.key', 'enroll-token', 'smp/site.key', 'smp/admin-token.sha256', 'smp/smp.sqlite'])
      assert.equal(mode(join(s.dataDir, file)), 0o600, file);
    assert.doesNotMatch(readFileSync(join(s.dataDir, 'site.db')).toString('latin1'), new RegExp(secret));
  } finally {
    await s.close();
  }
});

test('task sequence password properties: sealed at rest, write-only in the API, in clear only for the running agent', async () => {
  const s = await startSite();
  try {
    const session = await signIn(s);
    const secret = 'RunAs-Pa55-w0rd-7q';
    const runAs = (password: string) =>
      newStep('SMS_TaskSequence_RunCommandLineAction', {
        CommandLine: 'cmd /c exit 0',
        RunAsUser: true,
        UserName: 'CORP\\svc',
        UserPassword: password,
      });
    const created = await call(s, session, 'POST', '/api/task-sequences', { name: 'RunAs', sequence: newSequence([runAs(secret)]) });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const ts = created.body;
    const dbText = () =>
      ['site.db', 'site.db-wal']
        .filter((f) => existsSync(join(s.dataDir, f)))
        .map((f) => readFileSync(join(s.dataDir, f)).toString('latin1'))
        .join('');
    assert.ok(!dbText().includes(secret), 'the database holds no clear password');
    const got = (await call(s, session, 'GET', `/api/task-sequences/${ts.id}`)).body;
    assert.equal(got.document.children[0].properties.UserPassword, '');
    assert.equal(got.document.children[0].properties.UserPasswordSet, true);
    assert.ok(!JSON.stringify(got).includes(secret));
    assert.ok(!JSON.stringify(created.body).includes(secret));

    // Saving the masked document (empty value, marker set) keeps the stored password.
    const kept = await call(s, session, 'PUT', `/api/task-sequences/${ts.id}`, {
      name: got.name,
      description: got.description,
      sequence: got.document,
      version: got.version,
    });
    assert.equal(kept.status, 200, JSON.stringify(kept.body));
    assert.equal(kept.body.document.children[0].properties.UserPasswordSet, true);

    const all = (await call(s, session, 'GET', '/api/collections')).body.find((c: { name: string }) => c.name === 'All Systems');
    const deployment = (
      await call(s, session, 'POST', '/api/deployments', { taskSequenceId: ts.id, collectionId: all.id, purpose: 'available' })
    ).body;
    const agent = (await call(s, undefined, 'POST', '/api/agent/register', { name: 'PWPC', enrollToken: s.site.enrollToken })).body;
    const bearer = { authorization: `Bearer ${agent.credential}` };
    const fetch1 = (await call(s, undefined, 'GET', `/api/agent/deployments/${deployment.id}`, undefined, bearer)).body;
    assert.equal(fetch1.taskSequence.sequence.children[0].properties.UserPassword, secret, 'the running agent gets it in clear');

    // A status message echoing it is stored masked.
    await call(
      s,
      undefined,
      'POST',
      `/api/agent/deployments/${deployment.id}/status`,
      { messages: [{ kind: 'actionFailed', step: 1, actionName: 'Run', exitCode: 1, actionOutput: `runas ${secret} failed` }] },
      bearer,
    );
    const messages = JSON.stringify(
      (await call(s, session, 'GET', `/api/deployments/${deployment.id}/computers/${agent.computerId}/messages`)).body,
    );
    assert.ok(!messages.includes(secret));
    assert.match(messages, /runas \*{8} failed/);

    // Export carries it empty; so does the export of a saved version.
    for (const path of [`/api/task-sequences/${ts.id}/export`, `/api/task-sequences/${ts.id}/versions/1/export`]) {
      const xml = await fetch(`${s.url}${path}`, { headers: { cookie: session.cookie } }).then((r) => r.text());
      assert.match(xml, /UserName/, path);
      assert.ok(!xml.includes(secret), path);
      assert.ok(!xml.includes('UserPasswordSet'), path);
    }

    // A new value replaces it.
    const cur = (await call(s, session, 'GET', `/api/task-sequences/${ts.id}`)).body;
    cur.document.children[0].properties.UserPassword = 'Another-Pa55-9x';
    delete cur.document.children[0].properties.UserPasswordSet;
    const replaced = await call(s, session, 'PUT', `/api/task-sequences/${ts.id}`, {
      name: cur.name,
      description: cur.description,
      sequence: cur.document,
      version: cur.version,
    });
    assert.equal(replaced.status, 200, JSON.stringify(replaced.body));
    const fetch2 = (await call(s, undefined, 'GET', `/api/agent/deployments/${deployment.id}`, undefined, bearer)).body;
    assert.equal(fetch2.taskSequence.sequence.children[0].properties.UserPassword, 'Another-Pa55-9x');

    // Import of XML with a password stores it sealed.
    const xml = exportSequenceXml(newSequence([runAs('Imported-Pa55-3k')]));
    const imported = await call(s, session, 'POST', '/api/task-sequences/import', { name: 'Imported', xml });
    assert.equal(imported.status, 201, JSON.stringify(imported.body));
    assert.equal(imported.body.document.children[0].properties.UserPasswordSet, true);
    assert.ok(!JSON.stringify(imported.body).includes('Imported-Pa55-3k'));
    for (const clear of [secret, 'Another-Pa55-9x', 'Imported-Pa55-3k']) assert.ok(!dbText().includes(clear), clear);
  } finally {
    await s.close();
  }
});
