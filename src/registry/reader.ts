// regf reader: openHive() gives a Hive whose keys and values are parsed on demand from the
// file (HiveFile: positional reads, bounded page cache), so opening a 100 MB hive costs a base
// block and an hbin scan, not the file.
//
// Dirty hives (see dirty.ts) are reported, not replayed: openHive throws FERRY_E_HIVE_DIRTY
// unless `allowDirty` is set, in which case the hive file is read as it is (its last consistent
// state) and `hive.dirty` says why it is out of date, for the caller to warn (FERRY_W_HIVE_DIRTY).
//
// Work stays bounded on damaged files: every cell is range- and size-checked; an index root may
// only point at leaves (so ri → ri cycles are refused); a subkey must name its parent as parent
// and may not appear twice in one list, which rules out loops in the key tree; list lengths are
// checked against their cells before they are read.
import { FerryError } from '../errors/index.ts';
import { detectDirty, type HiveDirtyState } from './dirty.ts';
import { BIG_DATA_SEGMENT, DATA_INLINE, KEY_COMP_NAME, NK, NO_CELL, SK, VALUE_COMP_NAME, VK, filetimeToMs, upcaseName } from './format.ts';
import { HiveFile, corrupt, type BaseBlock } from './hive-file.ts';
import type { Hive, RegData, RegKey, RegValue } from './types.ts';
import { decodeValueData } from './value-data.ts';
import { keyAtPath } from './paths.ts';

/** How `openHive` treats a dirty hive and how much of the file it caches. */
export interface OpenHiveOptions {
  /** Read a dirty hive as it is instead of throwing FERRY_E_HIVE_DIRTY (see `RegfHive.dirty`). */
  readonly allowDirty?: boolean;
  /** Page-cache size in 64 KiB pages (default 256 = 16 MiB). */
  readonly cachePages?: number;
}

/** Children-by-name indexes kept for this many keys (lookups in big keys stay O(1)). */
const NAME_INDEX_KEYS = 128;

export interface NkRecord {
  readonly offset: number;
  readonly flags: number;
  readonly lastWrittenFiletime: bigint;
  readonly access: number;
  readonly parent: number;
  readonly subkeyCount: number;
  readonly subkeyList: number;
  readonly valueCount: number;
  readonly valueList: number;
  readonly security: number;
  readonly classCell: number;
  readonly classLength: number;
  /** The dword at 0x34: low 16 bits max subkey name length, high bits user/virtualization flags. */
  readonly maxNameField: number;
  readonly name: string;
}

/** A regf hive file read in place through a page cache (never loaded whole); get one from `openHive`. */
export class RegfHive implements Hive {
  readonly path: string;
  /** Null when clean; otherwise why the file is out of date (only with `allowDirty`). */
  readonly dirty: HiveDirtyState | null;
  readonly root: RegfKey;
  /** @internal */ readonly file: HiveFile;
  readonly #nameIndexes = new Map<number, Map<string, number>>();

  constructor(path: string, options: OpenHiveOptions = {}) {
    this.path = path;
    this.file = new HiveFile(path, options.cachePages);
    try {
      this.dirty = detectDirty(path, this.file.base);
      if (this.dirty && !options.allowDirty) {
        throw new FerryError(
          'FERRY_E_HIVE_DIRTY',
          `Registry hive ${path} is dirty: ${this.dirty.reasons.join('; ')}. Boot that ` +
            `Windows once and shut it down fully (not fast startup), then run again.`,
          { details: { path, ...this.dirty } },
        );
      }
      const rootNk = this.readNk(this.file.base.rootCell);
      this.root = new RegfKey(this, rootNk, '');
    } catch (err) {
      this.file.close();
      throw err;
    }
  }

  get base(): BaseBlock {
    return this.file.base;
  }

  key(path: string): RegfKey | null {
    return keyAtPath(this.root, path);
  }

  close(): void {
    this.#nameIndexes.clear();
    this.file.close();
  }

  /** @internal */
  readNk(offset: number): NkRecord {
    const c = this.file.cell(offset, 'key node');
    if (c.length < NK.name || c.toString('latin1', 0, 2) !== 'nk')
      throw corrupt(this.path, 'nk', `the cell at 0x${offset.toString(16)} is not a key node`, { offset });
    const flags = c.readUInt16LE(NK.flags);
    const nameLength = c.readUInt16LE(NK.nameLength);
    if (NK.name + nameLength > c.length)
      throw corrupt(this.path, 'nk', `the key node at 0x${offset.toString(16)} has a name longer than its cell`, { offset });
    const nameBytes = c.subarray(NK.name, NK.name + nameLength);
    return {
      offset,
      flags,
      lastWrittenFiletime: c.readBigUInt64LE(NK.lastWritten),
      access: c.readUInt32LE(NK.access),
      parent: c.readUInt32LE(NK.parent),
      subkeyCount: c.readUInt32LE(NK.subkeyCount),
      subkeyList: c.readUInt32LE(NK.subkeyList),
      valueCount: c.readUInt32LE(NK.valueCount),
      valueList: c.readUInt32LE(NK.valueList),
      security: c.readUInt32LE(NK.security),
      classCell: c.readUInt32LE(NK.className),
      classLength: c.readUInt16LE(NK.classLength),
      maxNameField: c.readUInt32LE(NK.maxNameLen),
      name: flags & KEY_COMP_NAME ? nameBytes.toString('latin1') : nameBytes.toString('utf16le', 0, nameLength & ~1),
    };
  }

  /** @internal Offsets of a key's subkey nodes, in index order. */
  subkeyOffsets(nk: NkRecord): number[] {
    if (nk.subkeyCount === 0) return [];
    const out: number[] = [];
    const leaf = (off: number, inRoot: boolean): void => {
      const c = this.file.cell(off, 'subkey index');
      const sig = c.length >= 4 ? c.toString('latin1', 0, 2) : '';
      const count = c.length >= 4 ? c.readUInt16LE(2) : 0;
      const stride = sig === 'lf' || sig === 'lh' ? 8 : sig === 'li' || sig === 'ri' ? 4 : 0;
      if (stride === 0)
        throw corrupt(this.path, 'index', `the subkey index at 0x${off.toString(16)} has no li/lf/lh/ri signature`, { offset: off });
      if (4 + count * stride > c.length)
        throw corrupt(this.path, 'index', `the subkey index at 0x${off.toString(16)} lists more entries than its cell holds`, {
          offset: off,
        });
      if (sig === 'ri') {
        if (inRoot)
          throw corrupt(this.path, 'index-loop', `the index root at 0x${off.toString(16)} points at another index root`, { offset: off });
        for (let i = 0; i < count; i++) leaf(c.readUInt32LE(4 + i * 4), true);
        return;
      }
      if (out.length + count > nk.subkeyCount)
        throw corrupt(this.path, 'index', `key ${nk.name} has more subkeys in its index than its count ${nk.subkeyCount}`, {
          offset: nk.offset,
        });
      for (let i = 0; i < count; i++) out.push(c.readUInt32LE(4 + i * stride));
    };
    leaf(nk.subkeyList, false);
    if (out.length !== nk.subkeyCount)
      throw corrupt(this.path, 'index', `key ${nk.name} has ${out.length} subkeys in its index but a count of ${nk.subkeyCount}`, {
        offset: nk.offset,
      });
    return out;
  }

  /** @internal Child nk records, each checked to name this key as its parent. */
  children(nk: NkRecord): NkRecord[] {
    const seen = new Set<number>();
    return this.subkeyOffsets(nk).map((off) => {
      if (seen.has(off) || off === this.file.base.rootCell)
        throw corrupt(this.path, 'key-loop', `key ${nk.name} lists the key at 0x${off.toString(16)} twice or lists the root`, {
          offset: off,
        });
      seen.add(off);
      const child = this.readNk(off);
      if (child.parent !== nk.offset)
        throw corrupt(this.path, 'key-loop', `key ${child.name} at 0x${off.toString(16)} does not name ${nk.name} as its parent`, {
          offset: off,
        });
      return child;
    });
  }

  /** @internal Case-insensitive child lookup through a bounded per-key name index. */
  childOffset(nk: NkRecord, name: string): number | null {
    let index = this.#nameIndexes.get(nk.offset);
    if (index) {
      this.#nameIndexes.delete(nk.offset);
    } else {
      index = new Map();
      for (const child of this.children(nk)) index.set(upcaseName(child.name), child.offset);
      if (this.#nameIndexes.size >= NAME_INDEX_KEYS) this.#nameIndexes.delete(this.#nameIndexes.keys().next().value!);
    }
    this.#nameIndexes.set(nk.offset, index);
    return index.get(upcaseName(name)) ?? null;
  }

  /** @internal */
  valueOffsets(nk: NkRecord): number[] {
    if (nk.valueCount === 0) return [];
    const c = this.file.cell(nk.valueList, 'value list');
    if (nk.valueCount * 4 > c.length)
      throw corrupt(this.path, 'value-list', `key ${nk.name} has ${nk.valueCount} values but its value list holds ${c.length >>> 2}`, {
        offset: nk.valueList,
      });
    const out = new Array<number>(nk.valueCount);
    for (let i = 0; i < nk.valueCount; i++) out[i] = c.readUInt32LE(i * 4);
    return out;
  }

  /** @internal */
  readValue(offset: number): RegfValue {
    const c = this.file.cell(offset, 'value');
    if (c.length < VK.name || c.toString('latin1', 0, 2) !== 'vk')
      throw corrupt(this.path, 'vk', `the cell at 0x${offset.toString(16)} is not a value`, { offset });
    const nameLength = c.readUInt16LE(VK.nameLength);
    if (VK.name + nameLength > c.length)
      throw corrupt(this.path, 'vk', `the value at 0x${offset.toString(16)} has a name longer than its cell`, { offset });
    const flags = c.readUInt16LE(VK.flags);
    const nameBytes = c.subarray(VK.name, VK.name + nameLength);
    const name = flags & VALUE_COMP_NAME ? nameBytes.toString('latin1') : nameBytes.toString('utf16le', 0, nameLength & ~1);
    return new RegfValue(this, name, c.readUInt32LE(VK.type), c.readUInt32LE(VK.dataSize), c.readUInt32LE(VK.dataOffset), offset);
  }

  /** @internal Raw data of a value, inline, in one cell or in big-data segments. */
  readData(sizeField: number, dataOffset: number, at: number): Buffer {
    if (sizeField & DATA_INLINE) {
      const len = sizeField & ~DATA_INLINE;
      if (len > 4)
        throw corrupt(this.path, 'vk-data', `the value at 0x${at.toString(16)} claims ${len} bytes of inline data`, { offset: at });
      const b = Buffer.alloc(4);
      b.writeUInt32LE(dataOffset);
      return b.subarray(0, len);
    }
    const len = sizeField;
    if (len === 0) return Buffer.alloc(0);
    if (len > this.file.base.hbinsSize)
      throw corrupt(this.path, 'vk-data', `the value at 0x${at.toString(16)} claims ${len} bytes, more than the hive holds`, {
        offset: at,
      });
    const c = this.file.cell(dataOffset, 'value data');
    if (len > BIG_DATA_SEGMENT && this.file.base.minorVersion >= 4 && c.length >= 8 && c.toString('latin1', 0, 2) === 'db') {
      const segments = c.readUInt16LE(2);
      if (segments * BIG_DATA_SEGMENT < len)
        throw corrupt(this.path, 'big-data', `the big-data value at 0x${at.toString(16)} has too few segments for ${len} bytes`, {
          offset: at,
        });
      const list = this.file.cell(c.readUInt32LE(4), 'big-data segment list');
      if (segments * 4 > list.length)
        throw corrupt(this.path, 'big-data', `the big-data segment list of the value at 0x${at.toString(16)} is shorter than its count`, {
          offset: at,
        });
      const out = Buffer.allocUnsafe(len);
      let done = 0;
      for (let i = 0; i < segments && done < len; i++) {
        const seg = this.file.cell(list.readUInt32LE(i * 4), 'big-data segment');
        const n = Math.min(BIG_DATA_SEGMENT, len - done);
        if (seg.length < n)
          throw corrupt(this.path, 'big-data', `a big-data segment of the value at 0x${at.toString(16)} is shorter than its data`, {
            offset: at,
          });
        seg.copy(out, done, 0, n);
        done += n;
      }
      return out;
    }
    if (len > c.length)
      throw corrupt(this.path, 'vk-data', `the value at 0x${at.toString(16)} has ${len} bytes of data in a ${c.length}-byte cell`, {
        offset: at,
      });
    return Buffer.from(c.subarray(0, len));
  }

  /** @internal Security descriptor bytes of an sk cell. */
  readSecurity(offset: number): Buffer {
    const c = this.file.cell(offset, 'security');
    if (c.length < SK.sd || c.toString('latin1', 0, 2) !== 'sk')
      throw corrupt(this.path, 'sk', `the cell at 0x${offset.toString(16)} is not a security cell`, { offset });
    const size = c.readUInt32LE(SK.sdSize);
    if (SK.sd + size > c.length)
      throw corrupt(this.path, 'sk', `the security cell at 0x${offset.toString(16)} is shorter than its descriptor`, { offset });
    return Buffer.from(c.subarray(SK.sd, SK.sd + size));
  }

  /** @internal */
  readClassName(nk: NkRecord): Buffer | null {
    if (nk.classCell === NO_CELL || nk.classLength === 0) return null;
    const c = this.file.cell(nk.classCell, 'class name');
    if (nk.classLength > c.length)
      throw corrupt(this.path, 'class', `the class name of key ${nk.name} is longer than its cell`, { offset: nk.classCell });
    return Buffer.from(c.subarray(0, nk.classLength));
  }
}

/** A key of a RegfHive; its subkeys and values are read on demand. */
export class RegfKey implements RegKey {
  readonly hive: RegfHive;
  readonly nk: NkRecord;
  readonly path: string;

  constructor(hive: RegfHive, nk: NkRecord, path: string) {
    this.hive = hive;
    this.nk = nk;
    this.path = path;
  }

  get name(): string {
    return this.nk.name;
  }

  get lastWrittenMs(): number {
    return filetimeToMs(this.nk.lastWrittenFiletime);
  }

  get lastWrittenFiletime(): bigint {
    return this.nk.lastWrittenFiletime;
  }

  get className(): string | undefined {
    const raw = this.hive.readClassName(this.nk);
    return raw ? raw.toString('utf16le', 0, raw.length & ~1) : undefined;
  }

  get subkeyCount(): number {
    return this.nk.subkeyCount;
  }

  get valueCount(): number {
    return this.nk.valueCount;
  }

  #childPath(name: string): string {
    return this.path === '' ? name : `${this.path}\\${name}`;
  }

  subkeys(): RegfKey[] {
    return this.hive.children(this.nk).map((c) => new RegfKey(this.hive, c, this.#childPath(c.name)));
  }

  subkey(name: string): RegfKey | null {
    const off = this.hive.childOffset(this.nk, name);
    if (off === null) return null;
    const child = this.hive.readNk(off);
    return new RegfKey(this.hive, child, this.#childPath(child.name));
  }

  values(): RegfValue[] {
    return this.hive.valueOffsets(this.nk).map((off) => this.hive.readValue(off));
  }

  value(name: string): RegfValue | null {
    const wanted = upcaseName(name);
    for (const off of this.hive.valueOffsets(this.nk)) {
      const v = this.hive.readValue(off);
      if (upcaseName(v.name) === wanted) return v;
    }
    return null;
  }

  /** Self-relative security descriptor of the key, or null when it has none. */
  securityDescriptor(): Buffer | null {
    return this.nk.security === NO_CELL ? null : this.hive.readSecurity(this.nk.security);
  }
}

/** A value whose data is read from the file on first access. */
export class RegfValue implements RegValue {
  readonly name: string;
  readonly type: number;
  readonly #hive: RegfHive;
  readonly #sizeField: number;
  readonly #dataOffset: number;
  readonly #at: number;
  #raw: Buffer | undefined;
  #data: RegData | undefined;

  constructor(hive: RegfHive, name: string, type: number, sizeField: number, dataOffset: number, at: number) {
    this.#hive = hive;
    this.name = name;
    this.type = type;
    this.#sizeField = sizeField;
    this.#dataOffset = dataOffset;
    this.#at = at;
  }

  /** Size of the data in bytes, without reading it. */
  get size(): number {
    return this.#sizeField & DATA_INLINE ? this.#sizeField & ~DATA_INLINE : this.#sizeField;
  }

  get raw(): Buffer {
    this.#raw ??= this.#hive.readData(this.#sizeField, this.#dataOffset, this.#at);
    return this.#raw;
  }

  get data(): RegData {
    this.#data ??= decodeValueData(this.type, this.raw);
    return this.#data;
  }
}

/** Open a hive file for reading. Close it when done (or use readHiveFile). */
export function openHive(hostPath: string, options: OpenHiveOptions = {}): RegfHive {
  return new RegfHive(hostPath, options);
}

/** Open a hive, run `fn` on it and close it, also when `fn` throws. */
export function readHiveFile<T>(hostPath: string, fn: (hive: RegfHive) => T, options: OpenHiveOptions = {}): T {
  const hive = openHive(hostPath, options);
  try {
    return fn(hive);
  } finally {
    hive.close();
  }
}
