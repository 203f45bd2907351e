// Landing one restored file on the target: written (or hard-linked) under a temporary name next
// to its destination, read back and checked against the catalog hash, then renamed into place
// and given its times and Windows attributes. A file that fails never appears under its name.
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { chmod, link, mkdir, rename, rm, stat, utimes } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import { setAttribute } from '@napi-rs/xattr';
import { FileAttr } from '../volume/types.ts';
import { usmtError } from './usmt-error.ts';

export type AttributeTarget = 'ntfs-3g' | 'dosattrib';

export interface RestoreSource {
  /** Hard-link this host file instead of copying (hard-link store on the same file system). */
  readonly linkFrom?: string;
  /** The content, when not linked (or when linking fails across file systems). */
  readonly open: () => Promise<Readable>;
}

export interface RestoreMeta {
  readonly winPath: string;
  readonly size: number;
  readonly sha256: string | null;
  readonly mtimeMs: number;
  readonly atimeMs: number;
  readonly attributes: number;
}

/** Returns how the file landed: copied, or linked to the store's copy. */
export async function restoreFile(dest: string, source: RestoreSource, meta: RestoreMeta, attributeTarget: AttributeTarget): Promise<'copied' | 'linked'> {
  await mkdir(dirname(dest), { recursive: true });
  const tmp = join(dirname(dest), `.${basename(dest).slice(0, 40)}.ferry-${randomBytes(4).toString('hex')}.tmp`);
  let how: 'copied' | 'linked' = 'copied';
  try {
    if (source.linkFrom !== undefined && (await tryLink(source.linkFrom, tmp))) how = 'linked';
    else await pipeline(await source.open(), createWriteStream(tmp, { flags: 'wx' }));
    await verifyWritten(tmp, meta);
    await rename(tmp, dest);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
  // A hard link shares the inode with the source's file: its times and attributes already match.
  if (how === 'copied') await applyMetadata(dest, meta, attributeTarget);
  return how;
}

async function tryLink(from: string, to: string): Promise<boolean> {
  try {
    await link(from, to);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EXDEV') return false;
    throw err;
  }
}

/** Read the written bytes back and compare size and SHA-256 with the catalog. */
async function verifyWritten(path: string, meta: RestoreMeta): Promise<void> {
  const st = await stat(path);
  if (st.size !== meta.size) {
    throw usmtError('FERRY_E_USMT_RESTORE_FAILED', `Restored file ${meta.winPath} has ${st.size} bytes, the catalog says ${meta.size}; it was not put in place.`, { path: meta.winPath });
  }
  if (meta.sha256 === null) return;
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  const got = hash.digest('hex');
  if (got !== meta.sha256) {
    throw usmtError('FERRY_E_USMT_RESTORE_FAILED', `Restored file ${meta.winPath} does not match its catalog hash after writing; it was not put in place.`, { path: meta.winPath, expected: meta.sha256, got });
  }
}

/** Times, Windows attributes (xattr) and the read-only bit of a restored file or folder. */
export async function applyMetadata(path: string, meta: Pick<RestoreMeta, 'mtimeMs' | 'atimeMs' | 'attributes'>, attributeTarget: AttributeTarget): Promise<void> {
  const stored = meta.attributes & ~(FileAttr.NORMAL | FileAttr.DIRECTORY);
  if (attributeTarget === 'ntfs-3g') {
    const be = Buffer.alloc(4);
    be.writeUInt32BE(meta.attributes >>> 0);
    await setAttribute(path, 'system.ntfs_attrib_be', be);
  } else if (stored !== 0) {
    await setAttribute(path, 'user.DOSATTRIB', `0x${stored.toString(16)}`);
  }
  if (meta.attributes & FileAttr.READONLY) {
    const st = await stat(path);
    await chmod(path, st.mode & ~0o222);
  }
  await utimes(path, meta.atimeMs / 1000, meta.mtimeMs / 1000);
}
