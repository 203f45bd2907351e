// `npm run bench`: runs every benchmark in one go. The benchmarks that read a Windows volume
// (rules, volume, store) share one sample-volume tree (`ferry sample-volume`) per size, generated here and handed to each
// with `--tree`, so their numbers describe the same files. Each bench/<name>.ts is its own script
// (runnable alone) and prints its own table; this runner sequences them so their numbers come
// from the same machine state, and ends with the issue-16 summary: every ratio beside its goal
// (lines `ratio|name|value|goal` the benchmarks print) and peak RSS per tree size (`rss|…`).
//   npm run bench                         all benchmarks on a 2G tree for 6 users (issues 3, 4, 16)
//   npm run bench -- store rules          only those
//   npm run bench -- --size 500M          a smaller tree (and --size to the others, e.g. smp's upload)
//   npm run bench -- store --sizes 500M,2G,8G   the tree benchmarks once per size: is memory flat?
//   npm run bench -- --tree DIR           an existing sample-volume tree instead of a new one
//   npm run bench -- store --runs 3       each benchmark 3 times: the summary gives each ratio's median
//                                         (one run's capture ratio moved 1.08–1.24× with page-cache state)
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ALL = ['rules', 'volume', 'store', 'registry', 'smp'];
const ON_A_TREE = new Set(['rules', 'volume', 'store']);
const GEN = new URL('../scripts/sample-volume.mjs', import.meta.url).pathname;

const args = process.argv.slice(2);
const picked = args.filter((a) => ALL.includes(a));
const option = (name: string, fallback: string): string => {
  const i = args.indexOf(name);
  return i === -1 ? fallback : args[i + 1]!;
};
// --sizes is the runner's own; --size goes to each benchmark (per tree when --sizes is given).
const without = (list: string[], name: string) => {
  const i = list.indexOf(name);
  return i === -1 ? list : [...list.slice(0, i), ...list.slice(i + 2)];
};
const passThrough = without(
  without(
    args.filter((a) => !ALL.includes(a)),
    '--sizes',
  ),
  '--size',
).filter((a, i, all) => a !== '--runs' && all[i - 1] !== '--runs');
const names = (picked.length ? picked : ALL).filter((n) => existsSync(new URL(`./${n}.ts`, import.meta.url).pathname));
const sizes = option('--sizes', option('--size', '2G')).split(',');
const givenTree = option('--tree', '');
const runs = Math.max(1, Number(option('--runs', '1')) || 1);

const summary: string[] = [];
let failed = 0;

/** One benchmark's summary lines over `runs` runs: each ratio's median (with every value), each peak RSS's maximum. */
function combine(lines: string[]): string[] {
  if (runs === 1) return lines;
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const groups = new Map<string, string[][]>();
  for (const l of lines) {
    const f = l.split('|');
    const key = `${f[0]}|${f[1]}|${f[0] === 'rss' ? f[2] : ''}`;
    groups.set(key, [...(groups.get(key) ?? []), f]);
  }
  return [...groups.values()].map((g) => {
    const first = g[0]!;
    if (first[0] === 'rss') return [...first.slice(0, 3), String(Math.max(...g.map((f) => Number(f[3]))))].join('|');
    const values = g.map((f) => Number(f[2]));
    const cpus = g.map((f) => Number(f[4])).filter((c) => c > 0);
    const cpu = cpus.length ? median(cpus).toFixed(2) : '';
    return ['ratio', first[1], median(values).toFixed(2), first[3], cpu, values.map((v) => v.toFixed(2)).join(' ')].join('|');
  });
}

function runBench(name: string, extra: string[]): string[] {
  const file = new URL(`./${name}.ts`, import.meta.url).pathname;
  const shown = givenTree && ON_A_TREE.has(name) ? [`--tree ${givenTree}`] : extra.filter((a) => a !== '--tree' && !a.startsWith('/'));
  console.log(`\n=== bench: ${name} ${shown.join(' ')} ===`);
  const r = spawnSync(process.execPath, ['--expose-gc', file, ...passThrough, ...extra], {
    stdio: ['ignore', 'pipe', 'inherit'],
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
  const out = r.stdout ?? '';
  process.stdout.write(
    out
      .split('\n')
      .filter((l) => !/^(ratio|rss)\|/.test(l))
      .join('\n'),
  );
  if (r.status !== 0) {
    failed++;
    console.error(`bench ${name} exited with ${r.status}`);
  }
  return out.split('\n').filter((l) => /^(ratio|rss)\|/.test(l));
}

for (const [i, size] of sizes.entries()) {
  let tree = givenTree;
  let made: string | null = null;
  const here = names.filter((n) => ON_A_TREE.has(n) || i === 0);
  if (!tree && here.some((n) => ON_A_TREE.has(n))) {
    const users = option('--users', '6');
    made = mkdtempSync(join(tmpdir(), 'ferry-bench-tree-'));
    tree = join(made, 'vol');
    const t = performance.now();
    const g = spawnSync(process.execPath, [GEN, '--out', tree, '--size', size, '--users', users, '--seed', '1', '--quiet'], {
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    if (g.status !== 0) {
      rmSync(made, { recursive: true, force: true });
      console.error('ferry sample-volume failed');
      process.exit(1);
    }
    console.log(
      `tree: ferry sample-volume --size ${size} --users ${users} --seed 1 (${((performance.now() - t) / 1000).toFixed(1)} s) in ${tree}`,
    );
  }
  try {
    // The SMP upload keeps its own default (512M) unless --size was given explicitly.
    // A tree given with --tree is not of any --size: the store bench labels it by its folder.
    const sizeArg = (name: string) => ((ON_A_TREE.has(name) && !givenTree) || args.includes('--size') ? ['--size', size] : []);
    for (const name of here) {
      const lines: string[] = [];
      for (let run = 0; run < runs; run++)
        lines.push(...runBench(name, [...sizeArg(name), ...(ON_A_TREE.has(name) && !givenTree ? ['--tree', tree] : [])]));
      summary.push(...combine(lines));
    }
  } finally {
    if (made) rmSync(made, { recursive: true, force: true });
  }
}

// The issue-16 table: each ratio (lower is better unless the goal says >=) beside its goal.
const ratios = summary.filter((l) => l.startsWith('ratio|')).map((l) => l.split('|'));
if (ratios.length) {
  console.log('\n=== summary (issue 16): ratio to the reference measured in the same run ===');
  const width = Math.max(...ratios.map((r) => r[1]!.length));
  for (const [, name, value, goal, cpu, each] of ratios) {
    const [op, limit] = goal!.split(' ');
    const met = op === '>=' ? Number(value) >= Number(limit) : Number(value) <= Number(limit);
    const cpuNote = cpu ? `   (CPU seconds: ${cpu}×)` : '';
    const runsNote = each ? `   runs: ${each}` : '';
    console.log(
      `${name!.padEnd(width)}  ${value!.padStart(6)}×  goal ${goal!.padEnd(7)} ${met ? 'met    ' : 'NOT met'}${cpuNote}${runsNote}`,
    );
  }
  console.log('(wall-time ratios; on a shared machine the CPU-seconds ratio beside each is the steadier number)');
  if (runs > 1) console.log(`(each ratio is the median of ${runs} runs; peak RSS is the largest of them)`);
}
const rss = summary.filter((l) => l.startsWith('rss|')).map((l) => l.split('|'));
if (rss.length) {
  console.log('\npeak RSS per tree size (goal ≤ 256 MiB at any size):');
  for (const [, size, what, mib] of rss)
    console.log(`  ${size!.padEnd(6)} ${what!.padEnd(8)} ${mib!.padStart(5)} MiB  ${Number(mib) <= 256 ? 'met' : 'NOT met'}`);
}
process.exit(failed ? 1 : 0);
