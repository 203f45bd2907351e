import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compilePattern, patternMatches } from './pattern.ts';
import { decodeIni, encodeIni, emptyIni, iniKey, iniLocation, iniSettings, iniValue, setIniValue, splitIniLocation } from './ini.ts';

const utf16 = (text: string) => Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);

test('UTF-16LE with a BOM: settings read, an edit keeps the encoding, line ends and every other line', () => {
  const text = '; Notes\r\n[Notes]\r\nInstallType=2\r\nDirectory=C:\\Notes\\Data\r\n\r\n[Other]\r\nx=1\r\n';
  const doc = decodeIni(utf16(text));
  assert.equal(doc.encoding, 'utf16le');
  assert.deepEqual(iniSettings(doc), [
    { section: 'Notes', key: 'InstallType', value: '2' },
    { section: 'Notes', key: 'Directory', value: 'C:\\Notes\\Data' },
    { section: 'Other', key: 'x', value: '1' },
  ]);
  setIniValue(doc, 'notes', 'installtype', '6');
  setIniValue(doc, 'Notes', 'Added', 'yes');
  setIniValue(doc, 'New', 'k', 'v');
  const out = encodeIni(doc);
  assert.deepEqual(out.subarray(0, 2), Buffer.from([0xff, 0xfe]));
  assert.equal(
    out.subarray(2).toString('utf16le'),
    '; Notes\r\n[Notes]\r\nInstallType=6\r\nDirectory=C:\\Notes\\Data\r\nAdded=yes\r\n\r\n[Other]\r\nx=1\r\n\r\n[New]\r\nk=v\r\n',
  );
});

test('8-bit files: UTF-8 and ANSI bytes are written back unchanged; LF line ends stay LF', () => {
  const ansi = Buffer.from('[S]\nname=Caf\xe9\n', 'latin1');
  const doc = decodeIni(ansi);
  assert.equal(doc.encoding, 'latin1');
  assert.equal(iniValue(doc, 's', 'NAME'), 'Café');
  setIniValue(doc, 'S', 'other', '1');
  assert.deepEqual(encodeIni(doc), Buffer.from('[S]\nname=Caf\xe9\nother=1\n', 'latin1'));
  const u8 = decodeIni(Buffer.from('\ufeff[S]\r\nk=ü\r\n', 'utf8'));
  assert.equal(u8.encoding, 'utf8-bom');
  assert.deepEqual(encodeIni(u8), Buffer.from('\ufeff[S]\r\nk=ü\r\n', 'utf8'));
});

test('duplicate sections and keys: the first wins for reading and writing; comments and garbage are ignored', () => {
  const doc = decodeIni(
    Buffer.from('top=0\r\n[A]\r\nk=1\r\n;k=c\r\nk=2\r\n[B]\r\nj=3\r\n[a]\r\nk=9\r\nm=4\r\nnot a setting\r\n=x\r\n', 'utf8'),
  );
  assert.equal(iniValue(doc, 'A', 'k'), '1');
  assert.equal(iniValue(doc, 'A', 'm'), '4', 'a key only in the duplicate section is still read');
  assert.equal(iniValue(doc, '', 'top'), '0');
  assert.equal(iniSettings(doc).length, 4);
  setIniValue(doc, 'A', 'k', 'x');
  assert.equal(doc.lines[2], 'k=x');
  setIniValue(doc, '', 'top2', 'y');
  assert.equal(doc.lines[1], 'top2=y');
  // Binary garbage decodes to something harmless, never a crash.
  const junk = decodeIni(Buffer.from([0x00, 0xff, 0x5b, 0x0a, 0x3d, 0x00, 0xc3, 0x28, 0x0d]));
  assert.ok(Array.isArray(iniSettings(junk)));
  assert.equal(iniSettings(decodeIni(Buffer.from([0xfe, 0xff, 0x00, 0x5b, 0x00]))).length, 0);
});

test('a new file gets the section and setting with CRLF line ends', () => {
  const doc = emptyIni();
  setIniValue(doc, 'Notes', 'InstallType', '2');
  assert.equal(encodeIni(doc).toString('latin1'), '[Notes]\r\nInstallType=2\r\n');
});

test('INI locations and patterns: file|Section[Setting], wildcards in the section and the setting', () => {
  assert.deepEqual(splitIniLocation('C:\\Notes\\notes.ini|Notes[InstallType]'), {
    file: 'C:\\Notes\\notes.ini',
    section: 'Notes',
    key: 'InstallType',
  });
  assert.equal(splitIniLocation('C:\\Notes\\notes.ini [x]'), null);
  assert.equal(iniLocation('C:\\a.ini', 'S', 'k[1]'), 'C:\\a.ini|S[k^[1^]]');
  const key = iniKey('C:\\Notes\\notes.ini|Notes[InstallType]');
  const match = (pattern: string) => {
    const p = compilePattern('Ini', pattern);
    return patternMatches(p, key.node, key.leaf);
  };
  assert.ok(match('C:\\Notes\\notes.ini|Notes[InstallType]'));
  assert.ok(match('c:\\notes\\NOTES.INI|notes[*]'));
  assert.ok(match('C:\\Notes\\notes.ini|*[Install*]'));
  assert.ok(match('C:\\Notes\\notes.ini|N*s[*]'));
  assert.ok(!match('C:\\Notes\\notes.ini|Other[InstallType]'), 'the section must match');
  assert.ok(!match('C:\\Notes\\notes.ini|Notes[Directory]'));
  assert.ok(!match('C:\\Notes\\other.ini|Notes[InstallType]'));
});
