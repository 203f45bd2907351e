// `ferry agent` against a real site: registration, a required deployment run through the task
// sequence engine (Restart Computer resumed, disabled and condition-false steps skipped), the
// agent killed in the middle of a step and resuming when started again, `ferry agent run` for an
// available deployment, and a revoked credential. The polling agent runs as a real process (it
// is killed, and stops itself when revoked); the commands that return (`--once`, `agent run`)
// run in-process through runFerry, as the same `cli()` with their own output.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { call, signIn, startSite } from './site-helpers.ts';
import { newGroup, newSequence, newStep } from '../src/server/index.ts';
import { runFerry } from '../src/cli/testing.ts';

const MAIN = fileURLToPath(new URL('../src/cli/main.ts', import.meta.url));

function ferry(args: string[]): { child: ChildProcess; output: () => string; exit: Promise<number> } {
  const child = spawn(process.execPath, [MAIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exit = new Promise<number>((done) => child.once('exit', (code) => done(code ?? 1)));
  return { child, output: () => out, exit };
}

async function until<T>(what: string, f: () => Promise<T | undefined>, ms = 30_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

test('agent: runs a deployment with restart, resumes after being killed, runs on request, refuses when revoked until reset', {
  timeout: 120_000,
}, async () => {
  const s = await startSite();
  const work = mkdtempSync(join(tmpdir(), 'ferry-agent-'));
  const running: ChildProcess[] = [];
  try {
    const session = await signIn(s);
    const root = join(work, 'vol');
    mkdirSync(join(root, 'Windows'), { recursive: true });
    const state = join(work, 'agent');
    const agentArgs = ['agent', '--site', s.url, '--root', root, '--name', 'PC1', '--state', state, '--poll', '0.5'];

    // Register once with the enrollment token; the credential is kept in the state folder.
    const first = await runFerry([...agentArgs, '--enroll', s.site.enrollToken, '--once']);
    assert.equal(first.code, 0, first.stdout + first.stderr);
    const pc = (await call(s, session, 'GET', '/api/computers')).body.find((c: any) => c.name === 'PC1');
    assert.ok(pc, 'PC1 registered');

    const setVar = (name: string, value: string) =>
      Object.assign(newStep('SMS_TaskSequence_SetVariableAction', { VariableName: name, VariableValue: value }), { name: `Set ${name}` });
    const sleep = Object.assign(newStep('SMS_TaskSequence_RunCommandLineAction', { CommandLine: 'sleep 3' }), { name: 'Wait a moment' });
    const disabled = Object.assign(setVar('Never', '1'), { disabled: true });
    const conditional = Object.assign(setVar('OnlyOnOthers', '1'), {
      condition: {
        kind: 'operator' as const,
        operator: 'and' as const,
        operands: [{ kind: 'variable' as const, variable: '_SMSTSMachineName', operator: 'equals' as const, value: 'OTHER' }],
      },
    });
    const sequence = newSequence([
      newGroup('Prepare', [
        setVar('Greeting', 'hello'),
        sleep,
        newStep('SMS_TaskSequence_RebootAction'),
        disabled,
        conditional,
        setVar('After', '%Greeting%'),
      ]),
    ]);
    const ts = (await call(s, session, 'POST', '/api/task-sequences', { name: 'Agent test', sequence })).body;
    assert.ok(ts.id, JSON.stringify(ts));
    const col = (await call(s, session, 'POST', '/api/collections', { name: 'PC1 only', members: [pc.id] })).body;
    const required = (
      await call(s, session, 'POST', '/api/deployments', { taskSequenceId: ts.id, collectionId: col.id, purpose: 'required' })
    ).body;
    const messages = async (dep: string) =>
      (await call(s, session, 'GET', `/api/deployments/${dep}/computers/${encodeURIComponent(pc.id)}/messages`)).body as any[];

    // The agent starts the run; it is killed while the command line step runs.
    const a1 = ferry(agentArgs);
    running.push(a1.child);
    await until('the first step', async () =>
      (await messages(required.id)).some((m) => m.actionName === 'Set Greeting') ? true : undefined,
    );
    a1.child.kill('SIGTERM');
    await a1.exit;
    assert.equal((await call(s, session, 'GET', `/api/deployments/${required.id}/status`)).body.computers[0].category, 'In Progress');

    // Started again, it resumes the interrupted run (the killed step runs again) to the end.
    const a2 = ferry(agentArgs);
    running.push(a2.child);
    const finished = await until('the run to finish', async () => {
      const st = (await call(s, session, 'GET', `/api/deployments/${required.id}/status`)).body.computers[0];
      return st.category === 'In Progress' || st.category === 'Unknown' ? undefined : st;
    });
    assert.equal(finished.category, 'Success', a2.output());
    assert.match(a2.output(), /Resuming deployment/);
    assert.match(a2.output(), /restarting into the installed OS and resuming/);
    const ms = await messages(required.id);
    assert.equal(ms.filter((m) => m.messageId === 11140).length, 1, 'started once');
    assert.equal(ms.at(-1).messageId, 11143);
    const done = (name: string) => ms.find((m) => m.actionName === name && m.messageId === 11134);
    for (const name of ['Set Greeting', 'Wait a moment', 'Restart Computer', 'Set After']) assert.ok(done(name), `${name} completed`);
    assert.equal(done('Set After').groupName, 'Prepare');
    assert.equal(done('Set After').step, 5);
    assert.equal(ms.find((m) => m.actionName === 'Set Never').messageId, 11128, 'disabled step skipped');
    assert.equal(ms.find((m) => m.actionName === 'Set OnlyOnOthers').messageId, 11130, 'condition false');
    a2.child.kill('SIGTERM');
    await a2.exit;

    // An available deployment runs only when asked: `ferry agent run <deployment>`.
    const available = (
      await call(s, session, 'POST', '/api/deployments', { taskSequenceId: ts.id, collectionId: col.id, purpose: 'available' })
    ).body;
    const once = await runFerry([...agentArgs, '--once']);
    assert.equal(once.code, 0, once.stdout + once.stderr);
    assert.equal((await messages(available.id)).length, 0, 'available deployments do not start by themselves');
    const runNow = await runFerry(['agent', 'run', available.id, '--state', state]);
    assert.equal(runNow.code, 0, runNow.stdout + runNow.stderr);
    assert.equal((await call(s, session, 'GET', '/api/deployments')).body.find((d: any) => d.id === available.id).counts.Success, 1);

    // A revoked credential is refused with a coded error; the agent stops.
    await call(s, session, 'POST', `/api/computers/${encodeURIComponent(pc.id)}/revoke`);
    const revoked = ferry(agentArgs);
    running.push(revoked.child);
    assert.equal(await revoked.exit, 1);
    assert.match(revoked.output(), /FERRY_E_AGENT_REVOKED/);
    // The site's shared enrollment token does not undo a revocation …
    const shared = await runFerry([...agentArgs, '--enroll', s.site.enrollToken, '--once']);
    assert.equal(shared.code, 1);
    assert.match(shared.stdout + shared.stderr, /FERRY_E_AGENT_ALREADY_REGISTERED/);
    // … the administrator's reset does: its one-time token registers the same computer again.
    const reset = (await call(s, session, 'POST', `/api/computers/${encodeURIComponent(pc.id)}/reset`)).body;
    const again = await runFerry([...agentArgs, '--enroll', reset.enrollToken, '--once']);
    assert.equal(again.code, 0, again.stdout + again.stderr);
    assert.match(again.stdout + again.stderr, /registering again/);
    const after = (await call(s, session, 'GET', '/api/computers')).body.find((c: any) => c.name === 'PC1');
    assert.equal(after.id, pc.id);
    assert.equal(after.revoked, false);
  } finally {
    for (const c of running) if (c.exitCode === null) c.kill('SIGKILL');
    await s.close();
    rmSync(work, { recursive: true, force: true });
  }
});
