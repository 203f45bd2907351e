import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { isFerryError } from '../errors/index.ts';
import { createStore, deleteHardlinkStore, inspectStore, openStore, type StoreType } from './index.ts';
import { addAll, makeSource, metaOf, readAll, tempDir } from './test-support.ts';

const KEY = 'correct horse battery staple';
const code = (c: string) => (e: unknown) => isFerryError(e) && e.code === c;

for (const type of ['compressed', 'uncompressed', 'hardlink'] as StoreType[]) {
  test(`${type} store: every object comes back with its metadata and exact bytes`, async (t) => {
    const dir = tempDir(t);
    const files = makeSource(join(dir, 'vol'));
    const w = await createStore(join(dir, 'store'), { type, source: { computer: 'PC01', ferryVersion: '0.1.0' } });
    await addAll(w, files);
    const summary = await w.finish({ note: 'test' });
    assert.equal(summary.files, files.length);
    assert.equal(summary.dirs, 1);
    assert.equal(summary.registry, 1);
    assert.equal(
      summary.bytes,
      files.reduce((n, f) => n + f.content.length, 0),
    );
    assert.ok(!existsSync(join(dir, 'store/USMT/ferry-capture.journal')));
    const info = await inspectStore(join(dir, 'store'));
    assert.equal(info.type, type);
    assert.equal(info.complete, true);
    assert.equal(info.encrypted, false);

    const r = await openStore(join(dir, 'store'));
    const { entries, contents } = await readAll(r);
    assert.deepEqual(
      entries.map((e) => e.kind),
      ['dir', 'file', 'file', 'file', 'file', 'file', 'registry'],
    );
    for (const f of files) assert.ok(contents.get(f.winPath)!.equals(f.content), f.winPath);
    const doc = entries.find((e) => e.winPath.endsWith('hello.txt'))!;
    assert.equal(doc.kind, 'file');
    if (doc.kind === 'file') {
      assert.deepEqual(doc.user, { name: 'alice', domain: 'PC01' });
      assert.equal(doc.attributes, 0x20);
      assert.equal(doc.mtimeMs, statSync(files[1]!.hostPath).mtimeMs);
      assert.equal(doc.sha256, type === 'hardlink' ? null : '853ff93762a06ddbf722c4ebe9ddd66d8f63ddaea97f521c3ecc20da7c976020');
    }
    const reg = entries.at(-1)!;
    assert.ok(
      reg.kind === 'registry' && reg.data!.equals(Buffer.from('b\u0000l\u0000u\u0000e\u0000\u0000\u0000')) && reg.regType === 'REG_SZ',
    );
    assert.deepEqual(r.trailer.extra, { note: 'test' });
    const report = await r.verify('all');
    assert.equal(report.catalogOk, true);
    assert.equal(report.corrupted, 0);
    assert.equal(report.results.length, files.length);
    await r.close();

    if (type === 'compressed') assert.ok(existsSync(join(dir, 'store/USMT/USMT.MIG')));
    else {
      assert.ok(existsSync(join(dir, 'store/USMT/catalog.mig')));
      const copy = join(dir, 'store/USMT/File/C/Users/bob/Videos/clip.mp4');
      assert.ok(readFileSync(copy).equals(files[3]!.content));
      assert.equal(statSync(copy).ino === statSync(files[3]!.hostPath).ino, type === 'hardlink');
    }
  });
}

test('encrypted store: opens only with its key; the AlgID is recorded, AES-256-GCM is used', async (t) => {
  const dir = tempDir(t);
  const files = makeSource(join(dir, 'vol'), 5 * 1024 * 1024);
  const w = await createStore(join(dir, 'store'), { encryption: { key: KEY, algId: 'aes_192' } });
  await addAll(w, files);
  await w.finish();
  const info = await inspectStore(join(dir, 'store/USMT/USMT.MIG'));
  assert.equal(info.encrypted, true);
  assert.equal(info.algId, 'AES_192');
  // Nothing of the catalog is in the clear.
  const raw = readFileSync(join(dir, 'store/USMT/USMT.MIG'));
  assert.equal(raw.includes(Buffer.from('hello.txt')), false);
  assert.equal(raw.includes(Buffer.from('word word')), false);
  await assert.rejects(openStore(join(dir, 'store')), code('FERRY_E_STORE_BAD_KEY'));
  await assert.rejects(openStore(join(dir, 'store'), { key: 'wrong' }), code('FERRY_E_STORE_BAD_KEY'));
  const r = await openStore(join(dir, 'store'), { key: Buffer.from(KEY) });
  const { contents } = await readAll(r);
  for (const f of files) assert.ok(contents.get(f.winPath)!.equals(f.content));
  await r.close();
});

test('store options are checked: no encryption without compression, AlgIDs from the spec only', async (t) => {
  const dir = tempDir(t);
  await assert.rejects(createStore(join(dir, 's'), { type: 'uncompressed', encryption: { key: KEY } }), code('FERRY_E_STORE_OPTIONS'));
  await assert.rejects(createStore(join(dir, 's'), { encryption: { key: KEY, algId: 'RC4' } }), code('FERRY_E_STORE_OPTIONS'));
  await assert.rejects(createStore(join(dir, 's'), { encryption: { key: '' } }), code('FERRY_E_STORE_KEYFILE'));
});

test('an existing store is kept unless overwrite (/o) is given', async (t) => {
  const dir = tempDir(t);
  const w = await createStore(join(dir, 'store'));
  await w.finish();
  await assert.rejects(createStore(join(dir, 'store')), code('FERRY_E_STORE_EXISTS'));
  await assert.rejects(createStore(join(dir, 'store'), { resume: true }), code('FERRY_E_STORE_EXISTS'));
  const again = await createStore(join(dir, 'store'), { overwrite: true, type: 'uncompressed' });
  await again.finish();
  assert.equal((await inspectStore(join(dir, 'store'))).type, 'uncompressed');
});

test('an aborted capture is incomplete, never restored, and resumes without re-reading stored files', async (t) => {
  const dir = tempDir(t);
  const files = makeSource(join(dir, 'vol'));
  const store = join(dir, 'store');
  const w = await createStore(store, { encryption: { key: KEY } });
  for (const f of files.slice(0, 4)) await w.addFile((await import('./test-support.ts')).metaOf(f), f.hostPath);
  await w.abort();
  assert.equal((await inspectStore(store)).complete, false);
  await assert.rejects(openStore(store, { key: KEY }), code('FERRY_E_STORE_INCOMPLETE'));
  await assert.rejects(createStore(store, { encryption: { key: KEY } }), code('FERRY_E_STORE_EXISTS'));
  await assert.rejects(createStore(store, { resume: true }), code('FERRY_E_STORE_RESUME_MISMATCH'));
  await assert.rejects(createStore(store, { resume: true, encryption: { key: 'other' } }), code('FERRY_E_STORE_BAD_KEY'));

  // Change one stored file: it must be read again; the others are reused.
  writeFileSync(files[1]!.hostPath, 'changed\n');
  const changed = { ...files[1]!, content: Buffer.from('changed\n') };
  const all = [files[0]!, changed, ...files.slice(2)];
  const w2 = await createStore(store, { resume: true, encryption: { key: KEY } });
  await addAll(w2, all);
  const summary = await w2.finish();
  assert.equal(summary.reusedFiles, 3);
  assert.equal(summary.files, all.length);
  const r = await openStore(store, { key: KEY });
  const { entries, contents } = await readAll(r);
  assert.equal(entries.filter((e) => e.kind === 'file').length, all.length);
  for (const f of all) assert.ok(contents.get(f.winPath)!.equals(f.content), f.winPath);
  assert.equal((await r.verify('summary')).corrupted, 0);
  await r.close();
});

test('hard-link stores: only hard-link stores are deleted by deleteHardlinkStore, originals stay', async (t) => {
  const dir = tempDir(t);
  const files = makeSource(join(dir, 'vol'), 1024);
  const w = await createStore(join(dir, 'hl'), { type: 'hardlink' });
  await addAll(w, files);
  await w.finish();
  const c = await createStore(join(dir, 'cs'));
  await c.finish();
  await assert.rejects(deleteHardlinkStore(join(dir, 'cs')), code('FERRY_E_STORE_NOT_HARDLINK'));
  await assert.rejects(deleteHardlinkStore(join(dir, 'vol')), code('FERRY_E_STORE_NOT_HARDLINK'));
  await deleteHardlinkStore(join(dir, 'hl'));
  assert.equal(existsSync(join(dir, 'hl')), false);
  for (const f of files) assert.ok(readFileSync(f.hostPath).equals(f.content));
  assert.ok(existsSync(join(dir, 'cs/USMT/USMT.MIG')));
});

test('files hashed on the pool threads get their own SHA-256, across chunk ends and after a failed read', async (t) => {
  const dir = tempDir(t);
  const chunk = 4 * 1024 * 1024;
  const vol = join(dir, 'vol');
  mkdirSync(join(vol, 'unreadable'), { recursive: true });
  // The first file fills the first chunk (starting the threads); the second ends exactly at the
  // second chunk's end; the last ones span chunks or come after a file whose read failed.
  const sources: [string, Buffer][] = [
    ['first.bin', randomBytes(chunk + 100)],
    ['to-the-boundary.bin', randomBytes(chunk - 100)],
    ['empty.txt', Buffer.alloc(0)],
    ['spans.bin', randomBytes(2 * chunk + 7)],
    ['hello.txt', Buffer.from('hello\n')],
  ];
  const files = sources.map(([name, content]) => {
    writeFileSync(join(vol, name), content);
    return { winPath: `C:\\Users\\bob\\${name}`, hostPath: join(vol, name), content };
  });
  const w = await createStore(join(dir, 'store'), { encryption: { key: KEY } });
  for (const f of files.slice(0, 3)) await w.addFile(metaOf(f), f.hostPath);
  // A folder opens but cannot be read: the capture goes on (/c) and no digest is misplaced.
  const bad = { winPath: 'C:\\Users\\bob\\unreadable', hostPath: join(vol, 'unreadable'), content: Buffer.alloc(0) };
  await assert.rejects(w.addFile(metaOf(bad), bad.hostPath));
  for (const f of files.slice(3)) await w.addFile(metaOf(f), f.hostPath);
  await w.finish();
  const r = await openStore(join(dir, 'store'), { key: KEY });
  const { entries, contents } = await readAll(r);
  for (const f of files) {
    const e = entries.find((x) => x.winPath === f.winPath);
    assert.ok(e?.kind === 'file', f.winPath);
    assert.equal(e.sha256, createHash('sha256').update(f.content).digest('hex'), f.winPath);
    assert.ok(contents.get(f.winPath)!.equals(f.content), f.winPath);
  }
  assert.equal((await r.verify('all')).corrupted, 0);
  await r.close();
});

test('extractor: every file is written with its bytes and times while the next ones are read, nothing partial left', async (t) => {
  const dir = tempDir(t);
  const files = makeSource(join(dir, 'vol'));
  const w = await createStore(join(dir, 'store'), { encryption: { key: KEY } });
  await addAll(w, files);
  await w.finish();
  const r = await openStore(join(dir, 'store'), { key: KEY, releaseChunks: true });
  const out = join(dir, 'out');
  const x = r.extractor();
  for await (const e of r.entries()) {
    if (e.kind !== 'file') continue;
    const dest = join(out, e.winPath.slice(3).replaceAll('\\', '/'));
    mkdirSync(join(dest, '..'), { recursive: true });
    await x.add(e, dest);
  }
  await x.finish();
  await r.close();
  for (const f of files) {
    const dest = join(out, f.winPath.slice(3).replaceAll('\\', '/'));
    assert.ok(readFileSync(dest).equals(f.content), f.winPath);
    assert.equal(statSync(dest).mtimeMs, statSync(f.hostPath).mtimeMs);
    assert.ok(!existsSync(`${dest}.ferry-partial`));
  }
});
