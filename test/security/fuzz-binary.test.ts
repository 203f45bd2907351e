// Fuzz targets for the binary parsers of untrusted input (issue 11): migration store files
// (header, frames, trailer, catalog; plain and encrypted, compressed and uncompressed), regf
// hives, and console export zips — each mutated from a real file Ferry wrote.
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { HiveEditor, openHive, RegType, type RegKey } from '../../src/registry/index.ts';
import { createStore, inspectStore, openStore } from '../../src/store/index.ts';
import { loadSequenceFile } from '../../src/tasksequence/index.ts';
import { craftZip } from '../support/zip-craft.ts';
import { fuzz, mutatedBytes } from './fuzz-support.ts';

// Each case writes the file it fuzzes: in memory (/dev/shm) where there is one, since on a disk
// writing a case cost about as much as parsing it.
const work = mkdtempSync(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'ferry-fuzz-bin-'));
after(() => rmSync(work, { recursive: true, force: true }));
const ROOT = new URL('../..', import.meta.url).pathname;

/** A small store of each kind, written by Ferry itself. */
async function seedStore(name: string, options: Parameters<typeof createStore>[1]): Promise<string> {
  const src = join(work, `${name}-src`);
  mkdirSync(src, { recursive: true });
  const files: [string, Buffer][] = [
    ['a.txt', Buffer.from('hello, world\n'.repeat(50))],
    ['b.bin', Buffer.alloc(3000, 7)],
    ['empty', Buffer.alloc(0)],
  ];
  const store = join(work, name);
  const w = await createStore(store, options);
  await w.addDirectory({ kind: 'dir', winPath: 'C:\\Users\\alice', mtimeMs: 1, atimeMs: 1, birthtimeMs: 1, attributes: 0x10 });
  for (const [f, data] of files) {
    writeFileSync(join(src, f), data);
    await w.addFile(
      {
        kind: 'file',
        winPath: `C:\\Users\\alice\\${f}`,
        user: { name: 'alice', domain: 'PC01' },
        component: 'Documents',
        size: data.length,
        mtimeMs: 1,
        atimeMs: 1,
        birthtimeMs: 1,
        attributes: 0x20,
      },
      join(src, f),
    );
  }
  await w.addRegistry({
    kind: 'registry',
    winPath: 'HKCU\\Software\\Ferry [Color]',
    hive: 'HKCU',
    key: 'Software\\Ferry',
    valueName: 'Color',
    regType: 'REG_SZ',
    data: Buffer.from('b\u0000\u0000\u0000'),
  });
  await w.finish();
  return store;
}

async function readWhole(store: string, key?: string): Promise<void> {
  await inspectStore(store);
  const r = await openStore(store, key ? { key } : {});
  try {
    for await (const e of r.entries()) {
      if (e.kind === 'file') for await (const chunk of r.openContent(e)) void chunk;
    }
    await r.verify('all');
  } finally {
    await r.close();
  }
}

/**
 * Fuzz one file of a store: a copy of the store whose file each case replaces with its mutation.
 * Reading writes nothing into a store, so the other files stay as Ferry wrote them; one copy
 * instead of one per case halves the cost of a case (copying and removing a store took as long
 * as reading it).
 */
async function fuzzStoreFile(
  t: Parameters<typeof fuzz>[0],
  target: string,
  store: string,
  rel: string,
  key: string | undefined,
  budgetMs: number,
): Promise<void> {
  const seed = readFileSync(join(store, rel));
  const copy = join(work, `case-${target.replace(/\W+/g, '-')}`);
  cpSync(store, copy, { recursive: true });
  await fuzz(
    t,
    target,
    mutatedBytes([seed]),
    async (bytes) => {
      writeFileSync(join(copy, rel), bytes);
      await readWhole(copy, key);
    },
    { budgetMs },
  );
}

test('fuzz: compressed store (header, frames, trailer, chunk map)', async (t) => {
  const store = await seedStore('compressed', {});
  await fuzzStoreFile(t, 'store compressed USMT.MIG', store, 'USMT/USMT.MIG', undefined, 2_500);
});

test('fuzz: encrypted store (KDF parameters, key check, sealed frames)', async (t) => {
  const store = await seedStore('encrypted', { encryption: { key: 'k3y' } });
  // Each case derives a key (scrypt, ~32 MiB): fewer cases.
  await fuzzStoreFile(t, 'store encrypted USMT.MIG', store, 'USMT/USMT.MIG', 'k3y', 2_000);
});

test('fuzz: uncompressed store catalog', async (t) => {
  const store = await seedStore('uncompressed', { type: 'uncompressed' });
  await fuzzStoreFile(t, 'store uncompressed catalog.mig', store, 'USMT/catalog.mig', undefined, 1_250);
});

function walk(k: RegKey, budget: { n: number }): void {
  if (--budget.n < 0) return;
  void k.className;
  void k.lastWrittenMs;
  for (const v of k.values()) void v.data;
  for (const s of k.subkeys()) walk(s, budget);
}

test('fuzz: regf hives', async (t) => {
  const e = HiveEditor.create({ now: () => Date.UTC(2024, 0, 1) });
  for (let i = 0; i < 40; i++) e.ensureKey(`Wide\\k${i}`);
  e.setValue('Deep\\A\\B', 'small', RegType.DWORD, 1);
  e.setValue('Deep\\A\\B', 'text', RegType.SZ, 'some text here');
  e.setValue('Deep\\A\\B', 'multi', RegType.MULTI_SZ, ['a', 'b']);
  e.setValue('Deep\\A\\B', 'big', RegType.BINARY, Buffer.alloc(20000, 1));
  e.ensureKey('Deep\\Classy', { className: 'cls' });
  const seeds = [e.toBuffer()];
  const file = join(work, 'fuzz.dat');
  await fuzz(
    t,
    'regf hive',
    mutatedBytes(seeds, 8),
    (bytes) => {
      writeFileSync(file, bytes);
      const h = openHive(file);
      try {
        walk(h.root, { n: 10_000 });
      } finally {
        h.close();
      }
    },
    { budgetMs: 3_000 },
  );
});

test('fuzz: console export zips', async (t) => {
  const seq = readFileSync(join(ROOT, 'src/tasksequence/examples/refresh-smp.xml'), 'utf8');
  const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  const objectXml = Buffer.from(
    `\uFEFF<INSTANCE CLASSNAME="SMS_TaskSequencePackage"><PROPERTY ` +
      `NAME="Name"><VALUE>T</VALUE></PROPERTY><PROPERTY ` +
      `NAME="Sequence"><VALUE>${esc(seq)}</VALUE></PROPERTY></INSTANCE>`,
    'utf16le',
  );
  const seeds = [
    craftZip([
      { name: 'TS/object.xml', data: objectXml },
      { name: 'TS/readme.txt', data: Buffer.from('x') },
    ]),
    craftZip([{ name: 'seq.xml', data: Buffer.from(seq) }]),
  ];
  const file = join(work, 'fuzz.zip');
  await fuzz(
    t,
    'console export zip',
    mutatedBytes(seeds, 6),
    async (bytes) => {
      writeFileSync(file, bytes);
      await loadSequenceFile(file);
    },
    { budgetMs: 3_000 },
  );
});
