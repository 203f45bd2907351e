// `npm test`: every *.test.ts (unit tests beside the code in src/, end-to-end suites in test/)
// with node's own test runner, whose closing summary CI reads, plus the static checks (typecheck,
// folder boundaries, lint: scripts/test-checks.mjs) run as tests beside them, and coverage of
// src/ (table in test-artifacts/coverage.txt). Files start longest first (durations of the last
// run, test-artifacts/test-times.json, else scripts/test-times.json), so that the long end-to-end
// suites do not end up last on one core. In a full run test files share processes, a group
// each (shareProcesses below; FERRY_TEST_SHARED=0: a process per file).
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

/**
 * Test files that keep a process of their own in a shared run, and why: the fuzz targets check
 * the process's memory (and fuzz-rest changes its working folder); engine.test.ts sets
 * FERRY_USMT_XML_DIR for the whole process.
 */
const OWN_PROCESS = [/^test\/security\/fuzz-/, /^src\/tasksequence\/engine\.test\.ts$/];
/** The browser suites: one process, so one Chromium (test/support/console.ts). */
const BROWSER = /^test\/console[^/]*\.test\.ts$/;
/** A shared process runs its files one after another: no longer than the longest suites. */
const GROUP_MS = 30_000;

// Longest first; a file not timed yet counts as a long one, so that it does not start last.
const times = { ...readTimes('scripts/test-times.json'), ...readTimes('test-artifacts/test-times.json') };
const sharing = process.env.FERRY_TEST_SHARED ? process.env.FERRY_TEST_SHARED !== '0' : full;
if (sharing) files = shareProcesses(files);
files.sort((a, b) => (times[b] ?? 30_000) - (times[a] ?? 30_000) || a.localeCompare(b));

/**
 * In a full run (FERRY_TEST_SHARED=1: any run; =0: none), test files share processes: an entry
 * file imports a group of them. A node process with coverage costs ~1.3 CPU-s beyond its tests
 * (start-up, importing src/, reading and summing its coverage): 60 unit files cost 25-30 CPU-s
 * one per process, 7 in two; ten end-to-end files 36.5 CPU-s alone, 23 in one (issue 16). The
 * browser suites share one process and one Chromium (a launch and a site cost ~5 CPU-s a suite).
 * Groups are filled longest first up to GROUP_MS of last durations; a file not timed yet, or in
 * OWN_PROCESS, keeps a process of its own.
 */
function shareProcesses(list) {
  const dir = join(root, 'test-artifacts/shared');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const shared = new Set();
  const entries = [];
  const entry = (group) => {
    const file = join(dir, `${entries.length + 1}.test.mjs`);
    const imports = group.map((f) => `import ${JSON.stringify(relative(dir, join(root, f)))};`);
    writeFileSync(file, `// ${group.length} test files in one process (scripts/test.mjs)\n${imports.join('\n')}\n`);
    times[relative(root, file)] = group.reduce((n, f) => n + (times[f] ?? 30_000), 0);
    entries.push(relative(root, file));
    for (const f of group) shared.add(f);
  };
  const browser = list.filter((f) => BROWSER.test(f));
  if (browser.length >= 2) entry(browser);
  const rest = list
    .filter((f) => f.endsWith('.test.ts') && !BROWSER.test(f) && times[f] !== undefined && !OWN_PROCESS.some((re) => re.test(f)))
    .sort((a, b) => times[b] - times[a] || a.localeCompare(b));
  // First fit, longest first: the long suites open the groups, the short files fill them up.
  const groups = [];
  for (const f of rest) {
    const g = groups.find((x) => x.load + times[f] <= GROUP_MS);
    if (g) {
      g.files.push(f);
      g.load += times[f];
    } else groups.push({ files: [f], load: times[f] });
  }
  for (const g of groups) if (g.files.length > 1) entry(g.files);
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
