// The thread that writes extracted files (extractor.ts): create, write, times, close, rename, one
// file after the other, as tar -x does. Only file system calls run here, so that the main thread
// goes on reading, decrypting and checking the store meanwhile. Kept free of project imports: it
// starts in a few ms.
import { closeSync, futimesSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { parentPort } from 'node:worker_threads';

/**
 * One step of one file, in order: `first` creates `tmp`, each step writes its `length` bytes at
 * `offset` of the batch's slab, `end` gives the times and renames `tmp` to `dest` (the main thread
 * sends it only once the bytes matched the catalog), `abort` removes `tmp`.
 */
export interface ExtractStep {
  readonly id: number;
  readonly tmp: string;
  /** `what`: for the error message ("restoring C:\\x to /out/x"). */
  readonly first?: { readonly dest: string; readonly atimeMs: number; readonly mtimeMs: number; readonly what: string };
  readonly offset?: number;
  readonly length?: number;
  readonly end?: 'finish' | 'abort';
}

export interface ExtractBatch {
  readonly batch: number;
  readonly slab: number;
  /** The slab's memory, sent the first time it is used; after that only its number. */
  readonly shared?: SharedArrayBuffer;
  readonly steps: readonly ExtractStep[];
}

export interface ExtractDone {
  readonly batch: number;
  readonly slab: number;
  readonly errors: readonly {
    readonly what: string;
    readonly message: string;
    readonly code?: string;
    readonly path?: string;
  }[];
}

/** Files being written: their descriptor and what `first` said. */
const open = new Map<number, { fd: number; dest: string; atimeMs: number; mtimeMs: number; what: string }>();
/** Files whose write failed: their later steps are skipped. */
const failed = new Set<number>();
const slabs: SharedArrayBuffer[] = [];

function drop(id: number, tmp: string): void {
  const f = open.get(id);
  open.delete(id);
  if (f) {
    try {
      closeSync(f.fd);
    } catch {
      // already failing: the first error is the one reported
    }
  }
  rmSync(tmp, { force: true });
}

function step(s: ExtractStep, slab: Uint8Array): void {
  if (s.first) open.set(s.id, { fd: openSync(s.tmp, 'w'), ...s.first });
  const f = open.get(s.id)!;
  if (s.length) {
    const data = slab.subarray(s.offset!, s.offset! + s.length);
    for (let done = 0; done < data.length; ) done += writeSync(f.fd, data, done, data.length - done);
  }
  if (s.end === 'abort') drop(s.id, s.tmp);
  else if (s.end === 'finish') {
    open.delete(s.id);
    try {
      futimesSync(f.fd, f.atimeMs / 1000, f.mtimeMs / 1000);
    } finally {
      closeSync(f.fd);
    }
    renameSync(s.tmp, f.dest);
  }
}

parentPort?.on('message', ({ batch, slab, shared, steps }: ExtractBatch) => {
  if (shared) slabs[slab] = shared;
  const bytes = new Uint8Array(slabs[slab]!);
  const errors: ExtractDone['errors'][number][] = [];
  for (const s of steps) {
    if (failed.has(s.id)) {
      if (s.end) failed.delete(s.id);
      continue;
    }
    try {
      step(s, bytes);
    } catch (err) {
      const what = s.first?.what ?? open.get(s.id)?.what ?? s.tmp;
      drop(s.id, s.tmp);
      if (!s.end) failed.add(s.id);
      const e = err as NodeJS.ErrnoException;
      errors.push({ what, message: e.message, ...(e.code ? { code: e.code } : {}), ...(e.path ? { path: e.path } : {}) });
    }
  }
  parentPort!.postMessage({ batch, slab, errors } satisfies ExtractDone);
});
