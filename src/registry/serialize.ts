// Writes a model tree as a fresh, compact regf file. Two passes: the first lays every cell out
// (hbins of 4 KiB, larger only for cells that need it; each bin's tail is one free cell so the
// cells tile every bin, which hivex and Windows both check), the second fills them in.
// Per key, in order: nk, class name, value list, vk + data for each value, subkey index, then
// its subkeys depth first — related cells stay close, as Windows' own reorganisation does.
// Subkey indexes are sorted by upper-cased name (Windows finds subkeys by binary search);
// more than LEAF_MAX subkeys go into an ri over several leaves, as Windows splits them.
// Each distinct security descriptor gets one sk cell with its reference count, all sk cells
// chained in a circular flink/blink list.
import { FerryError } from '../errors/index.ts';
import {
  BASE_BLOCK_SIZE,
  BB,
  BIG_DATA_SEGMENT,
  DATA_INLINE,
  HBIN_ALIGN,
  HBIN_HEADER_SIZE,
  KEY_COMP_NAME,
  KEY_VOLATILE,
  NK,
  NO_CELL,
  SK,
  VALUE_COMP_NAME,
  VK,
  align8,
  baseBlockChecksum,
  compareNames,
  encodeName,
  lfHint,
  lhHash,
} from './format.ts';
import type { ModelKey, ModelValue } from './model.ts';

/** Subkeys per index leaf before an ri is used (Windows: about 500 fit a 4 KiB page). */
export const LEAF_MAX = 500;
const MAX_HBINS_SIZE = 0x7fffffff - BASE_BLOCK_SIZE;

export interface SerializeOptions {
  readonly minorVersion: number;
  /** Written as both sequence numbers (the file is consistent). */
  readonly sequence: number;
  readonly lastWrittenFiletime: bigint;
  /** The base block of the hive that was edited, to keep the fields Ferry does not own. */
  readonly baseTemplate: Buffer | null;
  readonly embeddedName: string;
  /** Parent field of the root nk (Windows leaves a value from the loading hive there). */
  readonly rootParentField: number;
}

class Layout {
  size = 0;
  readonly bins: Array<{ start: number; size: number }> = [];
  #pos = 0;
  #end = 0;

  alloc(dataLength: number): number {
    const size = align8(dataLength + 4);
    if (this.#pos + size > this.#end) {
      const binSize = Math.max(HBIN_ALIGN, Math.ceil((size + HBIN_HEADER_SIZE) / HBIN_ALIGN) * HBIN_ALIGN);
      this.bins.push({ start: this.#end, size: binSize });
      this.#pos = this.#end + HBIN_HEADER_SIZE;
      this.#end += binSize;
      if (this.#end > MAX_HBINS_SIZE)
        throw new FerryError(
          'FERRY_E_HIVE_TOO_LARGE',
          'The registry hive would exceed the 2 GiB limit of the regf format; migrate fewer registry objects into it.',
        );
    }
    const at = this.#pos;
    this.#pos += size;
    return at;
  }

  /** Free-cell tails of every bin: [offset, size]. */
  tails(cellsEndByBin: Map<number, number>): Array<[number, number]> {
    return this.bins.flatMap((b) => {
      const used = cellsEndByBin.get(b.start) ?? b.start + HBIN_HEADER_SIZE;
      const end = b.start + b.size;
      return used < end ? [[used, end - used] as [number, number]] : [];
    });
  }

  get position(): number {
    return this.#pos;
  }

  get currentBin(): number {
    return this.bins.length ? this.bins[this.bins.length - 1]!.start : 0;
  }
}

interface ValuePlan {
  readonly value: ModelValue;
  readonly name: { bytes: Buffer; compressed: boolean };
  vk: number;
  /** Single data cell, or the db cell for big data; NO_CELL for inline or empty data. */
  data: number;
  segmentList: number;
  segments: number[];
}

interface KeyPlan {
  readonly key: ModelKey;
  readonly name: { bytes: Buffer; compressed: boolean };
  readonly sorted: ModelKey[];
  readonly values: ValuePlan[];
  nk: number;
  classCell: number;
  valueList: number;
  /** The nk's subkey-list cell (a leaf, or the ri over `leaves`). */
  index: number;
  leaves: number[];
  security: number;
}

interface SecurityCell {
  readonly cell: number;
  readonly sd: Buffer;
  refs: number;
}

/** Write `root` and everything below it as a regf file. */
export function serializeHive(root: ModelKey, options: SerializeOptions): Buffer {
  return new HiveSerializer(options).serialize(root);
}

/** The two passes of serializeHive: lay every cell out, then fill the cells in. */
class HiveSerializer {
  readonly #options: SerializeOptions;
  readonly #layout = new Layout();
  readonly #cellsEndByBin = new Map<number, number>();
  readonly #useLh: boolean;
  readonly #useBigData: boolean;
  readonly #plans: KeyPlan[] = [];
  /** One sk per distinct descriptor, found by identity first and by content second. */
  readonly #sks = new Map<string, SecurityCell>();
  readonly #sdCells = new Map<Buffer, SecurityCell>();
  readonly #nkOf = new Map<ModelKey, number>();
  #out = Buffer.alloc(0);

  constructor(options: SerializeOptions) {
    this.#options = options;
    this.#useLh = options.minorVersion >= 5;
    this.#useBigData = options.minorVersion >= 4;
  }

  serialize(root: ModelKey): Buffer {
    const rootPlan = this.#plan(root);
    rootPlan.nk = this.#alloc(NK.name + rootPlan.name.bytes.length);
    // Security descriptors: one sk per distinct descriptor, right after the root nk.
    for (const stack = [root]; stack.length; ) {
      const k = stack.pop()!;
      this.#securityOf(k);
      for (const c of k.children.values()) stack.push(c);
    }
    this.#layOut(rootPlan, rootPlan);

    const hbinsSize = this.#layout.bins.reduce((s, b) => s + b.size, 0);
    this.#out = Buffer.alloc(BASE_BLOCK_SIZE + hbinsSize);
    this.#writeBins();
    this.#writeSecurityCells();
    for (const p of this.#plans) this.#nkOf.set(p.key, p.nk);
    for (const p of this.#plans) {
      this.#writeKey(p);
      this.#writeValues(p);
      this.#writeSubkeyIndex(p);
    }
    writeBaseBlock(this.#out, this.#options, rootPlan.nk, hbinsSize);
    return this.#out;
  }

  // ── pass 1: layout ────────────────────────────────────────────────────────────────────────

  #alloc(dataLength: number): number {
    const at = this.#layout.alloc(dataLength);
    this.#cellsEndByBin.set(this.#layout.currentBin, this.#layout.position);
    return at;
  }

  #plan(key: ModelKey): KeyPlan {
    const p: KeyPlan = {
      key,
      name: encodeName(key.name),
      sorted: key.subkeys().sort((a, b) => compareNames(a.name, b.name)),
      values: key
        .values()
        .map((value) => ({ value, name: encodeName(value.name), vk: 0, data: NO_CELL, segmentList: NO_CELL, segments: [] })),
      nk: 0,
      classCell: NO_CELL,
      valueList: NO_CELL,
      index: NO_CELL,
      leaves: [],
      security: 0,
    };
    this.#plans.push(p);
    return p;
  }

  #securityOf(key: ModelKey): SecurityCell {
    let sk = this.#sdCells.get(key.securityDescriptor);
    if (!sk) {
      const id = key.securityDescriptor.toString('base64');
      sk = this.#sks.get(id);
      if (!sk) {
        sk = { cell: this.#alloc(SK.sd + key.securityDescriptor.length), sd: key.securityDescriptor, refs: 0 };
        this.#sks.set(id, sk);
      }
      this.#sdCells.set(key.securityDescriptor, sk);
    }
    return sk;
  }

  /** Per key: nk, class name, value list, vk + data per value, subkey index, then subkeys depth first. */
  #layOut(p: KeyPlan, rootPlan: KeyPlan): void {
    const { key } = p;
    if (p !== rootPlan) p.nk = this.#alloc(NK.name + p.name.bytes.length);
    const sk = this.#securityOf(key);
    sk.refs++;
    p.security = sk.cell;
    if (key.classNameRaw && key.classNameRaw.length) p.classCell = this.#alloc(key.classNameRaw.length);
    if (p.values.length) p.valueList = this.#alloc(4 * p.values.length);
    for (const v of p.values) this.#layOutValue(v);
    const n = p.sorted.length;
    if (n > LEAF_MAX) {
      const leafCount = Math.ceil(n / LEAF_MAX);
      p.index = this.#alloc(4 + 4 * leafCount);
      for (let i = 0; i < leafCount; i++) {
        const size = Math.floor((n * (i + 1)) / leafCount) - Math.floor((n * i) / leafCount);
        p.leaves.push(this.#alloc(4 + 8 * size));
      }
    } else if (n > 0) {
      p.index = this.#alloc(4 + 8 * n);
    }
    for (const child of p.sorted) this.#layOut(this.#plan(child), rootPlan);
  }

  #layOutValue(v: ValuePlan): void {
    v.vk = this.#alloc(VK.name + v.name.bytes.length);
    const len = v.value.raw.length;
    if (len <= 4) return;
    if (this.#useBigData && len > BIG_DATA_SEGMENT) {
      const n = Math.ceil(len / BIG_DATA_SEGMENT);
      v.data = this.#alloc(8);
      v.segmentList = this.#alloc(4 * n);
      for (let i = 0; i < n; i++) v.segments.push(this.#alloc(Math.min(BIG_DATA_SEGMENT, len - i * BIG_DATA_SEGMENT)));
    } else {
      v.data = this.#alloc(len);
    }
  }

  // ── pass 2: contents ──────────────────────────────────────────────────────────────────────

  /** The data of the cell at `off`, with its (allocated, negative) size written. */
  #cell(off: number, dataLength: number): Buffer {
    const at = BASE_BLOCK_SIZE + off;
    this.#out.writeInt32LE(-align8(dataLength + 4), at);
    return this.#out.subarray(at + 4, at + 4 + dataLength);
  }

  #writeBins(): void {
    const out = this.#out;
    for (const [i, b] of this.#layout.bins.entries()) {
      const at = BASE_BLOCK_SIZE + b.start;
      out.write('hbin', at, 'latin1');
      out.writeUInt32LE(b.start, at + 4);
      out.writeUInt32LE(b.size, at + 8);
      if (i === 0) out.writeBigUInt64LE(this.#options.lastWrittenFiletime, at + 0x14);
    }
    for (const [off, size] of this.#layout.tails(this.#cellsEndByBin)) out.writeInt32LE(size, BASE_BLOCK_SIZE + off);
  }

  /** sk cells, chained in a circular flink/blink list. */
  #writeSecurityCells(): void {
    const skList = [...this.#sks.values()];
    skList.forEach((sk, i) => {
      const c = this.#cell(sk.cell, SK.sd + sk.sd.length);
      c.write('sk', 0, 'latin1');
      c.writeUInt32LE(skList[(i + 1) % skList.length]!.cell, SK.flink);
      c.writeUInt32LE(skList[(i + skList.length - 1) % skList.length]!.cell, SK.blink);
      c.writeUInt32LE(sk.refs, SK.refCount);
      c.writeUInt32LE(sk.sd.length, SK.sdSize);
      sk.sd.copy(c, SK.sd);
    });
  }

  #writeKey(p: KeyPlan): void {
    const { key } = p;
    const c = this.#cell(p.nk, NK.name + p.name.bytes.length);
    c.write('nk', 0, 'latin1');
    c.writeUInt16LE((key.flags & ~(KEY_COMP_NAME | KEY_VOLATILE)) | (p.name.compressed ? KEY_COMP_NAME : 0), NK.flags);
    c.writeBigUInt64LE(key.lastWrittenFiletime, NK.lastWritten);
    c.writeUInt32LE(key.access, NK.access);
    c.writeUInt32LE(key.parent ? this.#nkOf.get(key.parent)! : this.#options.rootParentField, NK.parent);
    c.writeUInt32LE(p.sorted.length, NK.subkeyCount);
    c.writeUInt32LE(p.index, NK.subkeyList);
    c.writeUInt32LE(NO_CELL, NK.volatileSubkeyList);
    c.writeUInt32LE(p.values.length, NK.valueCount);
    c.writeUInt32LE(p.valueList, NK.valueList);
    c.writeUInt32LE(p.security, NK.security);
    c.writeUInt32LE(p.classCell, NK.className);
    let maxName = 0;
    let maxClass = 0;
    for (const k of p.sorted) {
      maxName = Math.max(maxName, k.name.length * 2);
      maxClass = Math.max(maxClass, k.classNameRaw?.length ?? 0);
    }
    let maxValueName = 0;
    let maxValueData = 0;
    for (const v of p.values) {
      maxValueName = Math.max(maxValueName, v.value.name.length * 2);
      maxValueData = Math.max(maxValueData, v.value.raw.length);
    }
    c.writeUInt32LE(((key.userFlags << 16) | maxName) >>> 0, NK.maxNameLen);
    c.writeUInt32LE(maxClass, NK.maxClassLen);
    c.writeUInt32LE(maxValueName, NK.maxValueNameLen);
    c.writeUInt32LE(maxValueData, NK.maxValueDataLen);
    c.writeUInt16LE(p.name.bytes.length, NK.nameLength);
    c.writeUInt16LE(key.classNameRaw?.length ?? 0, NK.classLength);
    p.name.bytes.copy(c, NK.name);
    if (p.classCell !== NO_CELL) key.classNameRaw!.copy(this.#cell(p.classCell, key.classNameRaw!.length));
  }

  #writeValues(p: KeyPlan): void {
    if (p.valueList !== NO_CELL) {
      const list = this.#cell(p.valueList, 4 * p.values.length);
      p.values.forEach((v, i) => list.writeUInt32LE(v.vk, 4 * i));
    }
    for (const v of p.values) {
      const raw = v.value.raw;
      const vk = this.#cell(v.vk, VK.name + v.name.bytes.length);
      vk.write('vk', 0, 'latin1');
      vk.writeUInt16LE(v.name.bytes.length, VK.nameLength);
      vk.writeUInt32LE(v.value.type >>> 0, VK.type);
      vk.writeUInt16LE(v.name.compressed ? VALUE_COMP_NAME : 0, VK.flags);
      v.name.bytes.copy(vk, VK.name);
      if (raw.length <= 4) {
        vk.writeUInt32LE((raw.length | DATA_INLINE) >>> 0, VK.dataSize);
        raw.copy(vk, VK.dataOffset);
        continue;
      }
      vk.writeUInt32LE(raw.length, VK.dataSize);
      vk.writeUInt32LE(v.data, VK.dataOffset);
      if (v.segments.length === 0) raw.copy(this.#cell(v.data, raw.length));
      else this.#writeBigData(v);
    }
  }

  /** Data over 16 KiB (regf 1.4+): a db cell over a list of segments. */
  #writeBigData(v: ValuePlan): void {
    const raw = v.value.raw;
    const db = this.#cell(v.data, 8);
    db.write('db', 0, 'latin1');
    db.writeUInt16LE(v.segments.length, 2);
    db.writeUInt32LE(v.segmentList, 4);
    const segList = this.#cell(v.segmentList, 4 * v.segments.length);
    v.segments.forEach((seg, i) => {
      segList.writeUInt32LE(seg, 4 * i);
      const from = i * BIG_DATA_SEGMENT;
      const n = Math.min(BIG_DATA_SEGMENT, raw.length - from);
      raw.copy(this.#cell(seg, n), 0, from, from + n);
    });
  }

  #writeSubkeyIndex(p: KeyPlan): void {
    if (p.leaves.length) {
      const ri = this.#cell(p.index, 4 + 4 * p.leaves.length);
      ri.write('ri', 0, 'latin1');
      ri.writeUInt16LE(p.leaves.length, 2);
      const n = p.sorted.length;
      p.leaves.forEach((leaf, i) => {
        ri.writeUInt32LE(leaf, 4 + 4 * i);
        this.#writeLeaf(leaf, p.sorted.slice(Math.floor((n * i) / p.leaves.length), Math.floor((n * (i + 1)) / p.leaves.length)));
      });
    } else if (p.index !== NO_CELL) {
      this.#writeLeaf(p.index, p.sorted);
    }
  }

  #writeLeaf(off: number, keys: ModelKey[]): void {
    const c = this.#cell(off, 4 + 8 * keys.length);
    c.write(this.#useLh ? 'lh' : 'lf', 0, 'latin1');
    c.writeUInt16LE(keys.length, 2);
    keys.forEach((k, i) => {
      c.writeUInt32LE(this.#nkOf.get(k)!, 4 + 8 * i);
      c.writeUInt32LE(this.#useLh ? lhHash(k.name) : lfHint(k.name), 8 + 8 * i);
    });
  }
}

function writeBaseBlock(out: Buffer, o: SerializeOptions, rootCell: number, hbinsSize: number): void {
  const bb = out.subarray(0, BASE_BLOCK_SIZE);
  if (o.baseTemplate) {
    o.baseTemplate.copy(bb, 0, 0, BASE_BLOCK_SIZE);
    // Bit 0 of the flags: pending transactions (KTM); the rewritten file has none.
    bb.writeUInt32LE(bb.readUInt32LE(BB.flags) & ~1, BB.flags);
  } else {
    bb.fill(0, BB.fileName, BB.fileName + 64);
    Buffer.from(o.embeddedName.slice(-31), 'utf16le').copy(bb, BB.fileName);
  }
  bb.write('regf', BB.signature, 'latin1');
  bb.writeUInt32LE(o.sequence >>> 0, BB.primarySeq);
  bb.writeUInt32LE(o.sequence >>> 0, BB.secondarySeq);
  bb.writeBigUInt64LE(o.lastWrittenFiletime, BB.lastWritten);
  bb.writeUInt32LE(1, BB.major);
  bb.writeUInt32LE(o.minorVersion, BB.minor);
  bb.writeUInt32LE(0, BB.fileType);
  bb.writeUInt32LE(1, BB.fileFormat);
  bb.writeUInt32LE(rootCell, BB.rootCell);
  bb.writeUInt32LE(hbinsSize, BB.hbinsSize);
  bb.writeUInt32LE(1, BB.clustering);
  bb.writeUInt32LE(baseBlockChecksum(bb), BB.checksum);
}
