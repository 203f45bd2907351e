// Uploads and reads of store files: the manifest a capturing client declares, chunks written into
// part files and each file verified against its SHA-256 when complete, and the restoring
// client's manifest and ranged reads.
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { FerryError } from '../errors/index.ts';
import { requireComputer, type SmpContext, storeNotFound } from './context.ts';
import type { StoreAccess } from './store-access.ts';
import {
  checkManifest,
  chunkCount,
  chunkLength,
  finishFile,
  manifestDigest,
  mapDiskError,
  PART_SUFFIX,
  prepareStoreFiles,
  removeStoreDirectory,
  usableBytes,
  writeChunk,
} from './storage.ts';
import type { Manifest, ManifestEntry, Principal, StoreFile, UploadState } from './types.ts';

export interface StoreTransfersOptions {
  /** What files a store may declare (refused before any upload); none = any. */
  readonly checkStoreFiles?: ((paths: readonly string[]) => void) | undefined;
}

/** Opened store file for a ranged read. */
export interface OpenedStoreFile {
  readonly stream: Readable;
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

  constructor(ctx: SmpContext, access: StoreAccess, o: StoreTransfersOptions = {}) {
    this.#ctx = ctx;
    this.#access = access;
    this.#checkStoreFiles = o.checkStoreFiles;
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
    }
    const declared = await this.#ctx.repo.getStoreFiles(storeId);
    await prepareStoreFiles(dir, declared);
    // Files whose chunks all arrived but whose check a crash interrupted are finished now.
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

  /** Receive chunk `chunk` of file `index`; when it completes the file, verify and place it. */
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
    await writeChunk(
      join(dir, file.path + PART_SUFFIX),
      chunk * this.#ctx.chunkSize,
      chunkLength(file.size, this.#ctx.chunkSize, chunk),
      sha256,
      body,
    );
    await this.#ctx.repo.addChunk(storeId, index, chunk);
    if ((await this.#ctx.repo.countChunks(storeId, index)) < count) return { fileComplete: false };
    // A file sent as one chunk was just hashed whole: no need to read it again.
    await this.#finishOnce(storeId, dir, file, count === 1 ? sha256.toLowerCase() : undefined);
    return { fileComplete: true };
  }

  /** Parallel last chunks of one file, and a resuming manifest, all get here: one verifies, the others wait for it. */
  #finishOnce(storeId: string, dir: string, file: StoreFile, knownSha256?: string): Promise<void> {
    const key = `${storeId}/${file.index}`;
    let finishing = this.#finishing.get(key);
    if (!finishing) {
      finishing = this.#finishFile(storeId, dir, file, knownSha256).finally(() => this.#finishing.delete(key));
      this.#finishing.set(key, finishing);
    }
    return finishing;
  }

  async #finishFile(storeId: string, dir: string, file: StoreFile, knownSha256?: string): Promise<void> {
    if ((await this.#ctx.repo.getStoreFile(storeId, file.index))?.verified) return;
    let ok: boolean;
    try {
      ok = await finishFile(dir, file, knownSha256);
    } catch (err) {
      throw mapDiskError(err, `verifying ${file.path}`);
    }
    if (!ok) {
      await this.#ctx.repo.clearChunks(storeId, file.index);
      throw new FerryError(
        'FERRY_E_SMP_CHUNK_MISMATCH',
        `File ${file.path} does not match its manifest SHA-256 after all chunks arrived; upload it again.`,
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

  /** Open a store file for reading, from byte `start` to `end` inclusive. */
  async openFile(p: Principal, storeId: string, index: number, start?: number, end?: number): Promise<OpenedStoreFile> {
    const { dir } = await this.#access.readable(p, storeId);
    const file = Number.isInteger(index) ? await this.#ctx.repo.getStoreFile(storeId, index) : undefined;
    if (!file) throw new FerryError('FERRY_E_INVALID_ARGUMENT', `Store ${storeId} has no file number ${index}.`);
    const full = join(dir, file.path);
    const size = (await stat(full).catch(() => undefined))?.size;
    // Gone or cut short outside Ferry: no retry will bring it back, so say which store is damaged.
    if (size !== file.size) {
      throw new FerryError(
        'FERRY_E_SMP_STORE_DAMAGED',
        `Store ${storeId} is damaged on SMP ${this.#ctx.serverName}: its file ${file.path} is ${size === undefined ? 'missing' : `${size} bytes instead of ${file.size}`}.`,
        {
          details: { storeId, path: file.path, server: this.#ctx.serverName },
        },
      );
    }
    return { stream: createReadStream(full, { start, end }), size, path: file.path, sha256: file.sha256 };
  }
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}
