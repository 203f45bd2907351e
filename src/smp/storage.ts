// Storage folders on disk: free-space rules, safe store-relative paths, and chunked writes.
// A store lives in `<folder>/<storeId>/`; a file being uploaded is `<path>.ferry-part` until
// all its chunks arrived and its SHA-256 matched the manifest, then it is renamed into place.
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, statfsSync } from 'node:fs';
import { mkdir, open, rename, rm, stat, truncate } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { FerryError, fromSystemError } from '../errors/index.ts';
import type { StorageFolder, StoreFile } from './types.ts';

export const PART_SUFFIX = '.ferry-part';

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
 * and not ending in the part-file suffix.
 */
export function checkStorePath(path: string): string {
  const segments = path.split('/');
  const bad =
    path.length === 0 ||
    path.length > 4096 ||
    path.endsWith(PART_SUFFIX) ||
    FORBIDDEN_CHARS.test(path) ||
    segments.some((s) => s === '' || s === '.' || s === '..' || Buffer.byteLength(s) > 255);
  if (bad) {
    throw new FerryError('FERRY_E_SMP_PATH_INVALID', `The store file name ${JSON.stringify(path.slice(0, 300))} is not a safe relative path; names must stay inside the store.`, { details: { path: path.slice(0, 300) } });
  }
  return path;
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
    await mkdir(dir, { recursive: true });
    for (const f of files) {
      if (f.verified) continue;
      const part = join(dir, f.path + PART_SUFFIX);
      await mkdir(dirname(part), { recursive: true });
      await (await open(part, 'a')).close();
    }
  } catch (err) {
    throw mapDiskError(err, 'preparing the store files');
  }
}

export function mapDiskError(err: unknown, what: string): FerryError {
  const e = fromSystemError(err, what);
  if (e.code === 'FERRY_E_DISK_FULL') {
    return new FerryError('FERRY_E_SMP_FOLDER_FULL', `The storage folder ran out of space while ${what}; free space and resume the upload.`, { cause: err, details: e.details });
  }
  return e;
}

/**
 * Stream one chunk from `body` into the part file at its offset, hashing as it goes. It is
 * accepted only if exactly `expectedLength` bytes arrived and their SHA-256 is `expectedSha256`;
 * otherwise nothing is recorded (the bytes written are overwritten by the retry).
 */
export async function writeChunk(partFile: string, offset: number, expectedLength: number, expectedSha256: string, body: Readable): Promise<void> {
  const hash = createHash('sha256');
  let received = 0;
  const meter = new Transform({
    transform(chunk: Buffer, _enc, done) {
      received += chunk.length;
      if (received > expectedLength) {
        done(new FerryError('FERRY_E_SMP_TOO_LARGE', `The chunk is larger than the ${expectedLength} bytes it must have; send chunks of the announced size.`, { details: { expectedLength } }));
        return;
      }
      hash.update(chunk);
      done(null, chunk);
    },
  });
  // The body is piped by hand, not by pipeline(): on a refusal (too large, disk full) the rest
  // of the request is drained so the client reads the coded answer instead of a reset socket.
  const written = pipeline(meter, createWriteStream(partFile, { flags: 'r+', start: offset }));
  const onGone = (): void => {
    if (!body.readableEnded) meter.destroy(truncated(received, expectedLength));
  };
  body.once('close', onGone);
  body.once('error', onGone);
  body.pipe(meter);
  try {
    await written;
  } catch (err) {
    body.unpipe(meter);
    await drain(body, expectedLength);
    if (err instanceof FerryError) throw err;
    throw mapDiskError(err, 'writing an uploaded chunk');
  } finally {
    body.off('close', onGone);
    body.off('error', onGone);
  }
  if (received !== expectedLength) throw truncated(received, expectedLength);
  const actual = hash.digest('hex');
  if (actual !== expectedSha256.toLowerCase()) {
    throw new FerryError('FERRY_E_SMP_CHUNK_MISMATCH', `The chunk's SHA-256 is ${actual}, not the ${expectedSha256} the client declared; send it again.`, { details: { expected: expectedSha256, actual } });
  }
}

/** Read and drop what is left of a request body, up to `limit` more bytes (then give up on it). */
function drain(body: Readable, limit: number): Promise<void> {
  return new Promise((resolve) => {
    if (body.readableEnded || body.destroyed) return resolve();
    let left = limit;
    body.on('data', (c: Buffer) => {
      left -= c.length;
      if (left < 0) body.destroy();
    });
    body.once('end', () => resolve());
    body.once('close', () => resolve());
    body.resume();
  });
}

function truncated(received: number, expected: number): FerryError {
  return new FerryError('FERRY_E_SMP_CHUNK_MISMATCH', `The chunk was truncated (${received} of ${expected} bytes arrived); send it again.`, { details: { received, expected } });
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
    await (await open(part, 'a')).close();
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
