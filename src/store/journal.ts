// The resume journal (docs/store-format.md §5): an append-only file of framed, sealed records that
// says which chunks and objects of an unfinished store are safely on disk.
import { writeSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { type FerryError, fromSystemError } from '../errors/index.ts';
import { encodeHeader, readHeader, type FrameCodec, type StoreHeader } from './frame.ts';
import type { CatalogEntry, RegistryEntry } from './types.ts';

export const JOURNAL_MAGIC = Buffer.from('FERRYJNL');
const RECORD_HEAD = 12;
const MAX_RECORD = 16 * 1024 * 1024;
const FLUSH_AT = 256 * 1024;
const BATCH_OPEN = '{"t":"b","o":[';

/** Source facts a resumed capture compares to decide whether a stored file can be reused. */
export interface SourceStamp {
  readonly size: number;
  readonly mtimeMs: number;
}

/** A catalog entry as JSON (registry data as base64). */
export type EntryJson = Exclude<CatalogEntry, RegistryEntry> | (Omit<RegistryEntry, 'data'> & { readonly data?: string });

export type JournalRecord =
  | { readonly t: 'session'; readonly session: number; readonly at: string }
  /** A data frame written: seq, file offset, raw offset and length, frame length. */
  | { readonly t: 'c'; readonly seq: number; readonly off: number; readonly raw: number; readonly len: number; readonly flen: number }
  /** The container was fsynced up to `off`. */
  | { readonly t: 's'; readonly off: number }
  /** One object (what journals before object batches hold; still read). */
  | { readonly t: 'o'; readonly e: EntryJson; readonly src?: SourceStamp }
  /** Objects in the order they were added: one record per batch, not one per object. */
  | { readonly t: 'b'; readonly o: readonly JournalObject[] };

/** A catalog entry with the source facts a resume compares. */
export interface JournalObject {
  readonly e: EntryJson;
  readonly src?: SourceStamp;
}

export interface ReadRecord {
  readonly rec: JournalRecord;
  readonly session: number;
  /** Byte range of the record in the journal. */
  readonly start: number;
  readonly end: number;
  /** Position among all valid records (0-based). */
  readonly ordinal: number;
}

function ioError(err: unknown, what: string): FerryError {
  return fromSystemError(err, what);
}

export class JournalWriter {
  readonly #fh: FileHandle;
  readonly #codec: FrameCodec;
  readonly #session: number;
  #counter = 0;
  #pending: Buffer[] = [];
  #pendingBytes = 0;
  /** Objects not yet sealed into a batch record: `{"t":"b","o":[` and their JSON, comma-separated. */
  #batch = Buffer.allocUnsafe(2 * FLUSH_AT);
  #objectBytes = 0;
  #pos: number;
  /** Ordinal the next record will have. */
  ordinal: number;

  private constructor(fh: FileHandle, codec: FrameCodec, session: number, pos: number, ordinal: number) {
    this.#fh = fh;
    this.#codec = codec;
    this.#session = session;
    this.#pos = pos;
    this.ordinal = ordinal;
  }

  /** A new journal for a new store, with its session record durable on return. */
  static async create(path: string, header: StoreHeader, codec: FrameCodec): Promise<JournalWriter> {
    let fh: FileHandle;
    try {
      fh = await open(path, 'wx');
      const head = encodeHeader(header);
      JOURNAL_MAGIC.copy(head, 0);
      await fh.write(head, 0, head.length, 0);
      const w = new JournalWriter(fh, codec, 1, head.length, 0);
      await w.#startSession();
      return w;
    } catch (err) {
      throw ioError(err, 'creating the store journal');
    }
  }

  /** Continue a journal after `validEnd` (anything after it is cut) in a new session. */
  static async resume(path: string, codec: FrameCodec, validEnd: number, session: number, ordinal: number): Promise<JournalWriter> {
    try {
      const fh = await open(path, 'r+');
      await fh.truncate(validEnd);
      const w = new JournalWriter(fh, codec, session, validEnd, ordinal);
      await w.#startSession();
      return w;
    } catch (err) {
      throw ioError(err, 'reopening the store journal');
    }
  }

  get session(): number {
    return this.#session;
  }

  async #startSession(): Promise<void> {
    this.add({ t: 'session', session: this.#session, at: new Date().toISOString() });
    await this.sync();
  }

  /** Queue a record; it reaches the file at the next flush (records keep their order). */
  add(rec: JournalRecord): void {
    this.#sealObjects();
    this.#seal(Buffer.from(JSON.stringify(rec), 'utf8'));
  }

  /**
   * Queue an object. Objects are sealed in batches (at the next other record, at a flush, or
   * every FLUSH_AT bytes): a record per object cost a MAC, a header and a parse per file, the
   * most a hard-link capture did per file after the link itself. A batch is torn or kept whole,
   * like any record; the objects of a lost batch are captured again on resume.
   */
  addObject(entry: EntryJson, src?: SourceStamp): void {
    this.addObjectJson(JSON.stringify(entry), src);
  }

  /**
   * addObject with the entry's JSON already made (the writer makes it once, for the catalog too).
   * Each object is encoded straight into the batch's buffer: joining the strings of a batch and
   * encoding the result cost five times as much (issue 16).
   */
  addObjectJson(entryJson: string, src?: SourceStamp): void {
    const json = !src
      ? `{"e":${entryJson}}`
      : Number.isFinite(src.size) && Number.isFinite(src.mtimeMs)
        ? `{"e":${entryJson},"src":{"size":${src.size},"mtimeMs":${src.mtimeMs}}}`
        : `{"e":${entryJson},"src":${JSON.stringify(src)}}`;
    // Room for the worst case of UTF-8 (3 bytes per UTF-16 unit).
    const b = this.#openObject(3 * json.length);
    this.#objectBytes += b.write(json, this.#objectBytes, 'utf8');
    if (this.#objectBytes >= FLUSH_AT) this.#sealObjects();
  }

  /** An object whose whole JSON (`{"e":…,"src":…}`) is already encoded, as UTF-8 bytes (copied). */
  addObjectBytes(json: Buffer): void {
    const b = this.#openObject(json.length);
    b.set(json, this.#objectBytes);
    this.#objectBytes += json.length;
    if (this.#objectBytes >= FLUSH_AT) this.#sealObjects();
  }

  /** Makes room for an object of up to `bytes` and the batch's brackets, and starts it. */
  #openObject(bytes: number): Buffer {
    const need = this.#objectBytes + bytes + 32;
    if (need > this.#batch.length) {
      const grown = Buffer.allocUnsafe(Math.max(need, 2 * FLUSH_AT));
      this.#batch.copy(grown, 0, 0, this.#objectBytes);
      this.#batch = grown;
    }
    const b = this.#batch;
    if (this.#objectBytes === 0) this.#objectBytes = b.write(BATCH_OPEN, 0, 'latin1');
    else b[this.#objectBytes++] = 0x2c; // ,
    return b;
  }

  #sealObjects(): void {
    if (this.#objectBytes === 0) return;
    const end = this.#objectBytes + this.#batch.write(']}', this.#objectBytes, 'latin1');
    this.#objectBytes = 0;
    // sealRecord copies (or encrypts) the payload: the batch buffer is free again after it.
    this.#seal(this.#batch.subarray(0, end));
  }

  #seal(payload: Buffer): void {
    const head = Buffer.alloc(RECORD_HEAD);
    const counter = this.#counter++;
    head.writeUInt32LE(payload.length + this.#codec.macLength, 0);
    head.writeUInt32LE(this.#session, 4);
    head.writeUInt32LE(counter, 8);
    const body = this.#codec.sealRecord(this.#session, counter, head, payload);
    this.#pending.push(head, body);
    this.#pendingBytes += head.length + body.length;
    this.ordinal++;
  }

  get needsFlush(): boolean {
    return this.#pendingBytes + this.#objectBytes >= FLUSH_AT;
  }

  async flush(): Promise<void> {
    this.#sealObjects();
    if (this.#pendingBytes === 0) return;
    const buf = Buffer.concat(this.#pending);
    this.#pending = [];
    this.#pendingBytes = 0;
    // Written on this thread: a flush is a few hundred KiB into the page cache, and the thread-pool
    // round trip of an async write cost more than the write, most of all on a busy machine.
    let done = 0;
    try {
      while (done < buf.length) done += writeSync(this.#fh.fd, buf, done, buf.length - done, this.#pos + done);
    } catch (err) {
      throw ioError(err, 'writing the store journal');
    }
    this.#pos += buf.length;
  }

  async sync(): Promise<void> {
    await this.flush();
    try {
      await this.#fh.sync();
    } catch (err) {
      throw ioError(err, 'syncing the store journal');
    }
  }

  async close(): Promise<void> {
    await this.#fh.close().catch(() => undefined);
  }
}

/** The store header recorded at the start of a journal. */
export async function readJournalHeader(path: string): Promise<{ header: StoreHeader; headerLength: number }> {
  let fh: FileHandle;
  try {
    fh = await open(path, 'r');
  } catch (err) {
    throw ioError(err, 'opening the store journal');
  }
  try {
    const { header, bytes } = await readHeader(fh, path, JOURNAL_MAGIC);
    return { header, headerLength: bytes.length };
  } finally {
    await fh.close();
  }
}

/**
 * The valid records of a journal, in order. Reading stops at the first record that is torn,
 * fails its MAC or is out of order: that and everything after it is what a crash left behind.
 */
export async function* readJournal(path: string, headerLength: number, codec: FrameCodec): AsyncGenerator<ReadRecord> {
  let fh: FileHandle;
  try {
    fh = await open(path, 'r');
  } catch (err) {
    throw ioError(err, 'opening the store journal');
  }
  try {
    const size = (await fh.stat()).size;
    let buf = Buffer.alloc(0);
    let bufStart = headerLength;
    let filePos = headerLength;
    let pos = headerLength;
    let ordinal = 0;
    let session = 0;
    let counter = 0;
    const ensure = async (n: number): Promise<boolean> => {
      while (bufStart + buf.length < pos + n) {
        if (filePos >= size) return false;
        const chunk = Buffer.alloc(Math.min(1 << 20, size - filePos));
        const { bytesRead } = await fh.read(chunk, 0, chunk.length, filePos);
        if (bytesRead === 0) return false;
        filePos += bytesRead;
        buf = Buffer.concat([buf.subarray(pos - bufStart), chunk.subarray(0, bytesRead)]);
        bufStart = pos;
      }
      return true;
    };
    for (;;) {
      if (!(await ensure(RECORD_HEAD))) return;
      const head = Buffer.from(buf.subarray(pos - bufStart, pos - bufStart + RECORD_HEAD));
      const bodyLen = head.readUInt32LE(0);
      const recSession = head.readUInt32LE(4);
      const recCounter = head.readUInt32LE(8);
      if (bodyLen > MAX_RECORD || bodyLen < codec.macLength) return;
      // A new session starts at counter 0 with a higher number; within one, counters step by one.
      if (recSession === session ? recCounter !== counter : recSession < session || recCounter !== 0) return;
      if (!(await ensure(RECORD_HEAD + bodyLen))) return;
      const body = buf.subarray(pos - bufStart + RECORD_HEAD, pos - bufStart + RECORD_HEAD + bodyLen);
      const payload = codec.openRecord(recSession, recCounter, head, body);
      if (!payload) return;
      let rec: JournalRecord;
      try {
        rec = JSON.parse(payload.toString('utf8')) as JournalRecord;
      } catch {
        return;
      }
      session = recSession;
      counter = recCounter + 1;
      const start = pos;
      pos += RECORD_HEAD + bodyLen;
      yield { rec, session, start, end: pos, ordinal: ordinal++ };
    }
  } finally {
    await fh.close();
  }
}
