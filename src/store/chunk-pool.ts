// The capture's chunk pipeline (docs/store-format.md §5, step 2): raw chunks are filled in place
// in shared memory slots, compressed and sealed by a small pool of worker threads (one per core),
// and handed back as finished frames in the same slot. The slots bound memory: the reader waits
// for a free one when every slot is in flight.
import { getCompileCacheDir } from 'node:module';
import { availableParallelism } from 'node:os';
import { Worker, type WorkerOptions } from 'node:worker_threads';
import { CHUNK_SIZE, MAX_DATA_FRAME, type FrameCodec } from './frame.ts';

/** What a worker gets once: the codec's secret parts and the shared slot memory. */
export interface ChunkWorkerData {
  readonly storeId: Uint8Array;
  readonly key: unknown;
  readonly raw: SharedArrayBuffer;
  readonly out: SharedArrayBuffer;
  readonly rawSlot: number;
  readonly outSlot: number;
}
export interface ChunkJob {
  readonly id: number;
  readonly slot: number;
  readonly rawLen: number;
  readonly session: number;
  readonly seq: number;
  readonly rawOffset: number;
}
/**
 * For the hashing thread: the SHA-256 steps of one chunk's files, in stream order, as pairs:
 * `[offset, length]` adds that part of the slot to the current file; `[0, -1]` ends the file and
 * reports its digest. A file may span many chunks: the thread keeps its state between jobs.
 */
export interface HashJob {
  readonly id: number;
  readonly slot: number;
  readonly ops: readonly number[];
}
export type ChunkDone =
  | { readonly id: number; readonly frameLen: number }
  | { readonly id: number; readonly shas: string[] }
  | { readonly id: number; readonly error: string };
/** `ops` pair that ends a file. */
export const END_OF_FILE = -1;

const WORKER = new URL('./chunk-worker.ts', import.meta.url);

/**
 * Start a TypeScript worker from `entry` (chunk-worker.ts, extract-worker.ts) through a few lines
 * of plain JavaScript that turn a compile cache on first: the thread otherwise strips and compiles
 * its modules anew (~0.15 s of CPU and ~15 MiB of the type stripper's memory each, measured). The
 * process's cache when it has one (the CLI), else Node's default folder, so a library caller's
 * threads get one too. Workers inherit the process's Node options but refuse `--input-type`
 * (`node --input-type=module -e …`): such a process starts its workers with none.
 */
export function startWorker(entry: URL, options: Omit<WorkerOptions, 'eval' | 'execArgv'> = {}): Worker {
  const cache = getCompileCacheDir();
  const boot = [
    `require('node:module').enableCompileCache(${cache ? JSON.stringify(cache) : ''});`,
    `import(${JSON.stringify(entry.href)});`,
  ].join('\n');
  const inputType = process.execArgv.some((a) => a.startsWith('--input-type'));
  return new Worker(boot, { ...options, eval: true, ...(inputType ? { execArgv: [] } : {}) });
}

export class ChunkPool {
  /** Slots: one being filled plus one per chunk in flight. */
  readonly slots: number;
  readonly #codec: FrameCodec;
  readonly #threads: number;
  readonly #rawMem: SharedArrayBuffer;
  readonly #outMem: SharedArrayBuffer;
  readonly #free: number[] = [];
  readonly #waiting = new Map<number, { ok: (v: number | string[]) => void; fail: (e: Error) => void }>();
  #workers: { worker: Worker; busy: number }[] = [];
  /**
   * The thread that also hashes every stored file, in stream order (SHA-256 cannot be split across
   * threads); the first sealing thread, as one more thread would cost memory, not time.
   */
  #hasher: { worker: Worker; busy: number } | null = null;
  #nextId = 0;
  #broken: Error | null = null;

  constructor(codec: FrameCodec, threads = availableParallelism()) {
    this.#codec = codec;
    this.slots = threads + 2;
    // Shared memory is only committed where it is written: a small capture touches one slot.
    this.#rawMem = new SharedArrayBuffer(CHUNK_SIZE * this.slots);
    this.#outMem = new SharedArrayBuffer(MAX_DATA_FRAME * this.slots);
    for (let i = 0; i < this.slots; i++) this.#free.push(i);
    this.#threads = threads;
  }

  /** A free slot number; the caller keeps at most `slots` taken. */
  take(): number {
    const slot = this.#free.pop();
    if (slot === undefined) throw new Error('chunk pool: no free slot (drain a chunk first)');
    return slot;
  }

  /** Threads are running: hashing can move off the caller's thread (`hash`). */
  get started(): boolean {
    return this.#hasher !== null;
  }

  get freeSlots(): number {
    return this.#free.length;
  }

  release(slot: number): void {
    this.#free.push(slot);
  }

  /** The slot's raw chunk buffer (CHUNK_SIZE bytes), to be filled by the reader. */
  raw(slot: number): Buffer {
    return Buffer.from(this.#rawMem, slot * CHUNK_SIZE, CHUNK_SIZE);
  }

  /** The finished frame in a slot, valid until the slot is released. */
  frame(slot: number, frameLen: number): Buffer {
    return Buffer.from(this.#outMem, slot * MAX_DATA_FRAME, frameLen);
  }

  /**
   * Compress and seal the first `rawLen` bytes of a slot; resolves with the frame's length.
   * `inline`: do it here and now (a small capture's only chunk is not worth starting threads).
   */
  seal(slot: number, h: { session: number; seq: number; rawOffset: number; rawLen: number }, inline = false): Promise<number> {
    if (inline && this.#workers.length === 0) {
      try {
        const raw = Buffer.from(this.#rawMem, slot * CHUNK_SIZE, h.rawLen);
        return Promise.resolve(this.#codec.sealDataInto(h, raw, this.frame(slot, MAX_DATA_FRAME)));
      } catch (err) {
        return Promise.reject(err);
      }
    }
    if (this.#broken) return Promise.reject(this.#broken);
    if (this.#workers.length === 0) this.#start();
    const w = this.#workers.reduce((a, b) => (b.busy < a.busy ? b : a));
    const id = this.#nextId++;
    w.busy++;
    const job: ChunkJob = { id, slot, rawLen: h.rawLen, session: h.session, seq: h.seq, rawOffset: h.rawOffset };
    return new Promise<number>((ok, fail) => {
      this.#waiting.set(id, {
        ok: (n) => {
          w.busy--;
          ok(n as number);
        },
        fail: (e) => {
          w.busy--;
          fail(e);
        },
      });
      w.worker.postMessage(job);
    });
  }

  /**
   * Run a chunk's hash steps (`HashJob.ops`) on the hashing thread; resolves with the digests
   * (hex) of the files they end, in order. Only once `started`; the slot must stay untouched
   * until it resolves.
   */
  hash(slot: number, ops: readonly number[]): Promise<string[]> {
    if (this.#broken) return Promise.reject(this.#broken);
    const hasher = this.#hasher;
    if (!hasher) return Promise.reject(new Error('chunk pool: hashing before the threads started'));
    const id = this.#nextId++;
    hasher.busy++;
    return new Promise<string[]>((ok, fail) => {
      this.#waiting.set(id, {
        ok: (v) => {
          hasher.busy--;
          ok(v as string[]);
        },
        fail: (e) => {
          hasher.busy--;
          fail(e);
        },
      });
      hasher.worker.postMessage({ id, slot, ops } satisfies HashJob);
    });
  }

  #spawn(data: ChunkWorkerData): Worker {
    const worker = startWorker(WORKER, { workerData: data });
    // A writer nobody finishes must not keep the process alive.
    worker.unref();
    worker.on('message', (m: ChunkDone) => {
      const waiter = this.#waiting.get(m.id);
      this.#waiting.delete(m.id);
      if ('error' in m) waiter?.fail(new Error(`compressing store content: ${m.error}`));
      else waiter?.ok('shas' in m ? m.shas : m.frameLen);
    });
    worker.on('error', (err) => this.#fail(err));
    worker.on('exit', (code) => {
      if (code !== 0) this.#fail(new Error(`a store compression thread stopped (exit code ${code})`));
    });
    return worker;
  }

  #start(): void {
    const data: ChunkWorkerData = {
      storeId: new Uint8Array(this.#codec.storeId),
      key: this.#codec.key,
      raw: this.#rawMem,
      out: this.#outMem,
      rawSlot: CHUNK_SIZE,
      outSlot: MAX_DATA_FRAME,
    };
    for (let i = 0; i < this.#threads; i++) this.#workers.push({ worker: this.#spawn(data), busy: 0 });
    this.#hasher = this.#workers[0]!;
  }

  #fail(err: Error): void {
    this.#broken ??= err;
    for (const w of this.#waiting.values()) w.fail(err);
    this.#waiting.clear();
  }

  /** Stop the threads (pending seals fail). */
  async close(): Promise<void> {
    const workers = this.#workers.map((w) => w.worker);
    this.#workers = [];
    this.#hasher = null;
    this.#broken ??= new Error('the store writer is closed');
    await Promise.all(workers.map((w) => w.terminate()));
  }
}
