// Positional, bounded access to a regf file: the base block (checked), the hbin map (checked)
// and cells (checked). Nothing is read whole: cells come from a small LRU of 64 KiB pages, so a
// 100 MB hive costs at most `cachePages` × 64 KiB of memory however it is walked.
// Every structural problem becomes FERRY_E_HIVE_CORRUPT with the offset in `details`.
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { FerryError, fromSystemError } from '../errors/index.ts';
import { BASE_BLOCK_SIZE, BB, FILE_TYPE_PRIMARY, HBIN_ALIGN, HBIN_HEADER_SIZE, baseBlockChecksum } from './format.ts';

const PAGE_SIZE = 0x10000;
export const DEFAULT_CACHE_PAGES = 256;

/** The regf base block (the first 4 KiB): sequence numbers, version, root cell and sizes. */
export interface BaseBlock {
  readonly primarySequence: number;
  readonly secondarySequence: number;
  readonly lastWrittenFiletime: bigint;
  readonly majorVersion: number;
  readonly minorVersion: number;
  readonly rootCell: number;
  readonly hbinsSize: number;
  /** The name Windows embedded in the base block (last 31 characters of the hive's path). */
  readonly embeddedName: string;
  /** The 4096 bytes as read, for a writer that keeps the fields it does not own. */
  readonly raw: Buffer;
}

export function corrupt(path: string, reason: string, message: string, details: Record<string, unknown> = {}): FerryError {
  return new FerryError(
    'FERRY_E_HIVE_CORRUPT',
    `Registry hive ${path} is damaged: ${message}. Use a backup of the hive; it was not changed.`,
    {
      details: { path, reason, ...details },
    },
  );
}

/** Parse and check a base block; `fileSize` bounds the hive-bins area it announces. */
export function parseBaseBlock(path: string, block: Buffer, fileSize: number): BaseBlock {
  if (block.length < 4 || block.toString('latin1', 0, 4) !== 'regf') {
    throw new FerryError(
      'FERRY_E_HIVE_NOT_REGF',
      `${path} is not a registry hive (no "regf" signature). Point Ferry at the hive file itself.`,
      { details: { path } },
    );
  }
  if (block.length < BASE_BLOCK_SIZE)
    throw corrupt(path, 'truncated', `the file is ${block.length} bytes, shorter than its 4096-byte base block`);
  const stored = block.readUInt32LE(BB.checksum);
  const computed = baseBlockChecksum(block);
  if (stored !== computed)
    throw corrupt(path, 'checksum', `the base block checksum is 0x${stored.toString(16)}, expected 0x${computed.toString(16)}`, {
      stored,
      computed,
    });
  const majorVersion = block.readUInt32LE(BB.major);
  const minorVersion = block.readUInt32LE(BB.minor);
  if (majorVersion !== 1) {
    throw new FerryError(
      'FERRY_E_HIVE_UNSUPPORTED',
      `Registry hive ${path} has format version ${majorVersion}.${minorVersion}; Ferry reads version 1.x.`,
      { details: { path, majorVersion, minorVersion } },
    );
  }
  if (block.readUInt32LE(BB.fileType) !== FILE_TYPE_PRIMARY) {
    throw new FerryError(
      'FERRY_E_HIVE_NOT_REGF',
      `${path} is a registry transaction log, not a hive. Point Ferry at the hive file next to it.`,
      { details: { path } },
    );
  }
  const hbinsSize = block.readUInt32LE(BB.hbinsSize);
  if (hbinsSize === 0 || hbinsSize % HBIN_ALIGN !== 0)
    throw corrupt(path, 'hbins-size', `the hive-bins size 0x${hbinsSize.toString(16)} is not a positive multiple of 4096`);
  if (BASE_BLOCK_SIZE + hbinsSize > fileSize) {
    throw corrupt(path, 'truncated', `the file is ${fileSize} bytes but its base block announces ${BASE_BLOCK_SIZE + hbinsSize}`, {
      fileSize,
      expected: BASE_BLOCK_SIZE + hbinsSize,
    });
  }
  const nameBytes = block.subarray(BB.fileName, BB.fileName + 64);
  const name = nameBytes.toString('utf16le');
  const nul = name.indexOf('\0');
  return {
    primarySequence: block.readUInt32LE(BB.primarySeq),
    secondarySequence: block.readUInt32LE(BB.secondarySeq),
    lastWrittenFiletime: block.readBigUInt64LE(BB.lastWritten),
    majorVersion,
    minorVersion,
    rootCell: block.readUInt32LE(BB.rootCell),
    hbinsSize,
    embeddedName: nul === -1 ? name : name.slice(0, nul),
    raw: Buffer.from(block.subarray(0, BASE_BLOCK_SIZE)),
  };
}

export class HiveFile {
  readonly path: string;
  readonly base: BaseBlock;
  readonly #fd: number;
  readonly #maxPages: number;
  readonly #pages = new Map<number, Buffer>();
  /** Start offsets (relative to the hive-bins area) of every hbin, ascending; a sentinel at the end. */
  #binStarts: Uint32Array = new Uint32Array(0);
  #closed = false;

  constructor(path: string, cachePages = DEFAULT_CACHE_PAGES) {
    this.path = path;
    this.#maxPages = Math.max(4, cachePages);
    try {
      this.#fd = openSync(path, 'r');
    } catch (err) {
      throw fromSystemError(err, `opening registry hive ${path}`);
    }
    try {
      const fileSize = fstatSync(this.#fd).size;
      const head = Buffer.alloc(Math.min(BASE_BLOCK_SIZE, fileSize));
      this.#readAt(head, 0);
      this.base = parseBaseBlock(path, head, fileSize);
      this.#mapBins();
    } catch (err) {
      closeSync(this.#fd);
      throw err;
    }
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#pages.clear();
    closeSync(this.#fd);
  }

  #readAt(buf: Buffer, position: number): void {
    let done = 0;
    while (done < buf.length) {
      let n: number;
      try {
        n = readSync(this.#fd, buf, done, buf.length - done, position + done);
      } catch (err) {
        throw fromSystemError(err, `reading registry hive ${this.path}`);
      }
      if (n === 0) throw corrupt(this.path, 'truncated', `the file ends at ${position + done}, inside data it announces`);
      done += n;
    }
  }

  #page(index: number): Buffer {
    const hit = this.#pages.get(index);
    if (hit) {
      this.#pages.delete(index);
      this.#pages.set(index, hit);
      return hit;
    }
    const start = index * PAGE_SIZE;
    const end = Math.min(start + PAGE_SIZE, BASE_BLOCK_SIZE + this.base.hbinsSize);
    const page = Buffer.allocUnsafe(end - start);
    this.#readAt(page, start);
    if (this.#pages.size >= this.#maxPages) this.#pages.delete(this.#pages.keys().next().value!);
    this.#pages.set(index, page);
    return page;
  }

  /** `length` bytes at a file offset inside the hive; a view when it lies in one page, else a copy. */
  bytes(fileOffset: number, length: number): Buffer {
    if (this.#closed) throw new FerryError('FERRY_E_INTERNAL', `Registry hive ${this.path} was used after close().`);
    if (length <= 0) return Buffer.alloc(0);
    const first = Math.floor(fileOffset / PAGE_SIZE);
    const last = Math.floor((fileOffset + length - 1) / PAGE_SIZE);
    if (first === last) {
      const p = this.#page(first);
      const at = fileOffset - first * PAGE_SIZE;
      return p.subarray(at, at + length);
    }
    const out = Buffer.allocUnsafe(length);
    let done = 0;
    for (let i = first; i <= last; i++) {
      const p = this.#page(i);
      const from = i === first ? fileOffset - i * PAGE_SIZE : 0;
      const n = Math.min(p.length - from, length - done);
      p.copy(out, done, from, from + n);
      done += n;
    }
    return out;
  }

  #mapBins(): void {
    const starts: number[] = [];
    const total = this.base.hbinsSize;
    let pos = 0;
    while (pos < total) {
      const h = this.bytes(BASE_BLOCK_SIZE + pos, HBIN_HEADER_SIZE);
      const size = h.readUInt32LE(8);
      if (h.toString('latin1', 0, 4) !== 'hbin')
        throw corrupt(this.path, 'hbin', `no hbin signature at hive-bins offset 0x${pos.toString(16)}`, { offset: pos });
      if (h.readUInt32LE(4) !== pos)
        throw corrupt(this.path, 'hbin', `the hbin at 0x${pos.toString(16)} records offset 0x${h.readUInt32LE(4).toString(16)}`, {
          offset: pos,
        });
      if (size === 0 || size % HBIN_ALIGN !== 0 || pos + size > total)
        throw corrupt(this.path, 'hbin', `the hbin at 0x${pos.toString(16)} has an impossible size 0x${size.toString(16)}`, {
          offset: pos,
          size,
        });
      starts.push(pos);
      pos += size;
    }
    starts.push(total);
    this.#binStarts = Uint32Array.from(starts);
  }

  /** [start, end) of the hbin holding `offset`. */
  #binOf(offset: number): [number, number] {
    const s = this.#binStarts;
    let lo = 0;
    let hi = s.length - 1;
    while (lo + 1 < hi) {
      const mid = (lo + hi) >>> 1;
      if (s[mid]! <= offset) lo = mid;
      else hi = mid;
    }
    return [s[lo]!, s[hi]!];
  }

  /**
   * Data of the allocated cell at a hive-bins offset (without its 4-byte size). `what` names the
   * expected content for the error message.
   */
  cell(offset: number, what: string): Buffer {
    const bin = Number.isInteger(offset) && offset >= 0 && offset < this.base.hbinsSize ? this.#binOf(offset) : null;
    if (!bin || offset % 8 !== 0 || offset < bin[0] + HBIN_HEADER_SIZE || offset + 8 > bin[1]) {
      throw corrupt(this.path, 'cell-offset', `the ${what} cell offset 0x${(offset >>> 0).toString(16)} points outside the hive bins`, {
        offset,
        what,
      });
    }
    const size = this.bytes(BASE_BLOCK_SIZE + offset, 4).readInt32LE(0);
    if (size >= 0)
      throw corrupt(this.path, 'cell-free', `the ${what} cell at 0x${offset.toString(16)} is not allocated (size ${size})`, {
        offset,
        size,
        what,
      });
    const length = -size;
    if (length < 8 || length % 8 !== 0 || offset + length > bin[1]) {
      throw corrupt(this.path, 'cell-size', `the ${what} cell at 0x${offset.toString(16)} has an impossible size ${length}`, {
        offset,
        size: length,
        what,
      });
    }
    return this.bytes(BASE_BLOCK_SIZE + offset + 4, length - 4);
  }
}
