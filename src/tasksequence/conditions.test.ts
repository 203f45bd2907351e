import assert from 'node:assert/strict';
import { mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { TaskSequenceComputer, RegistryReader } from './computer.ts';
import {
  compareValues,
  compareVersions,
  evaluateCondition,
  osVersionCondition,
  packGuid,
  parseConditionDate,
  wildcardMatch,
} from './conditions.ts';
import type { Condition } from './model.ts';
import { tempDir } from './test-support.ts';
import { TsEnvironment } from './variables.ts';
import { parseWql, wqlLike } from './wql.ts';

const tmp = tempDir('ferry-ts-cond-');
after(tmp.cleanup);
const root = join(tmp.dir, 'vol');
mkdirSync(join(root, 'Windows', 'System32'), { recursive: true });
writeFileSync(join(root, 'Windows', 'System32', 'notepad.exe'), 'MZ');
utimesSync(join(root, 'Windows', 'System32', 'notepad.exe'), new Date('2021-06-01T00:00:00Z'), new Date('2021-06-01T00:00:00Z'));

const computer: TaskSequenceComputer = {
  root,
  name: 'PC01',
  macAddress: '00:15:5d:01:02:03',
  smbiosGuid: '4C4C4544-0042-3010-8052-B4C04F4E5A31',
  wmi: { Win32_OperatingSystem: [{ Version: '10.0.22631', ProductType: 1, Caption: 'Microsoft Windows 11 Enterprise' }] },
};
const v = (variable: string, operator: string, value?: string): Condition => ({
  kind: 'variable',
  variable,
  operator: operator as never,
  ...(value === undefined ? {} : { value }),
});
const env = new TsEnvironment({ OSDMigrateMode: 'Simple', Count: '10', Name: 'Contoso-PC' });
const evalc = (c: Condition, e = env, comp = computer) => evaluateCondition(c, e, comp);

test('variable comparisons: case-insensitive names and values, numeric when both are numbers, Like', async () => {
  assert.equal((await evalc(v('osdmigratemode', 'equals', 'SIMPLE'))).value, true);
  assert.equal((await evalc(v('Count', 'greater', '9'))).value, true, '10 > 9 numerically');
  assert.equal((await evalc(v('Count', 'less', '9'))).value, false);
  assert.equal((await evalc(v('Name', 'like', 'contoso-*'))).value, true);
  assert.equal((await evalc(v('Name', 'notLike', '*-PC?'))).value, true);
  assert.equal((await evalc(v('Nope', 'exists'))).value, false);
  assert.equal((await evalc(v('Nope', 'notExists'))).value, true);
  const undef = await evalc(v('Nope', 'equals', ''));
  assert.equal(undef.value, true);
  assert.deepEqual(
    undef.notes.map((n) => n.code),
    ['FERRY_W_TS_UNDEFINED_VARIABLE'],
  );
  assert.ok(compareValues('b', 'A') > 0);
  assert.ok(wildcardMatch('a.b', 'a.?') && !wildcardMatch('axb', 'a.b'));
});

test('if all / any / none, nested', async () => {
  const t = v('Count', 'equals', '10');
  const f = v('Count', 'equals', '11');
  const and = (...o: Condition[]): Condition => ({ kind: 'operator', operator: 'and', operands: o });
  const or = (...o: Condition[]): Condition => ({ kind: 'operator', operator: 'or', operands: o });
  const none = (...o: Condition[]): Condition => ({ kind: 'operator', operator: 'not', operands: o });
  assert.equal((await evalc(and(t, or(f, t), none(f, f)))).value, true);
  assert.equal((await evalc(and(t, none(f, t)))).value, false);
  assert.equal((await evalc(or(f, and(t, f)))).value, false);
  assert.equal((await evalc(undefined as never)).value, true, 'no condition runs');
});

test('file and folder conditions on the volume, with %WINDIR% and dates', async () => {
  assert.equal((await evalc({ kind: 'file', path: '%WINDIR%\\system32\\NOTEPAD.EXE' })).value, true);
  assert.equal((await evalc({ kind: 'file', path: 'C:\\Windows\\System32' })).value, false, 'a folder is not a file');
  assert.equal((await evalc({ kind: 'folder', path: 'C:\\windows\\system32' })).value, true);
  assert.equal((await evalc({ kind: 'folder', path: 'C:\\Missing' })).value, false);
  assert.equal(
    (
      await evalc({
        kind: 'file',
        path: 'C:\\Windows\\System32\\notepad.exe',
        dateTime: '20200101000000.000000+000',
        dateTimeOperator: 'greater',
      })
    ).value,
    true,
  );
  assert.equal(
    (
      await evalc({
        kind: 'file',
        path: 'C:\\Windows\\System32\\notepad.exe',
        dateTime: '2022-01-01T00:00:00Z',
        dateTimeOperator: 'greater',
      })
    ).value,
    false,
  );
  const version = await evalc({
    kind: 'file',
    path: 'C:\\Windows\\System32\\notepad.exe',
    version: '10.0',
    versionOperator: 'greaterEqual',
  });
  assert.deepEqual([version.value, version.notes], [false, []], 'no version resource: no version matches');
  const badVersion = await evalc({ kind: 'file', path: 'C:\\Windows\\System32\\notepad.exe', version: 'ten' });
  assert.equal(badVersion.notes[0]!.code, 'FERRY_W_TS_CONDITION_NOT_EVALUATED');
  assert.equal(compareVersions([10, 0, 22631, 1], [10, 0, 22631]), 1);
  assert.equal(parseConditionDate('20200101000000.000000+060'), Date.UTC(2019, 11, 31, 23, 0, 0));
});

test('WMI: the supported WQL subset over identity and OS facts; anything else cannot be evaluated', async () => {
  const wmi = (query: string, namespace = 'root\\cimv2'): Condition => ({ kind: 'wmi', namespace, query });
  assert.equal((await evalc(osVersionCondition('10.0', 1))).value, true);
  assert.equal((await evalc(osVersionCondition('6.1'))).value, false);
  assert.equal((await evalc(wmi("SELECT * FROM Win32_ComputerSystem WHERE Name = 'pc01'"))).value, true);
  assert.equal(
    (await evalc(wmi('select UUID from Win32_ComputerSystemProduct where UUID like "4C4C4544-%" and not (UUID is null)'))).value,
    true,
  );
  assert.equal(
    (await evalc(wmi("SELECT * FROM Win32_NetworkAdapterConfiguration WHERE MACAddress = '00:15:5D:01:02:03' AND IPEnabled = TRUE"))).value,
    true,
  );
  for (const [c, why] of [
    [wmi('SELECT * FROM Win32_Battery'), /Win32_Battery/],
    [wmi('SELECT * FROM Win32_OperatingSystem', 'root\\ccm'), /namespace/],
    [wmi('SELECT * FROM Win32_OperatingSystem WHERE Version ~ 1'), /WQL subset/],
    [{ kind: 'unknown', type: 'SMS_TaskSequence_Future', fields: [] } as Condition, /not known/],
  ] as const) {
    const r = await evalc(c);
    assert.equal(r.value, false);
    assert.equal(r.notes[0]!.code, 'FERRY_W_TS_CONDITION_NOT_EVALUATED');
    assert.match(r.notes[0]!.message, why);
  }
  // A condition that cannot be evaluated makes the whole tree false, even under "none".
  assert.equal((await evalc({ kind: 'operator', operator: 'not', operands: [wmi('SELECT * FROM Win32_Battery')] })).value, false);
  assert.throws(() => parseWql('DELETE FROM x'));
  assert.ok(wqlLike('Windows 11', 'windows 1_') && wqlLike('abc', '[a-c]%') && !wqlLike('xbc', '[a-c]%'));
});

test('registry and installed software conditions use the registry reader; without one they cannot be evaluated', async () => {
  const data = new Map<string, { type: string; data: string | number }>([
    ['hkey_local_machine\\software\\contoso|ver', { type: 'REG_SZ', data: '12' }],
    ['hkey_local_machine\\software\\contoso|flags', { type: 'REG_DWORD', data: 3 }],
  ]);
  const keys = new Set([
    'HKEY_LOCAL_MACHINE\\SOFTWARE\\Classes\\Installer\\UpgradeCodes\\' + packGuid('{12345678-ABCD-EF01-2345-6789ABCDEF01}'),
  ]);
  const registry: RegistryReader = {
    keyExists: async (k) => keys.has(k),
    value: async (k, n) => data.get(`${k.toLowerCase()}|${n.toLowerCase()}`),
  };
  const withReg = { ...computer, registry };
  const reg = (operator: string, valueName: string, d?: string, valueType = 'REG_SZ'): Condition => ({
    kind: 'registry',
    keyPath: 'HKEY_LOCAL_MACHINE\\SOFTWARE\\Contoso',
    valueName,
    valueType,
    operator: operator as never,
    ...(d === undefined ? {} : { data: d }),
  });
  assert.equal((await evalc(reg('exists', 'Ver'), env, withReg)).value, true);
  assert.equal((await evalc(reg('exists', 'Flags'), env, withReg)).value, false, 'exists checks the type');
  assert.equal((await evalc(reg('nonExists', 'Other'), env, withReg)).value, true);
  assert.equal((await evalc(reg('greaterEqual', 'Ver', '9'), env, withReg)).value, true);
  assert.equal((await evalc(reg('equals', 'Flags', '3', 'REG_DWORD'), env, withReg)).value, true);
  assert.equal(
    (await evalc({ kind: 'software', operator: 'AnyVersion', upgradeCode: '{12345678-ABCD-EF01-2345-6789ABCDEF01}' }, env, withReg)).value,
    true,
  );
  assert.equal(packGuid('{12345678-ABCD-EF01-2345-6789ABCDEF01}'), '87654321DCBA10FE32547698BADCFE10');
  const no = await evalc(reg('exists', 'Ver'));
  assert.equal(no.value, false);
  assert.equal(no.notes[0]!.code, 'FERRY_W_TS_CONDITION_NOT_EVALUATED');
});
