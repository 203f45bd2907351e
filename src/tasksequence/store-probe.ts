// What kind of migration store a folder holds, read from the store itself (docs/store-format.md
// §1–2): the container header of USMT/USMT.MIG (compressed) or USMT/catalog.mig (folder stores)
// names its type and whether it is encrypted. Restore User State passes LoadState the matching
// options without the administrator saying anything.
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import type { StoreType } from './usmt-args.ts';

export interface StoreProbe {
  type: StoreType;
  encrypted: boolean;
  /** Host path of the container read. */
  file: string;
}

const MAGIC = 'FERRYMIG';
const MAX_HEADER = 1024 * 1024;

async function readHeader(file: string): Promise<{ type?: string; encryption?: unknown } | null> {
  let fh;
  try {
    fh = await open(file, 'r');
  } catch {
    return null;
  }
  try {
    const head = Buffer.alloc(16);
    const { bytesRead } = await fh.read(head, 0, 16, 0);
    if (bytesRead < 16 || head.toString('latin1', 0, 8) !== MAGIC) return null;
    const len = head.readUInt32LE(12);
    if (len === 0 || len > MAX_HEADER) return null;
    const json = Buffer.alloc(len);
    const r = await fh.read(json, 0, len, 16);
    if (r.bytesRead < len) return null;
    return JSON.parse(json.toString('utf8')) as { type?: string; encryption?: unknown };
  } catch {
    return null;
  } finally {
    await fh.close();
  }
}

/** Probe `storePath` (the folder given to ScanState); null when it holds no complete store. */
export async function probeStore(storePath: string): Promise<StoreProbe | null> {
  for (const name of ['USMT.MIG', 'catalog.mig']) {
    const file = join(storePath, 'USMT', name);
    const header = await readHeader(file);
    if (!header) continue;
    const type: StoreType = header.type === 'hardlink' ? 'hardlink' : header.type === 'uncompressed' ? 'uncompressed' : 'compressed';
    return { type, encrypted: header.encryption !== null && header.encryption !== undefined, file };
  }
  return null;
}
