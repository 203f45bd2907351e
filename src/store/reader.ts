// Reading a store (docs/store-format.md §2–4): every frame is authenticated before use, every file
// is checked against its catalog hash, and every failure is a coded error.
import { createHash, type KeyObject } from 'node:crypto';
import { closeSync, linkSync, openSync, renameSync, rmSync, utimesSync, writeSync } from 'node:fs';
import { open, stat, type FileHandle } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { promisify } from 'node:util';
import { zstdDecompress } from 'node:zlib';
import { FerryError, fromSystemError, isFerryError } from '../errors/index.ts';
import { deriveStoreKey, keyMatches, sha256 } from './crypto.ts';
import {
  FLAG_ZSTD,
  FOOTER_MAGIC,
  FOOTER_SIZE,
  FORMAT_VERSION,
  FRAME_HEADER_SIZE,
  FrameCodec,
  FrameType,
  MAX_DATA_FRAME,
  decodeFrameHeader,
  futureVersion,
  readHeader,
  type FrameHeader,
  type StoreHeader,
  type Trailer,
} from './frame.ts';
import { Extractor } from './extractor.ts';
import type { EntryJson } from './journal.ts';
import { locateStore, storeState, type StorePaths } from './layout.ts';
import { safeJoin } from './safe-path.ts';
import type { CatalogEntry, FileCheck, FileEntry, StoreType, VerifyMode, VerifyReport } from './types.ts';

const decompressAsync = promisify(zstdDecompress);
/** Data chunks fetched ahead of the one being read: their reading and decompression run on the thread pool meanwhile. */
const READ_AHEAD = 1;
/** Decompressed chunks kept (4 MiB each): the one being read, the ones ahead, one behind. */
const CHUNK_CACHE = READ_AHEAD + 2;
/** Frame buffers kept for reuse: the frames being read at once. */
const BODY_POOL = READ_AHEAD + 1;

export interface ContentOptions {
  /**
   * false: the bytes are checked against the catalog size only, and the caller checks them
   * against `entry.sha256` before it uses them (LoadState's writer thread hashes off the main thread).
   */
  readonly hash?: boolean;
}

export interface OpenStoreOptions {
  /** `/key:` text or `/keyfile:` contents; required for an encrypted store. */
  readonly key?: Buffer | string;
  /**
   * Free each decompressed chunk's memory as soon as it leaves the reader's cache. The bytes
   * content() yields are then valid only until reading has gone two chunks past them: the caller
   * copies (or writes) them before. Chunks otherwise live until the garbage collection that finds
   * them dead, and tens of MiB of dead chunks piled up meanwhile (LoadState's peak RSS, issue 16).
   */
  readonly releaseChunks?: boolean;
}

/**
 * Free a chunk's memory now, not at the garbage collection that finds it dead (a transfer to no
 * bytes detaches the buffer and frees its memory at once). Only a buffer of the chunk's own:
 * never a pool buffer that other Buffers share (those are small).
 */
function releaseNow(buf: Buffer): void {
  const ab = buf.buffer;
  if (ab instanceof ArrayBuffer && ab.byteLength >= 64 * 1024 && !ab.detached) ab.transfer(0);
}

function tampered(path: string, what: string, details: Record<string, unknown> = {}): FerryError {
  return new FerryError('FERRY_E_STORE_TAMPERED', `The store ${path} failed an integrity check: ${what}. Do not restore from it.`, {
    details: { path, ...details },
  });
}

/**
 * Open a complete store for reading. An incomplete one is refused with FERRY_E_STORE_INCOMPLETE.
 * @example
 * const store = await openStore('D:\\Store', { key: 'secret' });
 * try { await store.verify(); } finally { await store.close(); }
 */
export async function openStore(storeDir: string, options: OpenStoreOptions = {}): Promise<StoreReader> {
  const paths = await locateStore(storeDir);
  const st = await storeState(paths);
  if (st.state === 'none') {
    throw new FerryError('FERRY_E_STORE_NOT_FOUND', `No store was found at ${storeDir} (expected USMT/USMT.MIG or USMT/catalog.mig).`, {
      details: { path: storeDir },
    });
  }
  if (st.state === 'incomplete') {
    throw new FerryError(
      'FERRY_E_STORE_INCOMPLETE',
      `The store at ${paths.storeDir} is incomplete: its capture was interrupted. Re-run the same capture to resume it before restoring.`,
      { details: { path: paths.storeDir } },
    );
  }
  let fh: FileHandle;
  try {
    fh = await open(st.file, 'r');
  } catch (err) {
    throw fromSystemError(err, 'opening the store');
  }
  try {
    return await StoreReader.load(paths, st.file, fh, options);
  } catch (err) {
    await fh.close();
    throw err;
  }
}

export class StoreReader {
  readonly paths: StorePaths;
  readonly file: string;
  readonly header: StoreHeader;
  readonly trailer: Trailer;
  readonly #fh: FileHandle;
  readonly #codec: FrameCodec;
  readonly #size: number;
  readonly #trailerOffset: number;
  readonly #chunkFile: number[];
  readonly #chunkRaw: number[];
  readonly #chunks = new Map<number, Promise<Buffer>>();
  /** Buffers of sealed frames already opened, reused for the next ones (encrypted stores). */
  readonly #bodies: Buffer[] = [];
  /** Data frames whose MAC has been checked (1 bit each would do; a byte is simpler and small). */
  #authenticated = new Uint8Array(0);
  /** OpenStoreOptions.releaseChunks. */
  #releaseChunks = false;

  private constructor(
    paths: StorePaths,
    file: string,
    fh: FileHandle,
    header: StoreHeader,
    trailer: Trailer,
    codec: FrameCodec,
    size: number,
    trailerOffset: number,
  ) {
    this.paths = paths;
    this.file = file;
    this.#fh = fh;
    this.header = header;
    this.trailer = trailer;
    this.#codec = codec;
    this.#size = size;
    this.#trailerOffset = trailerOffset;
    this.#chunkFile = [];
    this.#chunkRaw = [];
  }

  get type(): StoreType {
    return this.header.type;
  }

  get encrypted(): boolean {
    return this.header.encryption !== null;
  }

  get storeId(): string {
    return this.header.storeId;
  }

  static async load(paths: StorePaths, file: string, fh: FileHandle, options: OpenStoreOptions): Promise<StoreReader> {
    const { header, bytes: headerBytes } = await readHeader(fh, file);
    const storeId = Buffer.from(header.storeId, 'hex');
    let key: KeyObject | null = null;
    if (header.encryption) {
      if (options.key === undefined) {
        throw new FerryError(
          'FERRY_E_STORE_BAD_KEY',
          `The store ${file} is encrypted; give its key with /decrypt and /key: or /keyfile:.`,
          { details: { path: file } },
        );
      }
      key = await deriveStoreKey(options.key, header.encryption.kdf, storeId);
      if (!keyMatches(key, storeId, header.encryption.keyCheck)) {
        throw new FerryError('FERRY_E_STORE_BAD_KEY', `The key does not open the store ${file}; give the key ScanState was run with.`, {
          details: { path: file },
        });
      }
    }
    const codec = new FrameCodec(storeId, key);
    const size = (await fh.stat()).size;
    const footer = Buffer.alloc(FOOTER_SIZE);
    if (
      size < headerBytes.length + FOOTER_SIZE ||
      (await fh.read(footer, 0, FOOTER_SIZE, size - FOOTER_SIZE)).bytesRead < FOOTER_SIZE ||
      !footer.subarray(8).equals(FOOTER_MAGIC)
    ) {
      throw new FerryError(
        'FERRY_E_STORE_TRUNCATED',
        `The store ${file} ends early (no end marker): it was cut short after it was written. Copy it again from its source.`,
        { details: { path: file, size } },
      );
    }
    const trailerOffset = Number(footer.readBigUInt64LE(0));
    const reader0 = new StoreReader(paths, file, fh, header, {} as Trailer, codec, size, size - FOOTER_SIZE);
    if (trailerOffset < headerBytes.length || trailerOffset >= size - FOOTER_SIZE)
      throw tampered(file, 'the end marker points outside the file');
    const tf = await reader0.#readFrame(trailerOffset, FrameType.trailer, null);
    if (tf.next !== size - FOOTER_SIZE) throw tampered(file, 'the trailer does not end where the file does');
    let trailer: Trailer;
    try {
      trailer = JSON.parse(tf.payload.toString('utf8')) as Trailer;
    } catch {
      throw tampered(file, 'the trailer is not readable');
    }
    if (trailer.version > FORMAT_VERSION) throw futureVersion(file, trailer.version);
    if (trailer.storeId !== header.storeId || trailer.headerSha256 !== sha256(headerBytes).toString('hex'))
      throw tampered(file, 'the header does not match the trailer');
    if (tf.h.seq !== trailer.frames || trailer.dataFrames + trailer.catalogFrames + trailer.chunkMapFrames !== trailer.frames) {
      throw tampered(file, 'frames are missing or out of order', { frames: trailer.frames, trailerSeq: tf.h.seq });
    }
    const reader = new StoreReader(paths, file, fh, header, trailer, codec, size, trailerOffset);
    reader.#releaseChunks = options.releaseChunks === true;
    await reader.#loadChunkMap();
    reader.#authenticated = new Uint8Array(trailer.dataFrames);
    return reader;
  }

  /**
   * Frame `seq` of `type` at `pos`, authenticated. A data frame's payload is a view of a pooled
   * buffer (decrypted in place): `release` hands the buffer back once the payload is no longer
   * needed; without it the buffer is simply not reused.
   */
  async #readFrame(
    pos: number,
    type: number,
    seq: number | null,
  ): Promise<{ h: FrameHeader; payload: Buffer; next: number; release: () => void }> {
    const limit = type === FrameType.trailer ? this.#size - FOOTER_SIZE : this.#trailerOffset;
    if (pos + FRAME_HEADER_SIZE > limit) throw tampered(this.file, `a frame lies outside the store (offset ${pos})`);
    const head = Buffer.alloc(FRAME_HEADER_SIZE);
    await this.#read(head, pos);
    const h = decodeFrameHeader(head);
    if (h.type !== type || (seq !== null && h.seq !== seq))
      throw tampered(this.file, `frame ${seq ?? '(trailer)'} at offset ${pos} is not the one expected (type ${h.type}, seq ${h.seq})`);
    const bodyLen = h.storedLen + this.#codec.macLength;
    if (pos + FRAME_HEADER_SIZE + bodyLen > limit) throw tampered(this.file, `frame ${h.seq} runs past its end`);
    // Every byte is read into it (#read fails otherwise): no need to zero it first.
    // A data frame is opened in place in a pooled buffer: no new multi-MiB buffer per frame,
    // whose page faults and garbage cost more than decrypting it (issue 16).
    const reuse = type === FrameType.data;
    const body = reuse ? this.#body(bodyLen) : Buffer.allocUnsafe(bodyLen);
    await this.#read(body, pos + FRAME_HEADER_SIZE);
    const payload = reuse ? this.#codec.openFrameInPlace(head, body) : this.#codec.openFrame(head, body);
    const release = reuse ? () => this.#bodies.length < BODY_POOL && !this.#bodies.includes(body) && this.#bodies.push(body) : () => {};
    if (!payload) {
      release();
      throw tampered(this.file, `frame ${h.seq} at offset ${pos} was altered`, { seq: h.seq, offset: pos });
    }
    return { h, payload, next: pos + FRAME_HEADER_SIZE + bodyLen, release };
  }

  /** A buffer for a frame's sealed bytes: a pooled one when it is large enough (frames are read a few at a time). */
  #body(length: number): Buffer {
    const i = this.#bodies.findIndex((b) => b.buffer.byteLength >= length);
    // Room for any data frame, so that each pooled buffer fits the next frame whatever it compressed to.
    if (i === -1) return Buffer.from(new ArrayBuffer(Math.max(length, MAX_DATA_FRAME)), 0, length);
    const [pooled] = this.#bodies.splice(i, 1);
    return Buffer.from(pooled!.buffer, 0, length);
  }

  async #read(buf: Buffer, pos: number): Promise<void> {
    let done = 0;
    while (done < buf.length) {
      let n: number;
      try {
        n = (await this.#fh.read(buf, done, buf.length - done, pos + done)).bytesRead;
      } catch (err) {
        throw fromSystemError(err, `reading the store ${this.file}`);
      }
      if (n === 0) throw new FerryError('FERRY_E_STORE_TRUNCATED', `The store ${this.file} ends early.`, { details: { path: this.file } });
      done += n;
    }
  }

  async #unpack(h: FrameHeader, payload: Buffer): Promise<Buffer> {
    let raw: Buffer;
    try {
      raw =
        h.flags & FLAG_ZSTD
          ? // One byte of room past rawLen: an output buffer filled exactly makes zlib allocate another
            // one and go back to the thread pool once more to find the end (2 allocations per chunk, measured).
            await decompressAsync(payload, { chunkSize: Math.max(h.rawLen + 1, 1024), maxOutputLength: Math.max(h.rawLen, 1) })
          : payload;
    } catch {
      throw tampered(this.file, `frame ${h.seq} does not decompress`);
    }
    if (raw.length !== h.rawLen) throw tampered(this.file, `frame ${h.seq} has the wrong length`);
    return raw;
  }

  async #loadChunkMap(): Promise<void> {
    const t = this.trailer;
    let pos = t.chunkMapOffset;
    for (let i = 0; i < t.chunkMapFrames; i++) {
      const f = await this.#readFrame(pos, FrameType.chunkMap, t.dataFrames + t.catalogFrames + i);
      const map = await this.#unpack(f.h, f.payload);
      if (f.h.rawOffset !== this.#chunkFile.length) throw tampered(this.file, 'the chunk map is out of order');
      for (let j = 0; j + 16 <= map.length; j += 16) {
        this.#chunkFile.push(Number(map.readBigUInt64LE(j)));
        this.#chunkRaw.push(Number(map.readBigUInt64LE(j + 8)));
      }
      pos = f.next;
    }
    if (this.#chunkFile.length !== t.dataFrames) throw tampered(this.file, 'the chunk map does not list every chunk');
    for (let i = 1; i < this.#chunkRaw.length; i++) {
      if (this.#chunkRaw[i]! <= this.#chunkRaw[i - 1]!) throw tampered(this.file, 'the chunk map is out of order');
    }
  }

  /** Every object in the catalog, in capture order (file content offsets ascending). */
  async *entries(): AsyncGenerator<CatalogEntry> {
    const t = this.trailer;
    let pos = t.catalogOffset;
    let count = 0;
    for (let i = 0; i < t.catalogFrames; i++) {
      const f = await this.#readFrame(pos, FrameType.catalog, t.dataFrames + i);
      if (f.h.rawOffset !== count) throw tampered(this.file, 'catalog frames are out of order');
      const text = (await this.#unpack(f.h, f.payload)).toString('utf8');
      for (const line of text.split('\n')) {
        if (line === '') continue;
        let e: EntryJson;
        try {
          e = JSON.parse(line) as EntryJson;
        } catch {
          throw tampered(this.file, 'a catalog entry is not readable');
        }
        count++;
        yield e.kind === 'registry' && e.data !== undefined
          ? ({ ...e, data: Buffer.from(e.data, 'base64') } as CatalogEntry)
          : (e as CatalogEntry);
      }
      pos = f.next;
    }
    if (count !== t.entries) throw tampered(this.file, `the catalog holds ${count} entries, the trailer says ${t.entries}`);
  }

  /** The bytes of one file, streamed; fails with a coded error (never ends normally) if they do not match the catalog. */
  openContent(entry: FileEntry): Readable {
    return Readable.from(this.#content(entry), { objectMode: false, highWaterMark: 1 });
  }

  /** The same checked bytes as openContent, as plain buffers: no stream machinery per file. */
  content(entry: FileEntry, options: ContentOptions = {}): AsyncIterable<Buffer> {
    return this.#content(entry, options.hash !== false);
  }

  /**
   * Authenticate every data frame not read yet (MAC only, no decompression), so that a caller
   * that read only some files knows the whole store is intact. With the files it read, each
   * frame has been read once. A folder store has no frames: its files are checked as they are read.
   */
  async authenticateRest(): Promise<void> {
    for (let k = 0; k < this.#authenticated.length; k++) {
      if (this.#authenticated[k]) continue;
      const f = await this.#readFrame(this.#chunkFile[k]!, FrameType.data, k);
      f.release();
      if (f.h.rawOffset !== this.#chunkRaw[k]) throw tampered(this.file, `chunk ${k} is not where the chunk map says`);
      this.#authenticated[k] = 1;
    }
  }

  async *#content(entry: FileEntry, hashed = true): AsyncGenerator<Buffer> {
    const hash = hashed ? createHash('sha256') : null;
    let total = 0;
    const source = 'offset' in entry.content ? this.#fromStream(entry, entry.content.offset) : this.#fromFolder(entry, entry.content.path);
    for await (const piece of source) {
      hash?.update(piece);
      total += piece.length;
      yield piece;
    }
    if (total !== entry.size)
      throw tampered(this.file, `${entry.winPath} has ${total} bytes, the catalog says ${entry.size}`, { winPath: entry.winPath });
    if (hash && entry.sha256 !== null && hash.digest('hex') !== entry.sha256)
      throw tampered(this.file, `${entry.winPath} does not match its SHA-256`, { winPath: entry.winPath });
  }

  async *#fromStream(entry: FileEntry, offset: number): AsyncGenerator<Buffer> {
    const end = offset + entry.size;
    if (offset < 0 || end > this.trailer.contentBytes) throw tampered(this.file, `${entry.winPath} points outside the content`);
    if (entry.size === 0) return;
    let k = this.#chunkAt(offset);
    let pos = offset;
    while (pos < end) {
      const raw = await this.#chunk(k);
      const base = this.#chunkRaw[k]!;
      const slice = raw.subarray(pos - base, Math.min(end, base + raw.length) - base);
      if (slice.length === 0) throw tampered(this.file, `${entry.winPath} points outside the content`);
      pos += slice.length;
      k++;
      yield slice;
    }
  }

  #chunkAt(offset: number): number {
    let lo = 0;
    let hi = this.#chunkRaw.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.#chunkRaw[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /**
   * Chunk k, decompressed; the next one is fetched ahead so decompression overlaps use. The cache
   * keeps the one before k too: a file that started there may still hold its bytes.
   */
  #chunk(k: number): Promise<Buffer> {
    if (k >= this.#chunkFile.length) return Promise.reject(tampered(this.file, 'a file runs past the last chunk'));
    const p = this.#load(k);
    for (let a = k + 1; a <= k + READ_AHEAD && a < this.#chunkFile.length; a++) this.#load(a).catch(() => undefined);
    for (const [old, chunk] of this.#chunks) {
      if (this.#chunks.size <= CHUNK_CACHE) break;
      if (old >= k - 1 && old <= k + READ_AHEAD) continue;
      this.#chunks.delete(old);
      if (this.#releaseChunks) chunk.then(releaseNow, () => undefined);
    }
    return p;
  }

  #load(k: number): Promise<Buffer> {
    let p = this.#chunks.get(k);
    if (!p) {
      p = this.#readFrame(this.#chunkFile[k]!, FrameType.data, k).then(async (f) => {
        // A stored (uncompressed) chunk is the payload itself: its buffer stays with it, not reused.
        const packed = (f.h.flags & FLAG_ZSTD) !== 0;
        try {
          if (f.h.rawOffset !== this.#chunkRaw[k]) throw tampered(this.file, `chunk ${k} is not where the chunk map says`);
          this.#authenticated[k] = 1;
          return await this.#unpack(f.h, f.payload);
        } finally {
          if (packed) f.release();
        }
      });
      this.#chunks.set(k, p);
    }
    return p;
  }

  #folderFile(entry: FileEntry, rel: string): string {
    if (!rel.startsWith('File/')) throw tampered(this.file, `${entry.winPath} points outside the store's File folder`);
    return safeJoin(this.paths.usmtDir, rel);
  }

  async *#fromFolder(entry: FileEntry, rel: string): AsyncGenerator<Buffer> {
    const path = this.#folderFile(entry, rel);
    let fh: FileHandle;
    try {
      fh = await open(path, 'r');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT')
        throw tampered(this.file, `${entry.winPath} is missing from the store (${rel})`, { winPath: entry.winPath });
      throw fromSystemError(err, `reading ${path}`);
    }
    try {
      for (;;) {
        const buf = Buffer.allocUnsafe(1024 * 1024);
        let n: number;
        try {
          n = (await fh.read(buf, 0, buf.length, null)).bytesRead;
        } catch (err) {
          throw fromSystemError(err, `reading ${path}`);
        }
        if (n === 0) return;
        yield buf.subarray(0, n);
      }
    } finally {
      await fh.close();
    }
  }

  /**
   * Write one file to `destPath` (which the caller chose, e.g. with safeJoin and collision
   * renaming): to `destPath.ferry-partial` first, renamed only once every byte matched the
   * catalog, then given the catalog's times. `hardlink` (folder stores): link to the store's copy
   * instead of copying it. On any error nothing is left at `destPath` by this call.
   */
  async extractFile(entry: FileEntry, destPath: string, options: { readonly hardlink?: boolean } = {}): Promise<void> {
    const tmp = `${destPath}.ferry-partial`;
    try {
      if (options.hardlink) {
        if (!('path' in entry.content))
          throw new FerryError(
            'FERRY_E_STORE_OPTIONS',
            'Only an uncompressed or hard-link store can be restored with hard links (/hardlink /nocompress).',
          );
        const src = this.#folderFile(entry, entry.content.path);
        const st = await stat(src).catch(() => null);
        if (!st || st.size !== entry.size)
          throw tampered(this.file, `${entry.winPath} is missing from the store or has another size`, { winPath: entry.winPath });
        rmSync(tmp, { force: true });
        linkSync(src, tmp);
      } else {
        // Synchronous writes: no thread-pool round trip per small file; chunks still decompress ahead.
        const fd = openSync(tmp, 'w');
        try {
          for await (const piece of this.#content(entry)) {
            for (let done = 0; done < piece.length; ) done += writeSync(fd, piece, done, piece.length - done);
          }
        } finally {
          closeSync(fd);
        }
      }
      utimesSync(tmp, entry.atimeMs / 1000, entry.mtimeMs / 1000);
      renameSync(tmp, destPath);
    } catch (err) {
      rmSync(tmp, { force: true });
      throw isFerryError(err) ? err : fromSystemError(err, `restoring ${entry.winPath} to ${destPath}`);
    }
  }

  /**
   * extractFile for many files, each written on a thread of its own while the next ones are read
   * (see Extractor): `add` each file in catalog order, awaiting each call, then `finish`. The
   * bytes are copied as they are read, so `releaseChunks` suits it.
   */
  extractor(): Extractor {
    return new Extractor((entry) => this.#content(entry));
  }

  /** Check one file completely: its bytes against the catalog size and SHA-256. */
  async checkFile(entry: FileEntry): Promise<FileCheck> {
    try {
      for await (const _ of this.#content(entry)) {
        // reading is the check
      }
      return { winPath: entry.winPath, ok: true };
    } catch (err) {
      const code = isFerryError(err) ? err.code : 'FERRY_E_INTERNAL';
      return { winPath: entry.winPath, ok: false, code, message: (err as Error).message };
    }
  }

  /** `usmtutils /verify[:mode]`: the catalog, and (except `catalog`) every file. */
  async verify(mode: VerifyMode = 'summary'): Promise<VerifyReport> {
    let files = 0;
    let intact = 0;
    const results: FileCheck[] = [];
    let catalogError: { code: string; message: string } | undefined;
    try {
      for await (const e of this.entries()) {
        if (mode === 'catalog' || e.kind !== 'file') continue;
        files++;
        const check = await this.checkFile(e);
        if (check.ok) intact++;
        if (mode === 'all' || (mode === 'failureonly' && !check.ok)) results.push(check);
      }
    } catch (err) {
      catalogError = { code: isFerryError(err) ? err.code : 'FERRY_E_INTERNAL', message: (err as Error).message };
    }
    return {
      catalogOk: catalogError === undefined,
      ...(catalogError ? { catalogError } : {}),
      files,
      intact,
      corrupted: files - intact,
      results,
    };
  }

  async close(): Promise<void> {
    this.#chunks.clear();
    await this.#fh.close().catch(() => undefined);
  }
}
