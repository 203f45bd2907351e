import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { runFerry, runUsmtUtils } from './testing.ts';

const base = mkdtempSync(join(tmpdir(), 'ferry-inprocess-'));
after(() => rmSync(base, { recursive: true, force: true }));

test('in-process runs at once keep their own output and working folder', async () => {
  const [a, b, version, unknown] = await Promise.all([
    runUsmtUtils(['/verify', 'rel/USMT.MIG'], { cwd: join(base, 'a') }),
    runUsmtUtils(['/verify', 'rel/USMT.MIG'], { cwd: join(base, 'b') }),
    runFerry(['--version']),
    runFerry(['no-such-command']),
  ]);
  assert.equal(a.code, 27);
  assert.match(a.stderr, new RegExp(`FERRY_E_STORE_NOT_FOUND: .*${join(base, 'a', 'rel')}`));
  assert.doesNotMatch(a.stderr, /\/b\//);
  assert.match(b.stderr, new RegExp(`${join(base, 'b', 'rel')}`));
  assert.equal(version.code, 0);
  assert.match(version.stdout, /^ferry \d+\.\d+\.\d+\n$/);
  assert.equal(version.stderr, '');
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /unknown command "no-such-command"/);
  assert.equal(unknown.stdout, '');
});

test("commander's help and usage errors go to the command's own output", async () => {
  const help = await runFerry(['ts', '--help']);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /^Usage: ferry ts /);
  const usage = await runFerry(['ts', 'show']);
  assert.equal(usage.code, 2);
  assert.match(usage.stderr, /missing required argument 'file'/);
});

test('servers and a working folder a command would not honour are refused', async () => {
  await assert.rejects(runFerry(['smp', 'serve']), /serves until stopped/);
  await assert.rejects(runFerry(['serve']), /serves until stopped/);
  await assert.rejects(runFerry(['agent', '--site', 'http://127.0.0.1:9', '--root', base, '--name', 'PC']), /serves until stopped/);
  await assert.rejects(runFerry(['ts', 'show', 'x.xml'], { cwd: base }), /pass absolute paths/);
});

test("commander's environment options come from the command's own environment", async () => {
  const args = ['smp', 'recover-key', '--store', 'st_1', '--slot', 'not-a-slot'];
  delete process.env.FERRY_SMP_RECOVERY_KEY;
  // Only the command's environment has the key: commander takes it (the slot is what fails).
  const given = await runFerry(args, { env: { FERRY_SMP_RECOVERY_KEY: 'frk_from_the_command' } });
  assert.equal(given.code, 1, given.stderr);
  assert.match(given.stderr, /^FERRY_E_/);
  // Only the process has it: the command, whose environment removed it, does not see it.
  process.env.FERRY_SMP_RECOVERY_KEY = 'frk_from_the_process';
  try {
    const removed = await runFerry(args, { env: { FERRY_SMP_RECOVERY_KEY: undefined } });
    assert.equal(removed.code, 2);
    assert.match(removed.stderr, /required option '--recovery-key <key>' not specified/);
    const flag = await runFerry([...args, '--recovery-key', 'frk_flag'], { env: { FERRY_SMP_RECOVERY_KEY: undefined } });
    assert.equal(flag.code, 1, flag.stderr);
  } finally {
    delete process.env.FERRY_SMP_RECOVERY_KEY;
  }
});
