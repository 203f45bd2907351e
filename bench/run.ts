// `npm run bench`: runs every benchmark in one go. The benchmarks that read a Windows volume
// (rules, volume, store) share one sample-volume tree (`ferry sample-volume`), generated once here and handed to each with
// `--tree`, so their numbers describe the same files. Each bench/<name>.ts is its own script
// (runnable alone) and prints its own table; this runner only sequences them so their numbers
// come from the same machine state.
//   npm run bench                         all benchmarks on a 2G tree for 6 users (issues 3 and 4)
//   npm run bench -- store rules          only those
//   npm run bench -- --size 500M          a smaller tree (and --size to the others, e.g. smp's upload)
//   npm run bench -- --tree DIR           an existing sample-volume tree instead of a new one
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ALL = ['rules', 'volume', 'store', 'registry', 'smp'];
const ON_A_TREE = new Set(['rules', 'volume', 'store']);
const GEN = new URL('../scripts/sample-volume.mjs', import.meta.url).pathname;

const args = process.argv.slice(2);
const picked = args.filter((a) => ALL.includes(a));
const passThrough = args.filter((a) => !ALL.includes(a));
const option = (name: string, fallback: string): string => {
  const i = passThrough.indexOf(name);
  return i === -1 ? fallback : passThrough[i + 1]!;
};
const names = (picked.length ? picked : ALL).filter((n) => existsSync(new URL(`./${n}.ts`, import.meta.url).pathname));

let tree = option('--tree', '');
let made: string | null = null;
if (!tree && names.some((n) => ON_A_TREE.has(n))) {
  const size = option('--size', '2G');
  const users = option('--users', '6');
  made = mkdtempSync(join(tmpdir(), 'ferry-bench-tree-'));
  tree = join(made, 'vol');
  const t = performance.now();
  const g = spawnSync(process.execPath, [GEN, '--out', tree, '--size', size, '--users', users, '--seed', '1', '--quiet'], { stdio: ['ignore', 'ignore', 'inherit'] });
  if (g.status !== 0) {
    rmSync(made, { recursive: true, force: true });
    console.error('ferry sample-volume failed');
    process.exit(1);
  }
  console.log(`tree: ferry sample-volume --size ${size} --users ${users} --seed 1 (${((performance.now() - t) / 1000).toFixed(1)} s) in ${tree}`);
}

let failed = 0;
try {
  for (const name of names) {
    const file = new URL(`./${name}.ts`, import.meta.url).pathname;
    const extra = ON_A_TREE.has(name) && !passThrough.includes('--tree') ? ['--tree', tree] : [];
    console.log(`\n=== bench: ${name} ===`);
    const r = spawnSync(process.execPath, ['--expose-gc', file, ...passThrough, ...extra], { stdio: 'inherit' });
    if (r.status !== 0) {
      failed++;
      console.error(`bench ${name} exited with ${r.status}`);
    }
  }
} finally {
  if (made) rmSync(made, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
