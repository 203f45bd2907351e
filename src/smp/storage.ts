// Storage folders on disk: free-space rules, safe store-relative paths, and chunked writes.
// A store lives in `<folder>/<storeId>/`; a file being uploaded is `<path>.ferry-part` until
// all its chunks arrived, each matching the SHA-256 the client declared for it, then it is
// renamed into place. Nothing is flushed per chunk: the upload's commit fsyncs the store once.
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

/** Bytes gathered from the request before each write: few syscalls, little memory per upload. */
const WRITE_BLOCK = 1024 * 1024;

/**
 * Stream one chunk from `body` into the part file at its offset, hashing it as it goes (the
 * only time the server hashes these bytes), and check it: exactly `expectedLength` bytes with
 * SHA-256 `expectedSha256`. At most two blocks of WRITE_BLOCK bytes are held (one being written
 * while the next fills) and the body is read only as fast as the disk takes it.
 *
 * Not flushed: an upload is made durable once, at its commit (StoreTransfers.commit). A chunk
 * that fails its check may already have overwritten its own range of the part file; the caller
 * records it only on success (and un-records an earlier copy), so the range is sent again.
 * Short writes (a disk filling up) go on from where they stopped; fs.WriteStream is not used
 * because its batched writes resume a short write at the end of the batch, placing the rest of
 * the chunk over the next one.
 */
export async function writeChunk(
  partFile: string,
  offset: number,
  expectedLength: number,
  expectedSha256: string,
  body: Readable,
): Promise<void> {
  const hash = createHash('sha256');
  let fh: FileHandle;
  try {
    fh = await open(partFile, 'r+');
  } catch (err) {
    throw mapDiskError(err, 'writing an uploaded chunk');
  }
  let received: number;
  try {
    received = await streamInto(body, fh, partFile, offset, expectedLength, hash);
  } finally {
    await fh.close();
  }
  if (received > expectedLength) throw tooLarge(expectedLength);
  if (received !== expectedLength) throw truncated(received, expectedLength);
  const actual = hash.digest('hex');
  if (actual !== expectedSha256.toLowerCase()) {
    throw new FerryError(
      'FERRY_E_SMP_CHUNK_MISMATCH',
      `The chunk's SHA-256 is ${actual}, not the ${expectedSha256} the client declared; send it again.`,
      { details: { expected: expectedSha256, actual } },
    );
  }
}

/** Write blocks kept for reuse: a fresh 1 MiB buffer per block costs garbage collection. */
const spareBlocks: Buffer[] = [];
const takeBlock = (): Buffer => spareBlocks.pop() ?? Buffer.allocUnsafeSlow(WRITE_BLOCK);
const giveBlock = (b: Buffer): void => {
  if (spareBlocks.length < 16) spareBlocks.push(b);
};

/**
 * Copy `body` into two blocks that take turns: one fills while the other is written at its
 * offset. When both are busy the body is paused until the write is done (backpressure). Bytes
 * past `expectedLength` are counted, not written, and read on up to that many again (then the
 * body is destroyed) so the client gets the coded answer instead of a reset socket. Resolves
 * with the bytes received once all are written; rejects on a disk error or a body cut short.
 */
function streamInto(body: Readable, file: FileHandle, path: string, offset: number, expectedLength: number, hash: Hash): Promise<number> {
  return new Promise((resolve, reject) => {
    let block = takeBlock();
    let spare = takeBlock();
    let filled = 0;
    let written = 0;
    let received = 0;
    let writing = false;
    let leftover: Buffer | undefined;
    let ended = false;
    let settled = false;
    const settle = (err?: FerryError): void => {
      if (settled) return;
      settled = true;
      body.off('data', onData);
      const done = (): void => {
        giveBlock(block);
        giveBlock(spare);
        if (err) reject(err);
        else resolve(received);
      };
      // A write still running owns its block: return both only after it.
      if (writing) waitForWrite = done;
      else done();
    };
    let waitForWrite: (() => void) | undefined;
    const startWrite = (): void => {
      const data = block.subarray(0, filled);
      const at = offset + written;
      written += filled;
      [block, spare] = [spare, block];
      filled = 0;
      writing = true;
      writeAll(file, path, data, at).then(
        () => {
          writing = false;
          if (waitForWrite) waitForWrite();
          else onWritten();
        },
        (err: unknown) => {
          writing = false;
          body.resume();
          settle(err instanceof FerryError ? err : mapDiskError(err, 'writing an uploaded chunk'));
          waitForWrite?.();
        },
      );
    };
    /** Copy `piece` into the blocks; false when it had to stop (both blocks busy), keeping the rest. */
    const consume = (piece: Buffer): boolean => {
      for (let at = 0; at < piece.length; ) {
        if (filled === block.length) {
          if (writing) {
            leftover = piece.subarray(at);
            return false;
          }
          startWrite();
        }
        const n = piece.copy(block, filled, at);
        filled += n;
        at += n;
      }
      return true;
    };
    const onData = (chunk: Buffer): void => {
      const room = expectedLength - received;
      received += chunk.length;
      let piece = chunk;
      if (received > expectedLength) {
        if (received > 2 * expectedLength) body.destroy();
        if (room <= 0) return;
        piece = chunk.subarray(0, room);
      }
      hash.update(piece);
      if (!consume(piece)) body.pause();
    };
    const onWritten = (): void => {
      if (settled) return;
      if (leftover) {
        const rest = leftover;
        leftover = undefined;
        if (!consume(rest)) return;
        if (!ended) body.resume();
      }
      if (ended) onEnd();
    };
    const onEnd = (): void => {
      ended = true;
      if (leftover || writing) return; // onWritten comes back here
      if (filled) startWrite();
      else settle();
    };
    const cutOff = (): void => {
      if (!ended) settle(received > expectedLength ? tooLarge(expectedLength) : truncated(received, expectedLength));
    };
    body.on('data', onData);
    body.once('end', onEnd);
    body.once('error', cutOff);
    body.once('close', () => {
      if (!body.readableEnded) cutOff();
    });
    if (body.readableEnded) onEnd();
    // A client that went away while the server checked the request: no event will come.
    else if (body.destroyed) cutOff();
  });
}

async function writeAll(fh: FileHandle, path: string, data: Buffer, offset: number): Promise<void> {
  for (let done = 0; done < data.length; ) {
    const { bytesWritten } = await fh.write(data, done, data.length - done, offset + done);
    if (bytesWritten === 0)
      throw new FerryError('FERRY_E_IO', `Writing ${path} made no progress; check the storage folder's disk.`, { details: { path } });
    done += bytesWritten;
  }
}

function tooLarge(expectedLength: number): FerryError {
  return new FerryError(
    'FERRY_E_SMP_TOO_LARGE',
    `The chunk is larger than the ${expectedLength} bytes it must have; send chunks of the announced size.`,
    { details: { expectedLength } },
  );
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

/** SHA-256 of `length` bytes of `path` from `offset` (streamed): re-checks one recorded chunk. */
export async function sha256Range(path: string, offset: number, length: number): Promise<string> {
  const h = createHash('sha256');
  if (length > 0) await pipeline(createReadStream(path, { start: offset, end: offset + length - 1, highWaterMark: WRITE_BLOCK }), h);
  else h.end();
  return h.digest('hex');
}

/**
 * Move a part file whose chunks all arrived (each checked against the SHA-256 the client
 * computed for it in the same pass as the file's) into place, without reading it again.
 * False when the part file is short (a chunk recorded but not on disk).
 */
export async function finishFile(dir: string, file: StoreFile): Promise<boolean> {
  const part = join(dir, file.path + PART_SUFFIX);
  const final = join(dir, file.path);
  const partSize = (await stat(part).catch(() => undefined))?.size;
  if (partSize === undefined || partSize < file.size) {
    // Moved into place just before a crash, before the database recorded it? (Its chunks, not
    // synced, are re-read before the store is committed.)
    if ((await stat(final).catch(() => undefined))?.size === file.size) {
      await rm(part, { force: true });
      return true;
    }
    await (await open(part, 'a', PRIVATE_FILE)).close();
    return false;
  }
  // Every chunk is in, so bytes past the end can only be left from an earlier, longer declaration.
  if (partSize > file.size) await truncate(part, file.size);
  await rename(part, final);
  return true;
}

/** Where a store file's bytes are now: in place once verified, else its part file (or in place, renamed before a crash). */
export async function currentPath(dir: string, file: StoreFile): Promise<string> {
  const final = join(dir, file.path);
  if (file.verified) return final;
  const part = final + PART_SUFFIX;
  if ((await stat(part).catch(() => undefined))?.size) return part;
  return (await stat(final).catch(() => undefined)) ? final : part;
}

/**
 * The commit's durability point: fsync every file of the store (in place or still a part file)
 * and every folder from the store's own up to the storage folder, so the data and the renames
 * that placed it survive a crash. Files are synced a few at a time so the file system can
 * batch their journal commits.
 */
export async function syncStoreFiles(dir: string, files: readonly StoreFile[]): Promise<void> {
  const folders = new Set<string>([dir, dirname(dir)]);
  const paths: string[] = [];
  for (const f of files) {
    paths.push(await currentPath(dir, f));
    for (let d = dirname(join(dir, f.path)); d.length > dir.length; d = dirname(d)) folders.add(d);
  }
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < paths.length) await syncPath(paths[next++] as string, false);
  };
  try {
    await Promise.all(Array.from({ length: Math.min(4, paths.length) }, worker));
    for (const d of [...folders].sort((a, b) => b.length - a.length)) await syncPath(d, true);
  } catch (err) {
    throw mapDiskError(err, 'flushing the store to disk');
  }
}

async function syncPath(path: string, folder: boolean): Promise<void> {
  const fh = await open(path, 'r');
  try {
    if (folder) await fh.sync();
    else await fh.datasync();
  } catch (err) {
    // Some file systems cannot fsync a folder; the renames in it are atomic all the same.
    if (!folder || !['EINVAL', 'ENOTSUP', 'EISDIR'].includes((err as NodeJS.ErrnoException).code ?? '')) throw err;
  } finally {
    await fh.close();
  }
}

export async function removeStoreDirectory(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}
