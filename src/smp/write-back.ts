// Uploaded files are written back to disk in the background (a datasync nobody waits for), so the
// commit's fsync finds little left to write: the disk works while the network does. A write-back
// that fails is not "best effort", though: Linux reports a failed write-back to one fsync only
// (the error is marked seen; a file opened after it reports nothing), and the pages it could not
// write may be dropped. The commit's own fsync would then succeed over lost data, so the error is
// kept here and fails every commit of that store until its folder is removed.
import { open } from 'node:fs/promises';

/** datasync `path` if it still exists; resolves with the error of the datasync itself, if any. */
export async function dataSyncIfPresent(path: string): Promise<unknown> {
  let fh: Awaited<ReturnType<typeof open>>;
  try {
    fh = await open(path, 'r');
  } catch {
    return undefined; // renamed into place (or removed) meanwhile: that path has nothing to write back
  }
  try {
    await fh.datasync();
    return undefined;
  } catch (err) {
    return err;
  } finally {
    await fh.close().catch(() => undefined);
  }
}

export class WriteBack {
  readonly #flush: (path: string) => Promise<unknown>;
  readonly #dirty = new Set<string>();
  /** The first write-back error of each file that had one. */
  readonly #failed = new Map<string, unknown>();
  #running: Promise<void> | null = null;
  /** The write-back under way, if any. */
  #current: Promise<unknown> | null = null;

  constructor(flush: (path: string) => Promise<unknown> = dataSyncIfPresent) {
    this.#flush = flush;
  }

  /** Queue `path` for write-back; one runs at a time so chunk writes are not starved of pool threads. */
  mark(path: string): void {
    this.#dirty.add(path);
    this.#running ??= this.#run();
  }

  /** `path` needs no write-back any more (it was renamed; its new name is marked instead). */
  drop(path: string): void {
    this.#dirty.delete(path);
  }

  /** A write-back error of a file in folder `dir`, if one failed: the data there cannot be trusted. */
  failure(dir: string): { readonly path: string; readonly error: unknown } | undefined {
    for (const [path, error] of this.#failed) if (path.startsWith(`${dir}/`)) return { path, error };
    return undefined;
  }

  /** Folder `dir` was removed: its files' errors go with it. */
  forget(dir: string): void {
    for (const path of [...this.#failed.keys()]) if (path.startsWith(`${dir}/`)) this.#failed.delete(path);
  }

  /**
   * Resolves once the write-back under way has ended and its error, if any, is recorded: a commit
   * waits for it before failure(), since an fsync it opens after that error would not report it.
   * Write-backs that start later share the error with the commit's own fsync (both files open).
   */
  async settled(): Promise<void> {
    await this.#current;
  }

  /** Resolves once nothing is queued or running. */
  async idle(): Promise<void> {
    while (this.#running) await this.#running;
  }

  async #run(): Promise<void> {
    for (let next = first(this.#dirty); next !== undefined; next = first(this.#dirty)) {
      this.#dirty.delete(next);
      this.#current = this.#flush(next).catch((err: unknown) => err);
      const error = await this.#current;
      if (error !== undefined && !this.#failed.has(next)) this.#failed.set(next, error);
      this.#current = null;
    }
    this.#running = null;
  }
}

function first<T>(set: Set<T>): T | undefined {
  for (const v of set) return v;
  return undefined;
}
