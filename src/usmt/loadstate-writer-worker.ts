// The thread that writes LoadState's staged files (loadstate-writer.ts): create, write, times,
// Windows attributes, read-only bit, close. Only file system calls run here, so that the main
// thread goes on reading, decrypting and checking the store meanwhile; the bytes it receives have
// already matched their catalog size and hash. Kept free of project imports: it starts in a few ms.
import { chmodSync, closeSync, fstatSync, futimesSync, openSync, rmSync, writeSync } from 'node:fs';
import { parentPort } from 'node:worker_threads';
import { setAttributeSync } from '@napi-rs/xattr';

/** One file to write; `xattr` is the attribute to set (name and value), decided by the main thread. */
export interface WriteJob {
  readonly id: number;
  readonly path: string;
  readonly data: Uint8Array;
  readonly atimeMs: number;
  readonly mtimeMs: number;
  readonly xattr?: { readonly name: string; readonly value: string | Uint8Array };
  readonly readOnly: boolean;
}

/** The answer for one job: its id, and the error when the write failed (the file is then removed). */
export interface WriteDone {
  readonly id: number;
  readonly error?: { readonly message: string; readonly code?: string; readonly path?: string };
}

function write(job: WriteJob): void {
  const fd = openSync(job.path, 'wx');
  try {
    const { data } = job;
    for (let done = 0; done < data.length; ) done += writeSync(fd, data, done, data.length - done);
    if (job.xattr) setAttributeSync(job.path, job.xattr.name, job.xattr.value);
    if (job.readOnly) chmodSync(job.path, fstatSync(fd).mode & ~0o222);
    futimesSync(fd, job.atimeMs / 1000, job.mtimeMs / 1000);
  } finally {
    closeSync(fd);
  }
}

parentPort?.on('message', (jobs: WriteJob[]) => {
  const done: WriteDone[] = [];
  for (const job of jobs) {
    try {
      write(job);
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
  parentPort!.postMessage(done);
});
