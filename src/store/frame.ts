// The container framing shared by USMT.MIG and catalog.mig (docs/store-format.md §2).
import { createCipheriv, createHash, type KeyObject } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';
import { constants as zc, ZstdCompress, zstdCompressSync } from 'node:zlib';
import { FerryError } from '../errors/index.ts';
import {
  NONCE_DOMAIN,
  TAG_LENGTH,
  checkKdfParams,
  nonce,
  seal,
  sealParts,
  sha256,
  unseal,
  unsealInPlace,
  type KdfParams,
} from './crypto.ts';
import type { StoreSource, StoreType } from './types.ts';

/** The store format version this Ferry writes and the newest it reads (docs/store-format.md §6). */
export const FORMAT_VERSION = 1;
export const MAGIC = Buffer.from('FERRYMIG');
export const FOOTER_MAGIC = Buffer.from('FERRYEND');
export const FOOTER_SIZE = 16;
export const FRAME_HEADER_SIZE = 32;
export const CHUNK_SIZE = 4 * 1024 * 1024;
export const ZSTD_LEVEL = 3;

export const FrameType = { data: 1, catalog: 2, chunkMap: 3, trailer: 4 } as const;
export const FLAG_ZSTD = 1;
/** The largest data frame: header, a chunk stored as is, and the longer MAC (SHA-256). */
export const MAX_DATA_FRAME = FRAME_HEADER_SIZE + CHUNK_SIZE + 32;
// One zstd output buffer big enough for a whole chunk: with zlib's default 16 KiB, the output is
// gathered from hundreds of pieces per chunk (measured 3.7x slower).
export const ZSTD_PARAMS = { params: { [zc.ZSTD_c_compressionLevel]: ZSTD_LEVEL }, chunkSize: CHUNK_SIZE + 128 * 1024 };
// AES-GCM output is produced in slices of this size and copied into the frame: an output buffer
// per chunk (megabytes) is an mmap/munmap per call, which made GCM 5-20x slower (measured).
const SEAL_SLICE = 256 * 1024;

/**
 * Give a large temporary buffer's memory back now instead of at the next GC. A worker's heap
 * barely grows, so without this the dead zstd and GCM outputs piled up to V8's external-memory
 * limit (~64 MiB per thread) and were allocated afresh each time (4x slower, measured). Only for
 * buffers that own their whole ArrayBuffer: small ones may share Node's pool.
 */
function release(buf: Buffer): void {
  if (buf.byteLength >= 64 * 1024 && buf.buffer instanceof ArrayBuffer && !buf.buffer.detached) buf.buffer.transfer(0);
}

export interface StoreHeader {
  readonly format: 'ferry-store';
  readonly version: number;
  readonly type: StoreType;
  readonly storeId: string;
  readonly createdAt: string;
  readonly source: StoreSource;
  readonly compression: { readonly algorithm: 'zstd'; readonly level: number; readonly chunkSize: number } | null;
  readonly encryption: {
    readonly cipher: 'AES-256-GCM';
    readonly algId: string;
    readonly kdf: KdfParams;
    readonly keyCheck: string;
  } | null;
}

export interface Trailer {
  readonly version: number;
  readonly storeId: string;
  readonly headerSha256: string;
  readonly frames: number;
  readonly dataFrames: number;
  readonly contentBytes: number;
  readonly catalogOffset: number;
  readonly catalogFrames: number;
  readonly chunkMapOffset: number;
  readonly chunkMapFrames: number;
  readonly entries: number;
  readonly files: number;
  readonly dirs: number;
  readonly registry: number;
  readonly bytes: number;
  readonly completedAt: string;
  readonly extra?: Record<string, unknown>;
}

export function encodeHeader(header: StoreHeader): Buffer {
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const fixed = Buffer.alloc(16);
  MAGIC.copy(fixed, 0);
  fixed.writeUInt16LE(header.version, 8);
  fixed.writeUInt32LE(json.length, 12);
  return Buffer.concat([fixed, json]);
}

/** Read and check the header at the start of a container or journal; returns it and its bytes. */
export async function readHeader(fh: FileHandle, path: string, magic: Buffer = MAGIC): Promise<{ header: StoreHeader; bytes: Buffer }> {
  const fixed = Buffer.alloc(16);
  const { bytesRead } = await fh.read(fixed, 0, 16, 0);
  if (bytesRead < 16 || !fixed.subarray(0, 8).equals(magic)) {
    throw new FerryError('FERRY_E_STORE_NOT_FOUND', `${path} is not a Ferry store file (no ${magic.toString()} signature).`, {
      details: { path },
    });
  }
  const version = fixed.readUInt16LE(8);
  if (version > FORMAT_VERSION) throw futureVersion(path, version);
  const len = fixed.readUInt32LE(12);
  if (len > 1024 * 1024)
    throw new FerryError('FERRY_E_STORE_TAMPERED', `The header of ${path} claims ${len} bytes; it was altered.`, { details: { path } });
  const json = Buffer.alloc(len);
  const r = await fh.read(json, 0, len, 16);
  if (r.bytesRead < len) throw new FerryError('FERRY_E_STORE_TRUNCATED', `${path} ends inside its header.`, { details: { path } });
  let header: StoreHeader;
  try {
    header = JSON.parse(json.toString('utf8')) as StoreHeader;
  } catch {
    throw new FerryError('FERRY_E_STORE_TAMPERED', `The header of ${path} is not valid; it was altered.`, { details: { path } });
  }
  if (header.format !== 'ferry-store' || typeof header.storeId !== 'string' || !/^[0-9a-f]{32}$/.test(header.storeId)) {
    throw new FerryError('FERRY_E_STORE_TAMPERED', `The header of ${path} is not a Ferry store header; it was altered.`, {
      details: { path },
    });
  }
  if (header.version !== version)
    throw new FerryError('FERRY_E_STORE_TAMPERED', `The header of ${path} disagrees with itself about the format version.`, {
      details: { path },
    });
  // Checked here, before anyone derives a key from it: every reader of a header gets the bound.
  if (header.encryption !== null && header.encryption !== undefined) checkKdfParams((header.encryption as { kdf?: unknown }).kdf, path);
  return { header, bytes: Buffer.concat([fixed, json]) };
}

export function futureVersion(path: string, version: number): FerryError {
  return new FerryError(
    'FERRY_E_STORE_VERSION',
    `${path} has store format version ${version}; this Ferry reads versions up ` +
      `to ${FORMAT_VERSION}. Restore it with the Ferry version that captured it, or a newer one.`,
    { details: { path, version, supported: FORMAT_VERSION } },
  );
}

export interface FrameHeader {
  readonly type: number;
  readonly flags: number;
  readonly session: number;
  readonly seq: number;
  readonly storedLen: number;
  readonly rawLen: number;
  readonly rawOffset: number;
}

export function encodeFrameHeader(h: FrameHeader): Buffer {
  const b = Buffer.alloc(FRAME_HEADER_SIZE);
  b.writeUInt8(h.type, 0);
  b.writeUInt8(h.flags, 1);
  b.writeUInt32LE(h.session, 4);
  b.writeBigUInt64LE(BigInt(h.seq), 8);
  b.writeUInt32LE(h.storedLen, 16);
  b.writeUInt32LE(h.rawLen, 20);
  b.writeBigUInt64LE(BigInt(h.rawOffset), 24);
  return b;
}

export function decodeFrameHeader(b: Buffer): FrameHeader {
  return {
    type: b.readUInt8(0),
    flags: b.readUInt8(1),
    session: b.readUInt32LE(4),
    seq: Number(b.readBigUInt64LE(8)),
    storedLen: b.readUInt32LE(16),
    rawLen: b.readUInt32LE(20),
    rawOffset: Number(b.readBigUInt64LE(24)),
  };
}

/**
 * One zstd context reused for every chunk a thread compresses, writing into a buffer it is
 * given. `zstdCompressSync` makes a new context and a new 4 MiB output buffer per call, which
 * cost about a fifth of the compression time (measured: 0.68 against 0.54 CPU-s per 256 MiB).
 * Node has no public call for this, so it drives the stream's native handle the way
 * `zstdCompressSync` does inside (node:zlib `processChunkSync`); without that handle (another
 * Node) it falls back to `zstdCompressSync`. Same parameters, byte for byte the same output.
 */
export class ChunkCompressor {
  readonly #engine: ZstdCompress;
  readonly #handle: ZstdHandle | null;

  constructor() {
    this.#engine = new ZstdCompress(ZSTD_PARAMS);
    const h = (this.#engine as unknown as { _handle?: Partial<ZstdHandle> })._handle;
    const state = (this.#engine as unknown as { _writeState?: Uint32Array })._writeState;
    this.#handle = h && typeof h.writeSync === 'function' && typeof h.reset === 'function' && state ? (h as ZstdHandle) : null;
  }

  /** `raw` compressed as one zstd frame into `out`; its length, or -1 when it does not fit in `out`. */
  compressInto(raw: Buffer, out: Buffer): number {
    const h = this.#handle;
    if (!h) {
      const z = zstdCompressSync(raw, ZSTD_PARAMS);
      const n = z.length <= out.length ? z.copy(out) : -1;
      release(z);
      return n;
    }
    h.writeSync(zc.ZSTD_e_end, raw, 0, raw.length, out, 0, out.length);
    const [availOut, availIn] = (this.#engine as unknown as { _writeState: Uint32Array })._writeState;
    // Output room left means the frame is complete (single-threaded ZSTD_e_end runs until done or full).
    const n = availOut! > 0 && availIn === 0 ? out.length - availOut! : -1;
    h.reset();
    return n;
  }

  close(): void {
    this.#engine.close();
  }
}

interface ZstdHandle {
  writeSync(flush: number, input: Buffer, inOff: number, inLen: number, out: Buffer, outOff: number, outLen: number): void;
  reset(): void;
}

/** Seals and opens frames and journal records of one store: AES-256-GCM with a key, else SHA-256. */
export class FrameCodec {
  readonly storeId: Buffer;
  readonly key: KeyObject | null;
  readonly macLength: number;

  constructor(storeId: Buffer, key: KeyObject | null) {
    this.storeId = storeId;
    this.key = key;
    this.macLength = key ? TAG_LENGTH : 32;
  }

  /** payload (already compressed) → [header, sealed payload, MAC], to be written in that order. */
  frame(h: Omit<FrameHeader, 'storedLen'>, payload: Buffer): Buffer[] {
    const head = encodeFrameHeader({ ...h, storedLen: payload.length });
    const aad = Buffer.concat([this.storeId, head]);
    if (this.key) return [head, ...sealParts(this.key, nonce(NONCE_DOMAIN.frame, h.session, h.seq), aad, payload)];
    return [head, payload, sha256(aad, payload)];
  }

  /** The payload of a frame whose header is `head` and body (`payload ‖ MAC`) is `body`; null if it does not verify. */
  openFrame(head: Buffer, body: Buffer): Buffer | null {
    const h = decodeFrameHeader(head);
    const aad = Buffer.concat([this.storeId, head]);
    if (this.key) return unseal(this.key, nonce(NONCE_DOMAIN.frame, h.session, h.seq), aad, body);
    const payload = body.subarray(0, body.length - 32);
    return sha256(aad, payload).equals(body.subarray(body.length - 32)) ? payload : null;
  }

  /** openFrame, with the payload a view of `body` (decrypted over its sealed bytes): for callers that reuse frame buffers. */
  openFrameInPlace(head: Buffer, body: Buffer): Buffer | null {
    if (!this.key) return this.openFrame(head, body);
    const h = decodeFrameHeader(head);
    return unsealInPlace(this.key, nonce(NONCE_DOMAIN.frame, h.session, h.seq), Buffer.concat([this.storeId, head]), body);
  }

  /**
   * A whole data frame for one raw chunk, written into `out` (at least MAX_DATA_FRAME bytes):
   * zstd when it makes the chunk smaller, then sealed. Returns the frame's length. Byte for byte
   * what `frame()` gives for the same chunk; runs on the capture's worker threads, each with its
   * own `zstd` context (ChunkCompressor), which compresses straight into `out`.
   */
  sealDataInto(h: { session: number; seq: number; rawOffset: number }, raw: Buffer, out: Buffer, zstd?: ChunkCompressor): number {
    let zlen = -1;
    let z: Buffer | null = null;
    if (zstd) zlen = zstd.compressInto(raw, out.subarray(FRAME_HEADER_SIZE, FRAME_HEADER_SIZE + raw.length));
    else {
      z = zstdCompressSync(raw, ZSTD_PARAMS);
      if (z.length < raw.length) zlen = z.copy(out, FRAME_HEADER_SIZE);
      release(z);
    }
    const packed = zlen >= 0 && zlen < raw.length;
    const storedLen = packed ? zlen : raw.length;
    const head = encodeFrameHeader({
      type: FrameType.data,
      flags: packed ? FLAG_ZSTD : 0,
      session: h.session,
      seq: h.seq,
      storedLen,
      rawLen: raw.length,
      rawOffset: h.rawOffset,
    });
    head.copy(out, 0);
    // The payload is sealed where it lies when it was compressed into `out` (GCM's output is as
    // long as its input: each slice is written back over the bytes it was made from).
    const payload = packed ? out.subarray(FRAME_HEADER_SIZE, FRAME_HEADER_SIZE + storedLen) : raw;
    let at = FRAME_HEADER_SIZE;
    if (this.key) {
      const c = createCipheriv('aes-256-gcm', this.key, nonce(NONCE_DOMAIN.frame, h.session, h.seq));
      c.setAAD(Buffer.concat([this.storeId, head]));
      for (let i = 0; i < storedLen; i += SEAL_SLICE) {
        const part = c.update(payload.subarray(i, i + SEAL_SLICE));
        at += part.copy(out, at);
        release(part);
      }
      at += c.final().copy(out, at);
      return at + c.getAuthTag().copy(out, at);
    }
    if (!packed) at += payload.copy(out, at);
    else at += storedLen;
    const mac = createHash('sha256').update(this.storeId).update(head).update(payload).digest();
    return at + mac.copy(out, at);
  }

  sealRecord(session: number, counter: number, head: Buffer, payload: Buffer): Buffer {
    const aad = Buffer.concat([this.storeId, head]);
    if (this.key) return seal(this.key, nonce(NONCE_DOMAIN.journal, session, counter), aad, payload);
    return Buffer.concat([payload, sha256(aad, payload)]);
  }

  openRecord(session: number, counter: number, head: Buffer, body: Buffer): Buffer | null {
    const aad = Buffer.concat([this.storeId, head]);
    if (this.key) return unseal(this.key, nonce(NONCE_DOMAIN.journal, session, counter), aad, body);
    const payload = body.subarray(0, body.length - 32);
    return sha256(aad, payload).equals(body.subarray(body.length - 32)) ? payload : null;
  }
}

export function encodeFooter(trailerOffset: number): Buffer {
  const b = Buffer.alloc(FOOTER_SIZE);
  b.writeBigUInt64LE(BigInt(trailerOffset), 0);
  FOOTER_MAGIC.copy(b, 8);
  return b;
}
