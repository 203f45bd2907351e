// Version resource (VS_VERSIONINFO) of a Windows PE file, for DoesFileVersionMatch and
// IsFileVersionAbove/Below. Reads only the headers and the resource it needs; anything that
// is not a well-formed PE image yields null (the condition is then FALSE).
import { open, type FileHandle } from 'node:fs/promises';

/** A PE file's file and product versions and its string table entries. */
export interface FileVersionInfo {
  readonly fileVersion?: readonly number[];
  readonly productVersion?: readonly number[];
  /** StringFileInfo entries by lower-cased name (`fileversion`, `productversion`, `companyname`, …). */
  readonly strings: ReadonlyMap<string, string>;
}

const MAX_RESOURCE = 1024 * 1024;

/** Reads `length` bytes at `offset` (fewer at the end of the image). */
type ReadAt = (offset: number, length: number) => Promise<Buffer>;

/** The version resource of a PE file (VS_FIXEDFILEINFO and string table), for MigXML's version conditions; null when it has none. */
export async function readFileVersion(hostPath: string): Promise<FileVersionInfo | null> {
  let fh: FileHandle | undefined;
  try {
    fh = await open(hostPath, 'r');
    const handle = fh;
    return await versionFrom(async (offset, length) => {
      const buf = Buffer.alloc(length);
      const { bytesRead } = await handle.read(buf, 0, length, offset);
      return buf.subarray(0, bytesRead);
    });
  } catch {
    return null;
  } finally {
    await fh?.close();
  }
}

/** The version resource of a PE image held in memory (a file read from a store). */
export async function bufferFileVersion(image: Buffer): Promise<FileVersionInfo | null> {
  try {
    return await versionFrom(async (offset, length) => image.subarray(offset, offset + length));
  } catch {
    return null;
  }
}

async function versionFrom(read: ReadAt): Promise<FileVersionInfo | null> {
  const dos = await read(0, 64);
  if (dos.length < 64 || dos.toString('latin1', 0, 2) !== 'MZ') return null;
  const peOff = dos.readUInt32LE(0x3c);
  const hdr = await read(peOff, 24 + 240);
  if (hdr.length < 24 || hdr.toString('latin1', 0, 4) !== 'PE\0\0') return null;
  const nSections = hdr.readUInt16LE(6);
  const optSize = hdr.readUInt16LE(20);
  const opt = await read(peOff + 24, optSize);
  const magic = opt.readUInt16LE(0);
  const dirBase = magic === 0x20b ? 112 : magic === 0x10b ? 96 : -1;
  if (dirBase < 0 || opt.length < dirBase + 24) return null;
  const resRva = opt.readUInt32LE(dirBase + 16);
  if (!resRva) return null;
  const sections = await read(peOff + 24 + optSize, nSections * 40);
  const toOffset = (rva: number): number | null => {
    for (let i = 0; i + 40 <= sections.length; i += 40) {
      const va = sections.readUInt32LE(i + 12);
      const size = Math.max(sections.readUInt32LE(i + 8), sections.readUInt32LE(i + 16));
      if (rva >= va && rva < va + size) return rva - va + sections.readUInt32LE(i + 20);
    }
    return null;
  };
  const resBase = toOffset(resRva);
  if (resBase === null) return null;
  // Resource tree: type (RT_VERSION = 16) → first name → first language → data entry.
  const entry = async (dirOff: number, id?: number): Promise<number | null> => {
    const dir = await read(resBase + dirOff, 16);
    if (dir.length < 16) return null;
    const n = dir.readUInt16LE(12) + dir.readUInt16LE(14);
    const entries = await read(resBase + dirOff + 16, Math.min(n, 4096) * 8);
    for (let i = 0; i + 8 <= entries.length; i += 8) {
      const name = entries.readUInt32LE(i);
      if (id === undefined || (!(name & 0x80000000) && name === id)) return entries.readUInt32LE(i + 4);
    }
    return null;
  };
  const t = await entry(0, 16);
  if (t === null || !(t & 0x80000000)) return null;
  const nm = await entry(t & 0x7fffffff);
  if (nm === null || !(nm & 0x80000000)) return null;
  const lang = await entry(nm & 0x7fffffff);
  if (lang === null || lang & 0x80000000) return null;
  const data = await read(resBase + lang, 8);
  const dataOff = toOffset(data.readUInt32LE(0));
  const size = Math.min(data.readUInt32LE(4), MAX_RESOURCE);
  if (dataOff === null) return null;
  return parseVersionInfo(await read(dataOff, size));
}

const align4 = (n: number) => (n + 3) & ~3;

function readKey(buf: Buffer, at: number): { key: string; end: number } {
  let end = at;
  while (end + 1 < buf.length && buf.readUInt16LE(end) !== 0) end += 2;
  return { key: buf.toString('utf16le', at, end), end: end + 2 };
}

/** Parse a VS_VERSIONINFO block. */
export function parseVersionInfo(buf: Buffer): FileVersionInfo | null {
  if (buf.length < 6) return null;
  const total = Math.min(buf.readUInt16LE(0), buf.length);
  const valueLen = buf.readUInt16LE(2);
  const { key, end } = readKey(buf, 6);
  if (key !== 'VS_VERSION_INFO') return null;
  let off = align4(end);
  let fileVersion: number[] | undefined;
  let productVersion: number[] | undefined;
  if (valueLen >= 52 && off + 52 <= buf.length && buf.readUInt32LE(off) === 0xfeef04bd) {
    const v = (ms: number, ls: number) => [ms >>> 16, ms & 0xffff, ls >>> 16, ls & 0xffff];
    fileVersion = v(buf.readUInt32LE(off + 8), buf.readUInt32LE(off + 12));
    productVersion = v(buf.readUInt32LE(off + 16), buf.readUInt32LE(off + 20));
  }
  off = align4(off + valueLen);
  const strings = new Map<string, string>();
  const walk = (start: number, limit: number, depth: number) => {
    let p = start;
    while (p + 6 <= limit) {
      const len = buf.readUInt16LE(p);
      if (len < 6) break;
      const vLen = buf.readUInt16LE(p + 2);
      const type = buf.readUInt16LE(p + 4);
      const { key: k, end: kEnd } = readKey(buf, p + 6);
      const valueAt = align4(kEnd);
      const blockEnd = Math.min(p + len, limit);
      if (depth === 2 && type === 1) {
        const value = buf.toString('utf16le', valueAt, Math.min(valueAt + vLen * 2, blockEnd)).replace(/\0+$/, '');
        strings.set(k.toLowerCase(), value);
      } else if ((depth === 0 && k === 'StringFileInfo') || depth === 1) {
        walk(valueAt, blockEnd, depth + 1);
      }
      p = align4(p + len);
    }
  };
  walk(off, total, 0);
  if (!fileVersion && strings.has('fileversion'))
    fileVersion = strings
      .get('fileversion')!
      .split(/[.,\s]+/)
      .map((x) => Number.parseInt(x, 10) || 0);
  if (!productVersion && strings.has('productversion'))
    productVersion = strings
      .get('productversion')!
      .split(/[.,\s]+/)
      .map((x) => Number.parseInt(x, 10) || 0);
  if (fileVersion && !strings.has('fileversion')) strings.set('fileversion', fileVersion.join('.'));
  if (productVersion && !strings.has('productversion')) strings.set('productversion', productVersion.join('.'));
  return { ...(fileVersion ? { fileVersion } : {}), ...(productVersion ? { productVersion } : {}), strings };
}
