// Volume-model benchmark: walk a generated volume (`ferry sample-volume`) with each walk form, with and
// without reading attributes and stat fields, and report paths/s (wall, and per CPU-second: on a
// shared machine wall time mostly measures the neighbours) and peak RSS. This is the floor under
// the rule engine's throughput (the rules bench measures the whole evaluation).
//   node bench/volume.ts [--size 500M] [--users 6] [--rounds 5] [--tree ROOT]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openVolume, type VolumeEntry } from '../src/volume/index.ts';
import { GEN_PROFILES } from '../src/volume/testing.ts';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(name);
  return i === -1 ? fallback : process.argv[i + 1]!;
}

const size = arg('--size', '500M');
const users = arg('--users', '6');
const rounds = Number(arg('--rounds', '5'));
const tree = arg('--tree', '');
const base = tree ? null : mkdtempSync(join(tmpdir(), 'ferry-bench-vol-'));
try {
  const root = tree || join(base!, 'vol');
  if (!tree) {
    const gen = spawnSync(process.execPath, [GEN_PROFILES, '--out', root, '--size', size, '--users', users, '--seed', '1', '--quiet'], {
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    if (gen.status !== 0) throw new Error('ferry sample-volume failed');
  }
  const vol = await openVolume(join(root, 'Windows'));
  const touch = { none: (_e: VolumeEntry) => 0, attributes: (e: VolumeEntry) => e.attributes, stat: (e: VolumeEntry) => e.size };
  const forms = {
    walk: async (f: (e: VolumeEntry) => number) => {
      let n = 0;
      for await (const e of vol.walk('C:\\')) n += 1 + 0 * f(e);
      return n;
    },
    walkBatches: async (f: (e: VolumeEntry) => number) => {
      let n = 0;
      for await (const b of vol.walkBatches('C:\\')) for (const e of b) n += 1 + 0 * f(e);
      return n;
    },
    walkSync: async (f: (e: VolumeEntry) => number) => {
      let n = 0;
      for (const e of vol.walkSync('C:\\')) n += 1 + 0 * f(e);
      return n;
    },
  };
  console.log(`volume: ${tree ? tree : `ferry sample-volume --size ${size} --users ${users}`}; best of ${rounds} rounds`);
  console.log('form          reads        paths   paths/s  paths/CPU-s');
  for (const [form, run] of Object.entries(forms)) {
    for (const [what, f] of Object.entries(touch)) {
      let best = Infinity;
      let bestCpu = Infinity;
      let paths = 0;
      for (let r = 0; r < rounds; r++) {
        const t0 = performance.now();
        const c0 = process.cpuUsage();
        paths = await run(f);
        const c = process.cpuUsage(c0);
        best = Math.min(best, performance.now() - t0);
        bestCpu = Math.min(bestCpu, (c.user + c.system) / 1000);
      }
      const rate = (ms: number) => String(Math.round((paths / ms) * 1000));
      console.log(
        `${form.padEnd(13)} ${what.padEnd(11)} ${String(paths).padStart(7)} ${rate(best).padStart(9)} ${rate(bestCpu).padStart(12)}`,
      );
    }
  }
  console.log(`peak RSS ${Math.round(process.resourceUsage().maxRSS / 1024)} MiB`);
  vol.close();
} finally {
  if (base) rmSync(base, { recursive: true, force: true });
}
