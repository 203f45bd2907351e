// `npm test`: every *.test.ts (unit tests beside the code in src/, end-to-end suites in test/)
// with node's own test runner, whose closing summary CI reads, plus the static checks (typecheck,
// folder boundaries, lint: scripts/test-checks.mjs) run as tests beside them, and coverage of
// src/ (table in test-artifacts/coverage.txt). Files start longest first (durations of the last
// run, test-artifacts/test-times.json, else scripts/test-times.json), so that the long end-to-end
// suites do not end up last on one core. In a full run the short unit files share two processes
// (shareProcesses below; FERRY_TEST_SHARED=0: a process per file).
// Arguments narrow the run: `npm test -- src/migxml` runs only files under that path, without the
// static checks and coverage (FERRY_TEST_COVERAGE=1 turns it on, =0 off for a full run).
// FERRY_TEST_CONCURRENCY: test files at once (default 3: most suites wait on child processes,
// servers or a browser part of the time, so a third file fills two cores).
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
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
if (full && process.env.FERRY_TEST_SHARED !== '0') files = shareProcesses(files);
files.sort((a, b) => (times[b] ?? 30_000) - (times[a] ?? 30_000) || a.localeCompare(b));

/**
 * In a full run, the unit files of src/ that last under a second run in a few shared processes
 * (an entry file importing them), not in one each: a node start with coverage cost ~0.45 CPU-s a
 * file, 25 CPU-s for 60 such files against 7 shared (issue 16). A file not timed yet, and every
 * end-to-end suite, keeps a process of its own. FERRY_TEST_SHARED=0 turns sharing off.
 */
function shareProcesses(list) {
  const small = list.filter((f) => f.startsWith('src/') && times[f] !== undefined && times[f] < 1_000);
  if (small.length < 2) return list;
  const dir = join(root, 'test-artifacts/shared');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  // Two groups of about equal duration: the tests of one process run one after another.
  const groups = [[], []];
  const load = [0, 0];
  for (const f of [...small].sort((a, b) => times[b] - times[a] || a.localeCompare(b))) {
    const i = load[0] <= load[1] ? 0 : 1;
    groups[i].push(f);
    load[i] += times[f];
  }
  const entries = groups.map((group, i) => {
    const entry = join(dir, `unit-${i + 1}.test.mjs`);
    const imports = group.map((f) => `import ${JSON.stringify(relative(dir, join(root, f)))};`);
    writeFileSync(entry, `// ${group.length} unit test files in one process (scripts/test.mjs)\n${imports.join('\n')}\n`);
    times[relative(root, entry)] = load[i];
    return relative(root, entry);
  });
  const shared = new Set(small);
  return [...list.filter((f) => !shared.has(f)), ...entries];
}

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
