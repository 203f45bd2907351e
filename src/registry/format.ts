// regf on-disk constants and the small pure functions both the reader and the writer need:
// base-block checksum, FILETIME conversion, Windows' upper-case name comparison and the lh hash.
// Layout follows the public "Windows registry file format specification" (M. Suhanov) and
// the structures Windows' own cmlib uses (CM_KEY_NODE, CM_KEY_VALUE, CM_KEY_SECURITY, …).

export const BASE_BLOCK_SIZE = 0x1000;
export const HBIN_HEADER_SIZE = 0x20;
export const HBIN_ALIGN = 0x1000;
/** Offset value meaning "no cell". */
export const NO_CELL = 0xffffffff;
/** Largest data a single big-data segment carries; larger values use a db cell (v1.4+). */
export const BIG_DATA_SEGMENT = 16344;

export const BB = {
  signature: 0x00,
  primarySeq: 0x04,
  secondarySeq: 0x08,
  lastWritten: 0x0c,
  major: 0x14,
  minor: 0x18,
  fileType: 0x1c,
  fileFormat: 0x20,
  rootCell: 0x24,
  hbinsSize: 0x28,
  clustering: 0x2c,
  fileName: 0x30,
  flags: 0x90,
  checksum: 0x1fc,
} as const;

/** Base-block file type of a primary hive file (logs use other numbers). */
export const FILE_TYPE_PRIMARY = 0;

/** Key-node (nk) field offsets inside the cell data (after the 4-byte size). */
export const NK = {
  flags: 0x02,
  lastWritten: 0x04,
  access: 0x0c,
  parent: 0x10,
  subkeyCount: 0x14,
  volatileSubkeyCount: 0x18,
  subkeyList: 0x1c,
  volatileSubkeyList: 0x20,
  valueCount: 0x24,
  valueList: 0x28,
  security: 0x2c,
  className: 0x30,
  maxNameLen: 0x34,
  maxClassLen: 0x38,
  maxValueNameLen: 0x3c,
  maxValueDataLen: 0x40,
  workVar: 0x44,
  nameLength: 0x48,
  classLength: 0x4a,
  name: 0x4c,
} as const;

export const KEY_VOLATILE = 0x0001;
export const KEY_HIVE_EXIT = 0x0002;
export const KEY_HIVE_ENTRY = 0x0004;
export const KEY_NO_DELETE = 0x0008;
export const KEY_COMP_NAME = 0x0020;

/** Value (vk) field offsets. */
export const VK = {
  nameLength: 0x02,
  dataSize: 0x04,
  dataOffset: 0x08,
  type: 0x0c,
  flags: 0x10,
  name: 0x14,
} as const;
export const VALUE_COMP_NAME = 0x0001;
/** High bit of a vk data size: the data (≤ 4 bytes) sits in the data-offset field itself. */
export const DATA_INLINE = 0x80000000;

/** Security (sk) field offsets. */
export const SK = { flink: 0x04, blink: 0x08, refCount: 0x0c, sdSize: 0x10, sd: 0x14 } as const;

/** XOR of the first 127 dwords of the base block; 0 and 0xFFFFFFFF are remapped as Windows does. */
export function baseBlockChecksum(block: Buffer): number {
  let sum = 0;
  for (let i = 0; i < BB.checksum; i += 4) sum = (sum ^ block.readUInt32LE(i)) >>> 0;
  if (sum === 0xffffffff) return 0xfffffffe;
  if (sum === 0) return 1;
  return sum;
}

const FILETIME_UNIX_EPOCH = 116444736000000000n;

/** A Windows FILETIME (100 ns since 1601) as JavaScript milliseconds since 1970. */
export function filetimeToMs(ft: bigint): number {
  return Number((ft - FILETIME_UNIX_EPOCH) / 10000n);
}

/** JavaScript milliseconds since 1970 as a Windows FILETIME (100 ns since 1601). */
export function msToFiletime(ms: number): bigint {
  return BigInt(Math.trunc(ms)) * 10000n + FILETIME_UNIX_EPOCH;
}

/** RtlUpcaseUnicodeChar for one UTF-16 code unit: simple (1:1) upper-case mapping only. */
function upcaseUnit(c: number): number {
  if (c < 0x61) return c;
  if (c <= 0x7a) return c - 0x20;
  if (c < 0x80) return c;
  const u = String.fromCharCode(c).toUpperCase();
  return u.length === 1 ? u.charCodeAt(0) : c;
}

/** Upper-cases a name the way the configuration manager compares names (per code unit). */
export function upcaseName(name: string): string {
  let ascii = true;
  for (let i = 0; i < name.length; i++)
    if (name.charCodeAt(i) >= 0x80) {
      ascii = false;
      break;
    }
  if (ascii) return name.toUpperCase();
  let out = '';
  for (let i = 0; i < name.length; i++) out += String.fromCharCode(upcaseUnit(name.charCodeAt(i)));
  return out;
}

/** Order of subkeys in an index: upper-cased UTF-16 code units, shorter prefix first. */
export function compareNames(a: string, b: string): number {
  const ua = upcaseName(a);
  const ub = upcaseName(b);
  return ua < ub ? -1 : ua > ub ? 1 : 0;
}

/** lh-leaf hash: h = h*37 + upcase(unit) over the UTF-16 code units, modulo 2^32. */
export function lhHash(name: string): number {
  let h = 0;
  for (let i = 0; i < name.length; i++) h = (Math.imul(h, 37) + upcaseUnit(name.charCodeAt(i))) >>> 0;
  return h;
}

/** lf-leaf hint: the first four characters of the name as bytes (zero-padded). */
export function lfHint(name: string): number {
  let h = 0;
  for (let i = 0; i < 4 && i < name.length; i++) h |= (name.charCodeAt(i) & 0xff) << (8 * i);
  return h >>> 0;
}

/** True when every code unit fits one byte, so Windows stores the name "compressed" (Latin-1). */
export function isCompressible(name: string): boolean {
  for (let i = 0; i < name.length; i++) if (name.charCodeAt(i) > 0xff) return false;
  return true;
}

export function encodeName(name: string): { bytes: Buffer; compressed: boolean } {
  const compressed = isCompressible(name);
  return { bytes: Buffer.from(name, compressed ? 'latin1' : 'utf16le'), compressed };
}

export const align8 = (n: number): number => (n + 7) & ~7;
