// Landing one restored file on the target: written (or hard-linked) under a temporary name next
// to its destination, checked against the catalog's size and SHA-256 as it is written, then
// renamed into place and given its times and Windows attributes. A file that fails never appears
// under its name. Writes are synchronous: the data is in memory already, and a thread-pool round
// trip per open/write/close/utimes made small files several times slower (profiled, issue 16).
import { createHash, randomBytes } from 'node:crypto';
import {
  createReadStream,
  chmodSync,
  closeSync,
  linkSync,
  lstatSync,
  mkdirSync,
  openSync,
  renameSync,
  rmSync,
  utimesSync,
  writeSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { setAttributeSync } from '@napi-rs/xattr';
import { FileAttr } from '../volume/index.ts';
import { usmtError } from './usmt-error.ts';

export type AttributeTarget = 'ntfs-3g' | 'dosattrib';

export interface RestoreSource {
  /** Hard-link this host file instead of copying (hard-link store on the same file system). */
  readonly linkFrom?: string;
  /** The content, when not linked (or when linking fails across file systems). */
  readonly open: () => Promise<AsyncIterable<Uint8Array>>;
  /**
   * The source itself ends with an error unless its bytes match `meta.size` and `meta.sha256`
   * (a StoreReader's content): the bytes written are the bytes it hashed, so hashing them again
   * here would only repeat its check.
   */
  readonly checked?: boolean;
}

export interface RestoreMeta {
  readonly winPath: string;
  readonly size: number;
  readonly sha256: string | null;
  readonly mtimeMs: number;
  readonly atimeMs: number;
  readonly attributes: number;
}

export interface RestoreOptions {
  /** `dest` is a private staging path nobody else sees, its folder made: write it directly, no temporary name. */
  readonly direct?: boolean;
}

/** Returns how the file landed: copied, or linked to the store's copy. */
export async function restoreFile(
  dest: string,
  source: RestoreSource,
  meta: RestoreMeta,
  attributeTarget: AttributeTarget,
  options: RestoreOptions = {},
): Promise<'copied' | 'linked'> {
  // A staging path's folders exist already (RestoreStaging.fileFor made them): a failing mkdir per file was measurable.
  if (!options.direct) mkdirSync(dirname(dest), { recursive: true });
  const tmp = options.direct ? dest : join(dirname(dest), `.${basename(dest).slice(0, 40)}.ferry-${randomBytes(4).toString('hex')}.tmp`);
  let how: 'copied' | 'linked' = 'copied';
  try {
    if (source.linkFrom !== undefined && tryLink(source.linkFrom, tmp)) {
      how = 'linked';
      // The inode is the store's: its size, and its hash when the store recorded one (hashHardLinks), are the check.
      const size = lstatSync(tmp).size;
      if (size !== meta.size) throw sizeMismatch(meta, size);
      if (meta.sha256 !== null) await checkHash(tmp, meta);
    } else {
      await writeChecked(tmp, await source.open(), meta, source.checked === true);
    }
    // A hard link shares the inode with the source's file: its times and attributes already match.
    if (how === 'copied') applyMetadataSync(tmp, meta, attributeTarget);
    if (tmp !== dest) renameSync(tmp, dest);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
  return how;
}

function tryLink(from: string, to: string): boolean {
  try {
    linkSync(from, to);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EXDEV') return false;
    throw err;
  }
}

/** Write the bytes to a new file, counting (and unless the source is checked, hashing) them against the catalog. */
async function writeChecked(path: string, chunks: AsyncIterable<Uint8Array>, meta: RestoreMeta, checked: boolean): Promise<void> {
  const hash = checked || meta.sha256 === null ? null : createHash('sha256');
  const fd = openSync(path, 'wx');
  let size = 0;
  try {
    for await (const piece of chunks) {
      hash?.update(piece);
      for (let done = 0; done < piece.length; ) done += writeSync(fd, piece, done, piece.length - done);
      size += piece.length;
    }
    if (size !== meta.size) throw sizeMismatch(meta, size);
  } finally {
    closeSync(fd);
  }
  const got = hash?.digest('hex');
  if (got !== undefined && got !== meta.sha256) {
    throw usmtError(
      'FERRY_E_USMT_RESTORE_FAILED',
      `Restored file ${meta.winPath} does not match its catalog hash after writing; it was not put in place.`,
      { path: meta.winPath, expected: meta.sha256, got },
    );
  }
}

async function checkHash(path: string, meta: RestoreMeta): Promise<void> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  const got = hash.digest('hex');
  if (got !== meta.sha256) {
    throw usmtError(
      'FERRY_E_USMT_RESTORE_FAILED',
      `Restored file ${meta.winPath} does not match its catalog hash; it was not put in place.`,
      { path: meta.winPath, expected: meta.sha256, got },
    );
  }
}

function sizeMismatch(meta: RestoreMeta, size: number) {
  return usmtError(
    'FERRY_E_USMT_RESTORE_FAILED',
    `Restored file ${meta.winPath} has ${size} bytes, the catalog says ${meta.size}; it was not put in place.`,
    { path: meta.winPath },
  );
}

/** The Windows attributes of a restored file or folder as the host keeps them: the xattr to set, and whether it is read-only. */
export function attributeWrites(
  attributes: number,
  attributeTarget: AttributeTarget,
): { readonly xattr?: { readonly name: string; readonly value: string | Buffer }; readonly readOnly: boolean } {
  const readOnly = (attributes & FileAttr.READONLY) !== 0;
  if (attributeTarget === 'ntfs-3g') {
    const be = Buffer.alloc(4);
    be.writeUInt32BE(attributes >>> 0);
    return { xattr: { name: 'system.ntfs_attrib_be', value: be }, readOnly };
  }
  const stored = attributes & ~(FileAttr.NORMAL | FileAttr.DIRECTORY);
  return stored !== 0 ? { xattr: { name: 'user.DOSATTRIB', value: `0x${stored.toString(16)}` }, readOnly } : { readOnly };
}

/** Times, Windows attributes (xattr) and the read-only bit of a restored file or folder. */
export function applyMetadataSync(
  path: string,
  meta: Pick<RestoreMeta, 'mtimeMs' | 'atimeMs' | 'attributes'>,
  attributeTarget: AttributeTarget,
): void {
  const { xattr, readOnly } = attributeWrites(meta.attributes, attributeTarget);
  if (xattr) setAttributeSync(path, xattr.name, xattr.value);
  if (readOnly) chmodSync(path, lstatSync(path).mode & ~0o222);
  utimesSync(path, meta.atimeMs / 1000, meta.mtimeMs / 1000);
}

/** applyMetadataSync for callers on an async path. */
export async function applyMetadata(
  path: string,
  meta: Pick<RestoreMeta, 'mtimeMs' | 'atimeMs' | 'attributes'>,
  attributeTarget: AttributeTarget,
): Promise<void> {
  applyMetadataSync(path, meta, attributeTarget);
}
