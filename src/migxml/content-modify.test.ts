import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeValueData, encodeValueData, RegType } from '../registry/index.ts';
import { keepExisting, modifyRegistryValue, type RawValue } from './content-modify.ts';
import { parseScriptCall } from './script-call.ts';

const value = (type: number, data: Parameters<typeof encodeValueData>[1]): RawValue => ({ type, raw: encodeValueData(type, data) });
const run = (script: string, source: RawValue, existing: RawValue | null = null) => {
  const out = modifyRegistryValue(parseScriptCall(script, { file: 'test' }), source, existing);
  return out && { type: out.type, data: decodeValueData(out.type, out.raw) };
};

test('ConvertToDWORD / ConvertToString / ConvertToBinary (§5.7)', () => {
  assert.deepEqual(run('MigXmlHelper.ConvertToDWORD(NULL)', value(RegType.SZ, '1')), { type: RegType.DWORD, data: 1 });
  assert.deepEqual(
    run('MigXmlHelper.ConvertToDWORD("7")', value(RegType.SZ, 'yes')),
    { type: RegType.DWORD, data: 7 },
    'failure writes Default',
  );
  assert.deepEqual(
    run('MigXmlHelper.ConvertToDWORD(NULL)', value(RegType.SZ, 'yes')),
    { type: RegType.DWORD, data: 0 },
    'Default NULL is 0',
  );
  assert.deepEqual(run('MigXmlHelper.ConvertToString(NULL)', value(RegType.DWORD, 1)), { type: RegType.SZ, data: '1' });
  assert.deepEqual(run('MigXmlHelper.ConvertToString("x")', value(RegType.BINARY, Buffer.from([1]))), { type: RegType.SZ, data: 'x' });
  const bin = run('MigXmlHelper.ConvertToBinary()', value(RegType.DWORD, 5))!;
  assert.equal(bin.type, RegType.BINARY);
  assert.deepEqual(bin.data, Buffer.from([5, 0, 0, 0]));
});

test('OffsetValue and SetValueByTable', () => {
  assert.deepEqual(run('MigXmlHelper.OffsetValue("-2")', value(RegType.DWORD, 14)), { type: RegType.DWORD, data: 12 });
  assert.deepEqual(run('MigXmlHelper.OffsetValue("3")', value(RegType.SZ, '10')), { type: RegType.SZ, data: '13' });
  const table = 'MigXmlHelper.SetValueByTable("0,1,2","10,11,12","99")';
  assert.deepEqual(run(table, value(RegType.DWORD, 1)), { type: RegType.DWORD, data: 11 });
  assert.deepEqual(run(table, value(RegType.DWORD, 5)), { type: RegType.DWORD, data: 99 }, 'unmatched → Default');
  assert.equal(
    run('MigXmlHelper.SetValueByTable("a,b","x,y",NULL)', value(RegType.SZ, 'c')),
    null,
    'Default NULL leaves the destination unchanged',
  );
  assert.deepEqual(run('MigXmlHelper.SetValueByTable("a,b","x,y",NULL)', value(RegType.SZ, 'B')), { type: RegType.SZ, data: 'y' });
});

test('MergeMultiSzContent and MergeDelimitedContent merge with the destination, edit, de-duplicate', () => {
  const dest = value(RegType.MULTI_SZ, ['a', 'b']);
  assert.deepEqual(run('MigXmlHelper.MergeMultiSzContent("Add","z","Remove","b")', value(RegType.MULTI_SZ, ['B', 'c', 'a']), dest), {
    type: RegType.MULTI_SZ,
    data: ['a', 'c', 'z'],
  });
  assert.deepEqual(run('MigXmlHelper.MergeMultiSzContent()', value(RegType.MULTI_SZ, ['x']), null), {
    type: RegType.MULTI_SZ,
    data: ['x'],
  });
  assert.deepEqual(
    run(
      'MigXmlHelper.MergeDelimitedContent(";","Remove","old","Add","new")',
      value(RegType.EXPAND_SZ, 'C:\\a;old;C:\\b'),
      value(RegType.SZ, 'C:\\b;C:\\mine'),
    ),
    { type: RegType.EXPAND_SZ, data: 'C:\\b;C:\\mine;C:\\a;new' },
  );
});

test('KeepExisting: Security, TimeFields, FileAttrib letters; the right-most FileAttrib wins', () => {
  assert.deepEqual(keepExisting(parseScriptCall('MigXmlHelper.KeepExisting("TimeFields","FileAttrib:hr")', { file: 'test' })), {
    security: false,
    timeFields: true,
    attributeMask: 0x3,
  });
  assert.deepEqual(keepExisting(parseScriptCall('MigXmlHelper.KeepExisting("Security","FileAttrib:S","FileAttrib:A")', { file: 'test' })), {
    security: true,
    timeFields: false,
    attributeMask: 0x20,
  });
});
