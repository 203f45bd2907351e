// `npm test`: typecheck, folder boundaries, then every *.test.ts (unit tests beside the code in
// src/, end-to-end suites in test/) with node's own test runner, whose closing summary CI reads.
// Arguments narrow the run: `npm test -- src/migxml` runs only files under that path.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
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

const filters = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const passThrough = process.argv.slice(2).filter((a) => a.startsWith('-'));
let files = [...find(join(root, 'src')), ...find(join(root, 'test'))].sort();
if (filters.length) files = files.filter((f) => filters.some((x) => f.startsWith(x.replace(/^\.\//, ''))));

if (!filters.length && !process.env.FERRY_SKIP_TYPECHECK) {
  const tc = spawnSync(join(root, 'node_modules/.bin/tsc'), ['-p', root, '--noEmit'], { stdio: 'inherit' });
  if (tc.status !== 0) {
    console.error('typecheck failed');
    console.log('0 passed, 1 failed');
    process.exit(1);
  }
  // Folder boundaries (.dependency-cruiser.cjs, docs/architecture.md): imports across src/
  // folders go through each folder's index.ts.
  const dc = spawnSync(
    join(root, 'node_modules/.bin/depcruise'),
    ['src', 'test', 'bench', 'scripts', 'console/src', '--config', '.dependency-cruiser.cjs', '--output-type', 'err'],
    {
      stdio: 'inherit',
      cwd: root,
    },
  );
  if (dc.status !== 0) {
    console.error(
      'folder boundaries check failed: import the other folder through its index.ts (or its testing module from a test); see docs/architecture.md, "Folder boundaries"',
    );
    console.log('0 passed, 1 failed');
    process.exit(1);
  }
  // Formatting and lint (biome.json): errors fail the run; `npm run format` fixes the formatting.
  const lint = spawnSync(join(root, 'node_modules/.bin/biome'), ['ci', '--diagnostic-level=error', '.'], { stdio: 'inherit', cwd: root });
  if (lint.status !== 0) {
    console.error('lint failed: run `npm run format`, then fix what `npm run lint` still reports');
    console.log('0 passed, 1 failed');
    process.exit(1);
  }
}

const r = spawnSync(process.execPath, ['--test', '--test-concurrency=2', '--test-timeout=900000', ...passThrough, ...files], {
  stdio: 'inherit',
  cwd: root,
  // Every test file and every CLI a test starts loads its TypeScript from the compile cache
  // (the directory enableCompileCache() uses by default): no type stripping, no recompiling.
  env: { NODE_COMPILE_CACHE: join(tmpdir(), 'node-compile-cache'), ...process.env, FERRY_TEST: '1' },
});
process.exit(r.status ?? 1);
