// The site (with its State Migration Point) on PostgreSQL, as `ferry serve --db postgres://…`
// runs it for scale-out: the same API flow as on SQLite, and ids stay unique when two servers
// share the database.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { call, signIn, startSite } from './site-helpers.ts';
import { startPostgres } from './support/postgres.ts';

test('site on PostgreSQL: objects, conflicts, deployments, status; two servers share ids', { timeout: 120_000 }, async (t) => {
  const pg = await startPostgres();
  if (typeof pg === 'string') return t.skip(pg);
  try {
    const url = await pg.createDatabase(`site_${process.pid}`);
    const a = await startSite({ db: url, withSmp: true });
    const b = await startSite({ db: url });
    try {
      const sa = await signIn(a);
      const sb = await signIn(b);
      const created = await Promise.all([
        ...[1, 2, 3].map((i) => call(a, sa, 'POST', '/api/task-sequences', { name: `A${i}`, template: 'image-package' })),
        ...[1, 2, 3].map((i) => call(b, sb, 'POST', '/api/task-sequences', { name: `B${i}`, template: 'image-package' })),
      ]);
      assert.deepEqual(
        created.map((c) => c.status),
        [201, 201, 201, 201, 201, 201],
      );
      assert.equal(new Set(created.map((c) => c.body.id)).size, 6, 'ids are unique across servers');
      const ts = created[0]!.body;
      assert.equal((await call(b, sb, 'POST', '/api/task-sequences', { name: 'A1' })).body.code, 'FERRY_E_SITE_DUPLICATE_NAME');
      assert.equal(
        (await call(a, sa, 'PUT', `/api/task-sequences/${ts.id}`, { name: 'A1', description: 'a', sequence: ts.document, version: 1 }))
          .status,
        200,
      );
      const conflict = await call(b, sb, 'PUT', `/api/task-sequences/${ts.id}`, {
        name: 'A1',
        description: 'b',
        sequence: ts.document,
        version: 1,
      });
      assert.equal(conflict.body.code, 'FERRY_E_SITE_CONFLICT');

      const pc = (await call(a, undefined, 'POST', '/api/agent/register', { name: 'PC1', enrollToken: a.site.enrollToken })).body;
      const col = (await call(b, sb, 'POST', '/api/collections', { name: 'C', members: [pc.computerId] })).body;
      const dep = (await call(a, sa, 'POST', '/api/deployments', { taskSequenceId: ts.id, collectionId: col.id, purpose: 'required' }))
        .body;
      const detail = (
        await call(a, undefined, 'GET', `/api/agent/deployments/${dep.id}`, undefined, { authorization: `Bearer ${pc.credential}` })
      ).body;
      assert.ok(detail.smp.credential, 'the SMP on PostgreSQL hands out credentials');
      await call(
        a,
        undefined,
        'POST',
        `/api/agent/deployments/${dep.id}/status`,
        { messages: [{ kind: 'tsStarted' }, { kind: 'tsCompleted', exitCode: 0 }] },
        { authorization: `Bearer ${pc.credential}` },
      );
      const seen = (await call(b, sb, 'GET', '/api/deployments')).body.find((d: any) => d.id === dep.id);
      assert.equal(seen.counts.Success, 1, 'the other server sees the status');
      assert.equal(
        (await call(b, sb, 'GET', `/api/deployments/${dep.id}/computers/${encodeURIComponent(pc.computerId)}/messages`)).body.length,
        2,
      );
    } finally {
      await a.close();
      await b.close();
    }
  } finally {
    await pg.stop();
  }
});
