import { test } from 'node:test';
import assert from 'node:assert/strict';
import { foldCase, formatWinPath, isWinPathWithin, joinWinPath, normalizeWinPath, parseWinPath, winPathEquals } from './winpath.ts';

test('parses drive, separators, prefixes, . and ..', () => {
  assert.deepEqual(parseWinPath('c:\\Users\\alice\\'), { drive: 'C:', parts: ['Users', 'alice'] });
  assert.deepEqual(parseWinPath('C:/Users//alice/./Docs/../x.txt'), { drive: 'C:', parts: ['Users', 'alice', 'x.txt'] });
  assert.deepEqual(parseWinPath('\\\\?\\D:\\long'), { drive: 'D:', parts: ['long'] });
  assert.deepEqual(parseWinPath('\\Users'), { drive: '', parts: ['Users'] });
  assert.deepEqual(parseWinPath('C:'), { drive: 'C:', parts: [] });
  // `..` never climbs above the drive root, as on Windows.
  assert.deepEqual(parseWinPath('C:\\..\\..\\etc\\passwd'), { drive: 'C:', parts: ['etc', 'passwd'] });
});

test('UNC paths keep their share as the root and never map to a drive', () => {
  assert.deepEqual(parseWinPath('\\\\fs01\\home$\\bob\\Documents'), { drive: '\\\\fs01\\home$', parts: ['bob', 'Documents'] });
  assert.deepEqual(parseWinPath('\\\\?\\UNC\\fs01\\home$\\..\\..\\x'), { drive: '\\\\fs01\\home$', parts: ['x'] });
  assert.equal(normalizeWinPath('//fs01/home$/bob'), '\\\\fs01\\home$\\bob');
});

test('formats and normalises', () => {
  assert.equal(formatWinPath('C:', []), 'C:\\');
  assert.equal(formatWinPath('C:', ['Users', 'a']), 'C:\\Users\\a');
  assert.equal(normalizeWinPath('c:/users/A/'), 'C:\\users\\A');
  assert.equal(normalizeWinPath('\\Windows', 'D:'), 'D:\\Windows');
  assert.equal(joinWinPath('C:\\Users\\', '\\alice\\', 'AppData/Roaming'), 'C:\\Users\\alice\\AppData\\Roaming');
  assert.equal(joinWinPath('C:', ''), 'C:\\');
});

test('case folding is per character and NFC-insensitive', () => {
  assert.equal(foldCase('Users'), 'USERS');
  assert.equal(foldCase('zoë müller'), foldCase('ZOË MÜLLER'));
  // NTFS does not expand ß to SS: the folded name keeps its length.
  assert.equal(foldCase('straße'), 'STRAßE');
  assert.notEqual(foldCase('straße'), foldCase('STRASSE'));
  // A name stored decomposed (NFD) matches rule text written precomposed (NFC).
  assert.equal(foldCase('Zoe\u0308'), foldCase('Zoë'));
  assert.equal(foldCase('李伟'), '李伟');
});

test('equality and containment are case-insensitive and whole-component', () => {
  assert.ok(winPathEquals('c:\\USERS\\Alice', 'C:/Users/alice/'));
  assert.ok(isWinPathWithin('C:\\Users\\alice\\Documents\\a.doc', 'c:\\users\\ALICE'));
  assert.ok(isWinPathWithin('C:\\Users', 'C:\\'));
  assert.ok(!isWinPathWithin('C:\\Users\\alice2', 'C:\\Users\\alice'));
});
