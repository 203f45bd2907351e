// Extracting many files with their writes overlapped (issue 16, 'extract all'): creating and
// writing files is system-call time that extractFile spends in series with decrypting, hashing and
// waiting for the next chunk. Here one thread of its own makes those calls, one file after the
// other as tar -x does (extract-worker.ts), while the caller's thread reads on. (Async calls on
// the thread pool, several files at once, cost more system CPU than they saved: the threads
// contend for the same folders, measured.) Bytes go over in slabs of shared memory handed back
// by number; at most SLABS are out at once, so memory stays bounded whatever the store's size.
// Each file is still written to `.ferry-partial` and renamed only once its bytes matched the catalog.
import type { Worker } from 'node:worker_threads';
import { startWorker } from './chunk-pool.ts';
import { type FerryError, fromSystemError, isFerryError } from '../errors/index.ts';
import type { ExtractBatch, ExtractDone, ExtractStep } from './extract-worker.ts';
import type { FileEntry } from './types.ts';

const SLAB_BYTES = 4 * 1024 * 1024;
/** Slabs out at once: the bytes read ahead of the writes. */
const SLABS = 6;
/** Steps sent at once at most (a batch is sent sooner when its slab is full or the reader waits). */
const BATCH_STEPS = 256;

/**
 * Writes files one after the other as their bytes are read, while earlier files are still being
 * written. Get one with `StoreReader.extractor()`; `add` each file in catalog order (awaiting
 * each call), then `finish`, also after an error: it stops the thread.
 */
export class Extractor {
  readonly #content: (entry: FileEntry) => AsyncIterable<Buffer>;
  #worker: Worker | undefined;
  readonly #slabs: SharedArrayBuffer[] = [];
  /** Slabs the thread has been sent (it keeps them by number), and those back from it. */
  readonly #shared = new Set<number>();
  readonly #free: number[] = [];
  /** The slab being filled (-1: none), how much of it is used, and the steps that go with it. */
  #slab = -1;
  #used = 0;
  #steps: ExtractStep[] = [];
  #flushScheduled = false;
  #nextId = 1;
  #nextBatch = 1;
  #inFlight = 0;
  #failed: FerryError | undefined;
  #wake: (() => void) | undefined;

  constructor(content: (entry: FileEntry) => AsyncIterable<Buffer>) {
    this.#content = content;
  }

  /**
   * Read one file and hand it to the writing thread for `destPath` (the caller chose it and made
   * its folder). Resolves once its bytes are read and handed over: the write may still be going
   * on. Rejects with the file's own error when its bytes do not match the catalog, or with an
   * earlier file's error; on any error nothing is left at `destPath` by this call.
   */
  async add(entry: FileEntry, destPath: string): Promise<void> {
    if (this.#failed) throw this.#failed;
    const id = this.#nextId++;
    const tmp = `${destPath}.ferry-partial`;
    const what = `restoring ${entry.winPath} to ${destPath}`;
    let first: ExtractStep['first'] | undefined = { dest: destPath, atimeMs: entry.atimeMs, mtimeMs: entry.mtimeMs, what };
    try {
      for await (const piece of this.#content(entry)) {
        for (let at = 0; at < piece.length; ) {
          if (this.#slab === -1 || this.#used === SLAB_BYTES) await this.#newSlab();
          const n = Math.min(SLAB_BYTES - this.#used, piece.length - at);
          new Uint8Array(this.#slabs[this.#slab]!, this.#used, n).set(piece.subarray(at, at + n));
          this.#push({ id, tmp, ...(first ? { first } : {}), offset: this.#used, length: n });
          first = undefined;
          this.#used += n;
          at += n;
        }
      }
    } catch (err) {
      if (!first) {
        if (this.#slab === -1) await this.#newSlab();
        this.#push({ id, tmp, end: 'abort' });
      }
      throw isFerryError(err) ? err : fromSystemError(err, what);
    }
    if (this.#slab === -1) await this.#newSlab();
    this.#push({ id, tmp, ...(first ? { first } : {}), end: 'finish' });
  }

  /** Wait for every write and stop the thread; rejects with the first failure. */
  async finish(): Promise<void> {
    this.#flush();
    while (this.#inFlight > 0 && this.#worker) await this.#answer();
    const w = this.#worker;
    this.#worker = undefined;
    if (w) {
      w.removeAllListeners('exit');
      await w.terminate();
    }
    if (this.#failed) throw this.#failed;
  }

  #push(step: ExtractStep): void {
    this.#steps.push(step);
    if (this.#steps.length >= BATCH_STEPS) this.#flush();
    else if (!this.#flushScheduled) {
      // The thread gets what is ready whenever this thread waits (for a chunk, say), not only full slabs.
      this.#flushScheduled = true;
      setImmediate(() => this.#flush());
    }
  }

  /** A slab with room: a free one, a new one while there are fewer than SLABS, else the first one back. */
  async #newSlab(): Promise<void> {
    this.#flush();
    while (this.#free.length === 0 && this.#slabs.length >= SLABS) {
      if (this.#failed) throw this.#failed;
      await this.#answer();
    }
    this.#slab = this.#free.pop() ?? this.#slabs.push(new SharedArrayBuffer(SLAB_BYTES)) - 1;
    this.#used = 0;
  }

  #flush(): void {
    this.#flushScheduled = false;
    if (this.#steps.length === 0 || this.#slab === -1) return;
    const slab = this.#slab;
    const first = !this.#shared.has(slab);
    if (first) this.#shared.add(slab);
    const batch: ExtractBatch = { batch: this.#nextBatch++, slab, steps: this.#steps, ...(first ? { shared: this.#slabs[slab]! } : {}) };
    this.#steps = [];
    this.#slab = -1;
    this.#used = 0;
    this.#inFlight++;
    const w = this.#thread();
    w.ref();
    w.postMessage(batch);
  }

  #answer(): Promise<void> {
    return new Promise((resolve) => {
      this.#wake = resolve;
    });
  }

  #answered(done: ExtractDone): void {
    this.#inFlight--;
    this.#free.push(done.slab);
    for (const e of done.errors) {
      this.#failed ??= fromSystemError(Object.assign(new Error(e.message), { code: e.code, path: e.path }), e.what);
    }
    // Nothing in flight: an idle thread must not keep the process alive.
    if (this.#inFlight === 0) this.#worker?.unref();
    this.#wakeUp();
  }

  #wakeUp(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }

  #thread(): Worker {
    if (this.#worker) return this.#worker;
    const w = startWorker(new URL('./extract-worker.ts', import.meta.url));
    const stop = (err: Error) => {
      this.#failed ??= fromSystemError(err, 'writing extracted files');
      this.#worker = undefined;
      this.#inFlight = 0;
      this.#wakeUp();
    };
    w.on('message', (done: ExtractDone) => this.#answered(done));
    w.on('error', stop);
    w.on('exit', () => stop(new Error('the file-writing thread ended')));
    this.#worker = w;
    return w;
  }
}
