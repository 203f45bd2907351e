import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RegType } from '../registry/index.ts';
import { remapProfilePaths, remapSid, remapValueData } from './profile-remap.ts';

const FROM = 'C:\\Users\\alice';
const TO = 'C:\\Users\\alice2';

test('remapProfilePaths: profile paths move, case-insensitively, on a folder boundary only', () => {
  assert.equal(remapProfilePaths('C:\\Users\\alice\\Pictures\\wallpaper.jpg', FROM, TO), 'C:\\Users\\alice2\\Pictures\\wallpaper.jpg');
  assert.equal(remapProfilePaths('c:\\users\\ALICE', FROM, TO), TO);
  assert.equal(
    remapProfilePaths('"C:\\Users\\Alice\\app.exe" /x;C:\\Users\\alice;D:\\y', FROM, TO),
    '"C:\\Users\\alice2\\app.exe" /x;C:\\Users\\alice2;D:\\y',
  );
  assert.equal(remapProfilePaths('C:\\Users\\alice smith\\x', FROM, TO), 'C:\\Users\\alice smith\\x');
  assert.equal(remapProfilePaths('C:\\Users\\alice.old', FROM, TO), 'C:\\Users\\alice.old');
  assert.equal(remapProfilePaths('C:\\Users\\alicex', FROM, TO), 'C:\\Users\\alicex');
  assert.equal(remapProfilePaths('XC:\\Users\\alice', FROM, TO), 'XC:\\Users\\alice');
  assert.equal(remapProfilePaths('%USERPROFILE%\\Documents', FROM, TO), '%USERPROFILE%\\Documents');
  assert.equal(remapProfilePaths('C:\\Users\\al\\x', 'C:\\Users\\al\\', 'C:\\Users\\bob'), 'C:\\Users\\bob\\x');
  assert.equal(remapProfilePaths('C:\\Users\\alice\\x', FROM, 'c:\\users\\ALICE'), 'C:\\Users\\alice\\x');
  assert.equal(remapProfilePaths('C:\\Users\\a.b+c\\x', 'C:\\Users\\a.b+c', TO), 'C:\\Users\\alice2\\x');
});

test('remapSid: the whole SID only', () => {
  const sid = 'S-1-5-21-1-2-3-1001';
  assert.equal(remapSid(`${sid}_Classes`, sid, 'S-1-5-21-9-9-9-1000'), 'S-1-5-21-9-9-9-1000_Classes');
  assert.equal(remapSid(`${sid}5`, sid, 'S-1-5-21-9-9-9-1000'), `${sid}5`);
  assert.equal(remapSid(`${sid}-7`, sid, 'S-1-5-21-9-9-9-1000'), `${sid}-7`);
});

test('remapValueData: REG_SZ, REG_EXPAND_SZ, REG_MULTI_SZ only; untouched data is the same buffer', () => {
  const sz = (s: string) => Buffer.from(`${s}\0`, 'utf16le');
  const map = { fromProfile: FROM, toProfile: TO };
  assert.deepEqual(remapValueData(RegType.SZ, sz('C:\\Users\\alice\\Pictures\\w.jpg'), map), sz('C:\\Users\\alice2\\Pictures\\w.jpg'));
  assert.deepEqual(remapValueData(RegType.EXPAND_SZ, sz('C:\\Users\\alice\\x;%TEMP%'), map), sz('C:\\Users\\alice2\\x;%TEMP%'));
  const multi = Buffer.from('C:\\Users\\alice\0D:\\x\0C:\\Users\\alice\\y\0\0', 'utf16le');
  assert.deepEqual(
    remapValueData(RegType.MULTI_SZ, multi, map),
    Buffer.from('C:\\Users\\alice2\0D:\\x\0C:\\Users\\alice2\\y\0\0', 'utf16le'),
  );
  const binary = sz('C:\\Users\\alice');
  assert.equal(remapValueData(RegType.BINARY, binary, map), binary);
  const plain = sz('Work');
  assert.equal(remapValueData(RegType.SZ, plain, map), plain);
  const odd = Buffer.concat([sz('C:\\Users\\alice'), Buffer.from([7])]);
  assert.deepEqual(remapValueData(RegType.SZ, odd, map), Buffer.concat([sz(TO), Buffer.from([7])]));
  const withSid = sz('S-1-5-21-1-2-3-1001');
  assert.deepEqual(
    remapValueData(RegType.SZ, withSid, { ...map, fromSid: 'S-1-5-21-1-2-3-1001', toSid: 'S-1-5-21-4-5-6-1000' }),
    sz('S-1-5-21-4-5-6-1000'),
  );
  assert.equal(remapValueData(RegType.SZ, withSid, map), withSid);
});
