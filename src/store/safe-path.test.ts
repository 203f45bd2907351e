import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isFerryError } from '../errors/index.ts';
import { driveRelative, folderStorePath, folderStorePaths, safeJoin } from './safe-path.ts';

test('safeJoin keeps ordinary Windows paths under the destination', () => {
  assert.equal(safeJoin('/dest', 'C\\Users\\alice\\Documents\\a b.txt'), '/dest/C/Users/alice/Documents/a b.txt');
  assert.equal(safeJoin('/dest/', 'x/./y.txt'), '/dest/x/y.txt');
  assert.equal(safeJoin('/dest', 'Users\\名前\\😀.txt'), '/dest/Users/名前/😀.txt');
});

test('safeJoin refuses every way out of the destination', () => {
  const bad = [
    '..\\x',
    'a\\..\\..\\x',
    'a/../b',
    '\\Windows\\x',
    '/etc/passwd',
    'C:\\x',
    'C:x',
    '\\\\?\\C:\\x',
    '\\\\.\\PhysicalDrive0',
    '\\\\server\\share\\x',
    'a\\CON',
    'a\\nul.txt',
    'COM1',
    'lpt9.log',
    'a\\...',
    'a\\.. ',
    'x\u0000y',
    'a:stream',
    '',
    '.',
    'a\\b?c',
  ];
  for (const p of bad) {
    assert.throws(
      () => safeJoin('/dest', p),
      (e: unknown) => isFerryError(e, 'FERRY_E_STORE_UNSAFE_PATH'),
      p,
    );
  }
});

test('folder store paths put each drive in its own folder', () => {
  assert.equal(driveRelative('c:\\Users\\a'), 'C\\Users\\a');
  assert.equal(folderStorePath('C:\\Users\\a\\x.txt'), 'File/C/Users/a/x.txt');
  assert.throws(
    () => folderStorePath('\\\\srv\\share\\x'),
    (e: unknown) => isFerryError(e, 'FERRY_E_STORE_UNSAFE_PATH'),
  );
});

test('folderStorePaths (a folder checked once for its files) maps and refuses exactly as folderStorePath', () => {
  const paths = [
    'C:\\Users\\a\\x.txt',
    'C:\\Users\\a\\y.txt',
    'C:\\Users\\a\\..',
    'C:\\Users\\a\\CON',
    'C:\\Users\\a\\b?c',
    'C:\\Users\\a\\s:stream',
    'C:\\Users\\a\\',
    'C:\\Users\\a\\.',
    'C:\\Users\\a\\/x',
    'C:\\Users\\a\\d/../../x',
    'C:\\Users\\a\\z\u0001',
    'C:\\Users\\a\\z.txt',
    'C:\\x',
    'C:\\\\y',
    'D:\\Users\\a\\x.txt',
    'C:\\Users\\nul\\x.txt',
    'C:\\Users\\nul\\y.txt',
    '\\\\srv\\share\\x',
  ];
  const outcome = (f: () => string) => {
    try {
      return f();
    } catch (e) {
      return isFerryError(e, 'FERRY_E_STORE_UNSAFE_PATH') ? `refused: ${e.message}` : `other: ${String(e)}`;
    }
  };
  const many = folderStorePaths();
  for (const p of paths)
    assert.equal(
      outcome(() => many(p)),
      outcome(() => folderStorePath(p)),
      p,
    );
});
