// End to end through `ferry ts run` / `ferry ts resume` with Ferry's real ScanState and LoadState
// on generated volumes: the hard-link refresh example with its restart, and a replace onto a
// second volume through a local store. The commands run in-process (src/cli/testing.ts): the
// point is what they do to the volumes, not the process.
import assert from 'node:assert/strict';
import { existsSync, lstatSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { runFerry } from '../src/cli/testing.ts';
import { generateSampleVolume } from '../src/sample-volume/index.ts';
import { parseCmTrace } from '../src/tasksequence/index.ts';
import { tempDir, writeDocumentsPackage } from '../src/tasksequence/test-support.ts';
import { filesUnder } from './support/files.ts';

const examples = new URL('../src/tasksequence/examples/', import.meta.url).pathname;
const tmp = tempDir('ferry-ts-e2e-');
after(tmp.cleanup);

const ferry = (...args: string[]) => runFerry(['ts', ...args]);

/** A small USMT package: Documents of every user (the bundled defaults are not required). */
function usmtPackage(): string {
  const dir = join(tmp.dir, 'pkg');
  return existsSync(dir) ? dir : writeDocumentsPackage(dir);
}

function volume(name: string, users: number, seed: number): string {
  const out = join(tmp.dir, name);
  generateSampleVolume({ out, size: 4 << 20, users, seed });
  return out;
}

test('refresh with hard links: capture, restart, resume, restore; logs next to smsts.log', async () => {
  const root = volume('refresh', 2, 11);
  const state = join(tmp.dir, 'refresh-state');
  const pkg = `CM100005=${usmtPackage()}`;
  const r1 = await ferry('run', join(examples, 'refresh-hardlink.xml'), '--root', root, '--state', state, '--package', pkg);
  assert.equal(r1.status, 3, r1.stdout + r1.stderr);
  // _SMSTSUserStatePath: ConfigMgr's local store folder.
  assert.ok(existsSync(join(root, '_SMSTaskSequence', 'UserState', 'USMT', 'catalog.mig')), 'a hard-link store was captured');
  const r2 = await ferry('resume', '--state', state);
  assert.equal(r2.status, 0, r2.stdout + r2.stderr);
  // A successful refresh after a verified restore leaves no store and no working folder behind.
  assert.ok(!existsSync(join(root, '_SMSTaskSequence')), 'the local store and its folder are removed');
  assert.ok(!existsSync(join(state, 'usmt-work')), 'the USMT working folder is removed');
  assert.match(r2.stdout, /skipped: Clean up hard links after a failed restore/);
  const logs = join(root, 'Windows', 'CCM', 'Logs');
  for (const f of ['smsts.log', 'ScanState.log', 'LoadState.log']) assert.ok(existsSync(join(logs, f)), f);
  const records = parseCmTrace(readFileSync(join(logs, 'smsts.log'), 'utf8'));
  assert.ok(records.some((x) => /Resuming after restart 1/.test(x.message)));
  assert.ok(records.some((x) => /completed successfully/.test(x.message)));
  assert.match(readFileSync(join(logs, 'LoadState.log'), 'utf8'), /return code: 0/i);
});

test('replace onto another volume through a local store: the target holds the migrated profiles', async () => {
  const source = volume('source', 2, 21);
  const target = volume('target', 1, 22);
  const store = join(tmp.dir, 'replace-store');
  const pkg = `CM100005=${usmtPackage()}`;
  const seq = (file: string, step: string) => {
    writeFileSync(join(tmp.dir, file), `<sequence version="3.10">${step}</sequence>`);
    return join(tmp.dir, file);
  };
  const capture = seq(
    'capture.xml',
    '<step type="SMS_TaskSequence_CaptureUserStateAction" name="Capture User State"><action/><defaultVarList><variable ' +
      'name="_OSDMigrateUsmtPackageID" property="UsmtPackageID">CM100005</variable></defaultVarList></step>',
  );
  const restore = seq(
    'restore.xml',
    '<step type="SMS_TaskSequence_RestoreUserStateAction" name="Restore User State"><action/><defaultVarList><variable ' +
      'name="_OSDMigrateUsmtRestorePackageID" property="UsmtRestorePackageID">CM100005</variable><variable ' +
      'name="OSDMigrateLocalAccounts" property="LocalAccounts">true</variable><variable ' +
      'name="OSDMigrateLocalAccountPassword" property="LocalAccountPassword" ' +
      'hidden="true">Temp0rary!</variable></defaultVarList></step>',
  );
  // An uncompressed store (additional capture options), which Restore recognises by itself.
  const c = await ferry(
    'run',
    capture,
    '--root',
    source,
    '--state',
    join(tmp.dir, 'sa'),
    '--package',
    pkg,
    '--var',
    `OSDStateStorePath=${store}`,
    '--var',
    'OSDMigrateAdditionalCaptureOptions=/nocompress',
  );
  assert.equal(c.status, 0, c.stdout + c.stderr);
  const r = await ferry(
    'run',
    restore,
    '--root',
    target,
    '--state',
    join(tmp.dir, 'sb'),
    '--package',
    pkg,
    '--var',
    `OSDStateStorePath=${store}`,
  );
  assert.equal(r.status, 0, r.stdout + r.stderr);
  const users = readdirSync(join(source, 'Users')).filter(
    (u) =>
      !['Public', 'Default'].includes(u) &&
      lstatSync(join(source, 'Users', u)).isDirectory() &&
      existsSync(join(source, 'Users', u, 'Documents')) &&
      filesUnder(join(source, 'Users', u, 'Documents')).length > 0,
  );
  assert.equal(users.length, 2, users.join(', '));
  for (const u of users) {
    const want = filesUnder(join(source, 'Users', u, 'Documents'));
    const got = new Set(filesUnder(join(target, 'Users', u, 'Documents')));
    for (const f of want) assert.ok(got.has(f) || [...got].some((g) => g.startsWith(f.replace(/(\.[^./]*)?$/, ''))), `${u}: ${f}`);
  }
  assert.doesNotMatch(readFileSync(join(target, 'Windows', 'CCM', 'Logs', 'smsts.log'), 'utf8'), /Temp0rary!/);
});
