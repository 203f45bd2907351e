// The hard-link capture's second thread (issue 16): it makes the store's folders and links the
// files, synchronously, while the capture's own thread walks the source and records the catalog.
// mkdir and link were half of a hard-link capture's time, all of it in the kernel; on their own
// thread they overlap with the walk's readdir and stat. Links are made in the order they are
// asked for, and each batch's answer names only the ones that failed.
import { Worker } from 'node:worker_threads';

/** One failed item of a batch: its index, where it failed, and the system error's fields. */
export interface LinkFailure {
  readonly i: number;
  /** `mkdir`: making the destination's folder; `link`: the first link; `relink`: after removing what was there. */
  readonly step: 'mkdir' | 'link' | 'relink';
  readonly code?: string;
  readonly errno?: number;
  readonly syscall?: string;
  readonly path?: string;
  readonly message: string;
}

interface Reply {
  readonly id: number;
  readonly failed: readonly LinkFailure[];
}

// Plain JavaScript, evaluated in the thread: nothing to strip or compile, so the thread starts in
// milliseconds. A batch is one string, `src\0dst\0src\0dst…` (NUL is in no path), one copy to send.
const THREAD = `
const { parentPort, workerData } = require('node:worker_threads');
const { linkSync, mkdirSync, rmSync } = require('node:fs');
const { dirname } = require('node:path');
const root = workerData.root;
const made = new Set();
function ensureDir(dir) {
  if (made.has(dir)) return;
  const parent = dirname(dir);
  if (parent.length > root.length && !made.has(parent)) ensureDir(parent);
  try { mkdirSync(dir); } catch (e) { if (e.code !== 'EEXIST') throw e; }
  if (made.size > 50000) made.clear();
  made.add(dir);
}
parentPort.on('message', ({ id, pairs }) => {
  const p = pairs.split('\\0');
  const failed = [];
  for (let i = 0; i < p.length; i += 2) {
    const dst = p[i + 1];
    let step = 'mkdir';
    try {
      ensureDir(dirname(dst));
      step = 'link';
      try {
        linkSync(p[i], dst);
      } catch (e) {
        if (e.code !== 'EEXIST') throw e;
        step = 'relink';
        rmSync(dst, { force: true });
        linkSync(p[i], dst);
      }
    } catch (e) {
      failed.push({ i: i / 2, step, code: e.code, errno: e.errno, syscall: e.syscall, path: e.path, message: String(e.message) });
    }
  }
  parentPort.postMessage({ id, failed });
});
`;

/** Batches in flight at once: one being linked, one waiting, so the thread never waits for the next. */
const IN_FLIGHT = 2;
/**
 * Files per batch at most: a full batch is sent even when IN_FLIGHT are out, so a caller with
 * many calls in flight never waits for a batch that waits for it.
 */
const BATCH = 128;

/**
 * Links files into a folder store on a thread of its own. `add` answers once that file's link
 * exists (or with why it could not be made); answers come in the order of the calls.
 */
export class LinkThread {
  readonly #worker: Worker;
  #batch: string[] = [];
  #batchDone: ((failure: LinkFailure | null) => void)[] = [];
  readonly #sent = new Map<number, ((failure: LinkFailure | null) => void)[]>();
  #nextId = 0;
  #broken: Error | null = null;
  #idle: (() => void) | null = null;

  /** `root`: the folder under which the thread may make folders (the store's USMT folder). */
  constructor(root: string) {
    this.#worker = new Worker(THREAD, { eval: true, workerData: { root }, execArgv: [] });
    // A writer nobody finishes must not keep the process alive.
    this.#worker.unref();
    this.#worker.on('message', (m: Reply) => this.#answer(m));
    this.#worker.on('error', (err) => this.#fail(err));
    this.#worker.on('exit', (code) => this.#fail(new Error(`the store's link thread stopped (exit code ${code})`)));
  }

  /** Link `src` at `dst` (making dst's folders); `done` gets null once linked, or the failure. */
  add(src: string, dst: string, done: (failure: LinkFailure | null) => void): void {
    if (this.#broken) {
      done({ i: 0, step: 'link', message: this.#broken.message });
      return;
    }
    this.#batch.push(src, dst);
    this.#batchDone.push(done);
    // Sent at once while the thread has room; otherwise it grows until an answer makes room.
    if (this.#sent.size < IN_FLIGHT || this.#batchDone.length >= BATCH) this.#send();
  }

  /** Batches sent and not answered yet, and whether some wait to be sent. */
  get busy(): boolean {
    return this.#sent.size > 0 || this.#batch.length > 0;
  }

  #send(): void {
    if (this.#batch.length === 0) return;
    const id = this.#nextId++;
    this.#sent.set(id, this.#batchDone);
    this.#worker.postMessage({ id, pairs: this.#batch.join('\0') });
    this.#batch = [];
    this.#batchDone = [];
  }

  #answer(m: Reply): void {
    const done = this.#sent.get(m.id);
    this.#sent.delete(m.id);
    if (!done) return;
    this.#send();
    let f = 0;
    for (let i = 0; i < done.length; i++) {
      const failure = m.failed[f]?.i === i ? m.failed[f++]! : null;
      done[i]!(failure);
    }
    if (!this.busy) this.#idle?.();
  }

  #fail(err: Error): void {
    if (this.#broken) return;
    this.#broken = err;
    const failure: LinkFailure = { i: 0, step: 'link', message: err.message };
    for (const done of this.#sent.values()) for (const d of done) d(failure);
    for (const d of this.#batchDone) d(failure);
    this.#sent.clear();
    this.#batch = [];
    this.#batchDone = [];
    this.#idle?.();
  }

  /** Resolves once every link asked for is answered. */
  async drain(): Promise<void> {
    while (this.busy && !this.#broken) {
      this.#send();
      await new Promise<void>((ok) => (this.#idle = ok));
      this.#idle = null;
    }
  }

  async close(): Promise<void> {
    await this.drain();
    this.#broken ??= new Error('the store writer is closed');
    this.#worker.removeAllListeners('exit');
    await this.#worker.terminate();
  }
}
