import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { localPackages } from './ports.ts';
import { tempDir } from './test-support.ts';
import { validateSequence } from './validate.ts';
import { parseSequenceXml } from './xml.ts';

const tmp = tempDir('ferry-ts-validate-');
after(tmp.cleanup);

const capture = (vars: string, attrs = '') =>
  `<step type="SMS_TaskSequence_CaptureUserStateAction" name="Capture" ${attrs}><action/><defaultVarList><variable ` +
  `name="_OSDMigrateUsmtPackageID" property="UsmtPackageID">OLD00001</variable>${vars}</defaultVarList></step>`;
const restore = (vars: string, attrs = '') =>
  `<step type="SMS_TaskSequence_RestoreUserStateAction" name="Restore" ${attrs}><action/><defaultVarList><variable ` +
  `name="_OSDMigrateUsmtRestorePackageID" property="UsmtRestorePackageID">OLD00001</variable>${vars}</defaultVarList></step>`;
const setVar = (name: string, value: string) =>
  `<step type="SMS_TaskSequence_SetVariableAction" name="Set ${name}"><action>tsenv.exe "${name}=${value}"</action></step>`;
const request = '<step type="SMS_TaskSequence_RequestStateStoreAction" name="Request"><action>osdsmpclient.exe /capture</action></step>';
const release = '<step type="SMS_TaskSequence_ReleaseStateStoreAction" name="Release"><action>osdsmpclient.exe /release</action></step>';
const local = setVar('OSDStateStorePath', 'C:\\Store');
const v = (name: string, property: string, value: string) => `<variable name="${name}" property="${property}">${value}</variable>`;
const codes = (xml: string, vars?: Record<string, string>) => {
  const pkgDir = join(tmp.dir, 'usmt3');
  mkdirSync(pkgDir, { recursive: true });
  writeFileSync(join(pkgDir, 'MigUser.xml'), '<migration/>');
  writeFileSync(join(pkgDir, 'ferry-package.json'), '{"usmtVersion": "3.0"}');
  return validateSequence(parseSequenceXml(`<sequence version="3.10">${xml}</sequence>`), {
    packages: localPackages({ OLD00001: pkgDir }),
    ...(vars ? { variables: vars } : {}),
  }).map((i) => `${i.severity}:${i.code}`);
};

test(
  'errors: drive-root store, hard links with a ' + 'network store or an SMP, off-line in the full OS, ' + 'a config file the package lacks',
  () => {
    assert.deepEqual(codes(setVar('OSDStateStorePath', 'C:\\')), ['error:FERRY_E_TS_STORE_PATH_ROOT']);
    assert.deepEqual(codes('', { OSDStateStorePath: 'D:' }), ['error:FERRY_E_TS_STORE_PATH_ROOT']);
    assert.deepEqual(codes(setVar('OSDStateStorePath', 'C:\\Store')), []);
    assert.deepEqual(codes(setVar('OSDStateStorePath', '%Base%')), [], 'not a literal');
    assert.ok(
      codes(setVar('OSDStateStorePath', '\\\\srv\\share\\s') + capture(v('_OSDMigrateUseHardlinks', 'UseHardlinks', 'true'))).includes(
        'error:FERRY_E_TS_HARDLINK_NETWORK_STORE',
      ),
    );
    assert.ok(
      codes(request + capture(v('_OSDMigrateUseHardlinks', 'UseHardlinks', 'true')) + release).includes(
        'error:FERRY_E_TS_HARDLINK_NETWORK_STORE',
      ),
    );
    assert.ok(
      codes(local + capture(v('_OSDMigrateOfflineUserState', 'OfflineUserState', 'true'), 'runIn="FullOS"')).includes(
        'error:FERRY_E_TS_OFFLINE_OUTSIDE_WINPE',
      ),
    );
    assert.ok(
      !codes(local + capture(v('_OSDMigrateOfflineUserState', 'OfflineUserState', 'true'), 'runIn="WinPEandFullOS"')).includes(
        'error:FERRY_E_TS_OFFLINE_OUTSIDE_WINPE',
      ),
    );
    const inFullOsGroup =
      `<group name="g"><condition><expression type="SMS_TaskSequence_VariableConditionExpression"><variable ` +
      `name="Variable">_SMSTSInWinPE</variable><variable name="Operator">equals</variable><variable ` +
      (`name="Value">false</variable></expression></condition>` +
        `${capture(v('_OSDMigrateOfflineUserState', 'OfflineUserState', 'true'), 'runIn="WinPEandFullOS"')}</group>`);
    assert.ok(codes(inFullOsGroup).includes('error:FERRY_E_TS_OFFLINE_OUTSIDE_WINPE'));
    assert.deepEqual(
      codes(local + capture(v('OSDMigrateMode', 'Mode', 'Advanced') + v('OSDMigrateConfigFiles', 'ConfigFiles', 'miguser.xml,MigApp.xml'))),
      ['error:FERRY_E_TS_CONFIG_FILE_NOT_IN_PACKAGE'],
    );
    assert.deepEqual(codes(setVar('_SMSTSBad', 'x')), ['error:FERRY_E_TS_VARIABLE_INVALID']);
    assert.deepEqual(
      codes(
        '<step type="SMS_TaskSequence_RunCommandLineAction" name="c"><action/><defaultVarList><variable ' +
          'name="CommandLine" property="CommandLine">x</variable><variable ' +
          'name="SMSTSRunCommandLineOutputVariableName" ' +
          'property="OutputVariableName">_SMSTSLogPath</variable></defaultVarList></step>',
      ),
      ['error:FERRY_E_TS_VARIABLE_INVALID'],
    );
    assert.deepEqual(codes(local + capture(v('OSDMigrateContinueOnLockedFiles', 'ContinueOnLockedFiles', 'perhaps'))), [
      'error:FERRY_E_TS_PROPERTY_INVALID',
    ]);
  },
);

test(
  'warnings: capture-all without local accounts, continue on error before ' + 'Release, Request without Release, old USMT, unknown steps',
  () => {
    assert.deepEqual(codes(local + capture('') + restore('')), ['warning:FERRY_W_TS_RESTORE_WITHOUT_LOCAL_ACCOUNTS']);
    assert.deepEqual(codes(local + capture('') + restore(v('OSDMigrateLocalAccounts', 'LocalAccounts', 'true'))), []);
    assert.deepEqual(codes(request + capture('', 'continueOnError="true"') + release), ['warning:FERRY_W_TS_CONTINUE_BEFORE_RELEASE']);
    assert.deepEqual(codes(request + capture('')), ['warning:FERRY_W_TS_REQUEST_WITHOUT_RELEASE']);
    assert.deepEqual(codes(local + capture(v('OSDMigrateFileAccess', 'FileAccess', 'VSS'))), [
      'warning:FERRY_W_TS_SETTING_IGNORED_OLD_USMT',
    ]);
    assert.deepEqual(codes('<step type="SMS_TaskSequence_InstallApplicationAction" name="Install"/>'), [
      'warning:FERRY_W_TS_UNKNOWN_STEP_TYPE',
    ]);
    assert.deepEqual(
      codes('<step type="SMS_TaskSequence_PartitionDiskAction" name="Partition"/>'),
      [],
      'hardware-only steps are skipped for this platform, not unknown',
    );
    assert.deepEqual(
      codes(
        '<step type="SMS_TaskSequence_ApplyOperatingSystemAction" ' +
          'name="Apply"><action>OSDApplyOS.exe ' +
          '/image:,%OSDImageIndex%</action></step>',
      ),
      ['error:FERRY_E_TS_PROPERTY_INVALID'],
    );
    assert.deepEqual(codes(`<group name="off" disable="true">${request}</group>`), [], 'disabled steps do not count');
  },
);

test('a Run Command Line step whose properties are missing or mistyped gets coded errors, not a TypeError (issue 11)', () => {
  const seq = parseSequenceXml(
    '<sequence version="3.10"><step type="SMS_TaskSequence_RunCommandLineAction" ' +
      'name="Run"><action>cmd /c exit 0</action></step></sequence>',
  );
  const step = seq.children[0] as unknown as { properties: Record<string, unknown> };
  delete step.properties.CommandLine;
  step.properties.OutputVariableName = 42;
  const issues = validateSequence(seq);
  assert.deepEqual(
    issues.map((i) => [i.severity, i.code]),
    [
      ['error', 'FERRY_E_TS_PROPERTY_INVALID'],
      ['error', 'FERRY_E_TS_PROPERTY_INVALID'],
    ],
  );
  assert.match(issues.map((i) => i.message).join(' '), /CommandLine is missing.*OutputVariableName must be text/);
});

test('errors: Capture/Restore with nothing before them that sets OSDStateStorePath', () => {
  assert.deepEqual(codes(capture('')), ['error:FERRY_E_TS_STORE_PATH_MISSING']);
  assert.deepEqual(codes(restore('') + request + release), ['error:FERRY_E_TS_STORE_PATH_MISSING'], 'the Request comes after it');
  assert.deepEqual(codes(capture(''), { OSDStateStorePath: 'C:\\Store' }), [], 'a starting variable');
  assert.deepEqual(codes(setVar('OSDStateStorePath', '%_SMSTSUserStatePath%') + capture('')), []);
  assert.deepEqual(
    codes(`<group name="off" disable="true">${request}</group>` + capture('')),
    ['error:FERRY_E_TS_STORE_PATH_MISSING'],
    'a disabled Request does not count',
  );
});

test('unknown step types: a warning when saved, an error when run; hardware-only steps are neither', () => {
  const seq = parseSequenceXml(
    '<sequence version="3.10"><step type="SMS_TaskSequence_InstallSoftwareUpdateAction" ' +
      'name="Updates"/><step type="SMS_TaskSequence_PartitionDiskAction" name="Partition"/></sequence>',
  );
  assert.deepEqual(
    validateSequence(seq).map((i) => `${i.severity}:${i.code}`),
    ['warning:FERRY_W_TS_UNKNOWN_STEP_TYPE'],
  );
  assert.deepEqual(
    validateSequence(seq, { purpose: 'run' }).map((i) => `${i.severity}:${i.code}`),
    ['error:FERRY_E_TS_STEP_UNSUPPORTED'],
  );
});
