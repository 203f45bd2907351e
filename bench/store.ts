// Store benchmark: one sample-volume tree, then in one run Ferry's capture (compressed+encrypted),
// hard-link capture, restore and re-capture after an interruption against tar|zstd, restic, cp -al
// and zstd -d|tar -x. Every tool runs as a child under /usr/bin/time -v, so wall time, CPU and
// peak RSS are measured the same way for all.
//   node bench/store.ts [--size 2G] [--users 6] [--keep] [--tree ROOT]  (ROOT: a sample-volume tree
//   on the same file system as the temporary folder, for cp -al and hard-link capture)
import { spawn, spawnSync } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, type Stats } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { createStore, driveRelative, openStore, safeJoin, type StoreType } from '../src/store/index.ts';

const KEY = 'bench-key';
const self = new URL(import.meta.url).pathname;
// As users run it: the bin script turns the compile cache on before any TypeScript loads; src/cli/main.ts
// run directly is stripped (and loads the TypeScript stripper) on every start: +0.2 CPU-s, +16 MiB RSS.
const MAIN = new URL('../bin/ferry.mjs', import.meta.url).pathname;

/** A machine-readable line the bench runner collects into its summary: `ratio|name|value|goal`. */
export function ratioLine(name: string, value: number, goal: string, cpuRatio?: number): string {
  return `ratio|${name}|${value.toFixed(2)}|${goal}|${cpuRatio === undefined ? '' : cpuRatio.toFixed(2)}`;
}

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(name);
  return i === -1 ? fallback : process.argv[i + 1]!;
}

/** What a volume walker hands ScanState: every folder and regular file, depth first, with its stat. */
function* walk(host: string, win: string): Generator<{ host: string; win: string; dir: boolean; st: Stats }> {
  for (const d of readdirSync(host, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const h = join(host, d.name);
    const w = `${win}\\${d.name}`;
    if (d.isDirectory()) {
      yield { host: h, win: w, dir: true, st: statSync(h) };
      yield* walk(h, w);
    } else if (d.isFile()) yield { host: h, win: w, dir: false, st: statSync(h) };
  }
}

/** The Ferry side of each measurement, run in a child process. */
async function child(mode: string, src: string, out: string): Promise<void> {
  if (mode === 'restore') {
    // Chunks freed as soon as read (the extractor copies them): their garbage otherwise piled up in RSS.
    const r = await openStore(src, { key: KEY, releaseChunks: true });
    let made = '';
    const x = r.extractor();
    for await (const e of r.entries()) {
      if (e.kind === 'registry') continue;
      const dest = safeJoin(out, driveRelative(e.winPath));
      const dir = e.kind === 'dir' ? dest : dirname(dest);
      if (dir !== made) mkdirSync(dir, { recursive: true }), (made = dir);
      if (e.kind === 'file') await x.add(e, dest);
    }
    await x.finish();
    await r.close();
    return;
  }
  const type: StoreType = mode === 'hardlink' ? 'hardlink' : 'compressed';
  const w = await createStore(out, {
    type,
    resume: mode === 'resume',
    ...(type === 'compressed' ? { encryption: { key: KEY, algId: 'AES_256' } } : {}),
  });
  // As ScanState does: up to WINDOW files in flight, each settled in order (a hard-link store
  // links on its own thread meanwhile; the other stores settle each call before the next starts).
  const inFlight: Promise<unknown>[] = [];
  const window = type === 'hardlink' ? 1024 : 0;
  for (const f of walk(src, 'C:')) {
    const st = f.st;
    const meta = { winPath: f.win, mtimeMs: st.mtimeMs, atimeMs: st.atimeMs, birthtimeMs: st.birthtimeMs, attributes: f.dir ? 0x10 : 0x20 };
    if (f.dir) await w.addDirectory({ kind: 'dir', ...meta });
    else {
      inFlight.push(w.addFile({ kind: 'file', size: st.size, ...meta }, f.host));
      while (inFlight.length > window) await inFlight.shift();
    }
  }
  for (const p of inFlight) await p;
  const s = await w.finish();
  if (mode === 'resume') process.stderr.write(`resume reused ${s.reusedFiles} of ${s.files} files\n`);
}

interface Row {
  readonly name: string;
  readonly wall: number;
  readonly cpu: number;
  /** user + system CPU seconds: steadier than wall time when the machine is shared. */
  readonly cpuSec: number;
  readonly rssMiB: number;
  readonly outBytes: number;
}

function timed(name: string, cmd: string[], env: NodeJS.ProcessEnv = {}): Omit<Row, 'outBytes'> {
  // Each row starts with no dirty pages of the one before: creating 40k files right after another
  // tool wrote gigabytes cost 7 to 21 system CPU-s for the same restore (issue 16, 'extract all').
  spawnSync('sync');
  const t0 = performance.now();
  // Node children start from the compile cache, as `bin/ferry` starts (bin/run-ts.mjs).
  const cache = { NODE_COMPILE_CACHE: join(tmpdir(), 'ferry-bench-compile-cache') };
  const r = spawnSync('/usr/bin/time', ['-v', ...cmd], {
    encoding: 'utf8',
    env: { ...process.env, ...cache, ...env },
    maxBuffer: 64 * 1024 * 1024,
  });
  const wall = (performance.now() - t0) / 1000;
  const rss = /Maximum resident set size \(kbytes\): (\d+)/.exec(r.stderr);
  const cpu = /Percent of CPU this job got: (\d+)%/.exec(r.stderr);
  const user = Number(/User time \(seconds\): ([\d.]+)/.exec(r.stderr)?.[1] ?? 0);
  const sys = Number(/System time \(seconds\): ([\d.]+)/.exec(r.stderr)?.[1] ?? 0);
  if (r.status !== 0) throw new Error(`${name} failed (${r.status}): ${r.stderr.slice(-2000)}`);
  const note = r.stderr.split('\n').find((l) => l.startsWith('resume reused'));
  if (note) console.log(`  (${note})`);
  return { name, wall, cpu: Number(cpu?.[1] ?? 0), cpuSec: user + sys, rssMiB: Number(rss?.[1] ?? 0) / 1024 };
}

function du(path: string): number {
  const r = spawnSync('du', ['-sb', path], { encoding: 'utf8' });
  return Number(r.stdout.split('\t')[0]);
}

async function main(): Promise<void> {
  // The scanstate/loadstate rows read Microsoft's MigDocs.xml and MigUser.xml.
  // Imported here, not at the top: the timed children (--child) load only what Ferry itself loads.
  const { USMT_FIXTURES } = await import('../test/support/shared.ts');
  if (!USMT_FIXTURES) throw new Error('Set FERRY_TEST_MICROSOFT_XML_DIR to the folder holding MigDocs.xml and MigUser.xml.');
  const USER_RULES = [`/i:${USMT_FIXTURES}/MigDocs.xml`, `/i:${USMT_FIXTURES}/MigUser.xml`];
  const size = arg('--size', '2G');
  const users = arg('--users', '6');
  const work = mkdtempSync(join(tmpdir(), 'ferry-bench-store-'));
  const tree = arg('--tree', '');
  // A tree given by path alone is labelled by its folder name (e.g. 8G), not a --size it was not made with.
  const sizeLabel = tree && !process.argv.includes('--size') ? basename(tree) : size;
  const vol = tree || join(work, 'vol');
  const ferry = (mode: string, src: string, out: string) => [process.execPath, self, '--child', mode, src, out];
  try {
    if (!tree) {
      console.log(`generating a ${size} tree for ${users} users in ${vol} …`);
      const g = spawnSync(
        process.execPath,
        [
          new URL('../scripts/sample-volume.mjs', import.meta.url).pathname,
          '--out',
          vol,
          '--size',
          size,
          '--users',
          users,
          '--seed',
          '1',
          '--quiet',
        ],
        { stdio: ['ignore', 'ignore', 'inherit'] },
      );
      if (g.status !== 0) throw new Error('ferry sample-volume failed');
    }
    // Everything below reads the tree from the page cache: warm it once for all tools alike. Through
    // a pipe: GNU tar writing to /dev/null itself skips reading the files' contents.
    spawnSync('bash', ['-c', `tar -cf - -C '${vol}' . | cat > /dev/null`]);
    let data = 0;
    for (const f of walk(vol, 'C:')) if (!f.dir) data += f.st.size;

    const rows: Row[] = [];
    // An output no later row reads is removed once measured: an 8 GB tree's outputs together outgrow
    // many disks (the 8G run once stopped on a full disk at its last row).
    const add = (r: Omit<Row, 'outBytes'>, out: string, ...done: string[]) => {
      rows.push({ ...r, outBytes: du(out) });
      for (const d of done) rmSync(d, { recursive: true, force: true });
    };

    add(timed('ferry capture (zstd-3 + AES-256-GCM)', ferry('capture', vol, join(work, 'ferry'))), join(work, 'ferry'));
    add(
      timed('tar -cf - | zstd -T0 -3', ['bash', '-c', `tar -cf - -C '${vol}' . | zstd -q -T0 -3 -o '${join(work, 'vol.tar.zst')}'`]),
      join(work, 'vol.tar.zst'),
    );
    spawnSync('restic', ['init', '--repo', join(work, 'restic'), '-q'], { env: { ...process.env, RESTIC_PASSWORD: KEY } });
    add(
      timed('restic backup (first)', ['restic', 'backup', '--repo', join(work, 'restic'), '-q', vol], {
        RESTIC_PASSWORD: KEY,
        RESTIC_CACHE_DIR: join(work, 'restic-cache'),
      }),
      join(work, 'restic'),
      join(work, 'restic'),
    );
    add(timed('ferry hard-link capture', ferry('hardlink', vol, join(work, 'hl'))), join(work, 'hl'), join(work, 'hl'));
    add(timed('cp -al', ['cp', '-al', vol, join(work, 'cpal')]), join(work, 'cpal'), join(work, 'cpal'));
    add(
      timed('ferry restore (extract all)', ferry('restore', join(work, 'ferry'), join(work, 'restored'))),
      join(work, 'restored'),
      join(work, 'restored'),
      join(work, 'ferry'),
    );
    await mkdir(join(work, 'untarred'));
    add(
      timed('zstd -d | tar -x', ['bash', '-c', `zstd -q -d -c '${join(work, 'vol.tar.zst')}' | tar -x -C '${join(work, 'untarred')}'`]),
      join(work, 'untarred'),
      join(work, 'untarred'),
      join(work, 'vol.tar.zst'),
    );

    // LoadState as users run it: scanstate/loadstate commands with MigDocs + MigUser onto a fresh
    // volume, beside extracting exactly the data it restored (tar | zstd of its output, made untimed).
    const usersStore = join(work, 'users-store');
    add(
      timed('ferry scanstate /i:MigDocs /i:MigUser /encrypt', [
        process.execPath,
        MAIN,
        'scanstate',
        usersStore,
        `/offlinewindir:${join(vol, 'Windows')}`,
        ...USER_RULES,
        '/encrypt',
        `/key:${KEY}`,
        '/o',
        `/l:${join(work, 'scan.log')}`,
      ]),
      usersStore,
    );
    const fresh = join(work, 'fresh');
    mkdirSync(join(fresh, 'Windows/System32'), { recursive: true });
    mkdirSync(join(fresh, 'Users/Default'), { recursive: true });
    add(
      timed('ferry loadstate /i:MigDocs /i:MigUser /lac (fresh volume)', [
        process.execPath,
        MAIN,
        'loadstate',
        usersStore,
        `/offlinewindir:${join(fresh, 'Windows')}`,
        ...USER_RULES,
        '/decrypt',
        `/key:${KEY}`,
        '/lac',
        `/l:${join(work, 'load.log')}`,
      ]),
      fresh,
      usersStore,
    );
    spawnSync('bash', ['-c', `tar -cf - -C '${fresh}' . | zstd -q -T0 -3 -o '${join(work, 'restored.tar.zst')}'`]);
    rmSync(fresh, { recursive: true, force: true });
    await mkdir(join(work, 'unrestored'));
    add(
      timed('zstd -d | tar -x (the data loadstate restored)', [
        'bash',
        '-c',
        `zstd -q -d -c '${join(work, 'restored.tar.zst')}' | tar -x -C '${join(work, 'unrestored')}'`,
      ]),
      join(work, 'unrestored'),
      join(work, 'unrestored'),
      join(work, 'restored.tar.zst'),
    );

    // Re-capture after an interruption: kill a capture at half its time, then time the resume.
    const half = rows[0]!.wall / 2;
    const killed = spawn(process.execPath, [self, '--child', 'capture', vol, join(work, 'resumed')], { stdio: 'ignore' });
    await new Promise((r) => setTimeout(r, half * 1000));
    killed.kill('SIGKILL');
    await new Promise((r) => killed.on('exit', r));
    add(
      timed(`ferry re-capture after kill -9 at ${half.toFixed(1)} s`, ferry('resume', vol, join(work, 'resumed'))),
      join(work, 'resumed'),
    );

    const mb = data / 1e6;
    console.log(
      `\nsource: ${mb.toFixed(0)} MB in regular files (${tree || `${size}, ${users} users`}); MB/s = source MB / wall ` +
        `time; load average at the end ${loadavg()[0]!.toFixed(1)} on ${availableParallelism()} cores\n`,
    );
    const head = ['tool', 'wall s', 'MB/s', 'output MB', 'peak RSS MiB', 'CPU %', 'CPU s'];
    const lines = rows.map((r) => [
      r.name,
      r.wall.toFixed(2),
      (mb / r.wall).toFixed(0),
      (r.outBytes / 1e6).toFixed(1),
      r.rssMiB.toFixed(0),
      String(r.cpu),
      r.cpuSec.toFixed(2),
    ]);
    const widths = head.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
    const fmt = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
    console.log(fmt(head));
    console.log(widths.map((w) => '-'.repeat(w)).join('  '));
    for (const l of lines) console.log(fmt(l));
    const by = (n: string) => rows.find((r) => r.name.startsWith(n))!;
    // Wall time is the goal; CPU seconds beside it stay meaningful when the machine is shared.
    const ratio = (name: string, a: string, b: string, goal: string) =>
      console.log(ratioLine(name, by(a).wall / by(b).wall, goal, by(a).cpuSec / by(b).cpuSec));
    console.log('');
    ratio('compressed + encrypted capture / tar + zstd -T0 -3', 'ferry capture', 'tar', '<= 1.0');
    ratio('restore, extract all / zstd -d + tar -x', 'ferry restore', 'zstd -d | tar -x', '<= 1.0');
    ratio('loadstate MigDocs+MigUser /lac / extracting the same data', 'ferry loadstate', 'zstd -d | tar -x (the data', '<= 1.0');
    ratio('hard-link capture / cp -al', 'ferry hard-link', 'cp -al', '<= 1.2');
    console.log(`rss|${sizeLabel}|capture|${Math.max(by('ferry capture').rssMiB, by('ferry scanstate').rssMiB).toFixed(0)}`);
    console.log(`rss|${sizeLabel}|restore|${Math.max(by('ferry restore').rssMiB, by('ferry loadstate').rssMiB).toFixed(0)}`);
    console.log(
      `\nratios: capture/tar|zstd time ${(by('ferry capture').wall / by('tar').wall).toFixed(2)}× (goal ≤ 1.0), ` +
        `size ${(by('ferry capture').outBytes / by('tar').outBytes).toFixed(3)}× (≤ 1.02); ` +
        `restic/capture ${(by('restic').wall / by('ferry capture').wall).toFixed(2)}× (≥ 3); hard-link/cp ` +
        `-al ${(by('ferry hard-link').wall / by('cp -al').wall).toFixed(2)}× (≤ 1.2); ` +
        `restore/zstd|tar ${(by('ferry restore').wall / by('zstd -d').wall).toFixed(2)}× (≤ 1.0); peak RSS ≤ 256 MiB`,
    );
  } finally {
    if (!process.argv.includes('--keep')) rmSync(work, { recursive: true, force: true });
    else console.log(`kept ${work}`);
  }
}

if (process.argv[2] === '--child') await child(process.argv[3]!, process.argv[4]!, process.argv[5]!);
else await main();
