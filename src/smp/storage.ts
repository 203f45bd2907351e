// Storage folders on disk: free-space rules, safe store-relative paths, and chunked writes.
// A store lives in `<folder>/<storeId>/`; a file being uploaded is `<path>.ferry-part` until
// all its chunks arrived and its SHA-256 matched the manifest, then it is renamed into place.
import { createHash, type Hash } from 'node:crypto';
import { createReadStream, statfsSync } from 'node:fs';
import { mkdir, open, rename, rm, stat, truncate, type FileHandle } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { FerryError, fromSystemError } from '../errors/index.ts';
import type { StorageFolder, StoreFile } from './types.ts';

export const PART_SUFFIX = '.ferry-part';
/** Store folders and files are the SMP's alone (mode bits are applied under the umask, which only removes). */
export const PRIVATE_DIR = 0o700;
export const PRIVATE_FILE = 0o600;

export interface FreeSpace {
  readonly freeBytes: number;
  readonly totalBytes: number;
}

export function freeSpace(path: string): FreeSpace {
  const s = statfsSync(path);
  return { freeBytes: s.bavail * s.bsize, totalBytes: s.blocks * s.bsize };
}

/** Bytes that must stay free in the folder's file system under its minimum free space rule. */
export function minimumFreeBytes(folder: Pick<StorageFolder, 'minFreeSpace' | 'spaceUnit'>, totalBytes: number): number {
  switch (folder.spaceUnit) {
    case 'Megabyte':
      return folder.minFreeSpace * 1024 * 1024;
    case 'Gigabyte':
      return folder.minFreeSpace * 1024 * 1024 * 1024;
    case 'Percent':
      return Math.ceil((totalBytes * folder.minFreeSpace) / 100);
  }
}

/** Bytes a new store may still use in `folder` (negative when already below the minimum). */
export function usableBytes(folder: StorageFolder): number {
  const { freeBytes, totalBytes } = freeSpace(folder.path);
  return freeBytes - minimumFreeBytes(folder, totalBytes);
}

const FORBIDDEN_CHARS = /[\u0000-\u001f\\:*?"<>|]/;

/**
 * A manifest path must be a relative, forward-slash path that stays inside the store: no
 * leading `/`, no `.`/`..`/empty segments, no backslashes, drive letters or control characters,
 * and no segment ending in the part-file suffix.
 */
export function checkStorePath(path: string): string {
  const segments = path.split('/');
  const bad =
    path.length === 0 ||
    path.length > 4096 ||
    FORBIDDEN_CHARS.test(path) ||
    // No segment may end in the part suffix: `a.ferry-part` is where file `a` is written.
    segments.some((s) => s === '' || s === '.' || s === '..' || Buffer.byteLength(s) > 255 || s.toLowerCase().endsWith(PART_SUFFIX));
  if (bad) {
    throw new FerryError(
      'FERRY_E_SMP_PATH_INVALID',
      `The store file name ${JSON.stringify(path.slice(0, 300))} is not a safe relative path; names must stay inside the store.`,
      { details: { path: path.slice(0, 300) } },
    );
  }
  return path;
}

export interface ManifestInput {
  readonly path: string;
  readonly size: number;
  readonly sha256: string;
}

const yieldToLoop = (): Promise<void> => new Promise((r) => setImmediate(r));

/**
 * Check a manifest in one pass, linear in its total path length: every path safe, no name twice
 * and no name both a file and a folder, comparing case-folded, NFC-normalised names (as Windows
 * will when the store is restored). Yields to the event loop every few thousand entries so that
 * a million-entry manifest delays no other request for long.
 */
export async function checkManifest(entries: readonly ManifestInput[]): Promise<{ files: StoreFile[]; total: number }> {
  const fileKeys = new Set<string>();
  const folderKeys = new Set<string>();
  const files: StoreFile[] = new Array(entries.length);
  let total = 0;
  for (let index = 0; index < entries.length; index++) {
    if (index % 1024 === 1023) await yieldToLoop();
    const e = entries[index] as ManifestInput;
    const path = checkStorePath(e.path);
    const key = path.normalize('NFC').toLowerCase();
    if (fileKeys.has(key))
      throw new FerryError('FERRY_E_SMP_PATH_INVALID', `The manifest names ${path} twice (names are case-insensitive on Windows).`, {
        details: { path },
      });
    if (folderKeys.has(key))
      throw new FerryError('FERRY_E_SMP_PATH_INVALID', `The manifest names ${path} both as a file and as a folder.`, { details: { path } });
    // Ancestors, deepest first: one already known as a folder means all above it are too.
    for (let cut = key.lastIndexOf('/'); cut > 0; cut = key.lastIndexOf('/', cut - 1)) {
      const folder = key.slice(0, cut);
      if (fileKeys.has(folder))
        throw new FerryError('FERRY_E_SMP_PATH_INVALID', `The manifest names ${path.slice(0, cut)} both as a file and as a folder.`, {
          details: { path },
        });
      if (folderKeys.has(folder)) break;
      folderKeys.add(folder);
    }
    fileKeys.add(key);
    if (!Number.isSafeInteger(e.size) || e.size < 0) throw new FerryError('FERRY_E_INVALID_ARGUMENT', `File ${path} has an invalid size.`);
    if (!/^[0-9a-f]{64}$/i.test(e.sha256))
      throw new FerryError('FERRY_E_INVALID_ARGUMENT', `File ${path} needs a SHA-256 as 64 hex digits.`);
    total += e.size;
    files[index] = { index, path, size: e.size, sha256: e.sha256.toLowerCase(), verified: false };
  }
  return { files, total };
}

export function storeDirectory(folder: Pick<StorageFolder, 'path'>, storeId: string): string {
  return join(folder.path, storeId);
}

/** SHA-256 over the canonical manifest (path, size, hash of every file, in path order). */
export function manifestDigest(files: readonly Pick<StoreFile, 'path' | 'size' | 'sha256'>[]): string {
  const h = createHash('sha256');
  for (const f of [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))) {
    h.update(`${f.path}\0${f.size}\0${f.sha256.toLowerCase()}\n`);
  }
  return h.digest('hex');
}

export function chunkCount(size: number, chunkSize: number): number {
  return Math.max(1, Math.ceil(size / chunkSize));
}

export function chunkLength(size: number, chunkSize: number, chunk: number): number {
  return Math.max(0, Math.min(chunkSize, size - chunk * chunkSize));
}

/** Create the part file of every file not yet in place, so chunks can be written at any offset. */
export async function prepareStoreFiles(dir: string, files: readonly StoreFile[]): Promise<void> {
  try {
    await mkdir(dir, { recursive: true, mode: PRIVATE_DIR });
    for (const f of files) {
      if (f.verified) continue;
      const part = join(dir, f.path + PART_SUFFIX);
      await mkdir(dirname(part), { recursive: true, mode: PRIVATE_DIR });
      await (await open(part, 'a', PRIVATE_FILE)).close();
    }
  } catch (err) {
    throw mapDiskError(err, 'preparing the store files');
  }
}

export function mapDiskError(err: unknown, what: string): FerryError {
  const e = fromSystemError(err, what);
  if (e.code === 'FERRY_E_DISK_FULL') {
    return new FerryError(
      'FERRY_E_SMP_FOLDER_FULL',
      `The storage folder ran out of space while ${what}; free space and resume the upload.`,
      { cause: err, details: e.details },
    );
  }
  return e;
}

/**
 * Receive one chunk from `body` and write it into the part file at its offset. The chunk is
 * held in memory and checked (exactly `expectedLength` bytes, SHA-256 `expectedSha256`) before
 * a byte of it is written, and it is written and flushed before this resolves, so a chunk the
 * caller records is on disk, and a refused one never overwrote what an earlier copy wrote.
 * It is hashed as it arrives, into a reused buffer: a fresh 8 MiB buffer per chunk cost more in
 * page faults and garbage collection than the copy itself (profiled, issue 16).
 */
export async function writeChunk(
  partFile: string,
  offset: number,
  expectedLength: number,
  expectedSha256: string,
  body: Readable,
): Promise<void> {
  const buffer = takeBuffer(expectedLength);
  try {
    const hash = createHash('sha256');
    const data = await receiveChunk(body, buffer.subarray(0, expectedLength), hash);
    const actual = hash.digest('hex');
    if (actual !== expectedSha256.toLowerCase()) {
      throw new FerryError(
        'FERRY_E_SMP_CHUNK_MISMATCH',
        `The chunk's SHA-256 is ${actual}, not the ${expectedSha256} the client declared; send it again.`,
        { details: { expected: expectedSha256, actual } },
      );
    }
    await writeAt(partFile, offset, data);
  } finally {
    giveBuffer(buffer);
  }
}

/** Chunk buffers kept for reuse; bounded, so idle memory stays at a few chunks. */
const spareBuffers: Buffer[] = [];
const MAX_SPARE = 4;

function takeBuffer(length: number): Buffer {
  const i = spareBuffers.findIndex((b) => b.length >= length);
  return i === -1 ? Buffer.allocUnsafe(length) : spareBuffers.splice(i, 1)[0]!;
}

function giveBuffer(b: Buffer): void {
  if (spareBuffers.length < MAX_SPARE && b.length >= 1024 * 1024) spareBuffers.push(b);
}

/**
 * Read a request body of exactly `data.length` bytes into `data`, hashing them. A body that is
 * too large is read on (up to that many more bytes, then dropped) so the client gets the coded
 * answer instead of a reset socket.
 */
function receiveChunk(body: Readable, data: Buffer, hash: Hash): Promise<Buffer> {
  const expectedLength = data.length;
  return new Promise((resolve, reject) => {
    let received = 0;
    let settled = false;
    const settle = (ended: boolean): void => {
      if (settled) return;
      settled = true;
      body.off('data', onData);
      if (received > expectedLength) {
        reject(
          new FerryError(
            'FERRY_E_SMP_TOO_LARGE',
            `The chunk is larger than the ${expectedLength} bytes it must have; send chunks of the announced size.`,
            { details: { expectedLength } },
          ),
        );
      } else if (!ended || received !== expectedLength) {
        reject(truncated(received, expectedLength));
      } else {
        resolve(data);
      }
    };
    const onData = (c: Buffer): void => {
      if (received + c.length <= expectedLength) {
        c.copy(data, received);
        hash.update(c);
      }
      received += c.length;
      if (received > 2 * expectedLength) body.destroy();
    };
    if (body.readableEnded) return settle(true);
    body.on('data', onData);
    body.once('end', () => settle(true));
    body.once('close', () => settle(body.readableEnded));
    body.once('error', () => settle(false));
  });
}

/**
 * Write `data` at `offset` and flush it. Short writes (a disk filling up) go on from where they
 * stopped; fs.WriteStream is not used because its batched writes resume a short write at the
 * end of the batch, placing the rest of the chunk over the next one.
 */
async function writeAt(path: string, offset: number, data: Buffer): Promise<void> {
  let fh: FileHandle | undefined;
  try {
    fh = await open(path, 'r+');
    for (let done = 0; done < data.length; ) {
      const { bytesWritten } = await fh.write(data, done, data.length - done, offset + done);
      if (bytesWritten === 0)
        throw new FerryError('FERRY_E_IO', `Writing ${path} made no progress; check the storage folder's disk.`, { details: { path } });
      done += bytesWritten;
    }
    await fh.datasync();
  } catch (err) {
    if (err instanceof FerryError) throw err;
    throw mapDiskError(err, 'writing an uploaded chunk');
  } finally {
    await fh?.close();
  }
}

function truncated(received: number, expected: number): FerryError {
  return new FerryError(
    'FERRY_E_SMP_CHUNK_MISMATCH',
    `The chunk was truncated (${received} of ${expected} bytes arrived); send it again.`,
    { details: { received, expected } },
  );
}

export async function sha256File(path: string): Promise<string> {
  const h = createHash('sha256');
  await pipeline(createReadStream(path), h);
  return h.digest('hex');
}

/**
 * Check a fully received part file against the manifest and move it into place.
 * `knownSha256` is the verified hash of its content when one chunk covered the whole file.
 */
export async function finishFile(dir: string, file: StoreFile, knownSha256?: string): Promise<boolean> {
  const part = join(dir, file.path + PART_SUFFIX);
  const final = join(dir, file.path);
  const partSize = (await stat(part).catch(() => undefined))?.size;
  if (partSize === undefined || partSize < file.size) {
    // Moved into place just before a crash, before the database recorded it?
    if ((await stat(final).catch(() => undefined))?.size === file.size && (await sha256File(final)) === file.sha256.toLowerCase()) {
      await rm(part, { force: true });
      return true;
    }
    await (await open(part, 'a', PRIVATE_FILE)).close();
    return false;
  }
  // Every chunk is in, so bytes past the end can only be left from an earlier, longer declaration.
  if (partSize > file.size) await truncate(part, file.size);
  if ((partSize === file.size && knownSha256 ? knownSha256 : await sha256File(part)) !== file.sha256.toLowerCase()) return false;
  await rename(part, final);
  return true;
}

export async function removeStoreDirectory(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}
