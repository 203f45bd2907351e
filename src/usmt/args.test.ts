import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseArgs, parseVerbosity, type ToolSpec } from './args.ts';
import { usmtExitCodeOf } from './testing.ts';

const SPEC: ToolSpec = {
  i: { value: 'required', repeatable: true },
  key: { value: 'required' },
  encrypt: { value: 'optional' },
  o: { value: 'none' },
  uel: { value: 'required' },
  ue: { value: 'required', repeatable: true },
  offlinewindir: { value: 'required' },
};

const usmtCode = usmtExitCodeOf;

test('colon and space separators, quotes, case-insensitive names, repeatable /i', () => {
  const a = parseArgs(['/I:MigApp.xml', '/i', 'MigUser.xml', '/KEY:"my key"', '/uel:30', '/ue:*\\*', '/o', 'C:\\store'], SPEC);
  assert.deepEqual(a.options.get('i'), ['MigApp.xml', 'MigUser.xml']);
  assert.deepEqual(a.options.get('key'), ['my key']);
  assert.deepEqual(a.options.get('uel'), ['30']);
  assert.deepEqual(a.options.get('ue'), ['*\\*']);
  assert.deepEqual(a.options.get('o'), ['']);
  assert.deepEqual(a.positionals, ['C:\\store']);
});

test('a Linux absolute path is a positional, not an option', () => {
  const a = parseArgs(['/tmp/store', '/offlinewindir:/mnt/vol/Windows', '/encrypt', '/key:k'], SPEC);
  assert.deepEqual(a.positionals, ['/tmp/store']);
  assert.equal(a.options.get('offlinewindir')?.[0], '/mnt/vol/Windows');
  assert.deepEqual(a.options.get('encrypt'), ['']);
});

test('/? /help --help and --json', () => {
  assert.equal(parseArgs(['/?'], SPEC).help, true);
  assert.equal(parseArgs(['/HELP'], SPEC).help, true);
  assert.equal(parseArgs(['--json', 'x'], SPEC).json, true);
});

test('errors: unknown option, repeated single-use option, missing value → 11; >256 chars → 12', () => {
  assert.equal(
    usmtCode(() => parseArgs(['/bogus'], SPEC)),
    11,
  );
  assert.equal(
    usmtCode(() => parseArgs(['/key:a', '/key:b'], SPEC)),
    11,
  );
  assert.equal(
    usmtCode(() => parseArgs(['/key'], SPEC)),
    11,
  );
  assert.equal(
    usmtCode(() => parseArgs(['/key:'], SPEC)),
    11,
  );
  assert.equal(
    usmtCode(() => parseArgs(['/o:x'], SPEC)),
    11,
  );
  assert.equal(
    usmtCode(() => parseArgs([`C:\\${'a'.repeat(260)}`], SPEC)),
    12,
  );
  assert.equal(
    usmtCode(() => parseArgs(['/key', 'k'.repeat(257)], SPEC)),
    12,
  );
});

test('verbosity accepts only sums of 1, 4 and 8', () => {
  for (const v of [0, 1, 4, 5, 8, 9, 12, 13]) assert.equal(parseVerbosity(String(v)), v);
  for (const v of ['2', '3', '6', '7', '10', '11', '14', 'x', '-1'])
    assert.equal(
      usmtCode(() => parseVerbosity(v)),
      11,
      v,
    );
});
