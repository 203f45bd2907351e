// `npm test`: every *.test.ts (unit tests beside the code in src/, end-to-end suites in test/)
// with node's own test runner, whose closing summary CI reads, plus the static checks (typecheck,
// folder boundaries, lint: scripts/test-checks.mjs) run as tests beside them, and coverage of
// src/ (table in test-artifacts/coverage.txt). Files start longest first (durations of the last
// run, test-artifacts/test-times.json, else scripts/test-times.json), so that the long end-to-end
// suites do not end up last on one core.
// Arguments narrow the run: `npm test -- src/migxml` runs only files under that path, without the
// static checks and coverage (FERRY_TEST_COVERAGE=1 turns it on, =0 off for a full run).
// FERRY_TEST_CONCURRENCY: test files at once (default 3: most suites wait on child processes,
// servers or a browser part of the time, so a third file fills two cores).
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const major = Number(process.versions.node.split('.')[0]);
if (major < 24) {
  console.error(`FERRY_E_NODE_VERSION: tests need Node 24 (this is ${process.version}); run them with \`npm test\` after \`npm ci\`.`);
  process.exit(1);
}

function find(dir, out = []) {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name.startsWith('.')) continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) find(p, out);
    else if (name.endsWith('.test.ts')) out.push(relative(root, p));
  }
  return out;
}

function readTimes(file) {
  try {
    return JSON.parse(readFileSync(join(root, file), 'utf8'));
  } catch {
    return {};
  }
}

const filters = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const passThrough = process.argv.slice(2).filter((a) => a.startsWith('-'));
let files = [...find(join(root, 'src')), ...find(join(root, 'test'))].sort();
if (filters.length) files = files.filter((f) => filters.some((x) => f.startsWith(x.replace(/^\.\//, ''))));
const full = !filters.length;
if (full && !process.env.FERRY_SKIP_TYPECHECK) files.push('scripts/test-checks.mjs');

// Longest first; a file not timed yet counts as a long one, so that it does not start last.
const times = { ...readTimes('scripts/test-times.json'), ...readTimes('test-artifacts/test-times.json') };
files.sort((a, b) => (times[b] ?? 30_000) - (times[a] ?? 30_000) || a.localeCompare(b));

const coverage = process.env.FERRY_TEST_COVERAGE ? process.env.FERRY_TEST_COVERAGE !== '0' : full;
const coverageArgs = coverage
  ? [
      '--experimental-test-coverage',
      '--test-coverage-include=src/**',
      '--test-coverage-exclude=src/**/*.test.ts',
      '--test-coverage-exclude=src/**/testing/**',
      '--test-coverage-exclude=src/**/testing.ts',
      '--test-coverage-exclude=src/**/test-support.ts',
    ]
  : [];
const concurrency = Number(process.env.FERRY_TEST_CONCURRENCY) || 3;

const r = spawnSync(
  process.execPath,
  [
    '--test',
    `--test-concurrency=${concurrency}`,
    '--test-timeout=900000',
    ...coverageArgs,
    // A reporter asked for on the command line replaces this one.
    ...(passThrough.some((a) => a.startsWith('--test-reporter'))
      ? []
      : ['--test-reporter=./scripts/test-reporter.mjs', '--test-reporter-destination=stdout']),
    ...passThrough,
    ...files,
  ],
  {
    stdio: 'inherit',
    cwd: root,
    // Every test file and every CLI a test starts loads its TypeScript from the compile cache
    // (the directory enableCompileCache() uses by default): no type stripping, no recompiling.
    env: { NODE_COMPILE_CACHE: join(tmpdir(), 'node-compile-cache'), ...process.env, FERRY_TEST: '1' },
  },
);
process.exit(r.status ?? 1);
