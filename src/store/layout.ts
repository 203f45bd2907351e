// Where a store's files live under StorePath (docs/store-format.md §1) and the store-path rules.
import { readFileSync } from 'node:fs';
import { open, realpath, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { FerryError, fromSystemError } from '../errors/index.ts';
import { FORMAT_VERSION, FOOTER_MAGIC, FOOTER_SIZE, readHeader, type StoreHeader } from './frame.ts';
import { readJournalHeader } from './journal.ts';
import type { StoreInfo } from './types.ts';

/** The folder a store path receives, named as USMT names it (`StorePath/USMT/`). */
export const USMT_DIR = 'USMT';
export const MIG_FILE = 'USMT.MIG';
export const MIG_PARTIAL = 'USMT.MIG.partial';
export const CATALOG_FILE = 'catalog.mig';
export const CATALOG_TMP = 'catalog.mig.tmp';
export const JOURNAL_FILE = 'ferry-capture.journal';
export const FILE_DIR = 'File';

export interface StorePaths {
  readonly storeDir: string;
  readonly usmtDir: string;
  readonly mig: string;
  readonly migPartial: string;
  readonly catalog: string;
  readonly catalogTmp: string;
  readonly journal: string;
  readonly fileDir: string;
}

export function storePaths(storeDir: string): StorePaths {
  const usmtDir = join(storeDir, USMT_DIR);
  return {
    storeDir,
    usmtDir,
    mig: join(usmtDir, MIG_FILE),
    migPartial: join(usmtDir, MIG_PARTIAL),
    catalog: join(usmtDir, CATALOG_FILE),
    catalogTmp: join(usmtDir, CATALOG_TMP),
    journal: join(usmtDir, JOURNAL_FILE),
    fileDir: join(usmtDir, FILE_DIR),
  };
}

/**
 * The store folder for what a user may name: the StorePath itself, its `USMT` folder, or the
 * `USMT.MIG` / `catalog.mig` file (what `usmtutils /verify <filePath>` is given).
 */
export async function locateStore(path: string): Promise<StorePaths> {
  const abs = resolve(path);
  const name = basename(abs).toLowerCase();
  if (name === MIG_FILE.toLowerCase() || name === CATALOG_FILE) {
    const usmt = dirname(abs);
    return storePaths(dirname(usmt));
  }
  if (
    name === USMT_DIR.toLowerCase() &&
    ((await exists(join(abs, MIG_FILE))) || (await exists(join(abs, CATALOG_FILE))) || (await exists(join(abs, JOURNAL_FILE))))
  ) {
    return storePaths(dirname(abs));
  }
  return storePaths(abs);
}

export async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

function mountPoints(): Set<string> {
  try {
    const lines = readFileSync('/proc/self/mountinfo', 'utf8').split('\n');
    // Field 5 is the mount point, with spaces and the like octal-escaped.
    return new Set(
      lines
        .map((l) => l.split(' ')[4])
        .filter((m): m is string => !!m)
        .map((m) => m.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)))),
    );
  } catch {
    return new Set();
  }
}

/** True when `dir` is the root of a volume: `/`, a mount point, or on another device than its parent. */
export async function isVolumeRoot(dir: string): Promise<boolean> {
  const real = await realpath(dir);
  if (dirname(real) === real) return true;
  if (mountPoints().has(real)) return true;
  const [a, b] = await Promise.all([stat(real), stat(dirname(real))]);
  return a.dev !== b.dev;
}

/** The no-root-folder rule (USMT: "can't be C:\"). */
export async function assertNotVolumeRoot(dir: string): Promise<void> {
  let root: boolean;
  try {
    root = await isVolumeRoot(dir);
  } catch (err) {
    throw fromSystemError(err, 'checking the store path');
  }
  if (root) {
    throw new FerryError(
      'FERRY_E_STORE_ROOT_FOLDER',
      `The store path ${dir} is the root of a volume; a store must be a folder below it (e.g. ${join(dir, 'USMTStore')}).`,
      { details: { path: dir } },
    );
  }
}

async function footerPresent(path: string): Promise<boolean> {
  const fh = await open(path, 'r');
  try {
    const size = (await fh.stat()).size;
    if (size < FOOTER_SIZE) return false;
    const b = Buffer.alloc(8);
    await fh.read(b, 0, 8, size - 8);
    return b.equals(FOOTER_MAGIC);
  } finally {
    await fh.close();
  }
}

/** What the folder holds: a finished store, an interrupted one, or nothing. */
export async function storeState(
  paths: StorePaths,
): Promise<{ state: 'complete'; file: string } | { state: 'incomplete' } | { state: 'none' }> {
  for (const file of [paths.mig, paths.catalog]) if (await exists(file)) return { state: 'complete', file };
  for (const file of [paths.journal, paths.migPartial, paths.catalogTmp]) if (await exists(file)) return { state: 'incomplete' };
  return { state: 'none' };
}

async function headerOf(file: string): Promise<StoreHeader> {
  let fh;
  try {
    fh = await open(file, 'r');
  } catch (err) {
    throw fromSystemError(err, 'opening the store');
  }
  try {
    return (await readHeader(fh, file)).header;
  } finally {
    await fh.close();
  }
}

/** Type, encryption and completeness of a store, without a key and without reading its content. */
export async function inspectStore(storeDir: string): Promise<StoreInfo> {
  const paths = await locateStore(storeDir);
  const st = await storeState(paths);
  let header: StoreHeader;
  let complete = false;
  if (st.state === 'complete') {
    header = await headerOf(st.file);
    complete = await footerPresent(st.file);
  } else if (st.state === 'incomplete' && (await exists(paths.journal))) {
    header = (await readJournalHeader(paths.journal)).header;
  } else if (st.state === 'incomplete' && (await exists(paths.migPartial))) {
    header = await headerOf(paths.migPartial);
  } else {
    throw new FerryError(
      'FERRY_E_STORE_NOT_FOUND',
      `No store was found at ${paths.storeDir} (expected ${join(USMT_DIR, MIG_FILE)} or ${join(USMT_DIR, CATALOG_FILE)}).`,
      { details: { path: paths.storeDir } },
    );
  }
  if (header.version > FORMAT_VERSION)
    throw new FerryError(
      'FERRY_E_STORE_VERSION',
      `The store at ${paths.storeDir} has format version ${header.version}; this Ferry reads up to ${FORMAT_VERSION}.`,
      { details: { version: header.version } },
    );
  const info: StoreInfo = {
    storeDir: paths.storeDir,
    usmtDir: paths.usmtDir,
    type: header.type,
    encrypted: header.encryption !== null,
    complete,
    version: header.version,
    storeId: header.storeId,
    createdAt: header.createdAt,
    source: header.source,
    ...(header.encryption ? { algId: header.encryption.algId } : {}),
  };
  return info;
}
