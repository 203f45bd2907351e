// Registry benchmark: write a hive of N values (default 100 000) with HiveEditor, read it back
// with openHive (every key, every value decoded), and time `hivexregedit --export` on the same
// file. Reading runs in a child process so its peak RSS is its own.
//   node bench/registry.ts [--values N]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HiveEditor, RegType, openHive, type RegKey } from '../src/registry/index.ts';

const VALUES_PER_KEY = 100;

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  return i === -1 ? fallback : Number(process.argv[i + 1]);
}

const maxRssMiB = (): number => process.resourceUsage().maxRSS / 1024;

function readAll(file: string): void {
  const t0 = performance.now();
  const hive = openHive(file);
  let values = 0;
  let bytes = 0;
  const walk = (k: RegKey): void => {
    for (const v of k.values()) {
      void v.data;
      bytes += v.raw.length;
      values++;
    }
    for (const s of k.subkeys()) walk(s);
  };
  walk(hive.root);
  hive.close();
  const ms = performance.now() - t0;
  process.stdout.write(JSON.stringify({ values, bytes, ms, rss: maxRssMiB() }));
}

function main(): void {
  const total = arg('--values', 100_000);
  const dir = mkdtempSync(join(tmpdir(), 'ferry-bench-reg-'));
  const file = join(dir, 'BENCH.DAT');
  try {
    const t0 = performance.now();
    const e = HiveEditor.create({ rootName: 'BENCH' });
    for (let i = 0; i < total; i++) {
      const key = `Software\\Bench\\Key${Math.floor(i / VALUES_PER_KEY)}`;
      switch (i % 4) {
        case 0:
          e.setValue(key, `String ${i}`, RegType.SZ, `C:\\Users\\bench\\AppData\\Roaming\\Vendor\\file-${i}.dat`);
          break;
        case 1:
          e.setValue(key, `Dword ${i}`, RegType.DWORD, i);
          break;
        case 2:
          e.setValue(key, `Binary ${i}`, RegType.BINARY, Buffer.alloc(64, i & 0xff));
          break;
        default:
          e.setValue(key, `Multi ${i}`, RegType.MULTI_SZ, ['alpha', 'beta', String(i)]);
      }
    }
    const tBuilt = performance.now();
    e.save(file);
    const tSaved = performance.now();
    const writeRss = maxRssMiB();
    const size = statSync(file).size;

    const child = spawnSync(process.execPath, [new URL(import.meta.url).pathname, '--read', file], { encoding: 'utf8' });
    if (child.status !== 0) throw new Error(`read child failed: ${child.stderr}`);
    const read = JSON.parse(child.stdout) as { values: number; bytes: number; ms: number; rss: number };
    if (read.values !== total) throw new Error(`read ${read.values} values, wrote ${total}`);

    let hivex = 'not installed (apt-get install libhivex-bin libwin-hivex-perl)';
    if (spawnSync('sh', ['-c', 'command -v hivexregedit']).status === 0) {
      const h0 = performance.now();
      const r = spawnSync('hivexregedit', ['--export', file, '\\'], { maxBuffer: 1 << 30 });
      const ms = performance.now() - h0;
      hivex =
        r.status === 0
          ? `${ms.toFixed(0)} ms (${Math.round(total / (ms / 1000)).toLocaleString('en-US')} values/s)`
          : `failed: ${r.stderr.toString().trim().slice(0, 120)}`;
    }

    const rows: Array<[string, string]> = [
      ['values', total.toLocaleString('en-US')],
      ['hive file size', `${(size / 1048576).toFixed(1)} MiB`],
      ['write: build model', `${(tBuilt - t0).toFixed(0)} ms`],
      ['write: serialise + atomic save', `${(tSaved - tBuilt).toFixed(0)} ms`],
      ['write: total', `${(tSaved - t0).toFixed(0)} ms (${Math.round(total / ((tSaved - t0) / 1000)).toLocaleString('en-US')} values/s)`],
      ['write: peak RSS', `${writeRss.toFixed(0)} MiB`],
      [
        'read: open + walk + decode all',
        `${read.ms.toFixed(0)} ms (${Math.round(read.values / (read.ms / 1000)).toLocaleString('en-US')} values/s)`,
      ],
      ['read: peak RSS (own process)', `${read.rss.toFixed(0)} MiB`],
      ['hivexregedit --export', hivex],
    ];
    const w = Math.max(...rows.map(([k]) => k.length));
    console.log(`registry benchmark (node ${process.version})`);
    for (const [k, v] of rows) console.log(`  ${k.padEnd(w)}  ${v}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const readIndex = process.argv.indexOf('--read');
if (readIndex !== -1) readAll(process.argv[readIndex + 1]!);
else main();
