// LoadState's staged files are written on a thread of their own (loadstate-writer-worker.ts):
// creating and writing thousands of small files is system-call time that the main thread, which
// reads, decrypts and checks the store, would otherwise spend in series with its own work
// (profiled, issue 16). Jobs go in batches; at most MAX_IN_FLIGHT_BYTES are queued, so memory
// stays bounded whatever the store's size. The bytes handed over have matched the catalog already.
import { Worker } from 'node:worker_threads';
import type { WriteDone, WriteJob } from './loadstate-writer-worker.ts';
import { attributeWrites, type AttributeTarget, type RestoreMeta } from './restore-file.ts';

/** Files larger than this are written by the main thread as they stream (restore-file.ts). */
export const WRITER_MAX_FILE = 8 * 1024 * 1024;
const MAX_IN_FLIGHT_BYTES = 32 * 1024 * 1024;
const BATCH_FILES = 64;
const BATCH_BYTES = 2 * 1024 * 1024;

interface Pending {
  readonly bytes: number;
  readonly resolve: () => void;
  readonly reject: (err: Error) => void;
}

export class StagedFileWriter {
  #worker: Worker | undefined;
  #nextId = 1;
  readonly #pending = new Map<number, Pending>();
  #batch: WriteJob[] = [];
  #batchBytes = 0;
  #transfer: ArrayBuffer[] = [];
  #flushScheduled = false;
  #inFlightBytes = 0;
  #waiting: (() => void) | undefined;
  #failed: Error | undefined;

  /** Resolves once there is room for more bytes in flight (the window of the writes). */
  room(): Promise<void> {
    if (this.#inFlightBytes < MAX_IN_FLIGHT_BYTES || this.#failed) return Promise.resolve();
    this.#flush();
    return new Promise((resolve) => {
      this.#waiting = resolve;
    });
  }

  /**
   * Write `data` (a buffer of its own, handed over: the caller must not use it again) to the
   * new file `path` with the times and attributes of `meta`. Resolves once it is written; rejects
   * with the system error (the file is then removed).
   */
  write(
    path: string,
    data: Uint8Array,
    meta: Pick<RestoreMeta, 'mtimeMs' | 'atimeMs' | 'attributes'>,
    target: AttributeTarget,
  ): Promise<void> {
    if (this.#failed) return Promise.reject(this.#failed);
    const id = this.#nextId++;
    const { xattr, readOnly } = attributeWrites(meta.attributes, target);
    this.#batch.push({ id, path, data, atimeMs: meta.atimeMs, mtimeMs: meta.mtimeMs, readOnly, ...(xattr ? { xattr } : {}) });
    if (data.byteLength) this.#transfer.push(data.buffer as ArrayBuffer);
    this.#batchBytes += data.byteLength;
    this.#inFlightBytes += data.byteLength;
    const done = new Promise<void>((resolve, reject) => this.#pending.set(id, { bytes: data.byteLength, resolve, reject }));
    if (this.#batch.length >= BATCH_FILES || this.#batchBytes >= BATCH_BYTES) this.#flush();
    else if (!this.#flushScheduled) {
      this.#flushScheduled = true;
      setImmediate(() => this.#flush());
    }
    return done;
  }

  /** Stop the thread; writes not answered yet fail. Safe to call more than once. */
  async close(): Promise<void> {
    const w = this.#worker;
    this.#worker = undefined;
    this.#batch = [];
    this.#transfer = [];
    if (w) await w.terminate();
    this.#fail(new Error('the staged-file writer was stopped'));
  }

  #flush(): void {
    this.#flushScheduled = false;
    if (this.#batch.length === 0) return;
    const batch = this.#batch;
    const transfer = this.#transfer;
    this.#batch = [];
    this.#transfer = [];
    this.#batchBytes = 0;
    this.#thread().postMessage(batch, transfer);
  }

  #thread(): Worker {
    if (this.#worker) return this.#worker;
    const w = new Worker(new URL('./loadstate-writer-worker.ts', import.meta.url));
    w.on('message', (done: WriteDone[]) => this.#answered(done));
    w.on('error', (err) => this.#fail(err));
    w.on('exit', () => this.#fail(new Error('the staged-file writer thread ended')));
    this.#worker = w;
    return w;
  }

  #answered(done: readonly WriteDone[]): void {
    for (const d of done) {
      const p = this.#pending.get(d.id);
      if (!p) continue;
      this.#pending.delete(d.id);
      this.#inFlightBytes -= p.bytes;
      if (d.error) p.reject(Object.assign(new Error(d.error.message), { code: d.error.code, path: d.error.path }));
      else p.resolve();
    }
    this.#wake();
  }

  #fail(err: Error): void {
    if (this.#pending.size === 0) return;
    this.#failed ??= err;
    for (const p of this.#pending.values()) p.reject(err);
    this.#pending.clear();
    this.#inFlightBytes = 0;
    this.#wake();
  }

  #wake(): void {
    if (this.#waiting && (this.#inFlightBytes < MAX_IN_FLIGHT_BYTES || this.#failed)) {
      const w = this.#waiting;
      this.#waiting = undefined;
      w();
    }
  }
}
