// `ferry smp` as an administrator and two computers use it: serve, folders, enrollment,
// register, association, request / upload / release on the source, request / download /
// release on the destination, recovery, renewal, revocation and reset. The servers are `ferry smp
// serve` processes; the client and admin commands run in-process (src/cli/testing.ts), except the
// one whose point is the process's trust store (NODE_EXTRA_CA_CERTS is read at start-up).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { runFerry } from '../src/cli/testing.ts';
import { makeStore, ROOT, spawnSmp, treeHashes } from './smp-helpers.ts';

const run = promisify(execFile);

const ferry = (args: string[], env: Record<string, string> = {}) => runFerry(['smp', ...args], { env });

async function ferryProcess(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await run(process.execPath, [join(ROOT, 'src/cli/main.ts'), 'smp', ...args], { cwd: ROOT, env: { ...process.env, ...env } });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

const kv = (out: string): Record<string, string> =>
  Object.fromEntries(
    out
      .trim()
      .split('\n')
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );

test('ferry smp: the replace scenario from the command line', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ferry-smp-cli-'));
  const smp = await spawnSmp(['--data', join(dir, 'data'), '--port', '0', '--no-verify-stores']);
  t.after(async () => {
    await smp.kill();
    rmSync(dir, { recursive: true, force: true });
  });
  const admin = { FERRY_SMP_ADMIN_TOKEN: smp.adminToken as string };
  const S = ['--server', smp.url];
  assert.equal((await ferry(['folder', 'add', join(dir, 'sf'), ...S, '--min-free', '1', '--unit', 'Megabyte'], admin)).code, 0);
  const enroll = JSON.parse((await ferry(['enrollment', 'create', ...S, '--uses', '2'], admin)).stdout) as { token: string };
  const regA = kv((await ferry(['register', ...S, '--enrollment-token', enroll.token, '--computer', 'OLDPC'])).stdout);
  const regB = kv((await ferry(['register', ...S, '--enrollment-token', enroll.token, '--computer', 'NEWPC'])).stdout);
  assert.match(regA.credential ?? '', /^fc_/);
  assert.equal((await ferry(['association', 'add', 'OLDPC', 'NEWPC', ...S, '--behavior', '1', '--user', 'CORP\\alice'], admin)).code, 0);

  const A = [...S, '--computer', 'OLDPC', '--credential', regA.credential as string, '--retry-count', '0'];
  const grant = kv((await ferry(['request', '--capture', ...A])).stdout);
  assert.match(grant.OSDStateStorePath ?? '', new RegExp(`^${smp.url}/stores/`));
  assert.equal(grant.users, 'all');
  const store = join(dir, 'store');
  makeStore(store);
  assert.equal((await ferry(['upload', ...A, '--store', store, '--location', grant.OSDStateStorePath as string])).code, 0);
  assert.equal((await ferry(['release', '--capture', ...A, '--location', grant.OSDStateStorePath as string])).code, 0);

  const B = [...S, '--computer', 'NEWPC', '--credential', regB.credential as string, '--retry-count', '0'];
  const rg = kv((await ferry(['request', '--restore', ...B])).stdout);
  assert.equal(rg.OSDStateStoreKey, grant.OSDStateStoreKey);
  assert.equal(rg.users, '["CORP\\\\alice"]');
  const out = join(dir, 'out');
  assert.equal((await ferry(['download', ...B, '--location', rg.OSDStateStorePath as string, '--dest', out])).code, 0);
  assert.deepEqual(treeHashes(out), treeHashes(store));
  const released = JSON.parse(
    (await ferry(['release', '--restore', ...B, '--location', rg.OSDStateStorePath as string, '--store', out, '--json'])).stdout,
  ) as { status: string };
  assert.equal(released.status, 'released');

  const recovery = JSON.parse((await ferry(['recovery', grant.storeId as string, ...S], admin)).stdout) as {
    key: string;
    recoverySlot: string;
  };
  assert.equal(recovery.key, grant.OSDStateStoreKey);
  const opened = JSON.parse(
    (
      await ferry(['recover-key', '--store', grant.storeId as string, '--slot', recovery.recoverySlot], {
        FERRY_SMP_RECOVERY_KEY: smp.recoveryKey as string,
      })
    ).stdout,
  ) as { key: string };
  assert.equal(opened.key, grant.OSDStateStoreKey);

  // Faults are coded on the command line too.
  const denied = await ferry(['request', '--capture', ...S, '--computer', 'OLDPC', '--credential', 'fc_x.y', '--retry-count', '0']);
  assert.equal(denied.code, 1);
  assert.match(denied.stderr, /FERRY_E_SMP_UNAUTHORIZED/);
  const noAdmin = await ferry(['folder', 'list', ...S], { FERRY_SMP_ADMIN_TOKEN: 'fa_wrong' });
  assert.match(noAdmin.stderr, /FERRY_E_SMP_UNAUTHORIZED/);
  const both = await ferry(['request', '--capture', '--restore', ...A]);
  assert.match(both.stderr, /FERRY_E_INVALID_ARGUMENT/);

  // Re-registration: a plain token cannot take NEWPC over; its current credential renews it; once
  // revoked, only a token bound to it registers it again.
  const plain = JSON.parse((await ferry(['enrollment', 'create', ...S], admin)).stdout) as { token: string };
  const takeover = await ferry(['register', ...S, '--enrollment-token', plain.token, '--computer', 'NEWPC']);
  assert.equal(takeover.code, 1);
  assert.match(takeover.stderr, /FERRY_E_SMP_COMPUTER_REGISTERED/);
  const renewed = kv((await ferry(['register', ...S, '--current-credential', regB.credential as string, '--computer', 'NEWPC'])).stdout);
  assert.match(renewed.credential ?? '', /^fc_/);
  assert.equal((await ferry(['computer', 'revoke', 'NEWPC', ...S], admin)).code, 0);
  const bound = JSON.parse((await ferry(['enrollment', 'create', ...S, '--computer', 'NEWPC'], admin)).stdout) as {
    token: string;
    computer: string;
  };
  assert.equal(bound.computer, 'NEWPC');
  const reset = kv((await ferry(['register', ...S, '--enrollment-token', bound.token, '--computer', 'NEWPC'])).stdout);
  assert.equal(reset.computerId, regB.computerId);
});

test('ferry smp serve over HTTPS: clients that trust the certificate get in, others are refused', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ferry-smp-tls-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const [key, cert] = [join(dir, 'key.pem'), join(dir, 'cert.pem')];
  try {
    await run('openssl', [
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
    ]);
  } catch (err) {
    return t.skip(`openssl cannot make a test certificate: ${(err as Error).message}`);
  }
  const smp = await spawnSmp(['--data', join(dir, 'data'), '--port', '0', '--tls-cert', cert, '--tls-key', key]);
  t.after(() => smp.kill());
  assert.match(smp.url, /^https:\/\/127\.0\.0\.1:/);
  const admin = { FERRY_SMP_ADMIN_TOKEN: smp.adminToken as string };
  const trusted = await ferryProcess(['folder', 'list', '--server', smp.url], { ...admin, NODE_EXTRA_CA_CERTS: cert });
  assert.equal(trusted.code, 0, trusted.stderr);
  const untrusted = await ferry(['folder', 'list', '--server', smp.url], admin);
  assert.match(untrusted.stderr, /FERRY_E_SMP_UNREACHABLE/);
});
