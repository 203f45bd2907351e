import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { test } from 'node:test';
import { isFerryError } from '../errors/index.ts';
import { isStepOfType, walkSteps, type Group, type KnownStep, type UnknownStep } from './model.ts';
import { parseSequenceXml, serializeSequenceXml } from './xml.ts';

const examples = new URL('./examples/', import.meta.url);
const example = (name: string) => readFileSync(new URL(name, examples), 'utf8');

test('every example round-trips: parse(serialize(parse(x))) equals parse(x), and export is stable', () => {
  const files = readdirSync(examples).filter((f) => f.endsWith('.xml'));
  assert.ok(files.length >= 4);
  for (const f of files) {
    const first = parseSequenceXml(example(f), f);
    const xml = serializeSequenceXml(first);
    const second = parseSequenceXml(xml, `${f} (exported)`);
    assert.deepEqual(second, first, f);
    assert.equal(serializeSequenceXml(second), xml, `${f}: second export differs`);
  }
});

test('the spec §7.1 example: groups, steps, typed properties, conditions', () => {
  const seq = parseSequenceXml(example('refresh-smp.xml'));
  assert.equal(seq.version, '3.00');
  assert.equal(seq.children.length, 3);
  const g = seq.children[0] as Group;
  assert.equal(g.kind, 'group');
  assert.equal(g.expand, true);
  assert.deepEqual(g.condition, {
    kind: 'operator',
    operator: 'and',
    operands: [{ kind: 'variable', variable: '_SMSTSInWinPE', operator: 'equals', value: 'false' }],
  });
  const setVar = g.children[0] as KnownStep<'SMS_TaskSequence_SetVariableAction'>;
  assert.ok(isStepOfType(setVar, 'SMS_TaskSequence_SetVariableAction'));
  assert.deepEqual(setVar.properties, {
    VariableName: 'OSDMigrateAdditionalCaptureOptions',
    VariableValue: '/ue:*\\Guest',
    DoNotShowVariableValue: false,
  });
  const req = g.children[1]!;
  assert.ok(isStepOfType(req, 'SMS_TaskSequence_RequestStateStoreAction'));
  assert.deepEqual(req.properties, { RequestType: 'capture', SMPRetryCount: 3, SMPRetryTime: 60, FallbackToNAA: false });
  const cap = g.children[2]!;
  assert.ok(isStepOfType(cap, 'SMS_TaskSequence_CaptureUserStateAction'));
  assert.equal(cap.continueOnError, true);
  assert.equal(cap.runIn, 'FullOS');
  assert.equal(cap.properties.UsmtPackageID, 'CM100005');
  assert.equal(cap.properties.ContinueOnLockedFiles, true);
  const reboot = seq.children[1]!;
  assert.ok(isStepOfType(reboot, 'SMS_TaskSequence_RebootAction'));
  assert.deepEqual(reboot.properties, { Target: 'HD', Message: 'The computer restarts to continue the migration.', MessageTimeout: 60 });
  const restore = (seq.children[2] as Group).children[1]!;
  assert.ok(isStepOfType(restore, 'SMS_TaskSequence_RestoreUserStateAction'));
  assert.equal(restore.properties.LocalAccounts, true);
  assert.equal(restore.properties.LocalAccountPassword, 'P@ssw0rd!');
  const exported = serializeSequenceXml(seq);
  assert.match(
    exported,
    /<variable name="OSDMigrateLocalAccountPassword" property="LocalAccountPassword" hidden="true">P@ssw0rd!<\/variable>/,
  );
  assert.match(
    exported,
    /<action>osdmigrateuserstate\.exe \/collect \/continueOnError:%OSDMigrateContinueOnLockedFiles% \/skipefs:%OSDMigrateSkipEncryptedFiles%<\/action>/,
  );
  assert.match(exported, /<action>smsboot\.exe \/target:HD<\/action>/);
});

test('unknown step types, attributes and elements are preserved verbatim', () => {
  const xml =
    `<?xml version="1.0"?>
<sequence version="3.10" packageID="X">
  <referenceList><reference package="CM100005" program="*"/></referenceList>
  <step type="SMS_TaskSequence_InstallApplicationAction" name="Install App" custom="1"><action>smsappinstall.exe ` +
    `/app:CM1</action><defaultVarList><variable name="OrderedAppsInstall" property="AppInfo">1</variable></defaultVarList></step>
  <group name="G" description="" disable="false" continueOnError="false" editorHint="x">
    <futureElement a="b"><inner/></futureElement>
    <step type="SMS_TaskSequence_RunCommandLineAction" name="cmd" continueOnError="true" successCodeList="0 1" timeout="30" newAttr="y">
      <defaultVarList>
        <variable name="CommandLine" property="CommandLine" hidden="true">echo hi</variable>
        <variable name="MyFutureVar" property="Future">1</variable>
      </defaultVarList>
      <action>smsswd.exe /run: echo hi</action>
      <condition><expression type="SMS_TaskSequence_SomeFutureConditionExpression"><variable name="X">1</variable></expression></condition>
    </step>
  </group>
</sequence>`;
  const seq = parseSequenceXml(xml);
  const os = seq.children[0] as UnknownStep;
  assert.equal(os.unknown, true);
  assert.equal(os.name, 'Install App');
  assert.match(os.raw, /smsappinstall\.exe \/app:CM1/);
  assert.deepEqual(seq.extraAttributes, [['packageID', 'X']]);
  assert.equal(seq.extraElements.length, 1);
  const g = seq.children[1] as Group;
  assert.deepEqual(g.extraAttributes, [['editorHint', 'x']]);
  assert.match(g.extraElements[0]!, /<futureElement a="b"><inner\/><\/futureElement>/);
  const cmd = g.children[0]!;
  assert.ok(isStepOfType(cmd, 'SMS_TaskSequence_RunCommandLineAction'));
  assert.deepEqual(cmd.successCodes, [0, 1]);
  assert.equal(cmd.timeout, 30);
  assert.deepEqual(cmd.extraVariables, [{ name: 'MyFutureVar', property: 'Future', value: '1' }]);
  assert.equal(cmd.condition?.kind, 'unknown');
  const out = serializeSequenceXml(seq);
  assert.match(out, /<step type="SMS_TaskSequence_InstallApplicationAction" name="Install App" custom="1">/);
  assert.match(out, /newAttr="y"/);
  assert.match(out, /<expression type="SMS_TaskSequence_SomeFutureConditionExpression">/);
  assert.deepEqual(parseSequenceXml(out), seq);
});

test('every condition kind parses and round-trips, including nesting and an implicit and', () => {
  const xml =
    `<sequence version="3.00"><step type="SMS_TaskSequence_SetVariableAction" name="s"><action>tsenv.exe "A=1"</action>
  <condition>
    <operator type="or">
      <expression type="SMS_TaskSequence_WMIConditionExpression"><variable name="Namespace">root\\cimv2</variable><variable ` +
    `name="Query">SELECT * FROM Win32_OperatingSystem WHERE Version LIKE "10.0%"</variable></expression>
      <operator type="not"><expression type="SMS_TaskSequence_FileConditionExpression"><variable ` +
    (`name="Path">%WINDIR%\\notepad.exe</variable><variable name="DateTime">20200101000000.000000+000</variable><variable ` +
      `name="DateTimeOperator">greater</variable></expression></operator>
      <expression type="SMS_TaskSequence_FolderConditionExpression"><variable name="Path">C:\\Users</variable></expression>
      <expression type="SMS_TaskSequence_RegistryConditionExpression"><variable `) +
    `name="KeyPath">HKEY_LOCAL_MACHINE\\SOFTWARE\\Contoso</variable><variable name="Value">Ver</variable><variable ` +
    (`name="Type">REG_SZ</variable><variable name="Data">2</variable><variable name="Operator">greaterEqual</variable></expression>
      <expression type="SMS_TaskSequence_SoftwareConditionExpression"><variable name="Operator">AnyVersion</variable><variable ` +
      `name="UpgradeCode">{1}</variable></expression>
    </operator>
    <expression type="SMS_TaskSequence_VariableConditionExpression"><variable name="Variable">X</variable><variable `) +
    `name="Operator">Like</variable><variable name="Value">a*</variable></expression>
  </condition></step></sequence>`;
  const seq = parseSequenceXml(xml);
  const step = seq.children[0]!;
  const c = step.condition!;
  assert.equal(c.kind, 'operator');
  assert.ok(c.kind === 'operator' && c.implicit === true && c.operands.length === 2);
  const or = c.operands[0]!;
  assert.ok(or.kind === 'operator' && or.operator === 'or');
  assert.deepEqual(
    or.operands.map((o) => o.kind),
    ['wmi', 'operator', 'folder', 'registry', 'software'],
  );
  assert.deepEqual(c.operands[1], { kind: 'variable', variable: 'X', operator: 'like', value: 'a*' });
  assert.deepEqual(parseSequenceXml(serializeSequenceXml(seq)), seq);
});

test('invalid property values are reported, kept verbatim, and never crash', () => {
  const xml =
    `<sequence version="3.00"><step type="SMS_TaskSequence_CaptureUserStateAction" name="c"><action/>
    <defaultVarList><variable name="OSDMigrateContinueOnLockedFiles" ` +
    `property="ContinueOnLockedFiles">maybe</variable></defaultVarList></step></sequence>`;
  const seq = parseSequenceXml(xml);
  const step = seq.children[0] as KnownStep<'SMS_TaskSequence_CaptureUserStateAction'>;
  assert.deepEqual(step.invalid, [{ property: 'ContinueOnLockedFiles', value: 'maybe', reason: 'expected true or false' }]);
  const out = serializeSequenceXml(seq);
  assert.match(out, />maybe</);
  assert.equal((out.match(/OSDMigrateContinueOnLockedFiles/g) ?? []).length, 2, 'action + the kept variable, no duplicate');
  assert.deepEqual(parseSequenceXml(out), seq);
});

test('hostile and malformed XML is refused with a coded error', () => {
  const cases: [string, string][] = [
    [
      '<?xml version="1.0"?><!DOCTYPE lol [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]><sequence version="3.00">&b;</sequence>',
      'FERRY_E_XML_MALFORMED',
    ],
    ['<!DOCTYPE x SYSTEM "file:///etc/passwd"><sequence/>', 'FERRY_E_XML_MALFORMED'],
    // A DOCTYPE hidden behind a processing instruction that looks like a comment opener (issue 11).
    ['<?x <!-- ?><!DOCTYPE x [<!ENTITY a "b">]><!-- --><sequence version="3.00"/>', 'FERRY_E_XML_MALFORMED'],
    ['<sequence version="3.00"><group name="a"></sequence>', 'FERRY_E_XML_MALFORMED'],
    ['', 'FERRY_E_XML_MALFORMED'],
    ['<tasks/>', 'FERRY_E_TS_INPUT_UNRECOGNIZED'],
    ['<sequence><step type="SMS_TaskSequence_RebootAction" timeout="soon"/></sequence>', 'FERRY_E_TS_PROPERTY_INVALID'],
    ['<sequence><step type="X" runIn="Mars"/></sequence>', 'FERRY_E_TS_PROPERTY_INVALID'],
    [
      '<sequence><step type="X"><condition><expression type="SMS_TaskSequence_VariableConditionExpression"><variable ' +
        'name="Variable">A</variable><variable name="Operator">approx</variable></expression></condition></step></sequence>',
      'FERRY_E_TS_PROPERTY_INVALID',
    ],
    ['<sequence><step type="X"><condition><operator type="xor"/></condition></step></sequence>', 'FERRY_E_TS_PROPERTY_INVALID'],
    [`<sequence>${'<group name="g">'.repeat(5000)}${'</group>'.repeat(5000)}</sequence>`, 'FERRY_E_XML_MALFORMED'],
    [
      `<sequence><step ` +
        `type="X"><condition>${'<operator type="not">'.repeat(5000)}${'</operator>'.repeat(5000)}</condition></step></sequence>`,
      'FERRY_E_XML_MALFORMED',
    ],
  ];
  for (const [xml, code] of cases) {
    assert.throws(
      () => parseSequenceXml(xml, 'hostile.xml'),
      (err: unknown) => isFerryError(err) && err.code === code,
      xml.slice(0, 120),
    );
  }
});

test('values with markup characters survive export', () => {
  const xml =
    `<sequence version="3.00"><step type="SMS_TaskSequence_RunCommandLineAction" name="a &amp; &lt;b&gt; &quot;q&quot;">
    <action/><defaultVarList><variable name="CommandLine" property="CommandLine">cmd /c echo "&lt;x&gt;" &amp;&amp; exit ` +
    `0</variable></defaultVarList></step></sequence>`;
  const seq = parseSequenceXml(xml);
  const out = serializeSequenceXml(seq);
  const again = parseSequenceXml(out);
  assert.deepEqual(again, seq);
  const step = [...walkSteps(again.children)][0]!.node;
  assert.ok(isStepOfType(step, 'SMS_TaskSequence_RunCommandLineAction'));
  assert.equal(step.properties.CommandLine, 'cmd /c echo "<x>" && exit 0');
  assert.equal(step.name, 'a & <b> "q"');
});

test('an MDT sequence: Run Command Line keeps its command in <action>, and a round trip keeps every variable and adds none', () => {
  const text = readFileSync(new URL('../../test/fixtures/tasksequence/mdt-client-refresh.xml', import.meta.url), 'utf8');
  const seq = parseSequenceXml(text, 'mdt-client-refresh.xml');
  const gather = (seq.children[0] as Group).children[0]!;
  assert.ok(isStepOfType(gather, 'SMS_TaskSequence_RunCommandLineAction'));
  assert.equal(gather.properties.CommandLine, 'cscript.exe "%SCRIPTROOT%\\ZTIGather.wsf" /localonly');
  const out = serializeSequenceXml(seq);
  assert.deepEqual(parseSequenceXml(out, 'exported'), seq);
  // Each <step>'s variables and action, as written and as read.
  const stepsOf = (xml: string) =>
    [...xml.matchAll(/<step [^>]*name="([^"]*)"[\s\S]*?<\/step>/g)].map((m) => ({
      name: m[1],
      action: /<action>([\s\S]*?)<\/action>/.exec(m[0])?.[1],
      variables: [...m[0].matchAll(/<variable name="([^"]*)"(?: property="([^"]*)")?[^>]*>([^<]*)<\/variable>/g)]
        .map((v) => `${v[1]}|${v[2] ?? ''}|${v[3]}`)
        .sort(),
    }));
  assert.deepEqual(stepsOf(out), stepsOf(text));
  assert.doesNotMatch(out, /smsswd\.exe/);
});

test('malformed task sequence XML names the file, line and column', () => {
  assert.throws(
    () => parseSequenceXml('<sequence version="3.10">\n  <group name="a" name="b">\n  </group>\n</sequence>', 'broken.xml'),
    (err: unknown) =>
      isFerryError(err, 'FERRY_E_XML_MALFORMED') &&
      /^broken\.xml:2:\d+: /.test(err.message) &&
      err.details.line === 2 &&
      typeof err.details.column === 'number',
  );
});
