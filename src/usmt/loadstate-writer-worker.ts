// The thread that writes LoadState's staged files (loadstate-writer.ts): create, write, times,
// Windows attributes, read-only bit, close. Only file system calls run here, so that the main
// thread goes on reading, decrypting and checking the store meanwhile; the bytes it receives have
// already matched their catalog size; their hash is checked here, off the main thread. Kept free of project imports: it starts in a few ms.
import { createHash } from 'node:crypto';
import { chmodSync, closeSync, fstatSync, futimesSync, openSync, rmSync, writeSync } from 'node:fs';
import { parentPort } from 'node:worker_threads';
import { setAttributeSync } from '@napi-rs/xattr';

/** One file to write: its bytes are `data`, or `length` bytes at `offset` in its batch's slab. */
export interface WriteJob {
  readonly id: number;
  readonly path: string;
  readonly data?: Uint8Array;
  readonly offset?: number;
  readonly length?: number;
  readonly atimeMs: number;
  readonly mtimeMs: number;
  /** The attribute to set (name and value), decided by the main thread. */
  readonly xattr?: { readonly name: string; readonly value: string | Uint8Array };
  readonly readOnly: boolean;
  /** The catalog's SHA-256 of the bytes: checked here, before the file is created (a streamed file: before it is closed). */
  readonly sha256?: string;
  /**
   * Set on the parts of a streamed file (one too large to hold whole), sent in order under one
   * id: the first creates it, the last checks its hash and finishes it; `abort` drops it (its
   * source failed). Only the last part, or a failing one, is answered.
   */
  readonly part?: { readonly first: boolean; readonly last: boolean; readonly abort?: boolean };
}

/** The error code of a file whose bytes do not match `sha256` (nothing was written). */
export const HASH_MISMATCH = 'FERRY_WRITER_HASH_MISMATCH';

/**
 * Jobs sent together, with the number of the slab their packed files live in (handed back in the
 * answer). Slabs are shared memory, each sent once (`shared`) and kept here by number.
 */
export interface WriteBatch {
  readonly batch: number;
  readonly jobs: readonly WriteJob[];
  readonly slab?: number;
  readonly shared?: SharedArrayBuffer;
}

/** The answer for one batch: each job's id, with the error when its write failed (the file is then removed). */
export interface WriteDone {
  readonly batch: number;
  readonly slab?: number;
  readonly done: readonly {
    readonly id: number;
    readonly error?: { readonly message: string; readonly code?: string; readonly path?: string };
  }[];
}

const mismatch = () => Object.assign(new Error('the bytes do not match the catalog SHA-256'), { code: HASH_MISMATCH });

function bytesOf(job: WriteJob, slab: SharedArrayBuffer | undefined): Uint8Array {
  return job.data ?? (job.length ? new Uint8Array(slab!, job.offset, job.length) : new Uint8Array(0));
}

function writeAll(fd: number, data: Uint8Array): void {
  for (let done = 0; done < data.length; ) done += writeSync(fd, data, done, data.length - done);
}

function finish(fd: number, job: WriteJob): void {
  if (job.xattr) setAttributeSync(job.path, job.xattr.name, job.xattr.value);
  if (job.readOnly) chmodSync(job.path, fstatSync(fd).mode & ~0o222);
  futimesSync(fd, job.atimeMs / 1000, job.mtimeMs / 1000);
}

function write(job: WriteJob, slab: SharedArrayBuffer | undefined): void {
  const data = bytesOf(job, slab);
  if (job.sha256 !== undefined && createHash('sha256').update(data).digest('hex') !== job.sha256) throw mismatch();
  const fd = openSync(job.path, 'wx');
  try {
    writeAll(fd, data);
    finish(fd, job);
  } finally {
    closeSync(fd);
  }
}

/** Streamed files being written, by id: their open file and running hash. */
const streams = new Map<number, { readonly fd: number; readonly hash: ReturnType<typeof createHash> | null }>();
/** Streamed files whose write failed: their remaining parts are skipped. */
const failedStreams = new Set<number>();

/** One part of a streamed file; true once the file is complete (its last part). */
function writePart(job: WriteJob, slab: SharedArrayBuffer | undefined): boolean {
  const part = job.part!;
  if (failedStreams.has(job.id)) {
    if (part.last) failedStreams.delete(job.id);
    return false;
  }
  if (part.abort) {
    const open = streams.get(job.id);
    streams.delete(job.id);
    if (open) closeSync(open.fd);
    rmSync(job.path, { force: true });
    return false;
  }
  if (part.first) streams.set(job.id, { fd: openSync(job.path, 'wx'), hash: job.sha256 !== undefined ? createHash('sha256') : null });
  const open = streams.get(job.id)!;
  const data = bytesOf(job, slab);
  open.hash?.update(data);
  writeAll(open.fd, data);
  if (!part.last) return false;
  streams.delete(job.id);
  try {
    // Checked before the staged file is finished: a mismatch never reaches the commit.
    if (open.hash && open.hash.digest('hex') !== job.sha256) throw mismatch();
    finish(open.fd, job);
  } finally {
    closeSync(open.fd);
  }
  return true;
}

/** The shared slabs, by number. */
const slabs: SharedArrayBuffer[] = [];

parentPort?.on('message', ({ batch, jobs, slab, shared }: WriteBatch) => {
  if (shared && slab !== undefined) slabs[slab] = shared;
  const bytes = slab === undefined ? undefined : slabs[slab];
  const done: WriteDone['done'][number][] = [];
  for (const job of jobs) {
    try {
      if (job.part ? writePart(job, bytes) : (write(job, bytes), true)) done.push({ id: job.id });
    } catch (err) {
      if (job.part) {
        const open = streams.get(job.id);
        streams.delete(job.id);
        if (open) closeSync(open.fd);
        if (!job.part.last) failedStreams.add(job.id);
      }
      rmSync(job.path, { force: true });
      const e = err as NodeJS.ErrnoException;
      done.push({
        id: job.id,
        error: { message: e.message, ...(e.code ? { code: e.code } : {}), ...(e.path ? { path: e.path } : {}) },
      });
    }
  }
  const answer: WriteDone = { batch, done, ...(slab !== undefined ? { slab } : {}) };
  parentPort!.postMessage(answer);
});
