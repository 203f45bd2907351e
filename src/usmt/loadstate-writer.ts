// LoadState's staged files are written on a thread of their own (loadstate-writer-worker.ts):
// creating and writing thousands of small files is system-call time that the main thread, which
// reads, decrypts and checks the store, would otherwise spend in series with its own work
// (profiled, issue 16); so is hashing the bytes against the catalog. Files are packed into 2 MiB
// slabs of shared memory that the thread reads and hands back by number with its answer: a buffer
// per file cost an allocation, page faults and garbage collection per file, and buffers moved
// back and forth counted as new allocations that started full collections. At most
// MAX_IN_FLIGHT_BYTES are out at once, so memory stays bounded whatever the store's size; a file
// larger than a slab goes in parts (writeStreamed). The bytes handed over have matched the
// catalog size already.
import { Worker } from 'node:worker_threads';
import type { WriteBatch, WriteDone, WriteJob } from './loadstate-writer-worker.ts';

export { HASH_MISMATCH } from './loadstate-writer-worker.ts';
import { attributeWrites, type AttributeTarget, type RestoreMeta } from './restore-file.ts';

const SLAB_BYTES = 2 * 1024 * 1024;
/** Files larger than this are handed over in parts as they are read (writeStreamed), not held whole. */
export const WRITER_WHOLE_FILE = SLAB_BYTES;
const MAX_IN_FLIGHT_BYTES = 8 * 1024 * 1024;
const BATCH_FILES = 64;

interface Pending {
  readonly resolve: () => void;
  readonly reject: (err: Error) => void;
}

export class StagedFileWriter {
  #worker: Worker | undefined;
  #nextId = 1;
  readonly #pending = new Map<number, Pending>();
  #batch: WriteJob[] = [];
  /**
   * The slabs, shared with the thread: moving buffers back and forth made V8 count each returned
   * one as a new 2 MiB allocation, and such churn is what starts its full collections here.
   */
  readonly #slabs: SharedArrayBuffer[] = [];
  /** Numbers of the slabs the thread has been sent (it keeps them by number). */
  readonly #slabsShared = new Set<number>();
  /** The number of the slab the current batch's files are packed into, and how much of it is used. */
  #slab: number | undefined;
  #slabUsed = 0;
  /** Buffers of files too large for a slab, sent with the current batch. */
  #own: ArrayBuffer[] = [];
  /** Numbers of the slabs back from the thread, ready for reuse. */
  readonly #free: number[] = [];
  #flushScheduled = false;
  /** Bytes of the batches sent and not answered yet (whole slabs, and files of their own). */
  #inFlightBytes = 0;
  readonly #batchBytes = new Map<number, number>();
  #nextBatch = 1;
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
   * Write the bytes `pieces` (together `size` bytes; copied, so the caller may reuse them) to the
   * new file `path` with the times and attributes of `meta`, once they match `sha256` (when not
   * null). Resolves once it is written; rejects with the system error (the file is then removed),
   * or with code HASH_MISMATCH when the bytes do not match (nothing is written).
   */
  write(
    path: string,
    pieces: readonly Uint8Array[],
    size: number,
    meta: Pick<RestoreMeta, 'mtimeMs' | 'atimeMs' | 'attributes'>,
    target: AttributeTarget,
    sha256: string | null,
  ): Promise<void> {
    if (this.#failed) return Promise.reject(this.#failed);
    const id = this.#nextId++;
    const common = jobFields(id, path, meta, target, sha256);
    const data = this.#reserve(size);
    let at = 0;
    for (const piece of pieces) {
      data.set(piece, at);
      at += piece.byteLength;
    }
    if (this.#slab !== undefined && data.buffer === this.#slabs[this.#slab])
      this.#batch.push({ ...common, offset: data.byteOffset, length: size });
    else {
      this.#own.push(data.buffer as ArrayBuffer);
      this.#batch.push({ ...common, data });
    }
    const done = new Promise<void>((resolve, reject) => this.#pending.set(id, { resolve, reject }));
    this.#queued();
    return done;
  }

  /**
   * write() for a file too large to hold whole: `pieces` (together `size` bytes) are read and
   * handed to the thread in parts of at most a slab, in order, as the window has room, so memory
   * stays bounded by the window whatever the file's size; the thread hashes them as they come and
   * checks the hash before it finishes the file. Resolves once every part is handed over, with
   * the promise of the write (wrapped: a promise would be awaited with it). When reading `pieces`
   * fails, the file is dropped and the error thrown.
   */
  async writeStreamed(
    path: string,
    pieces: AsyncIterable<Uint8Array>,
    size: number,
    meta: Pick<RestoreMeta, 'mtimeMs' | 'atimeMs' | 'attributes'>,
    target: AttributeTarget,
    sha256: string | null,
  ): Promise<{ readonly written: Promise<void> }> {
    if (this.#failed) throw this.#failed;
    const id = this.#nextId++;
    const common = jobFields(id, path, meta, target, sha256);
    const done = new Promise<void>((resolve, reject) => this.#pending.set(id, { resolve, reject }));
    // Unhandled until the caller takes it: a failure while parts are still being handed over is seen there.
    done.catch(() => undefined);
    let sent = 0;
    try {
      for await (const piece of pieces) {
        for (let at = 0; at < piece.length; ) {
          await this.room();
          if (this.#failed) throw this.#failed;
          const n = Math.min(SLAB_BYTES, piece.length - at);
          if (sent + n > size) throw new Error(`${path}: more bytes than the ${size} expected`);
          const data = this.#reserve(n);
          data.set(piece.subarray(at, at + n));
          this.#batch.push({ ...common, offset: data.byteOffset, length: n, part: { first: sent === 0, last: sent + n === size } });
          this.#queued();
          at += n;
          sent += n;
        }
      }
      if (sent !== size) throw new Error(`${path}: ${sent} bytes, ${size} expected`);
    } catch (err) {
      this.#pending.delete(id);
      if (sent > 0 && !this.#failed) {
        this.#batch.push({ ...common, part: { first: false, last: true, abort: true } });
        this.#queued();
      }
      throw err;
    }
    return { written: done };
  }

  /** A job was added to the batch: send it now when the batch is full, else soon. */
  #queued(): void {
    if (this.#batch.length >= BATCH_FILES || this.#own.length > 0) this.#flush();
    else if (!this.#flushScheduled) {
      this.#flushScheduled = true;
      setImmediate(() => this.#flush());
    }
  }

  /** Room for `size` bytes: in the current slab (a new one when it is full), or a buffer of its own. */
  #reserve(size: number): Uint8Array {
    if (size > SLAB_BYTES) return new Uint8Array(new ArrayBuffer(size));
    if (this.#slab === undefined || this.#slabUsed + size > SLAB_BYTES) {
      this.#flush();
      // A slab with no file in it is not sent: it stays, reused from its start.
      this.#slab ??= this.#free.pop() ?? this.#slabs.push(new SharedArrayBuffer(SLAB_BYTES)) - 1;
      this.#slabUsed = 0;
    }
    const view = new Uint8Array(this.#slabs[this.#slab]!, this.#slabUsed, size);
    this.#slabUsed += size;
    return view;
  }

  /** Stop the thread; writes not answered yet fail. Safe to call more than once. */
  async close(): Promise<void> {
    const w = this.#worker;
    this.#worker = undefined;
    this.#batch = [];
    this.#own = [];
    this.#slab = undefined;
    this.#free.length = 0;
    this.#slabs.length = 0;
    this.#slabsShared.clear();
    if (w) await w.terminate();
    this.#fail(new Error('the staged-file writer was stopped'));
  }

  #flush(): void {
    this.#flushScheduled = false;
    if (this.#batch.length === 0) return;
    const slab = this.#slabUsed > 0 ? this.#slab : undefined;
    const own = this.#own;
    const bytes = (slab !== undefined ? SLAB_BYTES : 0) + own.reduce((n, b) => n + b.byteLength, 0);
    // A slab's memory goes to the thread the first time it is used; after that only its number.
    const first = slab !== undefined && !this.#slabsShared.has(slab);
    if (first) this.#slabsShared.add(slab);
    const batch: WriteBatch = {
      batch: this.#nextBatch++,
      jobs: this.#batch,
      ...(slab !== undefined ? { slab } : {}),
      ...(first ? { shared: this.#slabs[slab]! } : {}),
    };
    this.#batch = [];
    this.#own = [];
    if (slab !== undefined) {
      this.#slab = undefined;
      this.#slabUsed = 0;
    }
    this.#inFlightBytes += bytes;
    this.#batchBytes.set(batch.batch, bytes);
    this.#thread().postMessage(batch, own);
  }

  #thread(): Worker {
    if (this.#worker) return this.#worker;
    // Started through a line of JavaScript that turns the compile cache on first: a .ts entry is
    // stripped before any of its code runs, which loaded the TypeScript stripper into the thread
    // on every run (0.15 CPU-s, 18 MiB RSS, measured).
    const entry = JSON.stringify(new URL('./loadstate-writer-worker.ts', import.meta.url).href);
    const w = new Worker(`require('node:module').enableCompileCache(); import(${entry});`, { eval: true });
    w.on('message', (done: WriteDone) => this.#answered(done));
    w.on('error', (err) => this.#fail(err));
    w.on('exit', () => this.#fail(new Error('the staged-file writer thread ended')));
    this.#worker = w;
    return w;
  }

  #answered(answer: WriteDone): void {
    this.#inFlightBytes -= this.#batchBytes.get(answer.batch) ?? 0;
    this.#batchBytes.delete(answer.batch);
    if (answer.slab !== undefined && this.#worker) this.#free.push(answer.slab);
    for (const d of answer.done) {
      const p = this.#pending.get(d.id);
      if (!p) continue;
      this.#pending.delete(d.id);
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
    this.#batchBytes.clear();
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

/** The fields every job of one file carries. */
function jobFields(
  id: number,
  path: string,
  meta: Pick<RestoreMeta, 'mtimeMs' | 'atimeMs' | 'attributes'>,
  target: AttributeTarget,
  sha256: string | null,
): Omit<WriteJob, 'data' | 'offset' | 'length' | 'part'> {
  const { xattr, readOnly } = attributeWrites(meta.attributes, target);
  return {
    id,
    path,
    atimeMs: meta.atimeMs,
    mtimeMs: meta.mtimeMs,
    readOnly,
    ...(xattr ? { xattr } : {}),
    ...(sha256 !== null ? { sha256 } : {}),
  };
}
