import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FerryError } from '../errors/index.ts';
import { openTargetVolume } from '../volume/index.ts';
import { generateVolume, type GeneratedVolume } from '../volume/testing.ts';
import { AccountPlanRecorder, type AccountPlan } from './index.ts';

let gen: GeneratedVolume;
before(() => {
  gen = generateVolume({ users: 1 });
});
after(() => gen.cleanup());

test('writes Windows\\Ferry\\accounts-plan.json without the password, and merges a second run', async () => {
  const target = await openTargetVolume(gen.windowsDir);
  const first = new AccountPlanRecorder(target);
  first.add({
    userName: 'alice',
    enabled: false,
    passwordProvided: true,
    profilePath: 'C:\\Users\\alice',
    sourceDomain: 'OLDPC',
    sourceSid: 'S-1-5-21-1-2-3-1001',
  });
  first.add({ userName: 'bob', enabled: false, passwordProvided: false });
  first.setProfileSid('Alice', 'S-1-5-21-7-8-9-1003');
  first.setProfileSid('nobody', 'S-1-5-21-7-8-9-1004');
  assert.deepEqual(
    first.accounts.map((a) => [a.userName, a.profilePath, a.profileSid]),
    [
      ['alice', 'C:\\Users\\alice', 'S-1-5-21-7-8-9-1003'],
      ['bob', undefined, undefined],
    ],
    'the SID goes to the recorded account only',
  );
  const file = await first.write();
  assert.equal((JSON.parse(readFileSync(file, 'utf8')) as AccountPlan).accounts[0]!.profileSid, 'S-1-5-21-7-8-9-1003');
  assert.equal(file, join(gen.root, 'Windows/Ferry/accounts-plan.json'));
  const second = new AccountPlanRecorder(target);
  second.add({ userName: 'ALICE', enabled: true, passwordProvided: true });
  await second.write();
  const plan = JSON.parse(readFileSync(file, 'utf8')) as AccountPlan;
  assert.equal(plan.format, 'ferry-accounts-plan');
  assert.equal(plan.version, 1);
  assert.deepEqual(
    plan.accounts.map((a) => [a.userName, a.enabled]),
    [
      ['ALICE', true],
      ['bob', false],
    ],
  );
  assert.ok(!readFileSync(file, 'utf8').toLowerCase().includes('"password"'), 'no password field');
  target.close();
});

test('an invalid existing plan is left alone; invalid names are refused', async () => {
  const target = await openTargetVolume(gen.windowsDir);
  const file = join(gen.root, 'Windows/Ferry/accounts-plan.json');
  writeFileSync(file, '{"not": "a plan"}');
  const r = new AccountPlanRecorder(target);
  r.add({ userName: 'carol', enabled: false, passwordProvided: false });
  await assert.rejects(r.write(), (e: FerryError) => e.code === 'FERRY_E_ACCOUNT_PLAN_INVALID');
  assert.equal(readFileSync(file, 'utf8'), '{"not": "a plan"}');
  rmSync(file);
  symlinkSync('/etc/passwd', file);
  await assert.rejects(r.write(), (e: FerryError) => e.code === 'FERRY_E_ACCOUNT_PLAN_INVALID', 'a symlink is not read through');
  rmSync(file);
  assert.throws(
    () => r.add({ userName: 'a/b', enabled: false, passwordProvided: false }),
    (e: FerryError) => e.code === 'FERRY_E_INVALID_ARGUMENT',
  );
  assert.throws(
    () => r.add({ userName: 'x'.repeat(21), enabled: false, passwordProvided: false }),
    (e: FerryError) => e.code === 'FERRY_E_INVALID_ARGUMENT',
  );
  target.close();
});
