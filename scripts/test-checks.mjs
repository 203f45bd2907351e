// The static checks of a full `npm test` run as four tests of node's runner, so that they
// overlap with the test files instead of running before them, and a failure is counted in the
// runner's summary like any other: typecheck, folder boundaries (.dependency-cruiser.cjs,
// docs/architecture.md), formatting/lint (biome.json) and line width (scripts/check-line-width.mjs).
import { spawn } from 'node:child_process';
import { isAbsolute, join } from 'node:path';
import { test } from 'node:test';

const root = new URL('..', import.meta.url).pathname;

function check(command, args, hint) {
  return new Promise((resolve) => {
    const bin = isAbsolute(command) ? command : join(root, 'node_modules/.bin', command);
    const child = spawn(bin, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('error', (err) => resolve(`${command}: ${err.message}`));
    child.on('close', (code) => resolve(code === 0 ? undefined : `${out.trim()}\n${hint}`));
  });
}

// All four start at once; each test waits for its own.
const checks = {
  typecheck: check('tsc', ['-p', root, '--noEmit'], 'typecheck failed'),
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
