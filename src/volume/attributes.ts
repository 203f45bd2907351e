// Windows FILE_ATTRIBUTE_* bits of a host file, from whatever the volume carries: ntfs-3g's
// `system.ntfs_attrib_be`, Samba's `user.DOSATTRIB`, and the POSIX mode (a file without any
// write bit is READONLY). The xattr source is chosen once per volume (by probing the root), so
// reading one entry costs at most one getxattr call. @napi-rs/xattr reads without following
// symlinks (lgetxattr; a test pins this), so a link reports its own bits (a junction on
// ntfs-3g: DIRECTORY|REPARSE_POINT|…) plus REPARSE_POINT, never its target's.
import { getAttributeSync } from '@napi-rs/xattr';
import { FileAttr, type EntryKind } from './types.ts';
import { decodeDosAttrib, decodeNtfsAttrib } from './dosattrib.ts';

export type AttributeSource = 'ntfs-3g' | 'dosattrib';

const NTFS_XATTR = 'system.ntfs_attrib_be';
const DOS_XATTR = 'user.DOSATTRIB';

/** ntfs-3g exposes `system.ntfs_attrib_be` on every inode; elsewhere the value is absent. */
export function detectAttributeSource(hostRoot: string): AttributeSource {
  try {
    const v = getAttributeSync(hostRoot, NTFS_XATTR);
    if (v && decodeNtfsAttrib(v) !== null) return 'ntfs-3g';
  } catch {
    // not ntfs-3g
  }
  return 'dosattrib';
}

/** Raw attribute bits stored on the inode, or null when none are stored or readable. */
export function readStoredAttributes(hostPath: string, source: AttributeSource): number | null {
  let value: Buffer | null;
  try {
    value = getAttributeSync(hostPath, source === 'ntfs-3g' ? NTFS_XATTR : DOS_XATTR);
  } catch {
    return null;
  }
  if (!value) return null;
  return source === 'ntfs-3g' ? decodeNtfsAttrib(value) : decodeDosAttrib(value);
}

/**
 * Combine stored bits with what the host says: DIRECTORY for folders, REPARSE_POINT for links,
 * READONLY for a file without write bits. A file with no bit at all is NORMAL, as Windows reports.
 */
export function composeAttributes(kind: EntryKind, mode: number, stored: number | null): number {
  let a = stored ?? 0;
  if (kind === 'dir') a |= FileAttr.DIRECTORY;
  else if (kind === 'symlink') a |= FileAttr.REPARSE_POINT;
  else {
    a &= ~FileAttr.DIRECTORY;
    if ((mode & 0o222) === 0) a |= FileAttr.READONLY;
  }
  if (a & ~FileAttr.NORMAL) a &= ~FileAttr.NORMAL;
  else a = FileAttr.NORMAL;
  return a >>> 0;
}

/**
 * Attributes of one host entry (never follows a symlink). `mode` is asked for only when needed:
 * NTFS attributes from ntfs-3g already carry READONLY, so no stat is spent on them.
 */
export function readAttributes(hostPath: string, kind: EntryKind, mode: () => number, source: AttributeSource): number {
  const stored = readStoredAttributes(hostPath, source);
  if (stored !== null && source === 'ntfs-3g') return composeAttributes(kind, 0o666, stored);
  return composeAttributes(kind, kind === 'file' ? mode() : 0, stored);
}
