// The static checks of a full `npm test` run as four tests of node's runner, so that they
// overlap with the test files instead of running before them, and a failure is counted in the
// runner's summary like any other: typecheck, folder boundaries (.dependency-cruiser.cjs,
// docs/architecture.md), formatting/lint (biome.json) and line width (scripts/check-line-width.mjs).
// The typecheck is TypeScript 7's native tsc (the `typescript7` alias; `typescript` 6 stays for
// dependency-cruiser, which parses with its JS API): same tsconfig, same errors, ~4× less CPU, and
// one checker thread, since the test files run beside it on the same cores.
import { spawn } from 'node:child_process';
import { isAbsolute, join } from 'node:path';
import { test } from 'node:test';

const root = new URL('..', import.meta.url).pathname;

function check(command, args, hint) {
  return new Promise((resolve) => {
    const bin = isAbsolute(command) ? command : join(root, 'node_modules/.bin', command);
    // Without the runner's NODE_V8_COVERAGE: the tools' own coverage is not src/'s, and collecting
    // it doubled tsc's CPU time.
    const { NODE_V8_COVERAGE: _, ...env } = process.env;
    const child = spawn(bin, args, { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('error', (err) => resolve(`${command}: ${err.message}`));
    child.on('close', (code) => resolve(code === 0 ? undefined : `${out.trim()}\n${hint}`));
  });
}

// All four start at once; each test waits for its own.
const checks = {
  typecheck: check(join(root, 'node_modules/typescript7/bin/tsc'), ['-p', root, '--noEmit', '--checkers', '1'], 'typecheck failed'),
  'folder boundaries': check(
    'depcruise',
    ['src', 'test', 'bench', 'scripts', 'console/src', '--config', '.dependency-cruiser.cjs', '--output-type', 'err'],
    'folder boundaries check failed: import the other folder through its index.ts (or its ' +
      'testing module from a test); see docs/architecture.md, "Folder boundaries"',
  ),
  'format and lint': check(
    'biome',
    ['ci', '--diagnostic-level=error', '.'],
    'lint failed: run `npm run format`, then fix what `npm run lint` still reports',
  ),
  'line width': check(
    process.execPath,
    [join(root, 'scripts/check-line-width.mjs')],
    'line width check failed: split the long string literals and comments (see scripts/check-line-width.mjs)',
  ),
};

for (const [name, result] of Object.entries(checks)) {
  test(`static check: ${name}`, async () => {
    const failure = await result;
    if (failure) throw new Error(failure);
  });
}
