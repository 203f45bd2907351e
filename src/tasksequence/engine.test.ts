import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { isFerryError } from '../errors/index.ts';
import { EventStream, type FerryEvent } from '../events/index.ts';
import { Engine, type StartOptions } from './engine.ts';
import { parseCmTrace } from './smsts-log.ts';
import { fakeSmp, recordingUsmt, tempDir } from './test-support.ts';
import { parseSequenceXml } from './xml.ts';

const tmp = tempDir('ferry-ts-engine-');
after(tmp.cleanup);
// Ferry's bundled default XML files, as the built-in USMT package finds them.
const xmlDir = join(tmp.dir, 'usmt-xml');
mkdirSync(xmlDir);
process.env.FERRY_USMT_XML_DIR = xmlDir;
let counter = 0;

/** A volume root, a state folder, a probe script that records its label/arguments and exits with a code. */
function setup() {
  const base = join(tmp.dir, String(++counter));
  const root = join(base, 'vol');
  mkdirSync(join(root, 'Windows', 'System32'), { recursive: true });
  const record = join(base, 'record.jsonl');
  const probe = join(base, 'probe.mjs');
  writeFileSync(
    probe,
    `import { appendFileSync } from 'node:fs';
const [log, label, code, ...rest] = process.argv.slice(2);
appendFileSync(log, JSON.stringify({ label, args: rest }) + '\\n');
process.stdout.write('out:' + label + '\\n');
process.exit(Number(code));
`,
  );
  const cmd = (label: string, code = 0, extra = '') =>
    `"${process.execPath}" "${probe}" "${record}" ${label} ${code}${extra ? ` ${extra}` : ''}`;
  const ran = (): { label: string; args: string[] }[] =>
    existsSync(record)
      ? readFileSync(record, 'utf8')
          .split('\n')
          // Only whole lines: a detached command (SMSTSPostAction) may still be writing the last one.
          .slice(0, -1)
          .map((l) => JSON.parse(l) as { label: string; args: string[] })
      : [];
  return { base, root, stateDir: join(base, 'state'), cmd, ran };
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/"/g, '&quot;');
const step = (name: string, commandLine: string, attrs = '', inner = '') =>
  `<step type="SMS_TaskSequence_RunCommandLineAction" ` +
  `name="${name}" ${attrs}>${inner}<action>smsswd.exe ` +
  `/run: ${esc(commandLine)}</action><defaultVarList><variable name="CommandLine" ` +
  `property="CommandLine" hidden="true">${esc(commandLine)}</variable></defaultVarList></step>`;
const setVar = (name: string, value: string, attrs = '', inner = '') =>
  `<step type="SMS_TaskSequence_SetVariableAction" ` +
  `name="Set ${name}" ${attrs}>${inner}<action>tsenv.exe ` +
  `"${esc(name)}=${esc(value)}"</action></step>`;
const reboot = (target = 'HD') =>
  `<step type="SMS_TaskSequence_RebootAction" name="Restart Computer"><action>smsboot.exe /target:${target}</action></step>`;
const varCond = (variable: string, operator: string, value?: string) =>
  `<condition><expression type="SMS_TaskSequence_VariableConditionExpression"><variable ` +
  `name="Variable">${variable}</variable><variable ` +
  (`name="Operator">${operator}</variable>${value === undefined ? '' : `<variable name="Value">${esc(value)}</variable>`}` +
    `</expression></condition>`);
const seqOf = (...children: string[]) => parseSequenceXml(`<sequence version="3.10">${children.join('')}</sequence>`);

async function start(s: ReturnType<typeof setup>, xml: ReturnType<typeof seqOf>, extra: Partial<StartOptions> = {}) {
  return Engine.start({ sequence: xml, computer: { root: s.root, name: 'PC01' }, stateDir: s.stateDir, usmt: recordingUsmt(), ...extra });
}

test('group failure semantics: the planning-doc worked example', async () => {
  const s = setup();
  const seq = seqOf(
    `<group name="Group1" ` +
      (`continueOnError="true">${step('Step1', s.cmd('S1', 1), 'continueOnError="true" successCodeList="0"')}` +
        `${step('Step2', s.cmd('S2', 1), 'successCodeList="0"')}${step('Step3', s.cmd('S3'))}</group>`),
    `<group ` +
      (`name="Group2">${step('Step4', s.cmd('S4', 1), 'successCodeList="0"')}${step('Step5', s.cmd('S5'))}${step('Step6', s.cmd('S6'))}` +
        `</group>`),
    step('After', s.cmd('AFTER')),
  );
  const engine = await start(s, seq);
  const r = await engine.run();
  assert.equal(r.status, 'failed');
  assert.deepEqual(
    s.ran().map((x) => x.label),
    ['S1', 'S2', 'S4'],
  );
  assert.equal(r.failedStep?.name, 'Step4');
  assert.equal(r.failedStep?.exitCode, 1);
  assert.equal(engine.variables()._SMSTSLastActionSucceeded, 'false');
  assert.equal(engine.variables()._SMSTSLastActionRetCode, '1');
  assert.equal(engine.state.status, 'failed');
});

test('success codes, conditions, skips that keep _SMSTSLastAction*, Set Task Sequence Variable, action variables', async () => {
  const s = setup();
  const seq = seqOf(
    step('Exit 3010 is success', s.cmd('A', 5), 'successCodeList="0 5"'),
    setVar('Colour', 'blue'),
    setVar('Greeting', 'hello %Colour% %Undefined%'),
    step('Runs when blue', s.cmd('B', 0, '%Greeting%'), '', varCond('Colour', 'equals', 'BLUE')),
    step('Fails, continue', s.cmd('C', 7), 'continueOnError="true" successCodeList="0"'),
    step('Skipped (disabled)', s.cmd('D'), 'disable="true"'),
    step('Skipped (condition)', s.cmd('E'), '', varCond('Colour', 'notEquals', 'blue')),
    step('Sees the failure', s.cmd('F', 0, '%_SMSTSLastActionRetCode%'), '', varCond('_SMSTSLastActionSucceeded', 'equals', 'false')),
    step('Like', s.cmd('G'), '', varCond('Greeting', 'like', 'hello b*')),
    step('Exists', s.cmd('H'), '', varCond('Nope', 'notExists')),
  );
  const events = new EventStream();
  const seen = events.record();
  const engine = await start(s, seq, { events, variables: { deployment: { CommandLine: 'user value' } } });
  const r = await engine.run();
  assert.equal(r.status, 'succeeded');
  const ran = s.ran();
  assert.deepEqual(
    ran.map((x) => x.label),
    ['A', 'B', 'C', 'F', 'G', 'H'],
  );
  assert.deepEqual(ran[1]!.args, ['hello blue %Undefined%']);
  assert.deepEqual(ran[3]!.args, ['7'], 'skipped steps did not change _SMSTSLastActionRetCode');
  const vars = engine.variables();
  assert.equal(vars.Colour, 'blue');
  assert.equal(vars.CommandLine, 'user value', 'a value set before wins over the step default and stays');
  assert.equal(vars.SMSTSRunCommandLineOutputVariableName, undefined, 'step defaults are removed after the step');
  const steps = seen.filter((e): e is Extract<FerryEvent, { type: 'step' }> => e.type === 'step');
  assert.deepEqual(
    steps.filter((e) => e.status === 'skipped').map((e) => e.step),
    ['Skipped (disabled)', 'Skipped (condition)'],
  );
  assert.ok(steps.some((e) => e.status === 'end' && e.step === 'Fails, continue' && e.ok === false && e.exitCode === 7));
});

test('variable values with shell metacharacters stay one argument; nothing is injected', async () => {
  const s = setup();
  const pwned = join(s.base, 'pwned');
  const hostile = `x" & touch ${pwned} & "; $(touch ${pwned}) \`touch ${pwned}\` | rm -rf / ; 'q'`;
  const seq = seqOf(step('Quoted', s.cmd('Q', 0, '"%Evil%" %Evil%')));
  const engine = await start(s, seq, { variables: { deployment: { Evil: hostile } } });
  assert.equal((await engine.run()).status, 'succeeded');
  assert.deepEqual(s.ran()[0]!.args, [hostile, hostile]);
  assert.equal(existsSync(pwned), false);
});

test('Output to task sequence variable keeps the command output', async () => {
  const s = setup();
  const seq = seqOf(
    step('Out', s.cmd('O'), '', '').replace(
      '</defaultVarList>',
      '<variable name="SMSTSRunCommandLineOutputVariableName" property="OutputVariableName">CapturedOut</variable></defaultVarList>',
    ),
  );
  const engine = await start(s, seq);
  await engine.run();
  assert.equal(engine.variables().CapturedOut, 'out:O\n');
});

test(
  'Restart Computer persists the state and resume continues at the next ' + 'step; a restart into Windows PE is skipped for this platform',
  async () => {
    const s = setup();
    // Linux exit codes stop at 255, so the 3010 comes from the USMT tool double (usmtutils).
    const seq = seqOf(
      step('Before', s.cmd('BEFORE')),
      setVar('Kept', 'yes'),
      reboot('WinPE'),
      step('After', s.cmd('AFTER'), 'runIn="WinPE"'),
      reboot('HD'),
      step('Exit 3010', 'usmtutils.exe /ec'),
      step('Last', s.cmd('LAST')),
    );
    const usmt = recordingUsmt({ usmtutils: [3010] });
    const first = await start(s, seq, { usmt });
    const r1 = await first.run();
    assert.equal(r1.status, 'restart');
    assert.equal(r1.restartInto, 'HD');
    assert.deepEqual(
      s.ran().map((x) => x.label),
      ['BEFORE', 'AFTER'],
      'no restart into Windows PE: the sequence continues in Windows PE',
    );
    assert.match(
      readFileSync(r1.logPath, 'utf8'),
      /The step \(Restart Computer\) is skipped because there is no boot image .*skipped for this platform/,
    );
    assert.ok(r1.logPath.includes(join('_SMSTaskSequence', 'Logs', 'Smstslog')), 'in Windows PE the log is in the working folder');
    await assert.rejects(start(s, seq), (err: unknown) => isFerryError(err, 'FERRY_E_TS_IN_PROGRESS'));
    const second = await Engine.resume(s.stateDir, { usmt });
    assert.equal(second.variables()._SMSTSInWinPE, 'false');
    assert.equal(second.variables().Kept, 'yes');
    const r2 = await second.run();
    assert.equal(r2.status, 'restart', 'exit code 3010 asks for a restart');
    assert.equal(r2.restartInto, 'HD');
    const third = await Engine.resume(s.stateDir, { usmt: recordingUsmt() });
    assert.equal((await third.run()).status, 'succeeded');
    assert.deepEqual(
      s.ran().map((x) => x.label),
      ['BEFORE', 'AFTER', 'LAST'],
    );
    assert.deepEqual(
      usmt.calls.map((c) => c.args),
      [['/ec']],
    );
    assert.equal(third.state.restarts, 2);
    await assert.rejects(Engine.resume(s.stateDir), (err: unknown) => isFerryError(err, 'FERRY_E_TS_ALREADY_FINISHED'));
  },
);

test('SMSTSRebootRequested + SMSTSRetryRequested rerun the same step after the restart', async () => {
  const s = setup();
  const flag = join(s.base, 'flag');
  const runs = join(s.base, 'runs');
  const script = join(s.base, 'once.mjs');
  // First run asks for a restart (prints HD into SMSTSRebootRequested), the rerun does not.
  writeFileSync(
    script,
    `import { existsSync, writeFileSync, appendFileSync } from 'node:fs';\nappendFileSync(${JSON.stringify(runs)}, 'x');\nif ` +
      `(!existsSync(${JSON.stringify(flag)})) { writeFileSync(${JSON.stringify(flag)}, '1'); process.stdout.write('HD'); }\n`,
  );
  const once = step('Once', `"${process.execPath}" "${script}"`).replace(
    '</defaultVarList>',
    '<variable name="SMSTSRunCommandLineOutputVariableName" property="OutputVariableName">SMSTSRebootRequested</variable></defaultVarList>',
  );
  const seq = seqOf(setVar('SMSTSRetryRequested', 'true'), once, step('Next', s.cmd('NEXT')));
  const r1 = await (await start(s, seq)).run();
  assert.equal(r1.status, 'restart');
  const r2 = await (await Engine.resume(s.stateDir)).run();
  assert.equal(r2.status, 'succeeded');
  assert.equal(readFileSync(runs, 'utf8'), 'xx', 'the step ran again after the restart');
  assert.deepEqual(
    s.ran().map((x) => x.label),
    ['NEXT'],
  );
});

test('unsupported step types refuse the run; hardware-only steps are skipped for this platform; wrong environment fails', async () => {
  const s = setup();
  const unsupported = seqOf(
    '<step type="SMS_TaskSequence_InstallSoftwareUpdateAction" name="Updates" continueOnError="true"><action>smsswd.exe</action></step>',
  );
  await assert.rejects(
    start(setup(), unsupported),
    (err: unknown) => isFerryError(err, 'FERRY_E_TS_SEQUENCE_INVALID') && /FERRY_E_TS_STEP_UNSUPPORTED/.test(err.message),
  );
  const seq = seqOf(
    '<step type="SMS_TaskSequence_PartitionDiskAction" name="Format and Partition Disk"><action>osddiskpart.exe</action></step>',
    step('PE only', s.cmd('PE'), 'runIn="WinPE"'),
  );
  const stream = new EventStream();
  const events: FerryEvent[] = stream.record();
  const engine = await start(s, seq, { events: stream });
  const r = await engine.run();
  assert.equal(r.status, 'failed');
  assert.equal(r.failedStep?.name, 'PE only');
  assert.equal(engine.state.nodes['0']?.outcome, 'skipped');
  assert.ok(events.some((e) => e.type === 'step' && e.status === 'skipped' && e.reason === 'platform'));
  const log = readFileSync(r.logPath, 'utf8');
  assert.match(log, /The step \(Format and Partition Disk\) is skipped because .*skipped for this platform/);
  assert.match(log, /FERRY_E_TS_STEP_WRONG_ENVIRONMENT/);

  const bad = seqOf(setVar('OSDStateStorePath', 'C:\\'));
  await assert.rejects(
    start(setup(), bad),
    (err: unknown) => isFerryError(err, 'FERRY_E_TS_SEQUENCE_INVALID') && /FERRY_E_TS_STORE_PATH_ROOT/.test(err.message),
  );
});

test('smsts.log is CMTrace, rolls over, masks secrets, and moves to CCM\\Logs at the end', async () => {
  const s = setup();
  const seq = seqOf(
    ...Array.from({ length: 12 }, (_, i) => setVar(`V${i}`, 'x'.repeat(40))),
    `<step type="SMS_TaskSequence_SetVariableAction" name="Secret"><action/><defaultVarList><variable name="VariableName" ` +
      `property="VariableName">Pw</variable><variable name="VariableValue" ` +
      `property="VariableValue">S3cretValue!</variable><variable name="DoNotShowVariableValue" ` +
      `property="DoNotShowVariableValue">true</variable></defaultVarList></step>`,
    step('Echo secret', s.cmd('S', 0, '%Pw%')),
  );
  const engine = await start(s, seq, { log: { maxBytes: 2000, maxHistory: 2 } });
  const r = await engine.run();
  assert.equal(r.status, 'succeeded');
  assert.equal(r.logPath, join(s.root, 'Windows', 'CCM', 'Logs', 'smsts.log'));
  const dir = join(s.root, 'Windows', 'CCM', 'Logs');
  const { readdirSync } = await import('node:fs');
  const rolled = readdirSync(dir).filter((f) => /^smsts-\d{8}-\d{6}(-\d+)?\.log$/.test(f));
  assert.equal(rolled.length, 2, `rolled logs kept: ${readdirSync(dir).join(', ')}`);
  const all = [...rolled.map((f) => readFileSync(join(dir, f), 'utf8')), readFileSync(r.logPath, 'utf8')].join('');
  assert.doesNotMatch(all, /S3cretValue!/);
  const records = parseCmTrace(readFileSync(r.logPath, 'utf8'));
  assert.ok(records.length > 0);
  for (const rec of records) {
    assert.match(rec.raw.time, /^\d{2}:\d{2}:\d{2}\.\d{3}[+-]\d{3}$/);
    assert.match(rec.raw.date, /^\d{2}-\d{2}-\d{4}$/);
  }
  assert.ok(records.some((x) => x.component === 'TSManager' && /completed successfully/.test(x.message)));
  assert.equal(s.ran()[0]!.args[0], 'S3cretValue!', 'the process still gets the real value');
});

test('local refresh with hard links: ScanState/LoadState arguments, restart, clean-up after a failed restore', async () => {
  const s = setup();
  const xml = readFileSync(new URL('./examples/refresh-hardlink.xml', import.meta.url), 'utf8');
  const usmt = recordingUsmt({ loadstate: [71] });
  const first = await Engine.start({ sequence: parseSequenceXml(xml), computer: { root: s.root }, stateDir: s.stateDir, usmt });
  const r1 = await first.run();
  assert.equal(r1.status, 'restart');
  const store = join(s.root, '_SMSTaskSequence', 'UserState');
  const logDir = join(s.root, 'Windows', 'CCM', 'Logs', 'SMSTSLog');
  assert.deepEqual(usmt.calls[0]!.args, [
    store,
    `/i:${xmlDir}/MigUser.xml`,
    `/i:${xmlDir}/MigApp.xml`,
    '/o',
    '/hardlink',
    '/nocompress',
    '/efs:hardlink',
    '/c',
    `/l:${logDir}/ScanState.log`,
    `/progress:${logDir}/ScanStateProgress.log`,
    `/offlinewindir:${join(s.root, 'Windows')}`,
  ]);
  assert.equal(usmt.calls[0]!.env.USMT_WORKING_DIR, join(s.stateDir, 'usmt-work'));

  const second = await Engine.resume(s.stateDir, { usmt });
  const r2 = await second.run();
  assert.equal(r2.status, 'restart', 'the clean-up group restarts after UsmtUtils');
  assert.deepEqual(usmt.calls[1]!.args, [
    store,
    `/i:${xmlDir}/MigUser.xml`,
    `/i:${xmlDir}/MigApp.xml`,
    '/c',
    '/lac:Temp0rary!Pass',
    '/lae',
    '/hardlink',
    '/nocompress',
    `/l:${logDir}/LoadState.log`,
    `/progress:${logDir}/LoadStateProgress.log`,
    `/offlinewindir:${join(s.root, 'Windows')}`,
  ]);
  assert.deepEqual(usmt.calls[2], {
    tool: 'usmtutils',
    args: ['/rd', store, '/y'],
    cwd: s.root,
    env: { USMT_WORKING_DIR: join(s.stateDir, 'usmt-work') },
  });
  assert.equal(existsSync(store), false);
  const r3 = await (await Engine.resume(s.stateDir, { usmt })).run();
  assert.equal(r3.status, 'succeeded');
  const log = readFileSync(r3.logPath, 'utf8');
  assert.doesNotMatch(log, /Temp0rary!Pass/);
  assert.match(log, /\/lac:\*\*\*\*\*\*\*\*/);
  // A step failed (the restore, with continue on error): the working folder is kept.
  assert.match(log, /A step failed during the sequence/);
  assert.ok(existsSync(join(s.stateDir, 'usmt-work')));
});

test(
  'a successful refresh in the default working folder removes the store ' + 'and C:\\_SMSTaskSequence; a capture nobody restored is kept',
  async () => {
    const s = setup();
    const xml = readFileSync(new URL('./examples/refresh-hardlink.xml', import.meta.url), 'utf8');
    const usmt = recordingUsmt();
    const work = join(s.root, '_SMSTaskSequence');
    const r1 = await (await Engine.start({ sequence: parseSequenceXml(xml), computer: { root: s.root }, usmt })).run();
    assert.equal(r1.status, 'restart');
    assert.equal(usmt.calls[0]!.args[0], join(work, 'UserState'));
    assert.equal((await (await Engine.resume(work, { usmt })).run()).status, 'succeeded');
    assert.equal(existsSync(work), false, 'C:\\_SMSTaskSequence is gone');
    assert.ok(existsSync(join(s.root, 'Windows', 'CCM', 'Logs', 'smsts.log')));

    // Capture only: the store waits for its restore.
    const t = setup();
    const capture = parseSequenceXml(xml);
    capture.children = capture.children.slice(0, 1);
    const r = await (await Engine.start({ sequence: capture, computer: { root: t.root }, usmt: recordingUsmt() })).run();
    assert.equal(r.status, 'succeeded');
    assert.ok(existsSync(join(t.root, '_SMSTaskSequence', 'UserState')), 'the captured store is kept');
    assert.match(readFileSync(join(t.root, 'Windows', 'CCM', 'Logs', 'smsts.log'), 'utf8'), /is kept: nothing has restored it yet/);
  },
);

test('ScanState 3 with continue-if-locked is success with a warning; without it the step fails', async () => {
  const s = setup();
  const cap = (cont: boolean) =>
    `<step type="SMS_TaskSequence_CaptureUserStateAction" name="Capture ${cont}" ` +
    `continueOnError="true"><action/><defaultVarList><variable name="_OSDMigrateUsmtPackageID" ` +
    `property="UsmtPackageID">CM1</variable><variable name="OSDMigrateContinueOnLockedFiles" ` +
    `property="ContinueOnLockedFiles">${cont}</variable></defaultVarList></step>`;
  const usmt = recordingUsmt({ scanstate: [3, 3] });
  const events = new EventStream();
  const seen = events.record();
  const engine = await start(s, seqOf(setVar('OSDStateStorePath', 'C:\\Store'), cap(true), cap(false)), { usmt, events });
  await engine.run();
  const ends = seen.filter((e): e is Extract<FerryEvent, { type: 'step' }> => e.type === 'step' && e.status === 'end');
  assert.deepEqual(
    ends.slice(1).map((e) => [e.ok, e.exitCode]),
    [
      [true, 3],
      [false, 3],
    ],
  );
  assert.ok(seen.some((e) => e.type === 'warning' && e.code === 'FERRY_W_USMT_ERRORS_SKIPPED'));
  assert.ok(!usmt.calls[1]!.args.includes('/c'));
});

test('Request/Release State Store: no SMP and no local store fails clearly; a failed step before Release is refused', async () => {
  const s = setup();
  const req = '<step type="SMS_TaskSequence_RequestStateStoreAction" name="Request"><action>osdsmpclient.exe /capture</action></step>';
  const rel = '<step type="SMS_TaskSequence_ReleaseStateStoreAction" name="Release"><action>osdsmpclient.exe /release</action></step>';
  const r = await (await start(s, seqOf(req, rel))).run();
  assert.equal(r.status, 'failed');
  assert.match(readFileSync(r.logPath, 'utf8'), /FERRY_E_TS_NO_STATE_MIGRATION_POINT/);

  const s2 = setup();
  const r2 = await (
    await start(
      s2,
      seqOf(
        setVar('OSDStateStorePath', 'C:\\Local'),
        req,
        step('Fails', s2.cmd('X', 1), 'continueOnError="true" successCodeList="0"'),
        rel,
      ),
    )
  ).run();
  assert.equal(r2.status, 'failed');
  assert.equal(r2.failedStep?.name, 'Release');
  assert.match(readFileSync(r2.logPath, 'utf8'), /FERRY_E_TS_RELEASE_AFTER_FAILED_STEP/);
});

test(
  'replace through a state migration point: grant, ' + 'encrypted capture, upload, release; download, ' + 'decrypt, release with report',
  async () => {
    const s = setup();
    const smp = fakeSmp(join(s.base, 'smp'));
    const usmt = recordingUsmt();
    const capXml = readFileSync(new URL('./examples/replace-capture-smp.xml', import.meta.url), 'utf8');
    const r1 = await (
      await Engine.start({
        sequence: parseSequenceXml(capXml),
        computer: { root: s.root, name: 'OLDPC' },
        stateDir: s.stateDir,
        usmt,
        smp: smp.factory,
      })
    ).run();
    assert.equal(r1.status, 'succeeded');
    const scan = usmt.calls[0]!.args;
    assert.equal(scan[0], join(s.stateDir, 'smp', 'store1', 'capture'));
    assert.ok(scan.includes('/encrypt:AES_256') && scan.includes('/key:a2V5LWZvci10ZXN0cw==') && scan.includes('/v:5'));
    assert.deepEqual(smp.log, [
      'client retry=3 delay=10 naa=false',
      'requestCapture',
      'client retry=3 delay=10 naa=false',
      'upload http://smp.test/stores/store1',
      'client retry=3 delay=10 naa=false',
      'release capture http://smp.test/stores/store1',
    ]);
    assert.doesNotMatch(readFileSync(r1.logPath, 'utf8'), /a2V5LWZvci10ZXN0cw==/);

    const d = setup();
    const resXml = readFileSync(new URL('./examples/replace-restore-smp.xml', import.meta.url), 'utf8');
    smp.log.length = 0;
    const r2 = await (
      await Engine.start({
        sequence: parseSequenceXml(resXml),
        computer: { root: d.root, name: 'NEWPC' },
        stateDir: d.stateDir,
        usmt,
        smp: smp.factory,
      })
    ).run();
    assert.equal(r2.status, 'succeeded');
    const load = usmt.calls[1]!.args;
    assert.equal(load[0], join(d.stateDir, 'smp', 'store1', 'restore'));
    assert.ok(load.includes('/decrypt:AES_256') && load.includes('/key:a2V5LWZvci10ZXN0cw==') && !load.includes('/nocompress'));
    assert.equal(smp.log.at(-1), 'release restore http://smp.test/stores/store1 verified=true digest=digest-store1');
    assert.match(smp.log[0]!, /naa=true/);
  },
);

test('SMSTSPostAction starts after the sequence ends, without waiting for it', async () => {
  const s = setup();
  const seq = seqOf(setVar('SMSTSPostAction', s.cmd('POST', 0, '%_SMSTSMachineName%')));
  const r = await (await start(s, seq)).run();
  assert.equal(r.status, 'succeeded');
  const until = Date.now() + 10_000;
  while (s.ran().length === 0 && Date.now() < until) await new Promise((res) => setTimeout(res, 50));
  assert.deepEqual(s.ran(), [{ label: 'POST', args: ['PC01'] }]);
  assert.match(readFileSync(r.logPath, 'utf8'), /Starting the post action/);
});

test(
  'Run Command Line: time-out stops the process; Start in maps into the volume; a ' +
    'package folder is the default folder; a missing program fails clearly',
  async () => {
    const s = setup();
    const sleeper = join(s.base, 'sleep.mjs');
    writeFileSync(sleeper, 'setTimeout(() => {}, 60_000);\n');
    const cwdProbe = join(s.base, 'cwd.mjs');
    writeFileSync(
      cwdProbe,
      `import { appendFileSync } from 'node:fs';\nappendFileSync(${JSON.stringify(join(s.base, 'cwd.txt'))}, process.cwd() + '\\n');\n`,
    );
    mkdirSync(join(s.root, 'Work Dir'));
    const pkgDir = join(s.base, 'pkg');
    mkdirSync(pkgDir);
    const withVar = (xml: string, name: string, property: string, value: string) =>
      xml.replace('</defaultVarList>', `<variable name="${name}" property="${property}">${value}</variable></defaultVarList>`);
    const seq = seqOf(
      step('Hangs', `"${process.execPath}" "${sleeper}"`, 'timeout="1" continueOnError="true"'),
      withVar(step('Start in', `"${process.execPath}" "${cwdProbe}"`), 'WorkingDirectory', 'WorkingDirectory', 'C:\\work dir'),
      withVar(step('In package', `"${process.execPath}" "${cwdProbe}"`), 'PackageID', 'PackageID', 'CM200001'),
      step('Missing program', 'no-such-program-ferry.exe /x', 'continueOnError="true"'),
    );
    const events = new EventStream();
    const seen = events.record();
    const started = Date.now();
    const r = await (await start(s, seq, { events, packageFolders: { CM200001: pkgDir } })).run();
    assert.equal(r.status, 'succeeded');
    assert.ok(Date.now() - started < 20_000);
    const ends = seen.filter((e): e is Extract<FerryEvent, { type: 'step' }> => e.type === 'step' && e.status === 'end');
    assert.deepEqual(
      ends.map((e) => [e.step, e.ok, e.exitCode]),
      [
        ['Hangs', false, 1460],
        ['Start in', true, 0],
        ['In package', true, 0],
        ['Missing program', false, 2],
      ],
    );
    const errors = seen.filter((e) => e.type === 'error').map((e) => (e as { code: string }).code);
    assert.deepEqual(errors, ['FERRY_E_TS_STEP_TIMEOUT', 'FERRY_E_TS_COMMAND_NOT_STARTED']);
    assert.deepEqual(readFileSync(join(s.base, 'cwd.txt'), 'utf8').trim().split('\n'), [join(s.root, 'Work Dir'), pkgDir]);
  },
);

test('hidden site variables and password variables never reach smsts.log or events; the log is owner-only (issue 11)', async () => {
  const s = setup();
  const events = new EventStream();
  const seen = events.record();
  const seq = seqOf(
    step('Echo', s.cmd('E', 0, '%SiteSecret% %OSDLocalAdminPassword%')),
    step('Fail', s.cmd('F', 5, '%SiteSecret%'), 'continueOnError="true"'),
  );
  const engine = await start(s, seq, {
    events,
    variables: { device: { SiteSecret: 'Hunter2Hidden', OSDLocalAdminPassword: 'AdminPw!9z' }, secret: ['SiteSecret'] },
  });
  const r = await engine.run();
  assert.equal(r.status, 'succeeded');
  const log = readFileSync(r.logPath, 'utf8');
  assert.match(log, /Command line: .*\*{8} \*{8}/);
  for (const secret of ['Hunter2Hidden', 'AdminPw!9z']) {
    assert.ok(!log.includes(secret), `smsts.log shows ${secret}`);
    assert.ok(!JSON.stringify(seen).includes(secret), `an event shows ${secret}`);
  }
  assert.equal(statSync(r.logPath).mode & 0o777, 0o600);
  assert.deepEqual(s.ran()[0]!.args, ['Hunter2Hidden', 'AdminPw!9z'], 'the command still gets the real values');
});
