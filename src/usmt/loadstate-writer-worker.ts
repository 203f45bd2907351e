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
  /** The catalog's SHA-256 of the bytes: checked here, before the file is created. */
  readonly sha256?: string;
}

/** The error code of a file whose bytes do not match `sha256` (nothing was written). */
export const HASH_MISMATCH = 'FERRY_WRITER_HASH_MISMATCH';

/** Jobs sent together, with the slab their packed files live in (handed back in the answer). */
export interface WriteBatch {
  readonly batch: number;
  readonly jobs: readonly WriteJob[];
  readonly slab?: ArrayBuffer;
}

/** The answer for one batch: each job's id, with the error when its write failed (the file is then removed). */
export interface WriteDone {
  readonly batch: number;
  readonly slab?: ArrayBuffer;
  readonly done: readonly {
    readonly id: number;
    readonly error?: { readonly message: string; readonly code?: string; readonly path?: string };
  }[];
}

function write(job: WriteJob, slab: ArrayBuffer | undefined): void {
  const data = job.data ?? (job.length ? new Uint8Array(slab!, job.offset, job.length) : new Uint8Array(0));
  if (job.sha256 !== undefined && createHash('sha256').update(data).digest('hex') !== job.sha256)
    throw Object.assign(new Error('the bytes do not match the catalog SHA-256'), { code: HASH_MISMATCH });
  const fd = openSync(job.path, 'wx');
  try {
    for (let done = 0; done < data.length; ) done += writeSync(fd, data, done, data.length - done);
    if (job.xattr) setAttributeSync(job.path, job.xattr.name, job.xattr.value);
    if (job.readOnly) chmodSync(job.path, fstatSync(fd).mode & ~0o222);
    futimesSync(fd, job.atimeMs / 1000, job.mtimeMs / 1000);
  } finally {
    closeSync(fd);
  }
}

parentPort?.on('message', ({ batch, jobs, slab }: WriteBatch) => {
  const done: WriteDone['done'][number][] = [];
  for (const job of jobs) {
    try {
      write(job, slab);
      done.push({ id: job.id });
    } catch (err) {
      rmSync(job.path, { force: true });
      const e = err as NodeJS.ErrnoException;
      done.push({
        id: job.id,
        error: { message: e.message, ...(e.code ? { code: e.code } : {}), ...(e.path ? { path: e.path } : {}) },
      });
    }
  }
  const answer: WriteDone = { batch, done, ...(slab ? { slab } : {}) };
  parentPort!.postMessage(answer, slab ? [slab] : []);
});
