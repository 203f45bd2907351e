// The target of a Windows shortcut (.lnk), from the Shell Link Binary File Format ([MS-SHLLINK]):
// ShellLinkHeader, optional LinkTargetIDList, then LinkInfo with the local base path (+ common
// path suffix) or a network share, then StringData with the relative path. LoadState's
// IgnoreIrrelevantLinks needs only the target path; every read is bounds-checked, so a damaged
// or foreign file yields `null` (unparseable), never an exception.

const HEADER_SIZE = 0x4c;
const LINK_CLSID = Buffer.from('0114020000000000c000000000000046', 'hex');

const HAS_TARGET_ID_LIST = 0x1;
const HAS_LINK_INFO = 0x2;
const HAS_NAME = 0x4;
const HAS_RELATIVE_PATH = 0x8;
const HAS_WORKING_DIR = 0x10;
const IS_UNICODE = 0x80;

const VOLUME_ID_AND_LOCAL_BASE_PATH = 0x1;
const COMMON_NETWORK_RELATIVE_LINK = 0x2;

/** Where a shell link points: a local path, a UNC path or a path relative to the link. */
export type LinkTarget =
  /** A path on a drive (`C:\Users\a\x.docx`). */
  | { readonly kind: 'local'; readonly path: string }
  /** A UNC path (`\\server\share\x.docx`): cannot be checked on an offline target. */
  | { readonly kind: 'network'; readonly path: string }
  /** Only a path relative to the .lnk file's folder is recorded. */
  | { readonly kind: 'relative'; readonly path: string };

/** The target a Windows shell link (.lnk) records; null when the data is not a shell link. */
export function parseShellLink(data: Uint8Array): LinkTarget | null {
  const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const u16 = (off: number) => (off + 2 <= buf.length ? buf.readUInt16LE(off) : null);
  const u32 = (off: number) => (off + 4 <= buf.length ? buf.readUInt32LE(off) : null);
  if (u32(0) !== HEADER_SIZE || buf.length < HEADER_SIZE || !buf.subarray(4, 20).equals(LINK_CLSID)) return null;
  const flags = u32(0x14)!;
  let off = HEADER_SIZE;

  if (flags & HAS_TARGET_ID_LIST) {
    const size = u16(off);
    if (size === null) return null;
    off += 2 + size;
  }

  if (flags & HAS_LINK_INFO) {
    const infoSize = u32(off);
    const headerSize = u32(off + 4);
    const infoFlags = u32(off + 8);
    if (infoSize === null || headerSize === null || infoFlags === null || off + infoSize > buf.length || infoSize < 0x1c) return null;
    const info = buf.subarray(off, off + infoSize);
    const field = (at: number) => (at + 4 <= info.length ? info.readUInt32LE(at) : null);
    const unicodeOffsets = headerSize >= 0x24;
    const suffix = unicodeOffsets && field(0x20) ? readUtf16z(info, field(0x20)!) : readAnsiz(info, field(0x18) ?? 0);
    if (infoFlags & VOLUME_ID_AND_LOCAL_BASE_PATH) {
      const base = unicodeOffsets && field(0x1c) ? readUtf16z(info, field(0x1c)!) : readAnsiz(info, field(0x10) ?? 0);
      if (base && /^[A-Za-z]:\\/.test(base)) return { kind: 'local', path: joinSuffix(base, suffix ?? '') };
      return null;
    }
    if (infoFlags & COMMON_NETWORK_RELATIVE_LINK) {
      const net = field(0x14);
      if (net === null || net + 0x14 > info.length) return null;
      const netNameOffset = info.readUInt32LE(net + 8);
      const netName = readAnsiz(info, net + netNameOffset);
      if (netName?.startsWith('\\\\')) return { kind: 'network', path: joinSuffix(netName, suffix ?? '') };
      return null;
    }
    off += infoSize;
  }

  // StringData: NAME_STRING then RELATIVE_PATH, each a u16 character count + characters.
  const unicode = (flags & IS_UNICODE) !== 0;
  const readString = (): string | null => {
    const count = u16(off);
    if (count === null) return null;
    const bytes = unicode ? count * 2 : count;
    if (off + 2 + bytes > buf.length) return null;
    const s = buf.subarray(off + 2, off + 2 + bytes).toString(unicode ? 'utf16le' : 'latin1');
    off += 2 + bytes;
    return s;
  };
  if (flags & HAS_NAME && readString() === null) return null;
  if (flags & HAS_RELATIVE_PATH) {
    const rel = readString();
    return rel ? { kind: 'relative', path: rel } : null;
  }
  return null;
}

function joinSuffix(base: string, suffix: string): string {
  if (!suffix) return base;
  return base.endsWith('\\') ? base + suffix : `${base}\\${suffix}`;
}

function readAnsiz(buf: Buffer, at: number): string | null {
  if (at <= 0 || at >= buf.length) return null;
  const end = buf.indexOf(0, at);
  if (end < 0) return null;
  return buf.subarray(at, end).toString('latin1');
}

function readUtf16z(buf: Buffer, at: number): string | null {
  if (at <= 0 || at >= buf.length) return null;
  for (let i = at; i + 1 < buf.length; i += 2) {
    if (buf[i] === 0 && buf[i + 1] === 0) return buf.subarray(at, i).toString('utf16le');
  }
  return null;
}

/**
 * Build a minimal .lnk pointing at a local path (tests, fixtures, `ferry sample-volume`). A path
 * that is not Latin-1 also gets LinkInfo's Unicode base path (header size 0x24), as Windows
 * writes it; `workingDir` adds StringData's WORKING_DIR.
 */
export function buildShellLink(target: string, options: { workingDir?: string } = {}): Buffer {
  const header = Buffer.alloc(HEADER_SIZE);
  header.writeUInt32LE(HEADER_SIZE, 0);
  LINK_CLSID.copy(header, 4);
  header.writeUInt32LE(HAS_LINK_INFO | IS_UNICODE | (options.workingDir ? HAS_WORKING_DIR : 0), 0x14);
  header.writeUInt32LE(1, 0x3c); // ShowCommand: SW_SHOWNORMAL
  const volumeId = Buffer.alloc(0x11);
  volumeId.writeUInt32LE(0x11, 0);
  volumeId.writeUInt32LE(3, 4); // DRIVE_FIXED
  volumeId.writeUInt32LE(0x10, 12);
  const latin1 = /^[\x00-\xff]*$/.test(target);
  const base = Buffer.from(`${latin1 ? target : target.replace(/[^\x00-\x7f]/g, '?')}\0`, 'latin1');
  const suffix = Buffer.from('\0', 'latin1');
  const headerSize = latin1 ? 0x1c : 0x24;
  const volumeIdOffset = headerSize;
  const baseOffset = volumeIdOffset + volumeId.length;
  const suffixOffset = baseOffset + base.length;
  const unicodeBase = latin1 ? Buffer.alloc(0) : Buffer.from(`${target}\0`, 'utf16le');
  const unicodeBaseOffset = suffixOffset + suffix.length;
  const unicodeSuffix = latin1 ? Buffer.alloc(0) : Buffer.from('\0', 'utf16le');
  const unicodeSuffixOffset = unicodeBaseOffset + unicodeBase.length;
  const infoSize = unicodeSuffixOffset + unicodeSuffix.length;
  const infoHeader = Buffer.alloc(headerSize);
  infoHeader.writeUInt32LE(infoSize, 0);
  infoHeader.writeUInt32LE(headerSize, 4);
  infoHeader.writeUInt32LE(VOLUME_ID_AND_LOCAL_BASE_PATH, 8);
  infoHeader.writeUInt32LE(volumeIdOffset, 12);
  infoHeader.writeUInt32LE(baseOffset, 16);
  infoHeader.writeUInt32LE(0, 20);
  infoHeader.writeUInt32LE(suffixOffset, 24);
  if (!latin1) {
    infoHeader.writeUInt32LE(unicodeBaseOffset, 28);
    infoHeader.writeUInt32LE(unicodeSuffixOffset, 32);
  }
  const strings: Buffer[] = [];
  if (options.workingDir) {
    const count = Buffer.alloc(2);
    count.writeUInt16LE(options.workingDir.length, 0);
    strings.push(count, Buffer.from(options.workingDir, 'utf16le'));
  }
  return Buffer.concat([header, infoHeader, volumeId, base, suffix, unicodeBase, unicodeSuffix, ...strings, Buffer.alloc(4)]);
}
