import assert from 'node:assert/strict';
import { test } from 'node:test';
import { splitArguments, splitWindowsCommandLine } from './command-line.ts';
import { commandArgv } from './run-command.ts';
import { TsEnvironment } from './variables.ts';

test('CommandLineToArgvW rules (the documented examples)', () => {
  const cases: [string, string[]][] = [
    ['prog "a b c" d e', ['prog', 'a b c', 'd', 'e']],
    ['prog "ab\\"c" "\\\\" d', ['prog', 'ab"c', '\\', 'd']],
    ['prog a\\\\\\b d"e f"g h', ['prog', 'a\\\\\\b', 'de fg', 'h']],
    ['prog a\\\\\\"b c d', ['prog', 'a\\"b', 'c', 'd']],
    ['prog a\\\\\\\\"b c" d e', ['prog', 'a\\\\b c', 'd', 'e']],
    ['prog "a""b"', ['prog', 'a"b']],
    ['"C:\\Program Files\\x.exe" /a', ['C:\\Program Files\\x.exe', '/a']],
    ['C:\\dir\\x.exe "" tail', ['C:\\dir\\x.exe', '', 'tail']],
    ['  \tprog\t  a  ', ['prog', 'a']],
    ['', []],
  ];
  for (const [line, argv] of cases) assert.deepEqual(splitWindowsCommandLine(line), argv, line);
  assert.deepEqual(splitArguments('/ue:*\\Guest /ui:"dom\\user one"'), ['/ue:*\\Guest', '/ui:dom\\user one']);
});

test('variables are expanded inside each argument after splitting: values cannot add arguments', () => {
  const env = new TsEnvironment({ Path1: 'C:\\a b', Evil: 'x" "y & del C:\\' });
  assert.deepEqual(commandArgv('tool.exe %Path1% "%Evil%" %Missing%', env), ['tool.exe', 'C:\\a b', 'x" "y & del C:\\', '%Missing%']);
});
