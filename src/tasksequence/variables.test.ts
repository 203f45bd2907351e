import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isFerryError } from '../errors/index.ts';
import { formatCmTraceLine, parseCmTrace } from './smsts-log.ts';
import { checkVariableName, layerVariables, TsEnvironment } from './variables.ts';

test('names are case-insensitive, keep their first spelling, and the empty value deletes', () => {
  const env = new TsEnvironment({ OSDStateStorePath: 'C:\\S' });
  env.set('osdstatestorepath', 'C:\\T');
  assert.deepEqual(env.toRecord(), { OSDStateStorePath: 'C:\\T' });
  assert.equal(env.expand('%OSDSTATESTOREPATH%\\x %nope% 100%'), 'C:\\T\\x %nope% 100%');
  env.set('OSDStateStorePath', '');
  assert.equal(env.has('OSDStateStorePath'), false);
  env.set('Pw', 'hunter22', { secret: true });
  assert.equal(env.redact('pass hunter22!'), 'pass ********!');
});

test('name rules: read-only _ names, letters first, allowed characters', () => {
  for (const bad of ['_SMSTSInWinPE', '1abc', 'a b', '', 'x'.repeat(257)]) {
    assert.throws(
      () => checkVariableName(bad),
      (e: unknown) => isFerryError(e, 'FERRY_E_TS_VARIABLE_INVALID'),
      bad,
    );
  }
  assert.equal(checkVariableName(' My-Var_1 '), 'My-Var_1');
  assert.equal(checkVariableName('_SMSTSX', { engine: true }), '_SMSTSX');
});

test('layering: collection by priority, then device, then deployment', () => {
  const vars = layerVariables({
    collections: [
      { priority: 5, variables: { A: 'low', B: 'low' } },
      { priority: 1, variables: { A: 'high' } },
    ],
    device: { B: 'device', C: 'device' },
    deployment: { c: 'deployment' },
  });
  assert.deepEqual(vars, { A: 'high', B: 'device', C: 'deployment' });
  assert.throws(
    () => layerVariables({ deployment: { _SMSTSInWinPE: 'true' } }),
    (e: unknown) => isFerryError(e, 'FERRY_E_TS_VARIABLE_INVALID'),
  );
  assert.throws(
    () => layerVariables({ device: { Big: 'x'.repeat(4001) } }),
    (e: unknown) => isFerryError(e, 'FERRY_E_TS_VARIABLE_INVALID'),
  );
});

test('CMTrace line: the spec format, local time with the Windows bias, record breaks escaped', () => {
  const t = new Date(2015, 5, 26, 14, 24, 33, 329);
  const line = formatCmTraceLine({
    message: 'Downloaded file ]LOG]!> x\r\nsecond line',
    component: 'ApplyOperatingSystem',
    type: 1,
    time: t,
    thread: 1256,
    file: 'downloadcontent.cpp:1626',
  });
  const bias = t.getTimezoneOffset();
  const sign = bias < 0 ? '-' : '+';
  assert.equal(
    line,
    `<![LOG[Downloaded file ]LOG] !> x\r\nsecond ` +
      `line]LOG]!><time="14:24:33.329${sign}${String(Math.abs(bias)).padStart(3, '0')}" date="06-26-2015" ` +
      `component="ApplyOperatingSystem" context="" type="1" thread="1256" file="downloadcontent.cpp:1626">`,
  );
  const [rec] = parseCmTrace(line);
  assert.equal(rec!.message, 'Downloaded file ]LOG] !> x\r\nsecond line');
  assert.equal(rec!.component, 'ApplyOperatingSystem');
});

test('password and product key variables are secret: masked in what the engine logs', () => {
  const env = new TsEnvironment();
  env.set('OSDProductKey', 'ABCDE-12345-FGHIJ-67890-KLMNO');
  env.set('SMSTSRunCommandLineUserPassword', 'Pa55word!');
  env.set('OSDComputerName', 'PC01');
  assert.deepEqual(env.secretNames(), ['osdproductkey', 'smstsruncommandlineuserpassword']);
  const masked = env.redact('key ABCDE-12345-FGHIJ-67890-KLMNO, password Pa55word!, computer PC01');
  assert.ok(!masked.includes('ABCDE-12345') && !masked.includes('Pa55word!') && masked.includes('PC01'), masked);
});
