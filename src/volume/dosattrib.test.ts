import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeDosAttrib, decodeNtfsAttrib } from './dosattrib.ts';
import { composeAttributes } from './attributes.ts';
import { FileAttr } from './types.ts';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

test('ntfs-3g attribute word is 4 bytes big-endian', () => {
  assert.equal(decodeNtfsAttrib(hex('00000026')), 0x26);
  assert.equal(decodeNtfsAttrib(hex('00004010')), FileAttr.ENCRYPTED | FileAttr.DIRECTORY);
  assert.equal(decodeNtfsAttrib(hex('80000000')), 0x80000000);
  assert.equal(decodeNtfsAttrib(hex('0026')), null);
});

test('DOSATTRIB ASCII form as `ferry sample-volume` and old Samba write it', () => {
  assert.equal(decodeDosAttrib(Buffer.from('0x26')), 0x26);
  assert.equal(decodeDosAttrib(Buffer.from('0x12\0')), 0x12);
  assert.equal(decodeDosAttrib(Buffer.from('0XA')), 0xa);
  assert.equal(decodeDosAttrib(Buffer.from('hidden')), null);
  assert.equal(decodeDosAttrib(Buffer.alloc(0)), null);
});

test('DOSATTRIB NDR v5 (Samba 4.9+: empty hex string)', () => {
  // "" NUL | version 5 | level 5 + pad | valid_flags 0x11 | attrib 0x22 | create_time
  const v = hex('0000 0500 0500 0000 11000000 22000000 aecef311e0f6d501');
  assert.equal(decodeDosAttrib(v), 0x22);
});

test('DOSATTRIB NDR v4 (ksmbd) and v3 (Samba 4.x with hex string)', () => {
  const v4 = hex('0000 0400 0400 0000 01000000 06000000 0000000000000000 0000000000000000');
  assert.equal(decodeDosAttrib(v4), 0x06);
  // "0x20" NUL pad | version 3 | level 3 + pad | valid 0x1 | attrib 0x21 | ea_size | size | alloc | times
  const v3 = Buffer.concat([Buffer.from('0x20\0\0', 'latin1'), hex('0300 0300 0000 01000000 21000000 00000000'), Buffer.alloc(32)]);
  assert.equal(decodeDosAttrib(v3), 0x21, 'the binary attrib wins over the hex text');
});

test('DOSATTRIB NDR v1 and v2, and v3 without the ATTRIB flag', () => {
  // "0x2" NUL | version 1 at 4 | level 1 at 6 | attrib at 8
  const v1 = Buffer.concat([Buffer.from('0x2\0', 'latin1'), hex('0100 0100 27000000'), Buffer.alloc(36)]);
  assert.equal(decodeDosAttrib(v1), 0x27);
  const v2 = Buffer.concat([hex('00 00 0200 0200 0000 00000000 02000000'), Buffer.alloc(40)]);
  assert.equal(decodeDosAttrib(v2), 0x02);
  const noAttrib = Buffer.concat([Buffer.from('0x4\0', 'latin1'), hex('0300 0300 10000000 99000000'), Buffer.alloc(32)]);
  assert.equal(decodeDosAttrib(noAttrib), 0x4, 'falls back to the hex text when attrib is not valid');
});

test('truncated or unknown NDR falls back to the hex text, never throws', () => {
  assert.equal(decodeDosAttrib(hex('0000 0500 05')), null);
  assert.equal(decodeDosAttrib(Buffer.concat([Buffer.from('0x6\0', 'latin1'), hex('0900 0900')])), 0x6);
  assert.equal(
    decodeDosAttrib(Buffer.concat([Buffer.from('0x6\0', 'latin1'), hex('0300 0400 0000 01000000 01000000')])),
    0x6,
    'level must equal version',
  );
});

test('composing: DIRECTORY, REPARSE_POINT, READONLY from mode, NORMAL when nothing', () => {
  assert.equal(composeAttributes('file', 0o100644, null), FileAttr.NORMAL);
  assert.equal(composeAttributes('file', 0o100444, null), FileAttr.READONLY);
  assert.equal(composeAttributes('file', 0o100444, 0x26), 0x27);
  assert.equal(composeAttributes('dir', 0o40555, null), FileAttr.DIRECTORY, 'no READONLY from mode on folders');
  assert.equal(composeAttributes('dir', 0o40755, 0x12), 0x12);
  assert.equal(composeAttributes('symlink', 0o120777, null), FileAttr.REPARSE_POINT);
  assert.equal(composeAttributes('file', 0o100644, FileAttr.NORMAL | FileAttr.HIDDEN), FileAttr.HIDDEN);
});
