// `npm run bench`: runs every benchmark in one go, on trees generated once by gen-profiles.
// Each bench/<name>.ts is its own script (runnable alone) and prints its own table; this runner
// only sequences them so their numbers come from the same machine state.
//   npm run bench                 all benchmarks at the default size
//   npm run bench -- store rules  only those
//   npm run bench -- --size 500M  smaller trees (passed through to each script)
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const ALL = ['rules', 'store', 'registry', 'smp'];
const args = process.argv.slice(2);
const picked = args.filter((a) => ALL.includes(a));
const passThrough = args.filter((a) => !ALL.includes(a));
let failed = 0;
for (const name of picked.length ? picked : ALL) {
  const file = new URL(`./${name}.ts`, import.meta.url).pathname;
  if (!existsSync(file)) continue;
  console.log(`\n=== bench: ${name} ===`);
  const r = spawnSync(process.execPath, ['--expose-gc', file, ...passThrough], { stdio: 'inherit' });
  if (r.status !== 0) {
    failed++;
    console.error(`bench ${name} exited with ${r.status}`);
  }
}
process.exit(failed ? 1 : 0);
