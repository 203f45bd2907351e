// SMP benchmark on loopback, against a `ferry smp serve` child process:
//  0. one upload and one download against a bare Node server that streams PUT/GET to/from disk,
//     in the same run (the issue-16 ratios, printed as `ratio|…` lines for bench/run.ts);
//  1. one client uploading a store of --size bytes vs 50 clients uploading --size/50 each at
//     once (aggregate throughput; target ≥ 80 % of the single client's);
//  2. latency of Request State Store (capture) and Release State Store at a steady 200
//     requests/s (open loop: requests are sent on schedule, not after the previous answer);
//  3. the server's resident memory (peak VmHWM; target ≤ 512 MB);
//  4. the manifest check of a 100k-entry store.
//   node bench/smp.ts [--size 512M] [--clients 50] [--ops 1000] [--rate 200] [--db postgres://…] [--transfer-only]
//     [--server-node-args '--cpu-prof --cpu-prof-dir=DIR'] [--server-log FILE] [--bare-node-args '…']   (profiling)
// The bare server is measured twice: as it is (nothing flushed: the reference) and with
// one fsync of its files at the end (what this disk allows when an upload ends durable, as the
// SMP's commit does).
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { open, readdir, stat } from 'node:fs/promises';
import { createWriteStream, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { CHUNK_PUT, chunkBody, SmpHttpClient } from '../src/smp/index.ts';
import { checkManifest } from '../src/smp/index.ts';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(name);
  return i === -1 ? fallback : (process.argv[i + 1] as string);
}
function bytes(s: string): number {
  const m = /^(\d+(?:\.\d+)?)([KMG]?)$/i.exec(s);
  if (!m) throw new Error(`bad size ${s}`);
  return Math.round(Number(m[1]) * { '': 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3 }[(m[2] as string).toUpperCase() as '' | 'K' | 'M' | 'G']);
}

const size = bytes(arg('--size', '512M'));
const clients = Number(arg('--clients', '50'));
const ops = Number(arg('--ops', '1000'));
const rate = Number(arg('--rate', '200'));
const db = arg('--db', '');
const transferOnly = process.argv.includes('--transfer-only');
const serverNodeArgs = arg('--server-node-args', '').split(' ').filter(Boolean);
const serverLog = arg('--server-log', '');
const bareNodeArgs = arg('--bare-node-args', '').split(' ').filter(Boolean);
let lastSingleRate = 0;
const root = new URL('..', import.meta.url).pathname;
const work = mkdtempSync(join(tmpdir(), 'ferry-bench-smp-'));
const mb = (n: number): string => (n / 1024 / 1024).toFixed(1);

function memory(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (k: string): number => Number(new RegExp(`${k}:\\s+(\\d+)`).exec(status)?.[1] ?? 0) * 1024;
  return { rss: kb('VmRSS'), peak: kb('VmHWM') };
}

/** CPU seconds (user + system) `fn` cost the server `pid` and this process (the client). */
async function cpuOf<T>(pid: number, fn: () => Promise<T>): Promise<{ value: T; text: string }> {
  const s0 = cpuTimes(pid);
  const c0 = process.cpuUsage();
  const value = await fn();
  const c = process.cpuUsage(c0);
  return { value, text: `CPU s: server ${(cpuTimes(pid) - s0).toFixed(2)}, client ${((c.user + c.system) / 1e6).toFixed(2)}` };
}

/** User + system CPU seconds a process used so far (its own, not its children's). */
function cpuTimes(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(f[11]) + Number(f[12])) / 100;
}

const percentile = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] as number;
};

/** The reference server (bench/bare-put-server.ts), started once for the upload and the download. */
async function startBare(): Promise<{ base: string; pid: number; stop: () => Promise<void> }> {
  const bare = spawn(process.execPath, [...bareNodeArgs, new URL('./bare-put-server.ts', import.meta.url).pathname, join(work, 'bare')], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const base = await new Promise<string>((resolve, reject) => {
    let text = '';
    bare.stdout.on('data', (d: Buffer) => {
      text += d.toString();
      const m = /listening on (\S+)/.exec(text);
      if (m) resolve(m[1] as string);
    });
    bare.once('exit', (c) => reject(new Error(`bare server exited ${c}`)));
  });
  return {
    base,
    pid: bare.pid as number,
    stop: async () => {
      bare.kill('SIGTERM');
      await new Promise((r) => bare.once('exit', r));
    },
  };
}

/**
 * The upload reference: the same upload (the files of `dir`, in chunks of `chunkSize`, 4 in
 * flight) sent the way SmpHttpClient sends a chunk: its SHA-256 from a read of the chunk, then
 * a PUT with the client's fetch options and body (`CHUNK_PUT`, `chunkBody`: streamed from the
 * file), against the bare server.
 */
async function bareUpload(base: string, dir: string, chunkSize: number, sync: boolean): Promise<number> {
  const jobs: { name: string; offset: number; length: number }[] = [];
  // The synced run writes files of its own, so that its fsync flushes only its upload.
  const prefix = sync ? 'synced-' : '';
  let total = 0;
  for (const name of await readdir(dir)) {
    const size = (await stat(join(dir, name))).size;
    for (let offset = 0; offset < size; offset += chunkSize) jobs.push({ name, offset, length: Math.min(chunkSize, size - offset) });
    total += size;
  }
  const t0 = performance.now();
  let next = 0;
  const worker = async (): Promise<void> => {
    const block = Buffer.allocUnsafeSlow(1024 * 1024);
    while (next < jobs.length) {
      const job = jobs[next++]!;
      const file = join(dir, job.name);
      const hash = createHash('sha256');
      const fh = await open(file, 'r');
      for (let at = 0; at < job.length; ) {
        const { bytesRead } = await fh.read(block, 0, Math.min(block.length, job.length - at), job.offset + at);
        hash.update(block.subarray(0, bytesRead));
        at += bytesRead;
      }
      await fh.close();
      const r = await fetch(`${base}/${prefix}${job.name}?offset=${job.offset}`, {
        ...CHUNK_PUT,
        headers: { 'content-type': 'application/octet-stream', 'x-ferry-sha256': hash.digest('hex') },
        body: chunkBody(file, job.offset, job.length),
        duplex: 'half',
      } as RequestInit);
      if (!r.ok) throw new Error(`bare server: ${r.status}`);
      await r.arrayBuffer();
    }
  };
  await Promise.all([worker(), worker(), worker(), worker()]);
  if (sync) {
    const r = await fetch(`${base}/sync`, { method: 'POST' });
    if (!r.ok) throw new Error(`bare server sync: ${r.status}`);
    await r.arrayBuffer();
  }
  return total / ((performance.now() - t0) / 1000);
}

/** The download reference: each file GET in turn with fetch and streamed to a file, no hashing. */
async function bareDownload(base: string, names: readonly string[], dest: string): Promise<number> {
  mkdirSync(dest, { recursive: true });
  let total = 0;
  const t0 = performance.now();
  for (const name of names.filter((n) => !n.startsWith('synced-'))) {
    const r = await fetch(`${base}/${name}`);
    if (!r.ok || !r.body) throw new Error(`bare server: ${r.status}`);
    const out = createWriteStream(join(dest, name));
    await pipeline(Readable.fromWeb(r.body as import('node:stream/web').ReadableStream), out);
    total += out.bytesWritten;
  }
  return total / ((performance.now() - t0) / 1000);
}

const child = spawn(
  process.execPath,
  [
    ...serverNodeArgs,
    join(root, 'src/cli/main.ts'),
    'smp',
    'serve',
    '--port',
    '0',
    '--data',
    join(work, 'data'),
    '--rate-limit',
    '10000000',
    '--no-verify-stores',
    ...(db ? ['--db', db] : []),
  ],
  { stdio: ['ignore', 'pipe', 'inherit'] },
);
let out = '';
const collect = (d: Buffer): void => {
  out += d.toString();
};
child.stdout.on('data', collect);
const url = await new Promise<string>((resolve, reject) => {
  child.stdout.on('data', () => {
    const m = /listening on (\S+)/.exec(out);
    if (m) resolve(m[1] as string);
  });
  child.once('exit', (c) => reject(new Error(`server exited ${c}: ${out}`)));
});
// From here on the access log (one JSON line per request) is read and dropped (or kept in --server-log).
child.stdout.off('data', collect);
if (serverLog) child.stdout.pipe(createWriteStream(serverLog));
const admin = /Admin token \(shown once; keep it\): (\S+)/.exec(out)?.[1] as string;
const call = async (method: string, path: string, body?: unknown): Promise<any> => {
  const r = await fetch(`${url}${path}`, {
    method,
    headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
    body: JSON.stringify(body ?? {}),
  });
  if (!r.ok) throw new Error(`${path}: ${r.status} ${await r.text()}`);
  return r.json();
};

try {
  await call('POST', '/admin/folders', { path: join(work, 'folder'), maxClients: 99999, minFreeSpace: 1, spaceUnit: 'Gigabyte' });
  const { token } = await call('POST', '/admin/enrollment-tokens', { uses: 100000 });
  const register = async (name: string): Promise<SmpHttpClient> => {
    const { credential } = await SmpHttpClient.register(url, token, name);
    return new SmpHttpClient({ servers: [url], computerName: name, credential, retryCount: 0 });
  };

  // Source stores: the single client's holds `clients` files; each concurrent client's holds one.
  const per = Math.floor(size / clients);
  const one = join(work, 'one');
  const single = join(work, 'single');
  mkdirSync(one);
  mkdirSync(single);
  const data = randomBytes(per);
  writeFileSync(join(one, 'USMT.MIG'), data);
  for (let i = 0; i < clients; i++) writeFileSync(join(single, `USMT-${i}.MIG`), data);

  console.log(
    `SMP benchmark on ${url} (${availableParallelism()} cores, ` +
      `load ${loadavg()[0]?.toFixed(1)}), ${db ? 'PostgreSQL' : 'SQLite'}, ` +
      `store ${mb(size)} MiB`,
  );
  const c0 = await register('BENCH-SINGLE');
  const d0 = await register('BENCH-DEST');
  await call('POST', '/admin/associations', { source: 'BENCH-SINGLE', destination: 'BENCH-DEST', migrationBehavior: 0 });
  const bare = await startBare();
  let t: number;
  let singleRate: number;
  try {
    // Synced reference first: the unsynced one leaves its data dirty for the kernel to write back.
    const g0 = await c0.requestCapture();
    const bareSynced = await cpuOf(bare.pid, () => bareUpload(bare.base, single, g0.chunkSize, true));
    t = performance.now();
    const up = await cpuOf(child.pid as number, () => c0.upload(single, g0.location));
    const singleSec = (performance.now() - t) / 1000;
    singleRate = (per * clients) / singleSec;
    lastSingleRate = singleRate;
    console.log(
      `one upload         ${mb(per * clients)} MiB in ${singleSec.toFixed(2)} s = ${mb(singleRate)} MiB/s, ` +
        `durable at its commit (${up.text}; server RSS ${mb(memory(child.pid as number).rss)} MiB)`,
    );
    const bareRate = await cpuOf(bare.pid, () => bareUpload(bare.base, single, g0.chunkSize, false));
    console.log(
      `bare Node server   ${mb(per * clients)} MiB = ${mb(bareRate.value)} MiB/s, nothing flushed ` +
        `(${bareRate.text}; same chunks, 4 in flight, sent as SmpHttpClient sends them, SHA-256 per chunk on the client)`,
    );
    console.log(
      `bare + one fsync   ${mb(per * clients)} MiB = ${mb(bareSynced.value)} MiB/s, ` +
        `then every file and the folder fsynced once (${bareSynced.text})`,
    );
    t = performance.now();
    await c0.releaseCapture(g0.location);
    console.log(`release (capture)  ${((performance.now() - t) / 1000).toFixed(2)} s`);
    const r0 = await d0.requestRestore();
    t = performance.now();
    const down = await cpuOf(child.pid as number, () => d0.download(r0.location, join(work, 'restored')));
    const downSec = (performance.now() - t) / 1000;
    const downRate = (per * clients) / downSec;
    console.log(
      `one download       ${mb(per * clients)} MiB in ${downSec.toFixed(2)} s ` +
        `= ${mb(downRate)} MiB/s, verified file by file (${down.text})`,
    );
    const names = await readdir(join(work, 'bare'));
    const bareDown = await cpuOf(bare.pid, () => bareDownload(bare.base, names, join(work, 'bare-restored')));
    console.log(
      `bare Node server   ${mb(per * clients)} MiB = ${mb(bareDown.value)} MiB/s, GET streamed from a file, no hashing (${bareDown.text})`,
    );
    console.log(
      `ratio|SMP one upload / bare Node HTTP server streaming a PUT to disk (MiB/s)|${(singleRate / bareRate.value).toFixed(2)}|>= 0.6|`,
    );
    console.log(
      `ratio|SMP one upload / the bare server with one fsync at the end (MiB/s)|${(singleRate / bareSynced.value).toFixed(2)}|>= 0.6|`,
    );
    console.log(
      `ratio|SMP one download / bare Node HTTP server streaming a GET from disk (MiB/s)|${(downRate / bareDown.value).toFixed(2)}|>= 0.6|`,
    );
  } finally {
    await bare.stop();
  }
  if (!transferOnly) await loadAndLatency(register, one);
} finally {
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
  rmSync(work, { recursive: true, force: true });
}

/** Sections 1–4: many clients at once, request/release latency, server memory, manifest check. */
async function loadAndLatency(register: (name: string) => Promise<SmpHttpClient>, one: string): Promise<void> {
  const singleRate = lastSingleRate;
  const per = Math.floor(size / clients);
  let t: number;

  const many = await Promise.all(Array.from({ length: clients }, (_, i) => register(`BENCH-C${i}`)));
  t = performance.now();
  await Promise.all(
    many.map(async (c) => {
      const g = await c.requestCapture();
      await c.upload(one, g.location);
    }),
  );
  const manySec = (performance.now() - t) / 1000;
  const manyRate = (per * clients) / manySec;
  console.log(
    `${clients} uploads at once  ${mb(per * clients)} MiB in ${manySec.toFixed(2)} s ` +
      `= ${mb(manyRate)} MiB/s aggregate = ${((100 * manyRate) / singleRate).toFixed(0)} % of ` +
      `one (target ≥ 80 %)   (server RSS ${mb(memory(child.pid as number).rss)} MiB)`,
  );

  // Request / release latency at a steady rate.
  const computers: SmpHttpClient[] = [];
  for (let i = 0; i < ops; i++) computers.push(await register(`BENCH-L${i}`));
  const tiny = join(work, 'tiny');
  mkdirSync(tiny);
  writeFileSync(join(tiny, 'USMT.MIG'), 'x');
  const paced = async <T>(label: string, n: number, fn: (i: number) => Promise<T>): Promise<T[]> => {
    const lat: number[] = [];
    const start = performance.now();
    const results = await Promise.all(
      Array.from({ length: n }, async (_, i) => {
        const due = start + (i * 1000) / rate;
        await new Promise((r) => setTimeout(r, Math.max(0, due - performance.now())));
        const t0 = performance.now();
        const r = await fn(i);
        lat.push(performance.now() - t0);
        return r;
      }),
    );
    const achieved = n / ((performance.now() - start) / 1000);
    console.log(
      `${label.padEnd(18)} ${n} at ${rate}/s (achieved ${achieved.toFixed(0)}/s): ` +
        `p50 ${percentile(lat, 50).toFixed(1)} ms, p99 ${percentile(lat, 99).toFixed(1)} ms, ` +
        `max ${Math.max(...lat).toFixed(1)} ms`,
    );
    return results;
  };
  const grants = await paced('request (capture)', ops, (i) => (computers[i] as SmpHttpClient).requestCapture());
  for (let i = 0; i < ops; i += 50)
    await Promise.all(grants.slice(i, i + 50).map((g, j) => (computers[i + j] as SmpHttpClient).upload(tiny, g.location)));
  await paced('release (capture)', ops, (i) =>
    (computers[i] as SmpHttpClient).releaseCapture((grants[i] as { location: string }).location),
  );

  // The manifest check of a 100k-file store (e.g. a large /nocompress capture), in this process.
  const manifest = Array.from({ length: 100_000 }, (_, i) => ({
    path: `USMT/File/C/Users/u${i % 97}/d${i % 13}/f-${i}.txt`,
    size: 1,
    sha256: 'a'.repeat(64),
  }));
  t = performance.now();
  await checkManifest(manifest);
  console.log(`manifest check       100k entries in ${(performance.now() - t).toFixed(0)} ms (linear; yields to the event loop)`);

  const m = memory(child.pid as number);
  console.log(`server RSS now ${mb(m.rss)} MiB, peak ${mb(m.peak)} MiB (target ≤ 512 MiB)`);
}
