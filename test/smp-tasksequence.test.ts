// Done-when of the SMP: computer A runs the replace capture sequence (Request → Capture →
// Release) against a running SMP, computer B, associated with A, runs the restore sequence
// (Request restore → Restore → Release) and gets A's users; the store is then deleted by the
// deletion policy. Real task sequence engine, real ScanState/LoadState, real HTTP.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { SmpHttpClient } from '../src/smp/index.ts';
import { Engine, parseSequenceXml } from '../src/tasksequence/index.ts';
import { localPackages, type SmpPortFactory } from '../src/tasksequence/index.ts';
import { writeDocumentsPackage } from '../src/tasksequence/test-support.ts';
import { adminOk, registerComputer, startSmp } from './smp-helpers.ts';
import { generateSampleVolume } from '../src/sample-volume/index.ts';
import { filesUnder } from './support/files.ts';

const examples = new URL('../src/tasksequence/examples/', import.meta.url).pathname;

test('replace through a real SMP: capture sequence on A, restore sequence on B, store deleted', async (t) => {
  const base = mkdtempSync(join(tmpdir(), 'ferry-smp-ts-'));
  t.after(() => rmSync(base, { recursive: true, force: true }));
  const volume = (name: string, users: number, seed: number): string => {
    const out = join(base, name);
    generateSampleVolume({ out, size: 4 << 20, users, seed });
    return out;
  };
  const source = volume('source', 2, 31);
  const target = volume('target', 1, 32);
  const pkg = writeDocumentsPackage(join(base, 'pkg'));

  // The stores ScanState writes are checked as stores before their capture is released.
  const smp = await startSmp({ dataDir: join(base, 'smp'), verifyStore: undefined });
  t.after(() => smp.close());
  const admin = smp.firstStart.adminToken as string;
  await adminOk(smp.url, admin, 'POST', '/admin/folders', {
    path: join(base, 'smp', 'folder'),
    maxClients: 10,
    minFreeSpace: 1,
    spaceUnit: 'Megabyte',
  });
  const credentials = { OLDPC: await registerComputer(smp.url, admin, 'OLDPC'), NEWPC: await registerComputer(smp.url, admin, 'NEWPC') };
  await adminOk(smp.url, admin, 'POST', '/admin/associations', { source: 'OLDPC', destination: 'NEWPC', migrationBehavior: 0 });
  const factory =
    (name: 'OLDPC' | 'NEWPC'): SmpPortFactory =>
    (settings) =>
      new SmpHttpClient({
        servers: [smp.url],
        computerName: name,
        credential: credentials[name],
        retryCount: settings.retryCount,
        retryDelaySeconds: settings.retryDelaySeconds,
        fallbackToNaa: settings.fallbackToNaa,
        events: settings.events,
      });
  const packages = localPackages({ CM100005: pkg });

  const capture = await Engine.start({
    sequence: parseSequenceXml(readFileSync(join(examples, 'replace-capture-smp.xml'), 'utf8')),
    computer: { root: source, name: 'OLDPC' },
    stateDir: join(base, 'state-a'),
    smp: factory('OLDPC'),
    packages,
  });
  const r1 = await capture.run();
  assert.equal(r1.status, 'succeeded', readFileSync(r1.logPath, 'utf8').slice(-3000));
  const [stored] = await adminOk(smp.url, admin, 'GET', '/admin/stores');
  assert.equal(stored.status, 'captured');
  assert.ok(stored.totalSize > 0);

  const restore = await Engine.start({
    sequence: parseSequenceXml(readFileSync(join(examples, 'replace-restore-smp.xml'), 'utf8')),
    computer: { root: target, name: 'NEWPC' },
    stateDir: join(base, 'state-b'),
    smp: factory('NEWPC'),
    packages,
  });
  const r2 = await restore.run();
  assert.equal(r2.status, 'succeeded', readFileSync(r2.logPath, 'utf8').slice(-3000));

  const users = readdirSync(join(source, 'Users')).filter(
    (u) => !['Public', 'Default'].includes(u) && filesUnder(join(source, 'Users', u, 'Documents')).length > 0,
  );
  assert.equal(users.length, 2, users.join(', '));
  for (const u of users) {
    const want = filesUnder(join(source, 'Users', u, 'Documents'));
    const got = new Set(filesUnder(join(target, 'Users', u, 'Documents')));
    for (const f of want) assert.ok(got.has(f) || [...got].some((g) => g.startsWith(f.replace(/(\.[^./]*)?$/, ''))), `${u}: ${f}`);
  }

  // Released with "delete immediately" (the default policy): the release starts the deletion.
  const [released] = await adminOk(smp.url, admin, 'GET', '/admin/stores');
  assert.ok(released.releasedAt && ['released', 'deleting', 'deleted'].includes(released.status), released.status);
  await smp.deletion.runOnce();
  const [deleted] = await adminOk(smp.url, admin, 'GET', '/admin/stores');
  assert.equal(deleted.status, 'deleted');
  assert.ok(!existsSync(join(base, 'smp', 'folder', stored.id)));
});
