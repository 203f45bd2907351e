// Faults injected for real: altered, reordered and truncated stores, a future format version, a
// volume root as store path, a cross-volume hard link, a full disk, an unreadable source file,
// and kill -9 in the middle of a capture followed by resume.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { isFerryError } from '../errors/index.ts';
import { generateSampleVolume } from '../sample-volume/index.ts';
import { createStore, inspectStore, openStore, type FileEntry, type ObjectMeta } from './index.ts';
import { FrameCodec } from './frame.ts';
import { JournalWriter, readJournalHeader } from './journal.ts';
import { addAll, makeSource, metaOf, readAll, tempDir } from './test-support.ts';

const code = (c: string) => (e: unknown) => isFerryError(e) && e.code === c;
const INDEX = new URL('./index.ts', import.meta.url).href;

async function compressedStore(t: { after(fn: () => void): void }, key?: string) {
  const dir = tempDir(t);
  const files = makeSource(join(dir, 'vol'));
  const w = await createStore(join(dir, 'store'), key ? { encryption: { key } } : {});
  await addAll(w, files);
  await w.finish();
  return { dir, files, store: join(dir, 'store'), mig: join(dir, 'store/USMT/USMT.MIG') };
}

function flip(path: string, offset: number): void {
  const b = readFileSync(path);
  b[offset]! ^= 0x01;
  writeFileSync(path, b);
}

/** A fresh tmpfs of `size` (its mount point), or why it cannot be mounted here. */
function mountTmpfs(t: { after(fn: () => void): void }, size: string): { mnt: string } | { why: string } {
  const mnt = mkdtempSync(join(tmpdir(), 'ferry-store-mnt-'));
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', mnt], { encoding: 'utf8' });
  if (r.status !== 0) {
    rmSync(mnt, { recursive: true, force: true });
    return { why: `cannot mount a tmpfs here (${(r.stderr || r.error?.message || '').trim()})` };
  }
  t.after(() => {
    spawnSync('umount', ['-l', mnt]);
    rmSync(mnt, { recursive: true, force: true });
  });
  return { mnt };
}

for (const key of [undefined, 'k3y']) {
  const label = key ? 'encrypted' : 'unencrypted';

  test(`${label}: a flipped byte in a content chunk fails that file with FERRY_E_STORE_TAMPERED, never passes it on`, async (t) => {
    const { files, store, mig } = await compressedStore(t, key);
    const r0 = await openStore(store, key ? { key } : {});
    const entries = (await readAll(r0)).entries;
    await r0.close();
    const hello = entries.find((e) => e.winPath.endsWith('hello.txt')) as FileEntry;
    const headerLen = 16 + readFileSync(mig).readUInt32LE(12);
    flip(mig, headerLen + 32 + 5); // inside the first data frame's payload
    const r = await openStore(store, key ? { key } : {});
    await assert.rejects(async () => {
      for await (const _ of r.openContent(hello)) {
        // consume
      }
    }, code('FERRY_E_STORE_TAMPERED'));
    const report = await r.verify('failureonly');
    assert.equal(report.catalogOk, true);
    assert.ok(report.corrupted >= 1);
    assert.ok(report.results.every((x) => !x.ok && x.code === 'FERRY_E_STORE_TAMPERED'));
    assert.ok(report.results.some((x) => x.winPath === hello.winPath));
    // The chunk with the big file's later bytes is intact.
    assert.ok(report.intact >= 1 && report.intact + report.corrupted === files.length);
    await r.close();
  });

  test(`${label}: the extractor fails a tampered file and leaves nothing of it, and reports a failed write`, async (t) => {
    const { dir, store, mig } = await compressedStore(t, key);
    const headerLen = 16 + readFileSync(mig).readUInt32LE(12);
    flip(mig, headerLen + 32 + 5); // inside the first data frame's payload
    const r = await openStore(store, key ? { key } : {});
    const out = join(dir, 'out');
    mkdirSync(out);
    const files = [];
    for await (const e of r.entries()) if (e.kind === 'file') files.push(e);
    const hello = files.find((e) => e.winPath.endsWith('hello.txt'))!;
    const x = r.extractor();
    await assert.rejects(x.add(hello, join(out, 'hello.txt')), code('FERRY_E_STORE_TAMPERED'));
    assert.deepEqual(readdirSync(out), []);
    await x.finish();
    // A folder that does not exist: the write fails, the error comes from add or finish, nothing is left.
    const ini = files.find((e) => e.winPath.endsWith('app.ini'))!;
    const x2 = r.extractor();
    await assert.rejects(async () => {
      await x2.add(ini, join(out, 'missing', 'app.ini'));
      await x2.finish();
    }, code('FERRY_E_IO'));
    assert.deepEqual(readdirSync(out), []);
    await r.close();
  });

  test(`${label}: a flipped byte in the catalog, trailer or header is detected`, async (t) => {
    const { store, mig } = await compressedStore(t, key);
    const size = statSync(mig).size;
    const trailerOffset = Number(readFileSync(mig).readBigUInt64LE(size - 16));
    const r0 = await openStore(store, key ? { key } : {});
    const catalogOffset = r0.trailer.catalogOffset;
    await r0.close();
    const original = readFileSync(mig);

    flip(mig, catalogOffset + 40);
    const r = await openStore(store, key ? { key } : {});
    const report = await r.verify('catalog');
    assert.equal(report.catalogOk, false);
    assert.equal(report.catalogError?.code, 'FERRY_E_STORE_TAMPERED');
    await r.close();

    writeFileSync(mig, original);
    flip(mig, trailerOffset + 40);
    await assert.rejects(openStore(store, key ? { key } : {}), code('FERRY_E_STORE_TAMPERED'));

    writeFileSync(mig, original);
    const json = original.indexOf(Buffer.from('"createdAt":"')) + 14;
    flip(mig, json); // a digit of the creation year
    await assert.rejects(openStore(store, key ? { key } : {}), code('FERRY_E_STORE_TAMPERED'));
  });
}

test('reordered chunks are detected (two equal-length frames swapped)', async (t) => {
  const dir = tempDir(t);
  // 13 MiB of random bytes: chunks 1 and 2 hold nothing else and are stored raw, so equally long.
  const files = makeSource(join(dir, 'vol'), 13 * 1024 * 1024);
  const w = await createStore(join(dir, 'store'));
  await addAll(w, files);
  await w.finish();
  const mig = join(dir, 'store/USMT/USMT.MIG');
  const b = readFileSync(mig);
  const frameEnd = (at: number) => at + 32 + b.readUInt32LE(at + 16) + 32;
  const f1 = frameEnd(16 + b.readUInt32LE(12));
  const f2 = frameEnd(f1);
  const f3 = frameEnd(f2);
  assert.equal(f2 - f1, f3 - f2);
  writeFileSync(mig, Buffer.concat([b.subarray(0, f1), b.subarray(f2, f3), b.subarray(f1, f2), b.subarray(f3)]));
  const r = await openStore(join(dir, 'store'));
  const report = await r.verify('all');
  assert.ok(report.results.some((x) => x.winPath.endsWith('clip.mp4') && x.code === 'FERRY_E_STORE_TAMPERED'));
  await r.close();
});

test('resume re-checks a chunk journalled before a sync record that does not cover it', async (t) => {
  // The capture fsyncs without waiting: chunks are journalled while the fsync runs, before its
  // sync record, which names the offset the fsync began at. A chunk past it may be lost on power
  // failure: here it is altered, and resume must find it instead of trusting the record.
  const dir = tempDir(t);
  const files = makeSource(join(dir, 'vol'), 13 * 1024 * 1024);
  const store = join(dir, 'store');
  const w = await createStore(store);
  await addAll(w, files);
  await w.abort();
  const partial = join(store, 'USMT/USMT.MIG.partial');
  const journal = join(store, 'USMT/ferry-capture.journal');
  const b = readFileSync(partial);
  const frameEnd = (at: number) => at + 32 + b.readUInt32LE(at + 16) + 32;
  const f1 = frameEnd(16 + b.readUInt32LE(12));
  const { header } = await readJournalHeader(journal);
  const j = await JournalWriter.resume(journal, new FrameCodec(Buffer.from(header.storeId, 'hex'), null), statSync(journal).size, 2, 0);
  j.add({ t: 's', off: f1 });
  await j.sync();
  await j.close();
  flip(partial, f1 + 32 + 1000);

  const again = await createStore(store, { resume: true });
  await addAll(again, files);
  const summary = await again.finish();
  assert.ok(summary.reusedFiles < files.length - 1, 'the files of the altered chunk are read again');
  const r = await openStore(store);
  const report = await r.verify('all');
  assert.ok(
    report.results.every((x) => x.ok),
    JSON.stringify(report.results.filter((x) => !x.ok)),
  );
  const { contents } = await readAll(r);
  for (const f of files) assert.ok(contents.get(f.winPath)?.equals(f.content), f.winPath);
  await r.close();
});

test('a truncated store is FERRY_E_STORE_TRUNCATED', async (t) => {
  const { store, mig } = await compressedStore(t, 'k');
  const size = statSync(mig).size;
  truncateSync(mig, size - 1);
  await assert.rejects(openStore(store, { key: 'k' }), code('FERRY_E_STORE_TRUNCATED'));
  truncateSync(mig, Math.floor(size / 2));
  await assert.rejects(openStore(store, { key: 'k' }), code('FERRY_E_STORE_TRUNCATED'));
  truncateSync(mig, 10);
  await assert.rejects(openStore(store, { key: 'k' }), code('FERRY_E_STORE_NOT_FOUND'));
});

test('a store from a future format version is FERRY_E_STORE_VERSION with a clear message', async (t) => {
  const { store, mig } = await compressedStore(t);
  const b = readFileSync(mig);
  b.writeUInt16LE(2, 8);
  writeFileSync(mig, b);
  await assert.rejects(
    openStore(store),
    (e: unknown) => isFerryError(e, 'FERRY_E_STORE_VERSION') && /version 2.*reads versions up to 1/.test(e.message),
  );
  await assert.rejects(inspectStore(store), code('FERRY_E_STORE_VERSION'));
});

test('folder stores: a changed or missing file is reported, the rest verifies', async (t) => {
  const dir = tempDir(t);
  const files = makeSource(join(dir, 'vol'), 1024);
  const w = await createStore(join(dir, 'store'), { type: 'uncompressed' });
  await addAll(w, files);
  await w.finish();
  writeFileSync(join(dir, 'store/USMT/File/C/Users/alice/Documents/hello.txt'), 'jello, world\n');
  rmSync(join(dir, 'store/USMT/File/C/Users/bob/AppData/Roaming/app.ini'));
  const r = await openStore(join(dir, 'store'));
  const report = await r.verify('failureonly');
  assert.equal(report.corrupted, 2);
  assert.deepEqual(
    report.results.map((x) => x.code),
    ['FERRY_E_STORE_TAMPERED', 'FERRY_E_STORE_TAMPERED'],
  );
  await r.close();
});

test('no-root-folder rule: a volume root is refused as store path', async (t) => {
  await assert.rejects(createStore('/'), code('FERRY_E_STORE_ROOT_FOLDER'));
  const m = mountTmpfs(t, '4m');
  if ('why' in m) return t.skip(m.why);
  const { mnt } = m;
  await assert.rejects(createStore(mnt, { type: 'hardlink' }), code('FERRY_E_STORE_ROOT_FOLDER'));
  assert.deepEqual(readdirSync(mnt), []);
  const w = await createStore(join(mnt, 'below'), { type: 'hardlink' });
  await w.finish();
});

test('hard-link store: a file on another file system is FERRY_E_STORE_CROSS_VOLUME, nothing is copied', async (t) => {
  const dir = tempDir(t);
  const m = mountTmpfs(t, '4m');
  if ('why' in m) return t.skip(m.why);
  const { mnt } = m;
  const files = makeSource(mnt, 1024);
  const w = await createStore(join(dir, 'store'), { type: 'hardlink' });
  await assert.rejects(w.addFile(metaOf(files[1]!), files[1]!.hostPath), code('FERRY_E_STORE_CROSS_VOLUME'));
  await w.abort();
  assert.equal(existsSync(join(dir, 'store/USMT/File/C/Users/alice/Documents/hello.txt')), false);
});

for (const type of ['compressed', 'uncompressed'] as const) {
  test(
    `${type}: a full disk (ENOSPC) is FERRY_E_DISK_FULL, the store is left ` +
      `incomplete, the source untouched, and it resumes once space is freed`,
    async (t) => {
      const dir = tempDir(t);
      const m = mountTmpfs(t, '3m');
      if ('why' in m) return t.skip(m.why);
      const { mnt } = m;
      const files = makeSource(join(dir, 'vol'), 8 * 1024 * 1024);
      const before = files.map((f) => createHash('sha256').update(readFileSync(f.hostPath)).digest('hex'));
      const w = await createStore(join(mnt, 'store'), { type });
      await assert.rejects(async () => {
        await addAll(w, files);
        await w.finish();
      }, code('FERRY_E_DISK_FULL'));
      await assert.rejects(w.finish(), code('FERRY_E_DISK_FULL'));
      await w.abort();
      assert.equal((await inspectStore(join(mnt, 'store'))).complete, false);
      await assert.rejects(openStore(join(mnt, 'store')), code('FERRY_E_STORE_INCOMPLETE'));
      assert.deepEqual(
        files.map((f) => createHash('sha256').update(readFileSync(f.hostPath)).digest('hex')),
        before,
      );

      // Space freed (the tmpfs grown): the same capture resumes and completes.
      const grown = spawnSync('mount', ['-o', 'remount,size=64m', mnt], { encoding: 'utf8' });
      if (grown.status !== 0) return t.skip(`cannot grow the tmpfs to resume (${grown.stderr.trim()})`);
      const again = await createStore(join(mnt, 'store'), { type, resume: true });
      await addAll(again, files);
      const summary = await again.finish();
      assert.equal(summary.files, files.length);
      const r = await openStore(join(mnt, 'store'));
      const { contents } = await readAll(r);
      for (const f of files) assert.ok(contents.get(f.winPath)!.equals(f.content), f.winPath);
      await r.close();
    },
  );
}

test('an unreadable source file (EACCES, read as uid 65534) is FERRY_E_ACCESS_DENIED and the capture can go on', async (t) => {
  const probe = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', 'true']);
  if (probe.status !== 0)
    return t.skip(`setpriv cannot drop to uid 65534 here (${probe.stderr?.toString().trim() || probe.error?.message})`);
  const dir = tempDir(t);
  chmodSync(dir, 0o755);
  const files = makeSource(join(dir, 'vol'), 1024);
  const secret = files[1]!.hostPath;
  chmodSync(secret, 0o000);
  mkdirSync(join(dir, 'out'));
  chownSync(join(dir, 'out'), 65534, 65534);
  const script = `
    const { createStore, openStore } = await import(${JSON.stringify(INDEX)});
    const files = JSON.parse(process.argv[1]);
    const w = await createStore(${JSON.stringify(join(dir, 'out/store'))});
    const codes = [];
    for (const f of files) {
      try { await w.addFile(f.meta, f.hostPath); codes.push('ok'); } catch (e) { codes.push(e.code); }
    }
    const s = await w.finish();
    process.stdout.write(JSON.stringify({ codes, files: s.files }));`;
  const arg = JSON.stringify(files.map((f) => ({ meta: metaOf(f), hostPath: f.hostPath })));
  const r = spawnSync(
    'setpriv',
    ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, '--input-type=module', '-e', script, arg],
    { encoding: 'utf8' },
  );
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout) as { codes: string[]; files: number };
  assert.deepEqual(out.codes, ['ok', 'FERRY_E_ACCESS_DENIED', 'ok', 'ok', 'ok']);
  assert.equal(out.files, files.length - 1);
  assert.equal(statSync(secret).mode & 0o777, 0);
  const rd = await openStore(join(dir, 'out/store'));
  assert.equal((await rd.verify()).intact, files.length - 1);
  await rd.close();
});

function walkFiles(root: string, winRoot = 'C:'): { winPath: string; hostPath: string }[] {
  const out: { winPath: string; hostPath: string }[] = [];
  for (const d of readdirSync(root, { withFileTypes: true })) {
    const host = join(root, d.name);
    const win = `${winRoot}\\${d.name}`;
    if (d.isDirectory()) out.push(...walkFiles(host, win));
    else if (d.isFile()) out.push({ winPath: win, hostPath: host });
  }
  return out;
}

function metaFor(f: { winPath: string; hostPath: string }): ObjectMeta {
  const st = statSync(f.hostPath);
  return {
    kind: 'file',
    winPath: f.winPath,
    size: st.size,
    mtimeMs: st.mtimeMs,
    atimeMs: st.atimeMs,
    birthtimeMs: st.birthtimeMs,
    attributes: 0x20,
  };
}

test('kill -9 in the middle of a capture: the store is incomplete; resuming completes it without re-reading stored files', async (t) => {
  const dir = tempDir(t);
  const vol = join(dir, 'vol');
  generateSampleVolume({ out: vol, size: 30 << 20, users: 2, seed: 7 });
  const files = walkFiles(vol);
  const store = join(dir, 'store');
  const list = join(dir, 'files.json');
  writeFileSync(list, JSON.stringify(files.map((f) => ({ meta: metaFor(f), hostPath: f.hostPath }))));
  // The child stores slowly enough to be caught in the middle, and says when it has started.
  const script = `
    const { readFileSync } = await import('node:fs');
    const { createStore } = await import(${JSON.stringify(INDEX)});
    const files = JSON.parse(readFileSync(process.argv[1], 'utf8'));
    const w = await createStore(${JSON.stringify(store)}, { encryption: { key: 'k' } });
    let n = 0;
    for (const f of files) {
      await w.addFile(f.meta, f.hostPath);
      if (++n === 200) process.stdout.write('started\\n');
      if (n > 200) await new Promise((r) => setTimeout(r, 5));
    }
    await w.finish();`;
  await killOnceStarted(script, list);

  assert.equal((await inspectStore(store)).complete, false);
  await assert.rejects(openStore(store, { key: 'k' }), code('FERRY_E_STORE_INCOMPLETE'));

  const w = await createStore(store, { resume: true, encryption: { key: 'k' } });
  let reused = 0;
  for (const f of files) if ((await w.addFile(metaFor(f), f.hostPath)).reused) reused++;
  const summary = await w.finish();
  assert.ok(reused > 0, 'some files were reused');
  assert.ok(reused < files.length, 'the kill happened before the end');
  assert.equal(summary.reusedFiles, reused);
  assert.equal(summary.files, files.length);

  const hostOf = new Map(files.map((f) => [f.winPath, f.hostPath]));
  const r = await openStore(store, { key: 'k' });
  const seen = new Set<string>();
  for await (const e of r.entries()) {
    if (e.kind !== 'file') continue;
    assert.equal(seen.has(e.winPath), false, `${e.winPath} appears once`);
    seen.add(e.winPath);
    const host = hostOf.get(e.winPath)!;
    assert.equal(e.sha256, createHash('sha256').update(readFileSync(host)).digest('hex'), e.winPath);
  }
  assert.equal(seen.size, files.length);
  const report = await r.verify('summary');
  assert.deepEqual([report.catalogOk, report.corrupted, report.intact], [true, 0, files.length]);
  await r.close();
});

test('kill -9 in the middle of a hard-link capture: resuming keeps the links of batched objects already journalled', async (t) => {
  const dir = tempDir(t);
  const vol = join(dir, 'vol');
  generateSampleVolume({ out: vol, size: 8 << 20, users: 2, seed: 9 });
  const files = walkFiles(vol);
  const store = join(dir, 'store');
  const list = join(dir, 'files.json');
  writeFileSync(list, JSON.stringify(files.map((f) => ({ meta: metaFor(f), hostPath: f.hostPath }))));
  // The child says "started" once a batch of objects has reached the journal, then goes on slowly.
  const journal = join(store, 'USMT', 'ferry-capture.journal');
  const script = `
    const { readFileSync, statSync } = await import('node:fs');
    const { createStore } = await import(${JSON.stringify(INDEX)});
    const files = JSON.parse(readFileSync(process.argv[1], 'utf8'));
    const w = await createStore(${JSON.stringify(store)}, { type: 'hardlink' });
    const start = statSync(${JSON.stringify(journal)}).size;
    let n = 0;
    let told = false;
    for (const f of files) {
      await w.addFile(f.meta, f.hostPath);
      if (++n > 50 && !told && statSync(${JSON.stringify(journal)}).size > start) told = !!process.stdout.write('started\\n');
      if (n > 50) await new Promise((r) => setTimeout(r, 5));
    }
    await w.finish();`;
  await killOnceStarted(script, list);
  assert.equal((await inspectStore(store)).complete, false);

  const w = await createStore(store, { type: 'hardlink', resume: true });
  let reused = 0;
  for (const f of files) if ((await w.addFile(metaFor(f), f.hostPath)).reused) reused++;
  const summary = await w.finish();
  assert.ok(reused > 0, 'some files were reused');
  assert.ok(reused < files.length, 'the kill happened before the end');
  assert.equal(summary.reusedFiles, reused);
  assert.equal(summary.files, files.length);

  const hostOf = new Map(files.map((f) => [f.winPath, f.hostPath]));
  const r = await openStore(store);
  const seen = new Set<string>();
  for await (const e of r.entries()) {
    if (e.kind !== 'file') continue;
    assert.equal(seen.has(e.winPath), false, `${e.winPath} appears once`);
    seen.add(e.winPath);
    const host = hostOf.get(e.winPath)!;
    assert.equal(statSync(join(store, 'USMT', (e.content as { path: string }).path)).ino, statSync(host).ino, e.winPath);
  }
  assert.equal(seen.size, files.length);
  const report = await r.verify('summary');
  assert.deepEqual([report.catalogOk, report.corrupted, report.intact], [true, 0, files.length]);
  await r.close();
});

/** Runs a capture script in a child process and kills it (-9) once it prints "started". */
async function killOnceStarted(script: string, list: string): Promise<void> {
  const child = spawn(process.execPath, ['--input-type=module', '-e', script, list], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((ok, fail) => {
    child.stdout.on('data', (d: Buffer) => d.toString().includes('started') && ok());
    child.on('exit', (c) => fail(new Error(`capture child exited early (${c})`)));
  });
  child.kill('SIGKILL');
  await new Promise((r) => child.on('exit', r));
}

test('hard-link store on its link thread: calls in flight, a vanished source fails alone, an abort keeps what was linked', async (t) => {
  const dir = tempDir(t);
  const vol = join(dir, 'vol');
  // More files than the store links on the capture's own thread (INLINE_LINKS), in folders of 50.
  const files = Array.from({ length: 700 }, (_, i) => {
    const folder = `d${Math.floor(i / 50)}`;
    mkdirSync(join(vol, folder), { recursive: true });
    writeFileSync(join(vol, folder, `f${i}.txt`), `file ${i}\n`);
    return { winPath: `C:\\Users\\alice\\${folder}\\f${i}.txt`, hostPath: join(vol, folder, `f${i}.txt`) };
  });
  const metas = files.map(metaFor);
  const gone = files[500]!;
  rmSync(gone.hostPath);
  const folder = { kind: 'dir', winPath: 'C:\\Users\\alice', mtimeMs: 1, atimeMs: 1, birthtimeMs: 1, attributes: 0x10 } as const;
  /** Every file added without waiting, then the folder; the failures' indexes. */
  const capture = async (store: string, resume = false) => {
    const w = await createStore(store, { type: 'hardlink', resume });
    const adds = files.map((f, i) => w.addFile(metas[i]!, f.hostPath));
    for (const p of adds) p.catch(() => undefined);
    await w.addDirectory(folder);
    const settled = await Promise.allSettled(adds);
    const failed = settled.flatMap((s, i) => (s.status === 'rejected' ? [{ i, err: s.reason as unknown }] : []));
    return { w, failed, reused: settled.filter((s) => s.status === 'fulfilled' && s.value.reused).length };
  };
  const check = async (store: string) => {
    const rd = await openStore(store);
    const entries: string[] = [];
    for await (const e of rd.entries()) {
      entries.push(e.winPath);
      if (e.kind !== 'file') continue;
      const host = files.find((f) => f.winPath === e.winPath)!.hostPath;
      assert.equal(statSync(join(store, 'USMT', (e.content as { path: string }).path)).ino, statSync(host).ino, e.winPath);
    }
    // Capture order: the folder's entry comes after the files added before it, the vanished file is left out.
    assert.deepEqual(entries, [...files.filter((f) => f !== gone).map((f) => f.winPath), folder.winPath]);
    assert.equal((await rd.verify('summary')).intact, files.length - 1);
    await rd.close();
  };

  const whole = await capture(join(dir, 'whole'));
  assert.deepEqual(
    whole.failed.map((f) => f.i),
    [500],
  );
  const err = whole.failed[0]!.err;
  assert.ok(isFerryError(err, 'FERRY_E_IO') && /^linking /.test(String(err.details.what)), 'a source error, as /c needs');
  await whole.w.finish();
  await check(join(dir, 'whole'));

  // Aborted once every call has settled: each link made was journalled, and a resume reuses them all.
  const first = await capture(join(dir, 'resumed'));
  await first.w.abort();
  const again = await capture(join(dir, 'resumed'), true);
  assert.equal(again.reused, files.length - 1);
  await again.w.finish();
  await check(join(dir, 'resumed'));
});
