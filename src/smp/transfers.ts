// Uploads and reads of store files: the manifest a capturing client declares, chunks streamed
// into part files (each checked against its SHA-256 as it arrives), the commit that makes an
// upload durable, and the restoring client's manifest and ranged reads.
//
// Durability (see src/smp/README.md, "Transfers"): a chunk is acknowledged once written and
// checked, not flushed; it is recorded with its SHA-256 and this process's mark (`#writer`).
// The commit (POST …/commit, and Release State Store, which commits first) fsyncs every file of
// the store and its folders once and marks the chunks synced. A chunk recorded unsynced by
// another process — the server restarted, maybe after a crash that lost it — is re-read and
// checked against its recorded hash on resume and at commit; one that fails is forgotten, so the
// client sends it again. Nothing torn is ever accepted.
import { randomUUID } from 'node:crypto';
import { type FileHandle, open, rename } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { Readable } from 'node:stream';
import { FerryError } from '../errors/index.ts';
import { requireComputer, type SmpContext, storeNotFound } from './context.ts';
import type { StoreAccess } from './store-access.ts';
import type { UnsyncedChunk } from './repository.ts';
import {
  checkManifest,
  chunkCount,
  chunkLength,
  currentPath,
  finishFile,
  manifestDigest,
  mapDiskError,
  PART_SUFFIX,
  prepareStoreFiles,
  removeStoreDirectory,
  sha256Range,
  syncStoreFiles,
  usableBytes,
  writeChunk,
} from './storage.ts';
import { WriteBack } from './write-back.ts';
import type { Manifest, ManifestEntry, Principal, StoreFile, UploadState } from './types.ts';

export interface StoreTransfersOptions {
  /** What files a store may declare (refused before any upload); none = any. */
  readonly checkStoreFiles?: ((paths: readonly string[]) => void) | undefined;
  /** Write uploaded files back in the background so the commit's fsync has little left (default on). */
  readonly writeBehind?: boolean | undefined;
}

/** Opened store file for a ranged read; whoever serves it closes `handle`. */
export interface OpenedStoreFile {
  readonly handle: FileHandle;
  readonly size: number;
  readonly path: string;
  readonly sha256: string;
}

export class StoreTransfers {
  readonly #ctx: SmpContext;
  readonly #access: StoreAccess;
  readonly #checkStoreFiles: StoreTransfersOptions['checkStoreFiles'];
  /** Files being verified, per `<store>/<index>`: parallel last chunks share one check. */
  readonly #finishing = new Map<string, Promise<void>>();
  /** This process's mark on the chunks it records: its unsynced chunks are in its page cache. */
  readonly #writer = randomUUID();
  /** Requests for the same chunk, one after the other (a retry racing the attempt it replaces). */
  readonly #chunkQueue = new Map<string, Promise<unknown>>();
  /** Uploaded files written back in the background (write-back.ts); null when turned off. */
  readonly #writeBack: WriteBack | null;

  constructor(ctx: SmpContext, access: StoreAccess, o: StoreTransfersOptions = {}) {
    this.#ctx = ctx;
    this.#access = access;
    this.#checkStoreFiles = o.checkStoreFiles;
    this.#writeBack = o.writeBehind === false ? null : new WriteBack();
  }

  /** Declare (or re-declare, to resume) the files of a store being captured. */
  async putManifest(p: Principal, storeId: string, entries: readonly ManifestEntry[]): Promise<UploadState> {
    const { folder, dir, store } = await this.#access.writable(p, storeId);
    const { files, total } = await checkManifest(entries);
    this.#checkStoreFiles?.(files.map((f) => f.path));
    if (total > this.#ctx.maxStoreBytes) {
      throw new FerryError(
        'FERRY_E_SMP_TOO_LARGE',
        `The store would hold ${total} bytes, more than the ${this.#ctx.maxStoreBytes} this SMP allows per store.`,
        { details: { total, limit: this.#ctx.maxStoreBytes } },
      );
    }
    const digest = manifestDigest(files);
    if (store.manifestDigest !== digest) {
      const room = usableBytes(folder) + store.totalSize;
      if (total > room) {
        throw new FerryError(
          'FERRY_E_SMP_FOLDER_FULL',
          `The store needs ${total} bytes but storage folder ${folder.path} has ${Math.max(0, room)} above its minimum free space.`,
          { details: { total, room: Math.max(0, room) } },
        );
      }
      // Database first: a crash after it leaves stale files, never a stale "verified".
      await this.#ctx.repo.transaction(async (repo) => {
        await repo.replaceStoreFiles(storeId, files);
        await repo.updateStore(storeId, { manifestDigest: digest, totalSize: total });
      });
      await removeStoreDirectory(dir);
      this.#writeBack?.forget(dir);
    }
    // Resuming: chunks a previous server process left unsynced are checked before they count.
    await this.#recheck(storeId, dir, await this.#ctx.repo.getStoreFiles(storeId));
    const declared = await this.#ctx.repo.getStoreFiles(storeId);
    await prepareStoreFiles(dir, declared);
    // Files whose chunks all arrived but whose placing a crash interrupted are finished now.
    const chunks = await this.#ctx.repo.getChunks(storeId);
    for (const f of declared) {
      if (!f.verified && (chunks.get(f.index)?.length ?? 0) >= chunkCount(f.size, this.#ctx.chunkSize)) {
        await this.#finishOnce(storeId, dir, f).catch(() => {});
      }
    }
    return this.uploadState(p, storeId);
  }

  async uploadState(p: Principal, storeId: string): Promise<UploadState> {
    const computer = requireComputer(p);
    const store = await this.#ctx.repo.getStore(storeId);
    const isRestorer = store && (await this.#ctx.repo.associationsByStore(storeId)).some((a) => a.restoreComputerId === computer.id);
    if (!store || (store.sourceComputerId !== computer.id && !isRestorer)) throw storeNotFound(storeId);
    const [files, chunks] = [await this.#ctx.repo.getStoreFiles(storeId), await this.#ctx.repo.getChunks(storeId)];
    return {
      storeId,
      status: store.status,
      chunkSize: this.#ctx.chunkSize,
      manifestDigest: store.manifestDigest,
      files: files.map((f) => ({
        ...f,
        chunksReceived: f.verified ? range(chunkCount(f.size, this.#ctx.chunkSize)) : (chunks.get(f.index) ?? []),
      })),
    };
  }

  /**
   * Receive chunk `chunk` of file `index` (streamed to its part file, hashed as it arrives);
   * when it completes the file, place it. Acknowledged once written and checked: not yet
   * flushed, see `commit`.
   */
  async putChunk(
    p: Principal,
    storeId: string,
    index: number,
    chunk: number,
    sha256: string,
    body: Readable,
  ): Promise<{ fileComplete: boolean }> {
    const { dir } = await this.#access.writable(p, storeId);
    const file = Number.isInteger(index) ? await this.#ctx.repo.getStoreFile(storeId, index) : undefined;
    if (!file)
      throw new FerryError('FERRY_E_INVALID_ARGUMENT', `Store ${storeId} has no file number ${index}; declare the manifest first.`, {
        details: { index },
      });
    const count = chunkCount(file.size, this.#ctx.chunkSize);
    if (!Number.isInteger(chunk) || chunk < 0 || chunk >= count)
      throw new FerryError('FERRY_E_INVALID_ARGUMENT', `File ${file.path} has chunks 0–${count - 1}, not ${chunk}.`);
    if (file.verified) {
      body.resume();
      return { fileComplete: true };
    }
    return this.#oneAtATime(`${storeId}/${index}/${chunk}`, async () => {
      const part = join(dir, file.path + PART_SUFFIX);
      try {
        await writeChunk(part, chunk * this.#ctx.chunkSize, chunkLength(file.size, this.#ctx.chunkSize, chunk), sha256, body);
      } catch (err) {
        // Its range may now hold part of this refused copy: an earlier, recorded copy is gone.
        await this.#ctx.repo.deleteChunk(storeId, index, chunk);
        throw err;
      }
      const received = await this.#ctx.repo.addChunk(storeId, index, chunk, sha256.toLowerCase(), this.#writer);
      if (received < count) {
        this.#writeBack?.mark(part);
        return { fileComplete: false };
      }
      await this.#finishOnce(storeId, dir, file);
      this.#writeBack?.drop(part);
      this.#writeBack?.mark(join(dir, file.path));
      return { fileComplete: true };
    });
  }

  /**
   * The upload's durability point: check what a previous server process left unsynced, fsync
   * every file of the store and its folders, and mark the chunks that were recorded before the
   * fsync as synced. Only after it may the client report the capture done (and its source be
   * wiped); Release State Store commits before it marks the store captured.
   */
  async commit(p: Principal, storeId: string): Promise<UploadState> {
    const { dir } = await this.#access.writable(p, storeId);
    await this.syncStore(storeId, dir);
    return this.uploadState(p, storeId);
  }

  /** `commit` without the access check (Release State Store has made it). */
  async syncStore(storeId: string, dir: string): Promise<void> {
    await this.#writeBack?.settled();
    const lost = this.#writeBack?.failure(dir);
    if (lost) throw writeBackFailed(storeId, lost.path, lost.error);
    await this.#recheck(storeId, dir, await this.#ctx.repo.getStoreFiles(storeId));
    // Listed before the fsync: a chunk recorded while it runs stays unsynced until the next commit.
    const unsynced = await this.#ctx.repo.unsyncedChunks(storeId);
    await syncStoreFiles(dir, await this.#ctx.repo.getStoreFiles(storeId));
    await this.#ctx.repo.markChunksSynced(storeId, unsynced);
  }

  /**
   * Re-read every chunk another server process recorded but no commit synced (this process's
   * own are in its page cache, so the coming fsync covers them) and forget those whose bytes no
   * longer match their recorded SHA-256 — torn by a crash — so the client sends them again. A
   * placed file that loses a chunk goes back to being a part file.
   */
  async #recheck(storeId: string, dir: string, files: readonly StoreFile[]): Promise<void> {
    const stale = (await this.#ctx.repo.unsyncedChunks(storeId)).filter((c) => c.writer !== this.#writer);
    if (!stale.length) return;
    const byIndex = new Map(files.map((f) => [f.index, f]));
    for (const c of stale) {
      const f = byIndex.get(c.index);
      if (!f) continue;
      if (await this.#chunkIntact(dir, f, c)) {
        // Re-read from disk (or still cached): this process's commit covers it from now on.
        await this.#ctx.repo.addChunk(storeId, c.index, c.chunk, c.sha256 as string, this.#writer);
        continue;
      }
      await this.#ctx.repo.deleteChunk(storeId, c.index, c.chunk);
      if (f.verified) {
        try {
          await rename(join(dir, f.path), join(dir, f.path + PART_SUFFIX));
        } catch (err) {
          throw mapDiskError(err, `reopening ${f.path} to upload it again`);
        }
        await this.#ctx.repo.setFileVerified(storeId, f.index, false);
        byIndex.set(f.index, { ...f, verified: false });
      }
    }
  }

  async #chunkIntact(dir: string, f: StoreFile, c: UnsyncedChunk): Promise<boolean> {
    if (c.sha256 === null) return false;
    const length = chunkLength(f.size, this.#ctx.chunkSize, c.chunk);
    const actual = await sha256Range(await currentPath(dir, f), c.chunk * this.#ctx.chunkSize, length).catch(() => '');
    return actual === c.sha256;
  }

  #oneAtATime<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const before = this.#chunkQueue.get(key) ?? Promise.resolve();
    const run = before.catch(() => {}).then(fn);
    this.#chunkQueue.set(key, run);
    const forget = (): void => {
      if (this.#chunkQueue.get(key) === run) this.#chunkQueue.delete(key);
    };
    run.then(forget, forget);
    return run;
  }

  /** Parallel last chunks of one file, and a resuming manifest, all get here: one places it, the others wait for it. */
  #finishOnce(storeId: string, dir: string, file: StoreFile): Promise<void> {
    const key = `${storeId}/${file.index}`;
    let finishing = this.#finishing.get(key);
    if (!finishing) {
      finishing = this.#finishFile(storeId, dir, file).finally(() => this.#finishing.delete(key));
      this.#finishing.set(key, finishing);
    }
    return finishing;
  }

  async #finishFile(storeId: string, dir: string, file: StoreFile): Promise<void> {
    if ((await this.#ctx.repo.getStoreFile(storeId, file.index))?.verified) return;
    let ok: boolean;
    try {
      ok = await finishFile(dir, file);
    } catch (err) {
      throw mapDiskError(err, `placing ${file.path}`);
    }
    if (!ok) {
      await this.#ctx.repo.clearChunks(storeId, file.index);
      throw new FerryError(
        'FERRY_E_SMP_CHUNK_MISMATCH',
        `File ${file.path} is shorter than its manifest size after all chunks arrived; upload it again.`,
        { details: { path: file.path } },
      );
    }
    await this.#ctx.repo.setFileVerified(storeId, file.index, true);
  }

  /** The files of a store for its restoring computer, with the digest to report at release. */
  async readManifest(p: Principal, storeId: string): Promise<Manifest> {
    const { store } = await this.#access.readable(p, storeId);
    const files = await this.#ctx.repo.getStoreFiles(storeId);
    return {
      storeId,
      manifestDigest: store.manifestDigest as string,
      files: files.map((f) => ({ path: f.path, size: f.size, sha256: f.sha256 })),
    };
  }

  /** Open a store file for reading (the caller closes the handle). */
  async openFile(p: Principal, storeId: string, index: number): Promise<OpenedStoreFile> {
    const { dir } = await this.#access.readable(p, storeId);
    const file = Number.isInteger(index) ? await this.#ctx.repo.getStoreFile(storeId, index) : undefined;
    if (!file) throw new FerryError('FERRY_E_INVALID_ARGUMENT', `Store ${storeId} has no file number ${index}.`);
    const handle = await open(join(dir, file.path), 'r').catch(() => undefined);
    const size = handle
      ? await handle.stat().then(
          (s) => s.size,
          () => undefined,
        )
      : undefined;
    // Gone or cut short outside Ferry: no retry will bring it back, so say which store is damaged.
    if (handle === undefined || size !== file.size) {
      await handle?.close();
      throw new FerryError(
        'FERRY_E_SMP_STORE_DAMAGED',
        `Store ${storeId} is damaged on SMP ${this.#ctx.serverName}: its file ${file.path} ` +
          `is ${size === undefined ? 'missing' : `${size} bytes instead of ${file.size}`}.`,
        {
          details: { storeId, path: file.path, server: this.#ctx.serverName },
        },
      );
    }
    return { handle, size, path: file.path, sha256: file.sha256 };
  }
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

/** A background write-back of the store failed: its data may be gone, whatever a later fsync says (write-back.ts). */
function writeBackFailed(storeId: string, path: string, error: unknown): FerryError {
  const errno = (error as NodeJS.ErrnoException).code ?? String(error);
  return new FerryError(
    'FERRY_E_IO',
    `The disk failed to write part of store ${storeId} back (${errno} on ${basename(path)}), so what it holds cannot be ` +
      "trusted. Check the storage folder's disk, then delete the store (Release State Store, or the console) and capture again.",
    { cause: error, details: { storeId, path, errno } },
  );
}
