// Writing a store (docs/store-format.md §5): content → journal → catalog → trailer, renamed into
// place last, so a crash leaves either a whole store or an incomplete, resumable one.
import { createHash, randomBytes, type KeyObject } from 'node:crypto';
import { closeSync, fstatSync, linkSync, mkdirSync, openSync, readSync, rmSync, statSync } from 'node:fs';
import { mkdir, open, rename, rm, stat, unlink, utimes, type FileHandle } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { zstdCompressSync } from 'node:zlib';
import { FerryError, fromSystemError, isFerryError } from '../errors/index.ts';
import { silentEvents, type EventStream } from '../events/index.ts';
import { DEFAULT_ALG_ID, MAX_SESSION, USMT_ALG_IDS, deriveStoreKey, keyMatches, makeKeyCheck, newKdfParams, sha256 } from './crypto.ts';
import { CatalogStream } from './catalog-stream.ts';
import { ByteQueue } from './byte-queue.ts';
import { ChunkPool, END_OF_FILE } from './chunk-pool.ts';
import {
  CHUNK_SIZE,
  ChunkCompressor,
  FLAG_ZSTD,
  FORMAT_VERSION,
  FRAME_HEADER_SIZE,
  FrameCodec,
  FrameType,
  MAX_DATA_FRAME,
  ZSTD_LEVEL,
  ZSTD_PARAMS,
  decodeFrameHeader,
  encodeFooter,
  encodeHeader,
  readHeader,
  type StoreHeader,
  type Trailer,
} from './frame.ts';
import { JournalWriter, readJournal, readJournalHeader, type EntryJson, type SourceStamp } from './journal.ts';
import { LinkThread } from './link-thread.ts';
import { assertNotVolumeRoot, exists, storePaths, storeState, type StorePaths } from './layout.ts';
import { folderStorePaths } from './safe-path.ts';
import type { ObjectMeta, RegistryObjectMeta, IniObjectMeta, StoreSource, StoreSummary, StoreType } from './types.ts';
import { YoungGenerationCap } from './young-generation.ts';

/** What addFile gives for a file linked on the link thread. */
const LINKED: AddFileResult = Object.freeze({ sha256: null, reused: false });
/** Raw size of a catalog frame (the format allows up to CHUNK_SIZE). */
const CATALOG_FRAME = 1024 * 1024;
/** Room for a SHA-256 in hex, filled in when the hashing thread reports it. */
const SHA_PLACEHOLDER = '0'.repeat(64);
const SYNC_EVERY = 64 * 1024 * 1024;
const COPY_BUFFER = 1024 * 1024;
const JOURNAL_FLUSH_MS = 200;
/**
 * Hard-link stores: files linked on the capture's own thread before the link thread starts (a
 * thread costs more than it saves for a small capture, and the first links show a wrong store
 * folder or file system before anything runs in the background).
 */
const INLINE_LINKS = 256;

export interface CreateStoreOptions {
  readonly type?: StoreType;
  /** `/encrypt[:AlgID]` with `/key:` or the `/keyfile:` text; compressed stores only. */
  readonly encryption?: { readonly key: Buffer | string; readonly algId?: string };
  /** Continue an interrupted capture of this store (re-running the same ScanState). */
  readonly resume?: boolean;
  /** `/o`: replace an existing store. */
  readonly overwrite?: boolean;
  readonly events?: EventStream;
  readonly source?: StoreSource;
  /** Hard-link stores: also compute each file's SHA-256 (reads every file). */
  readonly hashHardLinks?: boolean;
}

export interface AddFileResult {
  /** null when not computed here: hard links without hashHardLinks, files hashed on the pool's threads (the catalog has it). */
  readonly sha256: string | null;
  readonly reused: boolean;
}

interface PendingObject {
  readonly entry?: EntryJson;
  readonly src?: SourceStamp;
  /**
   * A stored file instead of `entry`: where its journal object's JSON is in #waitingJson, and
   * where in it the 64 hex digits of its SHA-256 go once the hashing thread reports them. These
   * wait for their chunk to be written; as objects, then strings, they were most of what survived
   * each young-generation GC, and V8 grew that generation with the tree (byte-queue.ts).
   */
  readonly json?: { readonly at: number; readonly len: number; readonly shaAt: number };
  /** A file on the link thread: its size, and the length of its entry's JSON (after `{"e":` in `json`), for the catalog. */
  readonly linked?: { readonly size: number; readonly entryLen: number };
  readonly endRaw: number;
  /** A file whose SHA-256 the hashing thread has not reported yet, or whose link is not made yet (it is not journalled before). */
  waiting?: boolean;
  /** Its link failed: it is left out of the journal and the catalog. */
  dropped?: boolean;
}

interface InFlight {
  readonly seq: number;
  readonly rawOffset: number;
  readonly rawLen: number;
  /** The pool slot holding the raw chunk and, once sealed, its frame. */
  readonly slot: number;
  /** Resolves with the frame's length. */
  readonly frameLen: Promise<number>;
  /** Resolves when the hashing thread is done with the slot's raw chunk. */
  readonly hashed: Promise<void>;
}

/** A container fsync the capture did not wait for: the offset it makes durable, and how it ended. */
interface PendingSync {
  readonly off: number;
  done?: Promise<void>;
  settled: boolean;
  error?: unknown;
}

/**
 * A file of the interrupted run, kept only as what reuse compares and answers: a resume holds one
 * per file already stored, so the whole entry here made a late resume's memory grow with the
 * tree (315 MiB at 8 GB, issue 16); the catalog is rebuilt from the journal itself (#finish).
 */
interface ResumedObject {
  /** Where the object's record is (resumeRef). */
  readonly ref: number;
  readonly size: number;
  readonly mtimeMs: number;
  readonly sha256: string | null;
  /** A folder store's copy of the file, relative to the store. */
  readonly path?: string;
}

/** An object's record as one number: its ordinal and its place in a batch (0 for a single object; a batch holds fewer than 2^20). */
const resumeRef = (ordinal: number, index: number): number => ordinal * 2 ** 20 + index;

/** Where #finish appends frames: the file, the next offset and the next seq. */
interface FrameSink {
  readonly out: FileHandle;
  offset: number;
  seq: number;
}

/** Where a compressed store's content stream stands (fresh: just after the header). */
interface ContentState {
  fileOffset: number;
  nextSeq: number;
  rawEnd: number;
}

function normaliseAlgId(algId: string | undefined): string {
  const id = (algId ?? DEFAULT_ALG_ID).toUpperCase();
  if (!(USMT_ALG_IDS as readonly string[]).includes(id)) {
    throw new FerryError(
      'FERRY_E_STORE_OPTIONS',
      `Specified encryption algorithm is not supported: ${algId}. Use one of ${USMT_ALG_IDS.join(', ')}.`,
      { details: { algId } },
    );
  }
  return id;
}

async function writeAll(fh: FileHandle, buf: Buffer | Buffer[], position: number): Promise<number> {
  let parts = Array.isArray(buf) ? buf : [buf];
  const total = parts.reduce((n, b) => n + b.length, 0);
  let done = 0;
  while (done < total) {
    const { bytesWritten } = await fh.writev(parts, position + done);
    done += bytesWritten;
    if (done < total) {
      // A short write: continue after what was written.
      let skip = bytesWritten;
      parts = parts.flatMap((b) => {
        const take = Math.min(skip, b.length);
        skip -= take;
        return take === b.length ? [] : [b.subarray(take)];
      });
    }
  }
  return total;
}

async function fsyncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

function entryJson(meta: ObjectMeta | RegistryObjectMeta | IniObjectMeta, id: number): EntryJson {
  if (meta.kind === 'registry') {
    const { data, ...rest } = meta;
    return { id, ...rest, ...(data ? { data: data.toString('base64') } : {}) } as EntryJson;
  }
  if (meta.kind === 'ini') return { id, ...meta };
  const { size: _size, ...rest } = meta;
  return { id, ...rest } as EntryJson;
}

/**
 * A folder store's file entry as one literal: the two object spreads of entryJson were the most
 * a hard-link capture spent per file in JavaScript (issue 16). The fields of ObjectMeta, less size.
 */
function folderFileEntry(meta: ObjectMeta, id: number, size: number, sha256: string | null, path: string): EntryJson {
  const { kind, winPath, user, component, mtimeMs, atimeMs, birthtimeMs, attributes } = meta;
  if (user === undefined && component === undefined)
    return { id, kind, winPath, mtimeMs, atimeMs, birthtimeMs, attributes, size, sha256, content: { path } } as EntryJson;
  if (user === undefined)
    return { id, kind, winPath, component, mtimeMs, atimeMs, birthtimeMs, attributes, size, sha256, content: { path } } as EntryJson;
  if (component === undefined)
    return { id, kind, winPath, user, mtimeMs, atimeMs, birthtimeMs, attributes, size, sha256, content: { path } } as EntryJson;
  return { id, kind, winPath, user, component, mtimeMs, atimeMs, birthtimeMs, attributes, size, sha256, content: { path } } as EntryJson;
}

/**
 * Open a store for writing. See docs/store-format.md §5 for what resume does.
 * @example
 * const store = await createStore(dir, { encryption: { key: 'secret' } });
 * await store.addFile(meta, hostPath); // once per captured object
 * const summary = await store.finish(); // or store.abort() on failure
 */
export async function createStore(storeDir: string, options: CreateStoreOptions = {}): Promise<StoreWriter> {
  const type = options.type ?? 'compressed';
  if (options.encryption && type !== 'compressed') {
    throw new FerryError(
      'FERRY_E_STORE_OPTIONS',
      'An uncompressed or hard-link store cannot be encrypted (/nocompress cannot be combined with /encrypt).',
    );
  }
  const algId = options.encryption ? normaliseAlgId(options.encryption.algId) : undefined;
  const dir = resolve(storeDir);
  try {
    await mkdir(dir, { recursive: true });
  } catch (err) {
    throw fromSystemError(err, 'creating the store folder');
  }
  await assertNotVolumeRoot(dir);
  const paths = storePaths(dir);
  const st = await storeState(paths);
  if (st.state === 'complete' && !options.overwrite) {
    throw new FerryError('FERRY_E_STORE_EXISTS', `A store already exists at ${dir}; specify /o to overwrite it.`, {
      details: { path: dir },
    });
  }
  if (st.state === 'incomplete' && !options.overwrite && !options.resume) {
    throw new FerryError(
      'FERRY_E_STORE_EXISTS',
      `An interrupted capture left an incomplete store at ${dir}; re-run the capture to resume it, or specify /o to start over.`,
      { details: { path: dir } },
    );
  }
  if (st.state !== 'none' && options.overwrite) {
    try {
      await rm(paths.usmtDir, { recursive: true, force: true });
    } catch (err) {
      throw fromSystemError(err, 'removing the existing store (/o)');
    }
  }
  const events = options.events ?? silentEvents();
  if (st.state === 'incomplete' && options.resume && !options.overwrite && (await exists(paths.journal))) {
    return resumeStore(paths, type, options, events);
  }
  // An incomplete store without a journal stored nothing yet: start it again.
  await rm(paths.migPartial, { force: true });
  return freshStore(paths, type, options, algId, events);
}

async function freshStore(
  paths: StorePaths,
  type: StoreType,
  options: CreateStoreOptions,
  algId: string | undefined,
  events: EventStream,
): Promise<StoreWriter> {
  const storeId = randomBytes(16);
  let key: KeyObject | null = null;
  let encryption: StoreHeader['encryption'] = null;
  if (options.encryption) {
    const kdf = newKdfParams();
    key = await deriveStoreKey(options.encryption.key, kdf, storeId);
    encryption = { cipher: 'AES-256-GCM', algId: algId!, kdf, keyCheck: makeKeyCheck(key, storeId) };
  }
  const header: StoreHeader = {
    format: 'ferry-store',
    version: FORMAT_VERSION,
    type,
    storeId: storeId.toString('hex'),
    createdAt: new Date().toISOString(),
    source: options.source ?? {},
    compression: type === 'compressed' ? { algorithm: 'zstd', level: ZSTD_LEVEL, chunkSize: CHUNK_SIZE } : null,
    encryption,
  };
  const headerBytes = encodeHeader(header);
  const codec = new FrameCodec(storeId, key);
  let content: FileHandle | null = null;
  let catalogOut: FileHandle | null = null;
  try {
    await mkdir(type === 'compressed' ? paths.usmtDir : paths.fileDir, { recursive: true });
    if (type === 'compressed') {
      content = await open(paths.migPartial, 'wx');
      await writeAll(content, headerBytes, 0);
      await content.sync();
    } else {
      // A fresh folder store writes its catalog as it goes (catalog-stream.ts); a crash leaves
      // this file incomplete, and resume writes it again from the journal.
      catalogOut = await open(paths.catalogTmp, 'w');
      await writeAll(catalogOut, headerBytes, 0);
    }
  } catch (err) {
    await content?.close();
    await catalogOut?.close();
    throw fromSystemError(err, 'creating the store');
  }
  const journal = await JournalWriter.create(paths.journal, header, codec).catch(async (err: unknown) => {
    await content?.close();
    await catalogOut?.close();
    throw err;
  });
  return startWriter(
    {
      paths,
      type,
      header,
      headerBytes,
      codec,
      journal,
      content,
      catalogOut,
      events,
      hashHardLinks: options.hashHardLinks ?? false,
      fresh: true,
    },
    { state: { fileOffset: headerBytes.length, nextSeq: 0, rawEnd: 0 }, resumed: new Map(), nextId: 0, ordinals: 0 },
  );
}

/** The writer over an opened store: fresh (nothing stored yet) or resumed (what the journal replay found). */
async function startWriter(
  opened: Omit<WriterInit, 'storeDev' | 'state' | 'resumed' | 'nextId' | 'firstOrdinal'>,
  replay: JournalReplay,
): Promise<StoreWriter> {
  const storeDev = (await stat(opened.paths.usmtDir)).dev;
  return new StoreWriter({
    ...opened,
    storeDev,
    state: replay.state,
    resumed: replay.resumed,
    nextId: replay.nextId,
    firstOrdinal: replay.ordinals,
  });
}

async function resumeStore(paths: StorePaths, type: StoreType, options: CreateStoreOptions, events: EventStream): Promise<StoreWriter> {
  const { header, headerLength } = await readJournalHeader(paths.journal);
  const codec = await resumeCodec(paths, header, type, options);
  const opened = type === 'compressed' ? await openPartialContent(paths, header) : null;
  const content = opened?.content ?? null;
  const headerBytes = opened?.headerBytes ?? Buffer.alloc(0);
  let replay: JournalReplay;
  let end: { validEnd: number; maxSession: number };
  try {
    end = await findValidJournalEnd(paths, headerLength, codec, content);
    if (end.maxSession + 1 > MAX_SESSION) {
      throw new FerryError('FERRY_E_STORE_INCOMPLETE', `The store at ${paths.storeDir} was resumed too many times; capture again with /o.`);
    }
    replay = await replayJournal(paths, headerLength, codec, end.validEnd, headerBytes.length);
    await content?.truncate(replay.state.fileOffset).catch((err: unknown) => {
      throw fromSystemError(err, 'trimming the interrupted store');
    });
  } catch (err) {
    await content?.close();
    throw err;
  }
  const session = end.maxSession + 1;
  const journal = await JournalWriter.resume(paths.journal, codec, end.validEnd, session, replay.ordinals);
  events.log('info', 'store', `Resuming the store at ${paths.storeDir}: ${replay.resumed.size} files already stored, session ${session}.`);
  return startWriter(
    {
      paths,
      type,
      header,
      headerBytes,
      codec,
      journal,
      content,
      catalogOut: null,
      events,
      hashHardLinks: options.hashHardLinks ?? false,
      fresh: false,
    },
    replay,
  );
}

/** The codec of the store being resumed, once its type and key are known to match this run's. */
async function resumeCodec(paths: StorePaths, header: StoreHeader, type: StoreType, options: CreateStoreOptions): Promise<FrameCodec> {
  if (header.type !== type || (header.encryption !== null) !== (options.encryption !== undefined)) {
    throw new FerryError(
      'FERRY_E_STORE_RESUME_MISMATCH',
      `The interrupted store at ${paths.storeDir} is a ${header.type}${header.encryption ? ', encrypted' : ''} store; this ` +
        `run asks for a ${type}${options.encryption ? ', encrypted' : ''} one. Resume with the same options or use /o.`,
      { details: { stored: header.type, requested: type } },
    );
  }
  const storeId = Buffer.from(header.storeId, 'hex');
  let key: KeyObject | null = null;
  if (header.encryption) {
    key = await deriveStoreKey(options.encryption!.key, header.encryption.kdf, storeId);
    if (!keyMatches(key, storeId, header.encryption.keyCheck)) {
      throw new FerryError(
        'FERRY_E_STORE_BAD_KEY',
        `The key does not match the one the interrupted store ` +
          `at ${paths.storeDir} was started with; resume with the same /key or ` +
          `/keyfile.`,
      );
    }
  }
  return new FrameCodec(storeId, key);
}

/** The partial container of an interrupted compressed store, checked to belong to its journal. */
async function openPartialContent(paths: StorePaths, header: StoreHeader): Promise<{ content: FileHandle; headerBytes: Buffer }> {
  if (!(await exists(paths.migPartial))) {
    throw new FerryError(
      'FERRY_E_STORE_INCOMPLETE',
      `The interrupted store at ${paths.storeDir} lost its content file (${paths.migPartial}); capture again with /o.`,
    );
  }
  const content = await open(paths.migPartial, 'r+');
  const h = await readHeader(content, paths.migPartial).catch(async (err: unknown) => {
    await content.close();
    throw err;
  });
  if (h.header.storeId !== header.storeId) {
    await content.close();
    throw new FerryError(
      'FERRY_E_STORE_TAMPERED',
      `The content file and journal of the interrupted store at ${paths.storeDir} belong to different stores; capture again with /o.`,
    );
  }
  return { content, headerBytes: h.bytes };
}

/**
 * Pass 1 over the journal: how far it is valid. Chunks written since the last fsync are checked
 * against the content file, as a crash may have lost any of them: the first that fails ends it.
 */
async function findValidJournalEnd(
  paths: StorePaths,
  headerLength: number,
  codec: FrameCodec,
  content: FileHandle | null,
): Promise<{ validEnd: number; maxSession: number }> {
  let maxSession = 0;
  let validEnd = headerLength;
  let unsynced: { start: number; rec: { seq: number; off: number; raw: number; len: number; flen: number } }[] = [];
  for await (const r of readJournal(paths.journal, headerLength, codec)) {
    maxSession = Math.max(maxSession, r.session);
    validEnd = r.end;
    // A sync record makes durable what was written before its fsync began (`off`); chunks
    // journalled while it ran end after that and still need checking.
    if (r.rec.t === 's') {
      const off = r.rec.off;
      unsynced = unsynced.filter((u) => u.rec.off + u.rec.flen > off);
    } else if (r.rec.t === 'c') unsynced.push({ start: r.start, rec: r.rec });
  }
  if (content) {
    const size = (await content.stat()).size;
    for (const { start, rec } of unsynced) {
      const ok = rec.off + rec.flen <= size && (await chunkVerifies(content, codec, rec));
      if (!ok) {
        validEnd = start;
        break;
      }
    }
  }
  return { validEnd, maxSession };
}

interface JournalReplay {
  state: ContentState;
  resumed: Map<string, ResumedObject>;
  nextId: number;
  ordinals: number;
}

/** Pass 2: what survives up to `validEnd` — where the content stream stands and the files stored. */
async function replayJournal(
  paths: StorePaths,
  headerLength: number,
  codec: FrameCodec,
  validEnd: number,
  containerHeaderLength: number,
): Promise<JournalReplay> {
  const resumed = new Map<string, ResumedObject>();
  const state: ContentState = { fileOffset: containerHeaderLength, nextSeq: 0, rawEnd: 0 };
  let nextId = 0;
  let ordinals = 0;
  for await (const r of readJournal(paths.journal, headerLength, codec)) {
    if (r.start >= validEnd) break;
    ordinals = r.ordinal + 1;
    if (r.rec.t === 'c') {
      state.fileOffset = r.rec.off + r.rec.flen;
      state.nextSeq = r.rec.seq + 1;
      state.rawEnd = r.rec.raw + r.rec.len;
    } else if (r.rec.t === 'o' || r.rec.t === 'b') {
      const objects = r.rec.t === 'o' ? [r.rec] : r.rec.o;
      for (let index = 0; index < objects.length; index++) {
        const { e, src } = objects[index]!;
        nextId = Math.max(nextId, e.id + 1);
        // Reuse compares a file with the stamp of its source: one stored without it is stored again.
        if (e.kind === 'file' && src) {
          const path = 'path' in e.content ? e.content.path : undefined;
          const ref = resumeRef(r.ordinal, index);
          resumed.set(e.winPath, { ref, size: src.size, mtimeMs: src.mtimeMs, sha256: e.sha256, ...(path === undefined ? {} : { path }) });
        }
      }
    }
  }
  return { state, resumed, nextId, ordinals };
}

async function chunkVerifies(
  fh: FileHandle,
  codec: FrameCodec,
  rec: { seq: number; off: number; raw: number; len: number; flen: number },
): Promise<boolean> {
  const buf = Buffer.alloc(rec.flen);
  const { bytesRead } = await fh.read(buf, 0, rec.flen, rec.off);
  if (bytesRead < rec.flen || rec.flen < FRAME_HEADER_SIZE) return false;
  const h = decodeFrameHeader(buf.subarray(0, FRAME_HEADER_SIZE));
  if (h.type !== FrameType.data || h.seq !== rec.seq || h.rawOffset !== rec.raw || h.rawLen !== rec.len) return false;
  if (FRAME_HEADER_SIZE + h.storedLen + codec.macLength !== rec.flen) return false;
  return codec.openFrame(buf.subarray(0, FRAME_HEADER_SIZE), buf.subarray(FRAME_HEADER_SIZE)) !== null;
}

interface WriterInit {
  readonly paths: StorePaths;
  readonly type: StoreType;
  readonly header: StoreHeader;
  readonly headerBytes: Buffer;
  readonly codec: FrameCodec;
  readonly journal: JournalWriter;
  readonly content: FileHandle | null;
  /** A fresh folder store: `catalog.mig.tmp`, its header written; the catalog is streamed into it. */
  readonly catalogOut: FileHandle | null;
  readonly events: EventStream;
  readonly storeDev: number;
  readonly state: ContentState;
  readonly resumed: Map<string, ResumedObject>;
  readonly nextId: number;
  readonly firstOrdinal: number;
  readonly hashHardLinks: boolean;
  /** Started empty (not resuming an interrupted capture, whose links may still be in the store). */
  readonly fresh: boolean;
}

/**
 * Adds objects to a store. Calls are serialised (safe to call without awaiting each), and
 * the writer survives a source file that cannot be read (the error is thrown, the store stays
 * usable — what `/c` needs); an error writing the store itself makes every later call fail.
 */
export class StoreWriter {
  readonly type: StoreType;
  readonly storeId: string;
  readonly #init: WriterInit;
  readonly #codec: FrameCodec;
  readonly #journal: JournalWriter;
  readonly #content: FileHandle | null;
  /** Fresh folder stores: the catalog being written, and where its frames go. */
  readonly #catalog: { stream: CatalogStream; sink: FrameSink } | null;
  readonly #state: ContentState;
  readonly #resumed: Map<string, ResumedObject>;
  /** Objects of the interrupted run reused by this one, as the resumeRef of their records. */
  readonly #live = new Set<number>();
  #nextId: number;
  /** Compressed stores: the worker pool and the slot being filled (`#chunk`). */
  readonly #pool: ChunkPool | null;
  #slot = -1;
  #chunk: Buffer = Buffer.alloc(0);
  #fill = 0;
  #chunkStart: number;
  #writtenRawEnd: number;
  #inFlight: InFlight[] = [];
  #pending: PendingObject[] = [];
  /** The journal JSON of the stored files in #pending (PendingObject.json). */
  readonly #waitingJson = new ByteQueue();
  /**
   * Hash steps for the chunk being filled (chunk-pool.ts HashJob), and the files they will end, in order (null: a file whose read failed).
   */
  #hashOps: number[] = [];
  readonly #awaitingSha: (PendingObject | null)[] = [];
  #sinceSync = 0;
  /** The container fsync in flight: what it makes durable (`off`), and how it ended. */
  #syncing: PendingSync | null = null;
  /** The zstd context of the catalog and chunk map frames (#putIndexFrame). */
  #indexZstd: ChunkCompressor | null = null;
  /** The background writer of sealed chunks (#pump), and the reader waiting for a slot. */
  #pumping: Promise<void> | null = null;
  #wake: (() => void) | null = null;
  #lastFlush = Date.now();
  readonly #madeDirs = new Set<string>();
  /** Hard-link stores: the thread that links files once the first INLINE_LINKS are linked here. */
  #links: LinkThread | null = null;
  readonly #folderStorePath = folderStorePaths();
  #reused = 0;
  #files = 0;
  #failed: FerryError | null = null;
  #closed = false;
  #queue: Promise<unknown> = Promise.resolve();
  /** Calls in #queue not yet done. */
  #queued = 0;
  /** Keeps the young generation from growing with the tree (young-generation.ts); released at the end. */
  readonly #youngCap = new YoungGenerationCap();

  constructor(init: WriterInit) {
    this.#init = init;
    this.type = init.type;
    this.storeId = init.header.storeId;
    this.#codec = init.codec;
    this.#journal = init.journal;
    this.#content = init.content;
    this.#state = init.state;
    this.#resumed = init.resumed;
    this.#nextId = init.nextId;
    this.#chunkStart = init.state.rawEnd;
    this.#writtenRawEnd = init.state.rawEnd;
    this.#pool = init.type === 'compressed' ? new ChunkPool(init.codec) : null;
    if (this.#pool) this.#takeSlot();
    if (init.catalogOut) {
      const sink: FrameSink = { out: init.catalogOut, offset: init.headerBytes.length, seq: 0 };
      this.#catalog = { sink, stream: new CatalogStream((raw, first) => this.#putIndexFrame(sink, FrameType.catalog, raw, first)) };
    } else this.#catalog = null;
  }

  #takeSlot(): void {
    this.#slot = this.#pool!.take();
    this.#chunk = this.#pool!.raw(this.#slot);
  }

  /** Started empty: the store holds only what this writer adds (no links of an interrupted run). */
  get fresh(): boolean {
    return this.#init.fresh;
  }

  /** Files found already stored by the interrupted run so far (not read again). */
  get reusedFiles(): number {
    return this.#reused;
  }

  #serial<T>(fn: () => Promise<T>): Promise<T> {
    return this.#enqueue(() => {
      if (this.#closed) throw new FerryError('FERRY_E_INTERNAL', 'The store writer is already finished or aborted.');
      if (this.#failed) throw this.#failed;
      return fn();
    });
  }

  /** Run `fn` after every call queued before it; #queued counts the calls not done yet. */
  #enqueue<T>(fn: () => T | Promise<T>): Promise<T> {
    this.#queued++;
    const run = this.#queue.then(fn);
    this.#queue = run.then(
      () => void this.#queued--,
      () => void this.#queued--,
    );
    return run;
  }

  /** An error writing the store: remembered, so the capture stops cleanly with a resumable store. */
  #storeError(err: unknown, what: string): FerryError {
    const fe = isFerryError(err) ? err : fromSystemError(err, what);
    this.#failed = fe;
    return fe;
  }

  /**
   * Store one file. A hard-link store past its first files links on its own thread: the call's
   * turn in the queue ends once the link is asked for, and its promise settles once the link
   * exists, so a caller that keeps several calls in flight overlaps its walk with the linking.
   */
  addFile(meta: ObjectMeta, hostPath: string): Promise<AddFileResult> {
    // The link thread's files skip the queue when it is empty (what it would do costs less than the
    // two promises a turn in it costs, per file): nothing of theirs waits for disk here.
    if (
      this.#queued === 0 &&
      !this.#closed &&
      !this.#failed &&
      meta.kind === 'file' &&
      this.#resumed.size === 0 &&
      this.#linksLater(meta, hostPath)
    ) {
      this.#youngCap.check();
      let linked: Promise<AddFileResult>;
      try {
        linked = this.#queueLink(meta, hostPath);
      } catch (err) {
        return Promise.reject(err);
      }
      if (this.#folderStoreNeedsFlush) this.#serial(() => this.#flushFolderStore()).catch(() => undefined);
      return linked;
    }
    const later: { linked?: Promise<AddFileResult> } = {};
    const added = this.#serial(async (): Promise<AddFileResult | null> => {
      if (meta.kind !== 'file') throw new FerryError('FERRY_E_INVALID_ARGUMENT', `addFile got a ${meta.kind} object (${meta.winPath}).`);
      this.#youngCap.check();
      const reused = this.#resumed.size > 0 ? await this.#tryReuse(meta, hostPath) : null;
      if (reused) return reused;
      if (this.#linksLater(meta, hostPath)) {
        later.linked = this.#queueLink(meta, hostPath);
        await this.#flushFolderStore();
        return null;
      }
      const result = this.type === 'compressed' ? await this.#addCompressed(meta, hostPath) : await this.#addToFolder(meta, hostPath);
      this.#files++;
      return result;
    });
    return added.then((r) => r ?? later.linked!);
  }

  /** Whether this file is linked on the link thread (started here, once the first files are linked). */
  #linksLater(meta: ObjectMeta, hostPath: string): boolean {
    if (this.type !== 'hardlink' || this.#init.hashHardLinks || meta.size === undefined) return false;
    // NUL separates a batch's paths (link-thread.ts); such a path fails here, with linkSync's error.
    if (hostPath.includes('\0')) return false;
    if (!this.#links && this.#files < INLINE_LINKS) return false;
    this.#links ??= new LinkThread(this.#init.paths.usmtDir);
    return true;
  }

  /**
   * Ask the link thread for the file's link. Its entry waits in #pending, in capture order, and
   * reaches the journal and the catalog only once the link exists (a resumed capture trusts what
   * the journal lists); a file whose link fails is left out, and its promise says why.
   */
  #queueLink(meta: ObjectMeta, hostPath: string): Promise<AddFileResult> {
    const rel = this.#folderStorePath(meta.winPath);
    const size = meta.size!;
    // Kept as the journal object's bytes until the link exists, not as objects and strings that
    // live across young-generation GCs (as a compressed store's waiting entries, byte-queue.ts).
    const entry = JSON.stringify(folderFileEntry(meta, this.#nextId++, size, null, rel));
    const src =
      Number.isFinite(size) && Number.isFinite(meta.mtimeMs)
        ? `{"size":${size},"mtimeMs":${meta.mtimeMs}}`
        : JSON.stringify({ size, mtimeMs: meta.mtimeMs });
    const at = this.#waitingJson.write(`{"e":${entry},"src":${src}}`);
    const len = this.#waitingJson.end - at;
    // The entry's bytes: the object's, less `{"e":`, `,"src":`, the stamp and `}` (ASCII, a byte each).
    const linked = { size, entryLen: len - 5 - 7 - src.length - 1 };
    const p: PendingObject = { json: { at, len, shaAt: -1 }, linked, endRaw: this.#state.rawEnd, waiting: true };
    this.#pending.push(p);
    this.#files++;
    const { promise, resolve, reject } = Promise.withResolvers<AddFileResult>();
    this.#links!.add(hostPath, `${this.#init.paths.usmtDir}/${rel}`, (failure) => {
      p.waiting = false;
      if (failure) {
        p.dropped = true;
        this.#files--;
        const err = Object.assign(new Error(failure.message), {
          code: failure.code,
          errno: failure.errno,
          syscall: failure.syscall,
          path: failure.path,
        });
        reject(failure.step === 'mkdir' ? this.#storeError(err, 'creating a store folder') : this.#linkError(err, failure.step, hostPath));
      } else resolve(LINKED);
      this.#releaseObjects();
    });
    return promise;
  }

  addDirectory(meta: ObjectMeta): Promise<void> {
    return this.#serial(async () => {
      if (meta.kind !== 'dir')
        throw new FerryError('FERRY_E_INVALID_ARGUMENT', `addDirectory got a ${meta.kind} object (${meta.winPath}).`);
      await this.#queueObject(entryJson(meta, this.#nextId++));
    });
  }

  addRegistry(meta: RegistryObjectMeta): Promise<void> {
    return this.#serial(async () => {
      await this.#queueObject(entryJson({ ...meta, kind: 'registry' }, this.#nextId++));
    });
  }

  addIni(meta: IniObjectMeta): Promise<void> {
    return this.#serial(async () => {
      await this.#queueObject(entryJson({ ...meta, kind: 'ini' }, this.#nextId++));
    });
  }

  async #queueObject(entry: EntryJson, src?: SourceStamp, hashing = false): Promise<void> {
    const p: PendingObject = { entry, ...(src ? { src } : {}), endRaw: this.#state.rawEnd };
    if (hashing) (p.waiting = true), this.#awaitingSha.push(p);
    this.#pending.push(p);
    this.#releaseObjects();
    if (this.type !== 'compressed') await this.#flushFolderStore();
  }

  /** A folder store: write a full catalog frame, and the journal every 256 KiB or 200 ms. */
  async #flushFolderStore(): Promise<void> {
    if (this.#catalog?.stream.full) await this.#writeCatalogFrame();
    if (this.#journalDue) await this.#flushJournal();
  }

  get #folderStoreNeedsFlush(): boolean {
    return !!this.#catalog?.stream.full || this.#journalDue;
  }

  /** The journal's records reach the file every 256 KiB or JOURNAL_FLUSH_MS, not after each object. */
  get #journalDue(): boolean {
    return this.#journal.needsFlush || Date.now() - this.#lastFlush > JOURNAL_FLUSH_MS;
  }

  async #writeCatalogFrame(): Promise<void> {
    try {
      await this.#catalog!.stream.writeFrame();
    } catch (err) {
      throw this.#storeError(err, 'writing the store catalog');
    }
  }

  async #flushJournal(): Promise<void> {
    try {
      await this.#journal.flush();
    } catch (err) {
      throw this.#storeError(err, 'writing the store journal');
    }
    this.#lastFlush = Date.now();
  }

  async #tryReuse(meta: ObjectMeta, hostPath: string): Promise<AddFileResult | null> {
    const prior = this.#resumed.get(meta.winPath);
    if (!prior) return null;
    this.#resumed.delete(meta.winPath);
    let src;
    try {
      src = await stat(hostPath);
    } catch {
      return null;
    }
    if (src.size !== prior.size || src.mtimeMs !== prior.mtimeMs) return null;
    if (prior.path !== undefined) {
      const copy = await stat(join(this.#init.paths.usmtDir, prior.path)).catch(() => null);
      if (!copy || copy.size !== src.size || (this.type === 'hardlink' && copy.ino !== src.ino)) return null;
    }
    this.#live.add(prior.ref);
    this.#reused++;
    this.#files++;
    return { sha256: prior.sha256, reused: true };
  }

  // Source files are read with synchronous calls: the data is usually in the page cache, and a
  // thread-pool round trip per open/read/close made small files four times slower (measured);
  // compression keeps running on the pool meanwhile. Once the pool's threads run, the file is
  // hashed there too (`remote`): its digest reaches the catalog, not the result.
  async #addCompressed(meta: ObjectMeta, hostPath: string): Promise<AddFileResult> {
    let fd: number;
    try {
      fd = openSync(hostPath, 'r');
    } catch (err) {
      throw fromSystemError(err, `reading ${meta.winPath}`);
    }
    const start = this.#state.rawEnd;
    const remote = this.#pool!.started;
    const hash = remote ? null : createHash('sha256');
    let stamp: SourceStamp;
    let read = false;
    try {
      const st = fstatSync(fd);
      stamp = { size: st.size, mtimeMs: st.mtimeMs };
      let left = st.size;
      for (;;) {
        let n: number;
        try {
          n = readSync(fd, this.#chunk, this.#fill, CHUNK_SIZE - this.#fill, null);
        } catch (err) {
          throw fromSystemError(err, `reading ${meta.winPath}`);
        }
        if (n === 0) break;
        if (hash) hash.update(this.#chunk.subarray(this.#fill, this.#fill + n));
        else this.#hashOps.push(this.#fill, n);
        this.#fill += n;
        this.#state.rawEnd += n;
        left -= n;
        if (this.#fill === CHUNK_SIZE) await this.#dispatch();
        // Once the size fstat gave is read, no further read only to meet the end (one syscall per
        // file): a file growing meanwhile is stored as it was at fstat, as tar does.
        if (left <= 0 && st.size > 0) break;
      }
      read = true;
    } finally {
      closeSync(fd);
      if (remote) {
        this.#hashOps.push(0, END_OF_FILE);
        if (!read) this.#awaitingSha.push(null);
      }
    }
    const sha = hash ? hash.digest('hex') : null;
    const size = this.#state.rawEnd - start;
    // What JSON.stringify({ e: entry, src }) gives for the entry { ...meta, size, sha256, content }.
    const head = `{"e":${JSON.stringify({ ...entryJson(meta, this.#nextId++), size }).slice(0, -1)},"sha256":"`;
    const at = this.#waitingJson.write(`${head}${sha ?? SHA_PLACEHOLDER}","content":{"offset":${start}}},"src":${JSON.stringify(stamp)}}`);
    const len = this.#waitingJson.end - at;
    const p: PendingObject = { json: { at, len, shaAt: at + Buffer.byteLength(head, 'utf8') }, endRaw: this.#state.rawEnd };
    if (remote) (p.waiting = true), this.#awaitingSha.push(p);
    this.#pending.push(p);
    this.#releaseObjects();
    return { sha256: sha, reused: false };
  }

  /** Send the hash steps gathered for `slot` (-1: steps that only end files); the digests go into their entries. */
  #sendHashes(slot: number): Promise<void> {
    if (this.#hashOps.length === 0) return Promise.resolve();
    const ops = this.#hashOps;
    this.#hashOps = [];
    const done = this.#pool!.hash(slot, ops).then((shas) => {
      for (const sha of shas) {
        const p = this.#awaitingSha.shift();
        if (p) this.#waitingJson.view(p.json!.shaAt, SHA_PLACEHOLDER.length).write(sha, 'latin1'), (p.waiting = false);
      }
    });
    done.catch(() => undefined);
    return done;
  }

  /** Every hash step sent and answered, every chunk written: what finish and abort need first. */
  async #drainAll(): Promise<void> {
    await this.#dispatch(true);
    const ends = this.#sendHashes(-1);
    await this.#pumped();
    try {
      await ends;
    } catch (err) {
      throw this.#storeError(err, 'hashing store content');
    }
    await this.#settleSync();
    this.#releaseObjects();
  }

  /**
   * Hand the filled chunk to the pool and take a free slot for the next one (waiting for the
   * oldest chunk to be written when all are in flight). `last`: the capture's final chunk, sealed
   * on this thread when no worker was needed before (small captures start no threads).
   */
  async #dispatch(last = false): Promise<void> {
    if (this.#fill === 0) return;
    const pool = this.#pool!;
    const rawLen = this.#fill;
    const seq = this.#state.nextSeq++;
    const rawOffset = this.#chunkStart;
    this.#chunkStart += rawLen;
    this.#fill = 0;
    const frameLen = pool.seal(this.#slot, { session: this.#journal.session, seq, rawOffset, rawLen }, last);
    frameLen.catch(() => undefined);
    const hashed = this.#sendHashes(this.#slot);
    this.#inFlight.push({ seq, rawOffset, rawLen, slot: this.#slot, frameLen, hashed });
    this.#slot = -1;
    this.#pump();
    if (last) return;
    while (pool.freeSlots === 0) await this.#slotFreed();
    this.#takeSlot();
  }

  /**
   * Write sealed chunks in order, in the background: the capture keeps reading into free slots
   * while a frame, its journal records or an fsync are on their way to disk (awaiting them here
   * left the reader idle for a third of a loaded run, measured). It stops at the first error,
   * which #failed keeps for the next call.
   */
  #pump(): void {
    if (this.#pumping || this.#inFlight.length === 0) return;
    this.#pumping = (async () => {
      try {
        while (this.#inFlight.length > 0 && !this.#failed) await this.#drainOne();
      } finally {
        this.#pumping = null;
        this.#wake?.();
      }
    })();
    this.#pumping.catch(() => undefined);
  }

  /** Resolves when the write pump frees a slot or stops; throws what stopped it. */
  async #slotFreed(): Promise<void> {
    if (this.#failed) throw this.#failed;
    if (!this.#pumping) this.#pump();
    if (!this.#pumping) throw new FerryError('FERRY_E_INTERNAL', 'The store writer has no free chunk slot and nothing in flight.');
    await new Promise<void>((ok) => (this.#wake = ok));
    this.#wake = null;
    if (this.#failed) throw this.#failed;
  }

  /** Every chunk in flight written (or the error that stopped the pump). */
  async #pumped(): Promise<void> {
    this.#pump();
    while (this.#pumping) await this.#pumping.catch(() => undefined);
    if (this.#failed) throw this.#failed;
  }

  async #drainOne(): Promise<void> {
    const c = this.#inFlight.shift()!;
    let frameLen: number;
    try {
      frameLen = await c.frameLen;
      await c.hashed;
    } catch (err) {
      throw this.#storeError(err, 'compressing store content');
    }
    const off = this.#state.fileOffset;
    let flen: number;
    try {
      flen = await writeAll(this.#content!, this.#pool!.frame(c.slot, frameLen), off);
    } catch (err) {
      throw this.#storeError(err, 'writing the store');
    }
    this.#state.fileOffset += flen;
    this.#pool!.release(c.slot);
    this.#wake?.();
    this.#writtenRawEnd = c.rawOffset + c.rawLen;
    this.#journal.add({ t: 'c', seq: c.seq, off, raw: c.rawOffset, len: c.rawLen, flen });
    this.#releaseObjects();
    this.#sinceSync += flen;
    this.#noteSync();
    this.#startSync();
    // Journal records reach the file every 256 KiB or 200 ms, not after every chunk: one thread-pool
    // round trip less per chunk; a kill loses at most those records, and resume redoes their chunks.
    if (this.#journalDue) await this.#flushJournal();
    this.#init.events.emit({
      type: 'progress',
      phase: 'store',
      done: this.#files,
      bytesDone: this.#writtenRawEnd - this.#init.state.rawEnd,
    });
  }

  /**
   * Every SYNC_EVERY bytes, fsync the container without waiting for it: the capture goes on
   * reading and writing meanwhile (a wait here stalled the whole pipeline, ~0.1–0.2 s per fsync on
   * a virtual disk, measured). Its `sync` record, written once it is done, names the offset the
   * fsync began at: the chunks written since are checked on resume like any unsynced chunk.
   */
  #startSync(): void {
    if (this.#syncing || this.#sinceSync < SYNC_EVERY) return;
    this.#sinceSync = 0;
    const sync: PendingSync = { off: this.#state.fileOffset, settled: false };
    sync.done = this.#content!.sync().then(
      () => void (sync.settled = true),
      (err: unknown) => void ((sync.settled = true), (sync.error = err)),
    );
    this.#syncing = sync;
  }

  /** Journal the fsync in flight if it is done. */
  #noteSync(): void {
    const sync = this.#syncing;
    if (!sync?.settled) return;
    this.#syncing = null;
    if (sync.error !== undefined) throw this.#storeError(sync.error, 'syncing the store');
    this.#journal.add({ t: 's', off: sync.off });
  }

  /** Wait for the fsync in flight, then journal it. */
  async #settleSync(): Promise<void> {
    await this.#syncing?.done;
    this.#noteSync();
  }

  #releaseObjects(): void {
    while (this.#pending.length > 0 && this.#pending[0]!.endRaw <= this.#writtenRawEnd && !this.#pending[0]!.waiting) {
      const p = this.#pending.shift()!;
      if (p.json) {
        if (!p.dropped) {
          this.#journal.addObjectBytes(this.#waitingJson.view(p.json.at, p.json.len));
          if (p.linked) this.#catalog?.stream.addFile(this.#waitingJson.view(p.json.at + 5, p.linked.entryLen), p.linked.size);
        }
        this.#waitingJson.consume(p.json.at + p.json.len);
      } else {
        const json = JSON.stringify(p.entry);
        this.#journal.addObjectJson(json, p.src);
        this.#catalog?.stream.add(p.entry!, json);
      }
    }
  }

  async #addToFolder(meta: ObjectMeta, hostPath: string): Promise<AddFileResult> {
    const rel = this.#folderStorePath(meta.winPath);
    const dst = `${this.#init.paths.usmtDir}/${rel}`;
    const parent = dirname(dst);
    try {
      this.#ensureDir(parent);
    } catch (err) {
      throw this.#storeError(err, 'creating a store folder');
    }
    // A hard link needs no stat of its own when the walker already gave size and time (issue 16:
    // no more per file than linking and recording): another file system shows as EXDEV.
    const known = this.type === 'hardlink' && meta.size !== undefined;
    let src: { size: number; mtimeMs: number; dev?: number };
    try {
      src = known ? { size: meta.size!, mtimeMs: meta.mtimeMs } : statSync(hostPath);
    } catch (err) {
      throw fromSystemError(err, `reading ${meta.winPath}`);
    }
    let sha: string | null = null;
    if (this.type === 'hardlink') {
      if (src.dev !== undefined && src.dev !== this.#init.storeDev) {
        throw new FerryError(
          'FERRY_E_STORE_CROSS_VOLUME',
          `${meta.winPath} (${hostPath}) is on another file system than the hard-link ` +
            `store ${this.#init.paths.storeDir}; a hard-link store can only link files on its own volume.`,
          { details: { path: hostPath } },
        );
      }
      this.#link(hostPath, dst);
      if (this.#init.hashHardLinks) sha = await hashFile(hostPath, meta.winPath);
    } else {
      sha = await this.#copy(hostPath, dst, meta);
    }
    const entry = folderFileEntry(meta, this.#nextId++, src.size, sha, rel);
    await this.#queueObject(entry, { size: src.size, mtimeMs: src.mtimeMs });
    return { sha256: sha, reused: false };
  }

  /** mkdir -p, remembering what exists (bounded: forgetting a folder only costs one more mkdir). */
  #ensureDir(dir: string): void {
    if (this.#madeDirs.has(dir)) return;
    // Parents first (down to USMT/File): trying the folder first cost a failed mkdir for every
    // folder whose parent held no file yet.
    const parent = dirname(dir);
    if (parent.length > this.#init.paths.usmtDir.length && !this.#madeDirs.has(parent)) this.#ensureDir(parent);
    try {
      mkdirSync(dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    if (this.#madeDirs.size > 50_000) this.#madeDirs.clear();
    this.#madeDirs.add(dir);
  }

  #link(hostPath: string, dst: string): void {
    try {
      linkSync(hostPath, dst);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw this.#linkError(err, 'link', hostPath);
      // Left by an interrupted run: replace it.
      rmSync(dst, { force: true });
      try {
        linkSync(hostPath, dst);
      } catch (again) {
        throw this.#linkError(again, 'relink', hostPath);
      }
    }
  }

  /** What a failed link means: a source error (the writer stays usable, as /c needs) or a store error. */
  #linkError(err: unknown, step: 'link' | 'relink', hostPath: string): FerryError {
    if (step === 'relink') return this.#storeError(err, 'linking into the store');
    const errno = (err as NodeJS.ErrnoException).code;
    if (errno === 'EXDEV') {
      return new FerryError(
        'FERRY_E_STORE_CROSS_VOLUME',
        `${hostPath} is on another file system than the hard-link store; a hard-link store can only link files on its own volume.`,
        { cause: err, details: { path: hostPath } },
      );
    }
    // ENOENT: the source went away (its folder in the store was just made): a source error, as with /c.
    return errno === 'EACCES' || errno === 'EPERM' || errno === 'ENOENT'
      ? fromSystemError(err, `linking ${hostPath}`)
      : this.#storeError(err, 'linking into the store');
  }

  async #copy(hostPath: string, dst: string, meta: ObjectMeta): Promise<string> {
    let input: FileHandle;
    try {
      input = await open(hostPath, 'r');
    } catch (err) {
      throw fromSystemError(err, `reading ${meta.winPath}`);
    }
    const tmp = `${dst}.ferry-partial`;
    let output: FileHandle | null = null;
    const hash = createHash('sha256');
    try {
      try {
        output = await open(tmp, 'w');
      } catch (err) {
        throw this.#storeError(err, 'writing the store');
      }
      const buf = Buffer.allocUnsafe(COPY_BUFFER);
      let pos = 0;
      for (;;) {
        let n: number;
        try {
          n = (await input.read(buf, 0, buf.length, null)).bytesRead;
        } catch (err) {
          throw fromSystemError(err, `reading ${meta.winPath}`);
        }
        if (n === 0) break;
        hash.update(buf.subarray(0, n));
        try {
          await writeAll(output, buf.subarray(0, n), pos);
        } catch (err) {
          throw this.#storeError(err, 'writing the store');
        }
        pos += n;
      }
      try {
        await output.datasync();
        await output.close();
        output = null;
        await rename(tmp, dst);
        await utimes(dst, meta.atimeMs / 1000, meta.mtimeMs / 1000);
      } catch (err) {
        throw this.#storeError(err, 'writing the store');
      }
    } catch (err) {
      await output?.close();
      await unlink(tmp).catch(() => undefined);
      throw err;
    } finally {
      await input.close();
    }
    return hash.digest('hex');
  }

  /** Write catalog, chunk map and trailer, then rename the store into place. */
  finish(extra?: Record<string, unknown>): Promise<StoreSummary> {
    return this.#serial(async () => {
      try {
        return await this.#finish(extra);
      } catch (err) {
        throw this.#storeError(err, 'finishing the store');
      } finally {
        this.#youngCap.release();
      }
    });
  }

  async #finish(extra?: Record<string, unknown>): Promise<StoreSummary> {
    const { paths, type, header } = this.#init;
    await this.#links?.close();
    if (this.#failed) throw this.#failed;
    if (this.#pool) await this.#drainAll();
    await this.#pool?.close();
    this.#releaseObjects();
    await this.#journal.flush();

    const compressed = type === 'compressed';
    const streamed = this.#catalog;
    const out = compressed ? this.#content! : streamed ? streamed.sink.out : await open(paths.catalogTmp, 'w');
    const headerBytes = compressed || streamed ? this.#init.headerBytes : encodeHeader(header);
    const sink: FrameSink = streamed?.sink ?? {
      out,
      offset: compressed ? this.#state.fileOffset : 0,
      seq: compressed ? this.#state.nextSeq : 0,
    };
    if (!compressed && !streamed) sink.offset = await writeAll(out, headerBytes, 0);
    const dataFrames = compressed ? sink.seq : 0;

    const catalogOffset = streamed ? headerBytes.length : sink.offset;
    const { counts, chunkOffsets, chunkRaws } = streamed
      ? (await streamed.stream.writeFrame(), { counts: streamed.stream.counts, chunkOffsets: [], chunkRaws: [] })
      : await this.#writeCatalog(sink, headerBytes.length);
    const catalogFrames = sink.seq - dataFrames;
    if (chunkOffsets.length !== dataFrames) {
      throw new FerryError('FERRY_E_INTERNAL', `The store journal lists ${chunkOffsets.length} chunks but ${dataFrames} were written.`);
    }
    const chunkMapOffset = sink.offset;
    await this.#writeChunkMap(sink, chunkOffsets, chunkRaws);
    this.#indexZstd?.close();
    const chunkMapFrames = sink.seq - dataFrames - catalogFrames;

    const trailer: Trailer = {
      version: FORMAT_VERSION,
      storeId: header.storeId,
      headerSha256: sha256(headerBytes).toString('hex'),
      frames: sink.seq,
      dataFrames,
      contentBytes: this.#state.rawEnd,
      catalogOffset,
      catalogFrames,
      chunkMapOffset,
      chunkMapFrames,
      ...counts,
      completedAt: new Date().toISOString(),
      ...(extra ? { extra } : {}),
    };
    await this.#writeTrailer(sink, trailer);
    const final = await this.#commit(sink);
    this.#init.events.log(
      'info',
      'store',
      `Store complete: ${counts.files} files, ${counts.dirs} folders, ${counts.registry} ` +
        `registry objects, ${this.#reused} reused from the interrupted run.`,
    );
    return { type, storeId: header.storeId, path: final, ...counts, storeBytes: sink.offset, reusedFiles: this.#reused };
  }

  /** Append one zstd-compressed index frame (catalog or chunk map). */
  async #putIndexFrame(sink: FrameSink, frameType: number, raw: Buffer, rawOffset: number): Promise<void> {
    // Compressed into the idle out slot of a compressed store with one reused context; zstdCompressSync made a context and a
    // 4 MiB buffer per frame.
    let z: Buffer | null = null;
    if (this.#pool) {
      this.#indexZstd ??= new ChunkCompressor();
      const room = this.#pool.frame(0, MAX_DATA_FRAME);
      const n = this.#indexZstd.compressInto(raw, room);
      if (n >= 0) z = room.subarray(0, n);
    }
    z ??= zstdCompressSync(raw, ZSTD_PARAMS);
    const session = this.#journal.session;
    const frame = this.#codec.frame({ type: frameType, flags: FLAG_ZSTD, session, seq: sink.seq++, rawLen: raw.length, rawOffset }, z);
    sink.offset += await writeAll(sink.out, frame, sink.offset);
  }

  /**
   * The catalog: the live object records of the journal, in order, batched into frames of at
   * most CATALOG_FRAME; on the way, the chunk records the chunk map needs. Lines are encoded into
   * one reused buffer (a compressed store's first, now idle, chunk slot): 4 MiB batches of strings
   * and their copies made finishing the moment of peak memory (+45 MiB, measured).
   */
  async #writeCatalog(sink: FrameSink, journalHeaderLength: number) {
    const counts = { entries: 0, files: 0, dirs: 0, registry: 0, bytes: 0 };
    const chunkOffsets: number[] = [];
    const chunkRaws: number[] = [];
    const buf = this.#pool ? this.#pool.raw(0) : Buffer.allocUnsafe(CATALOG_FRAME);
    let fill = 0;
    let batchFirst = 0;
    const put = async (): Promise<void> => {
      if (fill === 0) return;
      await this.#putIndexFrame(sink, FrameType.catalog, buf.subarray(0, fill), batchFirst);
      batchFirst = counts.entries;
      fill = 0;
    };
    for await (const r of readJournal(this.#init.paths.journal, journalHeaderLength, this.#codec)) {
      if (r.rec.t === 'c') {
        chunkOffsets.push(r.rec.off);
        chunkRaws.push(r.rec.raw);
      }
      if (r.rec.t !== 'o' && r.rec.t !== 'b') continue;
      const objects = r.rec.t === 'o' ? [r.rec] : r.rec.o;
      const prior = r.ordinal < this.#init.firstOrdinal;
      for (let index = 0; index < objects.length; index++) {
        if (prior && !this.#live.has(resumeRef(r.ordinal, index))) continue;
        const e = objects[index]!.e;
        const line = `${JSON.stringify(e)}\n`;
        const len = Buffer.byteLength(line, 'utf8');
        if (fill + len > CATALOG_FRAME) await put();
        if (len > buf.length) {
          // One entry larger than a frame (a big registry value) is a frame of its own.
          await this.#putIndexFrame(sink, FrameType.catalog, Buffer.from(line, 'utf8'), counts.entries);
          batchFirst = counts.entries + 1;
        } else fill += buf.write(line, fill, 'utf8');
        counts.entries++;
        if (e.kind === 'file') counts.files++, (counts.bytes += e.size);
        else if (e.kind === 'dir') counts.dirs++;
        else if (e.kind === 'registry') counts.registry++;
      }
    }
    await put();
    return { counts, chunkOffsets, chunkRaws };
  }

  /** The chunk map: file offset and raw offset of every data frame, two u64 each. */
  async #writeChunkMap(sink: FrameSink, chunkOffsets: number[], chunkRaws: number[]): Promise<void> {
    const perFrame = CHUNK_SIZE / 16;
    for (let i = 0; i < chunkOffsets.length; i += perFrame) {
      const n = Math.min(perFrame, chunkOffsets.length - i);
      const map = Buffer.alloc(n * 16);
      for (let j = 0; j < n; j++) {
        map.writeBigUInt64LE(BigInt(chunkOffsets[i + j]!), j * 16);
        map.writeBigUInt64LE(BigInt(chunkRaws[i + j]!), j * 16 + 8);
      }
      await this.#putIndexFrame(sink, FrameType.chunkMap, map, i);
    }
  }

  /** The trailer frame (JSON, not compressed) and the footer pointing at it; the file ends there. */
  async #writeTrailer(sink: FrameSink, trailer: Trailer): Promise<void> {
    const trailerOffset = sink.offset;
    const trailerFrame = this.#codec.frame(
      { type: FrameType.trailer, flags: 0, session: this.#journal.session, seq: sink.seq, rawLen: 0, rawOffset: 0 },
      Buffer.from(JSON.stringify(trailer), 'utf8'),
    );
    sink.offset += await writeAll(sink.out, [...trailerFrame, encodeFooter(trailerOffset)], sink.offset);
    await sink.out.truncate(sink.offset);
  }

  /** Manifest last (§5 step 5): fsync, rename into place, fsync the folder, drop the journal. */
  async #commit(sink: FrameSink): Promise<string> {
    const { paths, type } = this.#init;
    await sink.out.sync();
    await sink.out.close();
    const compressed = type === 'compressed';
    const final = compressed ? paths.mig : paths.catalog;
    await rename(compressed ? paths.migPartial : paths.catalogTmp, final);
    await fsyncDir(paths.usmtDir);
    await this.#journal.close();
    this.#closed = true;
    await unlink(paths.journal);
    await fsyncDir(paths.usmtDir);
    return final;
  }

  /** Stop: write what is ready, keep the journal; the store stays incomplete and resumable. */
  abort(): Promise<void> {
    this.#youngCap.release();
    return this.#enqueue(async () => {
      if (this.#closed) return;
      this.#closed = true;
      // Links asked for are made and journalled first: a resume then finds them.
      await this.#links?.close().catch(() => undefined);
      if (!this.#failed) {
        try {
          if (this.#pool) await this.#drainAll();
          await this.#journal.sync();
        } catch {
          // What could not be written is simply captured again on resume.
        }
      }
      await this.#pumping?.catch(() => undefined);
      await this.#syncing?.done;
      await this.#pool?.close();
      await this.#journal.close();
      await this.#content?.close().catch(() => undefined);
      await this.#catalog?.sink.out.close().catch(() => undefined);
    });
  }
}

async function hashFile(hostPath: string, winPath: string): Promise<string> {
  const hash = createHash('sha256');
  let fh: FileHandle;
  try {
    fh = await open(hostPath, 'r');
  } catch (err) {
    throw fromSystemError(err, `reading ${winPath}`);
  }
  try {
    const buf = Buffer.allocUnsafe(COPY_BUFFER);
    for (;;) {
      const { bytesRead } = await fh.read(buf, 0, buf.length, null);
      if (bytesRead === 0) break;
      hash.update(buf.subarray(0, bytesRead));
    }
  } catch (err) {
    throw fromSystemError(err, `reading ${winPath}`);
  } finally {
    await fh.close();
  }
  return hash.digest('hex');
}
