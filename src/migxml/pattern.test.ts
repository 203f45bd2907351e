import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compareSpecificity, compilePattern, encodeLocation, objectKey, patternMatches, splitLocation, mayMatchBelow } from './pattern.ts';

const matches = (pattern: string, path: string, container = false, type: 'File' | 'Registry' = 'File') => {
  const k = objectKey(path, container);
  return patternMatches(compilePattern(type, pattern), k.node, k.leaf);
};

test('split at the last unescaped bracket; spaces and a trailing backslash are optional', () => {
  assert.deepEqual(splitLocation('c:\\Windows [Notepad.exe]'), { node: 'c:\\Windows', leaf: 'Notepad.exe' });
  assert.deepEqual(splitLocation('c:\\Windows[Notepad.exe]'), { node: 'c:\\Windows', leaf: 'Notepad.exe' });
  assert.deepEqual(splitLocation('  C:\\EngineeringDrafts\\ [Sample.doc]'), { node: 'C:\\EngineeringDrafts', leaf: 'Sample.doc' });
  assert.deepEqual(splitLocation('HKLM\\SOFTWARE\\MyKey []'), { node: 'HKLM\\SOFTWARE\\MyKey', leaf: '' });
  assert.deepEqual(splitLocation('c:\\Windows\\System32'), { node: 'c:\\Windows\\System32', leaf: null });
  assert.deepEqual(splitLocation('c:\\documents\\mydocs [file^].txt]'), { node: 'c:\\documents\\mydocs', leaf: 'file].txt' });
  assert.deepEqual(splitLocation('c:\\a^[b]\\x [y]'), { node: 'c:\\a[b]\\x', leaf: 'y' });
  assert.equal(encodeLocation('c:\\documents\\mydocs', 'file].txt'), 'c:\\documents\\mydocs [file^].txt]');
});

test('§3.2 pattern table', () => {
  assert.ok(matches('C:\\Folder\\ [*]', 'C:\\Folder\\a.txt'));
  assert.ok(!matches('C:\\Folder\\ [*]', 'C:\\Folder\\sub\\a.txt'));
  assert.ok(matches('C:\\Folder\\* [*]', 'C:\\Folder\\sub\\deep\\a.txt'));
  assert.ok(matches('C:\\Folder\\* [*]', 'C:\\Folder', true));
  assert.ok(matches('C:\\Folder\\* [*]', 'C:\\Folder\\sub', true));
  assert.ok(matches('C:\\Folder\\ [*.mp3]', 'C:\\FOLDER\\Song.MP3'));
  assert.ok(!matches('C:\\Folder\\ [*.mp3]', 'C:\\Folder\\a.mp3x'));
  assert.ok(matches('C:\\Folder\\ [Sample.doc]', 'c:\\folder\\sample.doc'));
  assert.ok(matches('C:\\* [Sample.doc]', 'C:\\x\\y\\Sample.doc'));
  assert.ok(matches('C:\\Windows\\*', 'C:\\Windows\\System32', true));
  assert.ok(!matches('C:\\Windows\\*', 'C:\\Windows\\notepad.exe'), 'node-only patterns match containers only');
  assert.ok(matches('%X%\\ [desktop.ini]'.replace('%X%', 'C:\\Users\\bob\\Music'), 'C:\\Users\\bob\\Music\\desktop.ini'));
  assert.ok(matches('C:\\Users\\bob\\Music [desktop.ini]', 'C:\\Users\\bob\\Music\\desktop.ini'));
  assert.ok(matches('*[*.library-ms]', 'C:\\Users\\bob\\AppData\\Roaming\\Microsoft\\Windows\\Libraries\\Documents.library-ms'));
  assert.ok(matches('HKCU\\Software\\X\\* [*]', 'HKEY_CURRENT_USER\\Software\\X\\Sub\\V', false, 'Registry'));
  assert.ok(matches('HKCU\\Software\\X [V]', 'HKCU\\Software\\X\\V', false, 'Registry'));
  assert.ok(!matches('HKCU\\Software\\X [V]', 'HKCU\\Software\\X\\Sub\\V', false, 'Registry'));
});

test('? is not a wildcard; a partial * globs within one segment; trailing \\* is recursive', () => {
  assert.ok(!matches('C:\\Dir\\ [a?.txt]', 'C:\\Dir\\ab.txt'));
  assert.ok(matches('C:\\Dir\\ [a?.txt]', 'C:\\Dir\\a?.txt'));
  const p = '%L%\\Mozilla\\Firefox\\Profiles\\*\\Cache\\* [*]'.replace('%L%', 'C:\\U\\Local');
  assert.ok(matches(p, 'C:\\U\\Local\\Mozilla\\Firefox\\Profiles\\abc.default\\Cache\\x\\y'));
  // migxml.md §3.2 rule 5 left a whole middle `*` at one level "(unconfirmed)"; Microsoft's
  // EngineeringDrafts example (next test) shows it spans folders, so a deeper Cache matches too.
  assert.ok(matches(p, 'C:\\U\\Local\\Mozilla\\Firefox\\Profiles\\abc.default\\Other\\Cache\\y'));
  assert.ok(!matches(p, 'C:\\U\\Local\\Mozilla\\Firefox\\Other\\abc.default\\Cache\\y'));
  assert.ok(matches('C:\\App\\1.*', 'C:\\App\\1.2.3', true));
  assert.ok(!matches('C:\\App\\1.*', 'C:\\App\\2.0', true));
  assert.ok(matches('C:\\ [a*b*c.txt]', 'C:\\aXbYc.txt'));
});

test('mayMatchBelow prunes folders no pattern can reach', () => {
  const p = compilePattern('File', 'C:\\Users\\bob\\Documents\\* [*]');
  assert.ok(mayMatchBelow(p, ['c:']));
  assert.ok(mayMatchBelow(p, ['c:', 'users']));
  assert.ok(!mayMatchBelow(p, ['c:', 'windows']));
  assert.ok(mayMatchBelow(p, ['c:', 'users', 'bob', 'documents', 'x']));
  const flat = compilePattern('File', 'C:\\Folder\\ [*]');
  assert.ok(!mayMatchBelow(flat, ['c:', 'folder', 'sub']));
});

test('§6.4 specificity: node literals, then non-recursive, then leaf rank', () => {
  const s = (t: string) => compilePattern('File', t).specificity;
  assert.ok(compareSpecificity(s('C:\\Dir1\\* [*]'), s('C:\\* [*.txt]')) > 0);
  assert.ok(compareSpecificity(s('C:\\Dir1\\ [*]'), s('C:\\Dir1\\* [*]')) > 0);
  assert.ok(compareSpecificity(s('C:\\Dir1\\* [a.txt]'), s('C:\\Dir1\\* [*.txt]')) > 0);
  assert.ok(compareSpecificity(s('C:\\Dir1\\* [*.txt]'), s('C:\\Dir1\\* [*]')) > 0);
  assert.equal(compareSpecificity(s('C:\\Dir1\\* [*]'), s('c:\\dir1\\* [*]')), 0);
});

test('Ini patterns keep file and section', () => {
  const p = compilePattern('Ini', 'C:\\Notes\\notes.ini|Notes[InstallType]');
  assert.deepEqual(p.ini, { file: 'C:\\Notes\\notes.ini', section: 'Notes' });
});

// "Include files and settings" (learn.microsoft.com/windows/deployment/usmt/usmt-include-files-and-settings):
// `C:\*\EngineeringDrafts\* [*]` and `*\EngineeringDrafts\* [*]` migrate a folder of that name
// "from any location"; "if multiple folders exist with the same name, they are all migrated".
test('a whole * segment in the middle of a node spans any number of folders', () => {
  const onC = 'C:\\*\\EngineeringDrafts\\* [*]';
  assert.ok(matches(onC, 'C:\\Projects\\EngineeringDrafts\\a.dwg'));
  assert.ok(matches(onC, 'C:\\Projects\\2019\\Q4\\EngineeringDrafts\\sub\\b.dwg'));
  assert.ok(matches(onC, 'C:\\Projects\\2019\\EngineeringDrafts', true));
  assert.ok(!matches(onC, 'C:\\Projects\\Other\\c.dwg'));
  assert.ok(!matches(onC, 'C:\\Projects\\EngineeringDraftsOld\\c.dwg'));
  const anywhere = '*\\EngineeringDrafts\\* [*]';
  assert.ok(matches(anywhere, 'C:\\EngineeringDrafts\\a.dwg'));
  assert.ok(matches(anywhere, 'C:\\Users\\bob\\Desktop\\EngineeringDrafts\\x\\a.dwg'));
  assert.ok(!matches(anywhere, 'C:\\Users\\bob\\Desktop\\a.dwg'));
  // Non-recursive: the named folder's own files only, at any depth.
  assert.ok(matches('C:\\*\\Drafts\\ [*.dwg]', 'C:\\a\\b\\Drafts\\x.dwg'));
  assert.ok(!matches('C:\\*\\Drafts\\ [*.dwg]', 'C:\\a\\b\\Drafts\\sub\\x.dwg'));
  // A partial glob stays within one segment.
  assert.ok(matches('C:\\Users\\b*\\Docs\\ [*]', 'C:\\Users\\bob\\Docs\\x.txt'));
  assert.ok(!matches('C:\\Users\\b*\\Docs\\ [*]', 'C:\\Users\\bob\\x\\Docs\\x.txt'));
  // The walk enters every folder below the spanning segment, and none outside its prefix.
  const p = compilePattern('File', 'C:\\Data\\*\\Drafts\\* [*]');
  assert.ok(mayMatchBelow(p, ['c:', 'data', 'a', 'b', 'c']));
  assert.ok(!mayMatchBelow(p, ['c:', 'other']));
  assert.ok(mayMatchBelow(p, ['c:']));
});
