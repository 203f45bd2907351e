import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import yazl from 'yazl';
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { tempDir } from '../tasksequence/test-support.ts';
import { fileURLToPath } from 'node:url';
import { runFerry } from './testing.ts';

const main = new URL('./main.ts', import.meta.url).pathname;
const examples = new URL('../tasksequence/examples/', import.meta.url).pathname;
const tmp = tempDir('ferry-ts-cli-');
after(tmp.cleanup);

/** `ferry ts …` in-process; `ferryProcess` where the test is about the process (its pid holds the engine lock). */
const ferry = (...args: string[]) => runFerry(['ts', ...args]);
const ferryProcess = (...args: string[]) => spawnSync(process.execPath, [main, 'ts', ...args], { encoding: 'utf8', timeout: 120_000 });

async function waitFor(check: () => boolean, ms: number): Promise<void> {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 50));
  }
}

test('kill -9 in the middle of a step: resume runs the interrupted step again and no finished one', async () => {
  const base = join(tmp.dir, 'kill');
  const root = join(base, 'vol');
  mkdirSync(join(root, 'Windows'), { recursive: true });
  const record = join(base, 'record.txt');
  const pidFile = join(base, 'sleeper.pid');
  const flag = join(base, 'second-run');
  const script = join(base, 'step.mjs');
  writeFileSync(
    script,
    `import { appendFileSync, existsSync, writeFileSync } from 'node:fs';
const [label, mode] = process.argv.slice(2);
appendFileSync(${JSON.stringify(record)}, label + '\\n');
if (mode === 'sleep' && !existsSync(${JSON.stringify(flag)})) {
  writeFileSync(${JSON.stringify(pidFile)}, String(process.pid));
  setTimeout(() => {}, 60_000);
}
`,
  );
  const cmd = (name: string, label: string, mode = '') => {
    const line = `"${process.execPath}" "${script}" ${label} ${mode}`.trim();
    return (
      `<step type="SMS_TaskSequence_RunCommandLineAction" name="${name}"><action>smsswd.exe ` +
      `/run: ${line}</action><defaultVarList><variable name="CommandLine" ` +
      `property="CommandLine">${line}</variable></defaultVarList></step>`
    );
  };
  const seqFile = join(base, 'seq.xml');
  writeFileSync(
    seqFile,
    `<sequence version="3.10"><group name="G">${cmd('First', 'A')}${cmd('Sleeps', 'B', 'sleep')}</group>${cmd('Last', 'C')}</sequence>`,
  );
  const state = join(base, 'state');

  const engine = spawn(process.execPath, [main, 'ts', 'run', seqFile, '--root', root, '--state', state], { stdio: 'ignore' });
  await waitFor(() => existsSync(pidFile), 60_000);
  engine.kill('SIGKILL');
  await once(engine, 'exit');
  const sleeper = Number(readFileSync(pidFile, 'utf8'));
  try {
    process.kill(sleeper, 'SIGKILL');
  } catch {
    // already gone
  }
  const saved = JSON.parse(readFileSync(join(state, 'state.json'), 'utf8')) as {
    status: string;
    nodes: Record<string, { status: string }>;
  };
  assert.equal(saved.status, 'running');
  assert.equal(saved.nodes['0.0']!.status, 'done');
  assert.equal(saved.nodes['0.1']!.status, 'running');

  writeFileSync(flag, '1');
  const r = await ferry('resume', '--state', state);
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.deepEqual(readFileSync(record, 'utf8').trim().split('\n'), ['A', 'B', 'B', 'C']);
  const log = readFileSync(join(root, 'Windows', 'CCM', 'Logs', 'smsts.log'), 'utf8');
  assert.match(log, /interrupted/);
  assert.equal((await ferry('resume', '--state', state)).status, 1, 'a finished sequence cannot be resumed');
});

test('ts run exits 3 at a restart and ts resume finishes; the engine lock refuses a second engine', async () => {
  const base = join(tmp.dir, 'restart');
  const root = join(base, 'vol');
  mkdirSync(join(root, 'Windows'), { recursive: true });
  const seqFile = join(base, 'seq.xml');
  writeFileSync(
    seqFile,
    `<sequence version="3.10"><step type="SMS_TaskSequence_SetVariableAction" ` +
      `name="Set"><action>tsenv.exe "Colour=%Given%"</action></step><step ` +
      `type="SMS_TaskSequence_RebootAction" name="Restart Computer"><action>smsboot.exe ` +
      `/target:HD</action></step></sequence>`,
  );
  const state = join(base, 'state');
  const r1 = await ferry('run', seqFile, '--root', root, '--state', state, '--var', 'Given=red', '--name', 'PC7', '--json');
  assert.equal(r1.status, 3, r1.stdout + r1.stderr);
  const lines = r1.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { type: string; status?: string });
  assert.equal(lines.at(-1)!.type, 'result');
  assert.ok(lines.some((l) => l.type === 'step' && l.status === 'end'));
  const saved = JSON.parse(readFileSync(join(state, 'state.json'), 'utf8')) as { variables: Record<string, string> };
  assert.equal(saved.variables.Colour, 'red');
  assert.equal(saved.variables._SMSTSMachineName, 'PC7');
  writeFileSync(join(state, 'engine.lock'), String(process.pid));
  const locked = ferryProcess('resume', '--state', state);
  assert.equal(locked.status, 1);
  assert.match(locked.stderr, /FERRY_E_TS_STATE_LOCKED/);
  writeFileSync(join(state, 'engine.lock'), '999999999');
  const r2 = await ferry('resume', '--state', state);
  assert.equal(r2.status, 0, r2.stdout + r2.stderr);
});

test('ts show / validate / convert on the examples, an object.xml and an export zip', async () => {
  const show = await ferry('show', join(examples, 'refresh-smp.xml'));
  assert.equal(show.status, 0, show.stderr);
  assert.match(show.stdout, /\[Capture User State\] Capture User State {2}\(enabled, continue on error, runs in FullOS\)/);
  assert.match(show.stdout, /OSDMigrateLocalAccountPassword = \*{8}/);
  assert.match(show.stdout, /if all of \(variable _SMSTSInWinPE equals "false"\)/);

  const json = await ferry('show', join(examples, 'refresh-hardlink.xml'), '--json');
  const parsed = JSON.parse(json.stdout) as { form: string; sequence: { children: unknown[] } };
  assert.equal(parsed.form, 'sequence');
  assert.equal(parsed.sequence.children.length, 3);
  assert.doesNotMatch(json.stdout, /Temp0rary/);

  const v = await ferry('validate', join(examples, 'refresh-smp.xml'));
  assert.equal(v.status, 0);
  assert.match(v.stdout, /warning FERRY_W_TS_CONTINUE_BEFORE_RELEASE "Release State Store" \[1\.4\]/);

  // The console's object.xml (UTF-16 with BOM, sequence in a CDATA property) and an export zip.
  const seqText = readFileSync(join(examples, 'replace-capture-smp.xml'), 'utf8').replace(/^<\?xml[^>]*>\s*/, '');
  const objectXml = `<?xml version="1.0" encoding="utf-16"?>
<SmsObjects><INSTANCE CLASSNAME="SMS_TaskSequencePackage">
<PROPERTY NAME="PackageID" TYPE="string"><VALUE>CM100010</VALUE></PROPERTY>
<PROPERTY NAME="Name" TYPE="string"><VALUE>Replace capture</VALUE></PROPERTY>
<PROPERTY NAME="Sequence" TYPE="string"><VALUE><![CDATA[${seqText}]]></VALUE></PROPERTY>
</INSTANCE></SmsObjects>`;
  const objFile = join(tmp.dir, 'object.xml');
  writeFileSync(objFile, Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(objectXml, 'utf16le')]));
  const fromObj = JSON.parse((await ferry('show', objFile, '--json')).stdout) as { form: string; package: { packageId: string } };
  assert.equal(fromObj.form, 'object.xml');
  assert.equal(fromObj.package.packageId, 'CM100010');

  const zipFile = join(tmp.dir, 'export.zip');
  const zip = new yazl.ZipFile();
  zip.addBuffer(Buffer.from('<Manifest/>'), 'manifest.xml');
  zip.addBuffer(readFileSync(objFile), 'SMS_TaskSequencePackage/CM100010/object.xml');
  zip.end();
  const out = createWriteStream(zipFile);
  zip.outputStream.pipe(out);
  await once(out, 'close');
  const converted = join(tmp.dir, 'converted.xml');
  const c = await ferry('convert', zipFile, '--out', converted);
  assert.equal(c.status, 0, c.stderr);
  const again = await ferry('convert', converted, '--out', join(tmp.dir, 'again.xml'));
  assert.equal(again.status, 0);
  assert.equal(readFileSync(join(tmp.dir, 'again.xml'), 'utf8'), readFileSync(converted, 'utf8'), 'export re-imports identically');

  const bad = join(tmp.dir, 'bad.xml');
  writeFileSync(bad, '<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><sequence>&e;</sequence>');
  const refused = await ferry('show', bad);
  assert.equal(refused.status, 1);
  assert.match(refused.stderr, /FERRY_E_XML_MALFORMED/);
  const notZip = join(tmp.dir, 'notseq.zip');
  writeFileSync(notZip, Buffer.concat([Buffer.from('PK\x03\x04'), Buffer.alloc(40)]));
  assert.match((await ferry('show', notZip)).stderr, /FERRY_E_TS_INPUT_UNRECOGNIZED/);
  assert.equal((await ferry('run')).status, 2, 'usage error');
});

test(
  'a console export zip with packages, a boot image, drivers, an OS image and an ' +
    'application: every object read, sequences listed with what they reference',
  async () => {
    const dir = fileURLToPath(new URL('../../test/fixtures/tasksequence/export/', import.meta.url));
    const zipFile = join(tmp.dir, 'export-all.zip');
    const zip = new yazl.ZipFile();
    const add = (rel: string) => {
      for (const e of readdirSync(join(dir, rel), { withFileTypes: true })) {
        const r = rel ? `${rel}/${e.name}` : e.name;
        if (e.isDirectory()) add(r);
        else if (r.endsWith('.xml')) zip.addBuffer(readFileSync(join(dir, r)), r);
      }
    };
    add('');
    zip.end();
    const out = createWriteStream(zipFile);
    zip.outputStream.pipe(out);
    await once(out, 'close');

    const show = await ferry('show', zipFile);
    assert.equal(show.status, 0, show.stderr);
    assert.match(show.stdout, /Console export: 2 task sequence\(s\), 5 other object\(s\)\./);
    assert.match(show.stdout, /references CM100005 SMS_Package "User State Migration Tool for Windows" version 10\.0\.22621\.1/);
    assert.match(show.stdout, /references CM100002 SMS_BootImagePackage "Boot image \(x64\)"/);
    assert.match(show.stdout, /\[Capture User State\]/);

    const json = JSON.parse((await ferry('show', zipFile, '--sequence', 'CM100011', '--json')).stdout) as {
      package: { packageId: string };
      export: {
        sequences: { packageId: string; references: { id: string; kind?: string; inExport: boolean }[] }[];
        content: { kind: string }[];
      };
    };
    assert.equal(json.package.packageId, 'CM100011');
    assert.deepEqual(json.export.content.map((c) => c.kind).sort(), [
      'SMS_Application',
      'SMS_BootImagePackage',
      'SMS_DriverPackage',
      'SMS_ImagePackage',
      'SMS_Package',
    ]);
    const restore = json.export.sequences.find((s) => s.packageId === 'CM100011')!;
    assert.deepEqual(restore.references.map((r) => r.kind).sort(), [
      'SMS_Application',
      'SMS_BootImagePackage',
      'SMS_DriverPackage',
      'SMS_ImagePackage',
      'SMS_Package',
    ]);
    assert.ok(restore.references.every((r) => r.inExport));

    // Import: each sequence converts, and the conversion re-imports identically.
    for (const id of ['CM100010', 'CM100011']) {
      const converted = join(tmp.dir, `${id}.xml`);
      assert.equal((await ferry('convert', zipFile, '--sequence', id, '--out', converted)).status, 0);
      const again = join(tmp.dir, `${id}-again.xml`);
      assert.equal((await ferry('convert', converted, '--out', again)).status, 0);
      assert.equal(readFileSync(again, 'utf8'), readFileSync(converted, 'utf8'));
    }
    assert.match(
      (await ferry('show', zipFile, '--sequence', 'CM999999')).stderr,
      /no task sequence CM999999 in the export; it holds CM100010, CM100011/,
    );
  },
);
