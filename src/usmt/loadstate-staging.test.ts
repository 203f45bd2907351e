// LoadState stages and commits (issue 11 item 8): a store with a damaged frame in the middle
// ends with USMT's code for a damaged store (42) and leaves the target exactly as it was, both
// when the frame holds a file being restored and when it holds only files this run leaves in the
// store (caught by authenticating the rest before the commit). The same store undamaged restores.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import {
  closeSync,
  cpSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  rmSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { generateSampleVolume } from '../sample-volume/index.ts';
import { openTargetVolume } from '../volume/index.ts';
import { RestoreStaging } from './loadstate-staging.ts';
import { run as loadstate } from './loadstate-cli.ts';
import { run as scanstate } from './scanstate-cli.ts';

const KEY = '/key:staging key';
const BIG = 5 * 1024 * 1024; // more than one 4 MiB chunk each: the store has several data frames
let work: string;
let store: string;
const big = new Map<string, Buffer>();

before(async () => {
  work = mkdtempSync(join(tmpdir(), 'ferry-staging-'));
  const vol = join(work, 'vol');
  generateSampleVolume({ out: vol, size: 2 << 20, users: 2, seed: 3 });
  // Incompressible, so each of these fills its own frames: alice's first, then bob's (capture order).
  for (const user of ['alice', 'bob.smith']) {
    const body = randomBytes(BIG);
    writeFileSync(join(vol, `Users/${user}/Documents/big.bin`), body);
    big.set(user, body);
  }
  store = join(work, 'store');
  const code = await scanstate([
    store,
    `/offlinewindir:${join(vol, 'Windows')}`,
    `/i:${new URL('./xml/MigUser.xml', import.meta.url).pathname}`,
    '/encrypt',
    KEY,
    '/o',
    `/l:${join(work, 'scan.log')}`,
  ]);
  assert.equal(code, 0, readFileSync(join(work, 'scan.log'), 'utf8').slice(-2000));
});
after(() => rmSync(work, { recursive: true, force: true }));

function makeTarget(name: string): string {
  const t = join(work, name);
  mkdirSync(join(t, 'Windows/System32'), { recursive: true });
  mkdirSync(join(t, 'Users/Default'), { recursive: true });
  writeFileSync(join(t, 'Users/Default/keep.txt'), 'the target had this');
  return t;
}

/** Every path under `dir`, folders included, sorted. */
const tree = (dir: string) =>
  readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((p) => relative(dir, join(dir, p)))
    .sort();

/** A copy of the store with one byte flipped inside the data frame that holds `needle`'s bytes. */
function damagedCopy(name: string, needle: Buffer): string {
  const copy = join(work, name);
  cpSync(store, copy, { recursive: true });
  const mig = join(copy, 'USMT/USMT.MIG');
  const bytes = readFileSync(mig);
  // Encrypted: the bytes are not in the file; find the frame by walking the framing instead.
  let pos = 16 + bytes.readUInt32LE(12);
  const frames: { start: number; len: number }[] = [];
  while (bytes[pos] === 1) {
    const len = bytes.readUInt32LE(pos + 16);
    frames.push({ start: pos + 32, len });
    pos += 32 + len + 16;
  }
  assert.ok(frames.length >= 3, `several data frames (${frames.length})`);
  // alice's file starts in frame 0 or 1 and spans the next; bob's ends in the last frame.
  const which = needle === big.get('alice') ? 1 : frames.length - 1;
  const at = frames[which]!.start + Math.floor(frames[which]!.len / 2);
  const fd = openSync(mig, 'r+');
  const b = Buffer.alloc(1);
  readSync(fd, b, 0, 1, at);
  writeSync(fd, Buffer.from([b[0]! ^ 0x20]), 0, 1, at);
  closeSync(fd);
  return copy;
}

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

test('a damaged frame in the middle: exit 42 and nothing of the store on the target', async () => {
  const damaged = damagedCopy('store-damaged', big.get('alice')!);
  const target = makeTarget('target-damaged');
  const before = tree(target);
  const code = await loadstate([
    damaged,
    `/offlinewindir:${join(target, 'Windows')}`,
    '/decrypt',
    KEY,
    '/lac',
    `/l:${join(work, 'load1.log')}`,
  ]);
  assert.equal(code, 42, readFileSync(join(work, 'load1.log'), 'utf8').slice(-2000));
  assert.deepEqual(tree(target), before, 'the target is as it was: no file, no folder, no staging folder');
});

test('a damaged frame holding only files this run does not restore still stops the commit', async () => {
  const damaged = damagedCopy('store-damaged-bob', big.get('bob.smith')!);
  const target = makeTarget('target-damaged-bob');
  const before = tree(target);
  const code = await loadstate([
    damaged,
    `/offlinewindir:${join(target, 'Windows')}`,
    '/decrypt',
    KEY,
    '/lac',
    '/ue:*\\bob.smith',
    `/l:${join(work, 'load2.log')}`,
  ]);
  assert.equal(code, 42, readFileSync(join(work, 'load2.log'), 'utf8').slice(-2000));
  assert.match(readFileSync(join(work, 'load2.log'), 'utf8'), /FERRY_E_STORE_TAMPERED/);
  assert.deepEqual(tree(target), before);
});

test('the same store undamaged restores every file, and no staging folder is left', async () => {
  const target = makeTarget('target-good');
  const code = await loadstate([
    store,
    `/offlinewindir:${join(target, 'Windows')}`,
    '/decrypt',
    KEY,
    '/lac',
    `/l:${join(work, 'load3.log')}`,
  ]);
  assert.equal(code, 0, readFileSync(join(work, 'load3.log'), 'utf8').slice(-2000));
  for (const [user, body] of big) assert.equal(sha(readFileSync(join(target, `Users/${user}/Documents/big.bin`))), sha(body));
  assert.equal(readFileSync(join(target, 'Users/Default/keep.txt'), 'utf8'), 'the target had this');
  assert.deepEqual(
    readdirSync(target).filter((n) => n.startsWith('.ferry-loadstate-')),
    [],
  );
});

test('a staged file still queued for the writer is seen by a collision after its folder left the index', async () => {
  const target = makeTarget('target-queued');
  const volume = await openTargetVolume(join(target, 'Windows'));
  try {
    // One folder listing at a time: staging a file in another folder evicts Documents' listing.
    const staging = new RestoreStaging(volume, { maxDirs: 1 });
    const queued = staging.fileFor(volume.mapPath('C:\\Users\\ann\\Documents\\Report.txt'));
    staging.added(queued, true); // handed to the writer thread, not on disk yet
    staging.added(staging.fileFor(volume.mapPath('C:\\Users\\ann\\Music\\a.mp3')));
    const again = volume.mapPath('C:\\Users\\ann\\Documents\\REPORT.TXT');
    assert.equal(staging.has(again), true, 'the queued name is staged, in any case');
    assert.equal(staging.fileFor(again), queued, 'the same staged file, not a second one');
    staging.written(queued);
    assert.equal(staging.has(again), false, 'written() drops it: the folder read from disk is the truth (nothing was written here)');
    staging.discard();
  } finally {
    volume.close();
  }
});
