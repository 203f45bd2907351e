// Depth-first streaming walk over a host subtree with an explicit stack of folders: ordinary
// folders are listed whole (one readdir), folders whose directory file exceeds 256 KiB are
// streamed through an open handle, so memory depends on depth and folder width, never on tree
// size. Children's kinds come from the listing; nothing is stat'ed unless asked (entry.ts).
// Symlinks are reported as entries and never descended into. Folders that cannot be listed,
// children of folders that cannot be searched, names Windows cannot have and paths too long
// for the host go to `onError` as coded FerryErrors (or are thrown when no `onError` is given).
import { accessSync, constants as fsConstants, lstatSync, opendirSync, readdirSync, type Dir, type Dirent } from 'node:fs';
import { FerryError, fromSystemError } from '../errors/index.ts';
import type { EntryKind, VolumeEntry, WalkOptions } from './types.ts';
import { HostEntry } from './entry.ts';
import type { AttributeSource } from './attributes.ts';
import { INVALID_NAME_CHARS, foldCase } from './winpath.ts';

export interface HostWalkOptions extends WalkOptions {
  readonly attributeSource: AttributeSource;
  /** Keep at most this many directory handles open; deeper folders are read whole (default 64). */
  readonly maxOpenDirs?: number;
}

interface Frame {
  readonly winPath: string;
  readonly hostPath: string;
  /** Streaming handle, for folders too big to list at once. */
  readonly dir: Dir | null;
  /** The whole listing, for ordinary folders (and every folder of a sorted walk). */
  readonly dirents: Dirent[] | null;
  /** Listable but not searchable (r without x): children cannot be opened or stat'ed. */
  readonly unsearchable: boolean;
  next: number;
}

/** Folders whose directory file is larger than this are streamed with a handle instead of listed whole. */
const LIST_WHOLE_MAX_BYTES = 256 * 1024;
/** Longest path the host's system calls accept (PATH_MAX, including the NUL). */
const HOST_PATH_MAX = 4095;

const byFoldedName = (a: Dirent, b: Dirent): number => {
  const fa = foldCase(a.name);
  const fb = foldCase(b.name);
  return fa < fb ? -1 : fa > fb ? 1 : a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
};

export function accessError(err: unknown, winPath: string, hostPath: string, what: string): FerryError {
  const errno = (err as NodeJS.ErrnoException | undefined)?.code;
  if (errno === 'EACCES' || errno === 'EPERM') {
    return new FerryError(
      'FERRY_E_ACCESS_DENIED',
      `Access denied ${what} ${winPath}. Grant read access to it, or run with /c to continue past it.`,
      {
        cause: err,
        details: { winPath, hostPath, errno },
      },
    );
  }
  const fe = fromSystemError(err, `${what} ${winPath}`);
  Object.assign(fe.details, { winPath, hostPath });
  return fe;
}

const kindOfDirent = (d: Dirent): EntryKind => (d.isSymbolicLink() ? 'symlink' : d.isDirectory() ? 'dir' : 'file');

function existsNoFollow(hostPath: string): boolean {
  try {
    return lstatSync(hostPath, { throwIfNoEntry: false }) !== undefined;
  } catch {
    return false;
  }
}

function nextDirent(frame: Frame): Dirent | null {
  if (frame.dirents) return frame.next < frame.dirents.length ? frame.dirents[frame.next++]! : null;
  return frame.dir!.readSync();
}

/** Why a listed child cannot be migrated (it is skipped with this error), or null when it can. */
function skipReason(frame: Frame, name: string, winPath: string, hostPath: string): FerryError | null {
  if (INVALID_NAME_CHARS.test(name)) {
    return new FerryError(
      'FERRY_E_WIN_PATH_INVALID',
      `${winPath} is not a valid Windows name (it holds a control character or one of \\ < ` +
        `> : " | ? *); it is skipped. Rename it on the volume to migrate it.`,
      { details: { winPath, hostPath } },
    );
  }
  // A name that is not valid UTF-8 decodes with U+FFFD and no longer names the file.
  if (name.includes('\uFFFD') && !existsNoFollow(hostPath)) {
    return new FerryError(
      'FERRY_E_WIN_PATH_INVALID',
      `A name in ${frame.winPath} is not valid UTF-8 (shown as ${name}); it is skipped. Rename it on the volume to migrate it.`,
      { details: { winPath, hostPath } },
    );
  }
  if (frame.unsearchable) return accessError(Object.assign(new Error('EACCES'), { code: 'EACCES' }), winPath, hostPath, 'reading');
  if (hostPath.length > HOST_PATH_MAX / 3 && Buffer.byteLength(hostPath) > HOST_PATH_MAX) {
    return new FerryError(
      'FERRY_E_IO',
      `${winPath} is longer than this host can open (${HOST_PATH_MAX} bytes as ` +
        `UTF-8); it is skipped. Shorten the path on Windows before capture.`,
      { details: { winPath, hostPath, errno: 'ENAMETOOLONG' } },
    );
  }
  return null;
}

/**
 * The folders being listed, deepest last. Big folders of an unsorted walk are streamed through a
 * handle (at most `maxOpen` at once); the others are listed whole (sorted when asked).
 */
class FolderStack {
  readonly #frames: Frame[] = [];
  readonly #sorted: boolean;
  readonly #maxOpen: number;
  #open = 0;

  constructor(sorted: boolean, maxOpen: number) {
    this.#sorted = sorted;
    this.#maxOpen = maxOpen;
  }

  get top(): Frame | undefined {
    return this.#frames[this.#frames.length - 1];
  }

  /** Start listing a folder; throws what the listing throws. */
  push(entry: HostEntry): void {
    const { winPath, hostPath } = entry;
    // A folder with read but no search permission lists fine, but nothing in it can be opened.
    let unsearchable = false;
    try {
      accessSync(hostPath, fsConstants.X_OK);
    } catch {
      unsearchable = true;
    }
    if (!this.#sorted && this.#open < this.#maxOpen && entry.stats.size > LIST_WHOLE_MAX_BYTES) {
      const dir = opendirSync(hostPath, { bufferSize: 256 });
      this.#open++;
      this.#frames.push({ winPath, hostPath, dir, dirents: null, unsearchable, next: 0 });
    } else {
      const dirents = readdirSync(hostPath, { withFileTypes: true });
      if (this.#sorted) dirents.sort(byFoldedName);
      this.#frames.push({ winPath, hostPath, dir: null, dirents, unsearchable, next: 0 });
    }
  }

  pop(): void {
    const f = this.#frames.pop()!;
    if (f.dir) {
      this.#open--;
      try {
        f.dir.closeSync();
      } catch {
        // already closed by a failed read
      }
    }
  }

  closeAll(): void {
    while (this.#frames.length > 0) this.pop();
  }
}

/** The walk itself: synchronous (every step is a cheap system call), wrapped by the async forms below. */
export function* walkHostSync(root: HostEntry, options: HostWalkOptions): Generator<VolumeEntry, void, undefined> {
  const { attributeSource, onError, enterDir, recursive = true, sorted = false } = options;
  const report = (err: FerryError): void => {
    if (!onError) throw err;
    onError(String(err.details.winPath ?? ''), err);
  };
  const stack = new FolderStack(sorted, options.maxOpenDirs ?? 64);
  const enter = (entry: HostEntry): void => {
    try {
      stack.push(entry);
    } catch (err) {
      report(accessError(err, entry.winPath, entry.hostPath, 'listing folder'));
    }
  };
  try {
    yield root;
    if (root.kind !== 'dir' || (enterDir && !enterDir(root))) return;
    enter(root);
    for (let frame = stack.top; frame; frame = stack.top) {
      let d: Dirent | null;
      try {
        d = nextDirent(frame);
      } catch (err) {
        stack.pop();
        report(accessError(err, frame.winPath, frame.hostPath, 'listing folder'));
        continue;
      }
      if (d === null) {
        stack.pop();
        continue;
      }
      const name = d.name;
      const winPath = frame.winPath.endsWith('\\') ? frame.winPath + name : `${frame.winPath}\\${name}`;
      const hostPath = `${frame.hostPath}/${name}`;
      const skip = skipReason(frame, name, winPath, hostPath);
      if (skip) {
        report(skip);
        continue;
      }
      const entry = new HostEntry(winPath, hostPath, kindOfDirent(d), attributeSource);
      yield entry;
      if (entry.kind === 'dir' && recursive && (!enterDir || enterDir(entry))) enter(entry);
    }
  } finally {
    stack.closeAll();
  }
}

/** One entry per step of an async iteration (the WindowsVolume `walk`). */
export async function* walkHost(root: HostEntry, options: HostWalkOptions): AsyncGenerator<VolumeEntry> {
  yield* walkHostSync(root, options);
}

/** Arrays of up to `batchSize` entries per async step: one await per batch instead of per entry. */
export async function* walkHostBatches(root: HostEntry, options: HostWalkOptions, batchSize = 512): AsyncGenerator<VolumeEntry[]> {
  let batch: VolumeEntry[] = [];
  for (const e of walkHostSync(root, options)) {
    batch.push(e);
    if (batch.length >= batchSize) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length > 0) yield batch;
}
