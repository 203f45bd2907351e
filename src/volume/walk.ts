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

/** The walk itself: synchronous (every step is a cheap system call), wrapped by the async forms below. */
export function* walkHostSync(root: HostEntry, options: HostWalkOptions): Generator<VolumeEntry, void, undefined> {
  const { attributeSource, onError, enterDir, recursive = true, sorted = false } = options;
  const maxOpen = options.maxOpenDirs ?? 64;
  const report = (err: FerryError): void => {
    if (!onError) throw err;
    onError(String(err.details.winPath ?? ''), err);
  };
  const stack: Frame[] = [];
  let open = 0;

  const push = (entry: HostEntry): void => {
    const { winPath, hostPath } = entry;
    try {
      // A folder with read but no search permission lists fine, but nothing in it can be opened.
      let unsearchable = false;
      try {
        accessSync(hostPath, fsConstants.X_OK);
      } catch {
        unsearchable = true;
      }
      if (!sorted && open < maxOpen && entry.stats.size > LIST_WHOLE_MAX_BYTES) {
        const dir = opendirSync(hostPath, { bufferSize: 256 });
        open++;
        stack.push({ winPath, hostPath, dir, dirents: null, unsearchable, next: 0 });
      } else {
        const dirents = readdirSync(hostPath, { withFileTypes: true });
        if (sorted) dirents.sort(byFoldedName);
        stack.push({ winPath, hostPath, dir: null, dirents, unsearchable, next: 0 });
      }
    } catch (err) {
      report(accessError(err, winPath, hostPath, 'listing folder'));
    }
  };
  const pop = (): void => {
    const f = stack.pop()!;
    if (f.dir) {
      open--;
      try {
        f.dir.closeSync();
      } catch {
        // already closed by a failed read
      }
    }
  };

  try {
    yield root;
    if (root.kind !== 'dir' || (enterDir && !enterDir(root))) return;
    push(root);
    while (stack.length > 0) {
      const frame = stack[stack.length - 1]!;
      let d: Dirent | null;
      try {
        d = nextDirent(frame);
      } catch (err) {
        pop();
        report(accessError(err, frame.winPath, frame.hostPath, 'listing folder'));
        continue;
      }
      if (d === null) {
        pop();
        continue;
      }
      const name = d.name;
      const winPath = frame.winPath.endsWith('\\') ? frame.winPath + name : `${frame.winPath}\\${name}`;
      const hostPath = `${frame.hostPath}/${name}`;
      if (INVALID_NAME_CHARS.test(name)) {
        report(
          new FerryError(
            'FERRY_E_WIN_PATH_INVALID',
            `${winPath} is not a valid Windows name (it holds a control character or one of \\ < > : " | ? *); it is skipped. Rename it on the volume to migrate it.`,
            { details: { winPath, hostPath } },
          ),
        );
        continue;
      }
      // A name that is not valid UTF-8 decodes with U+FFFD and no longer names the file.
      if (name.includes('\uFFFD') && !existsNoFollow(hostPath)) {
        report(
          new FerryError(
            'FERRY_E_WIN_PATH_INVALID',
            `A name in ${frame.winPath} is not valid UTF-8 (shown as ${name}); it is skipped. Rename it on the volume to migrate it.`,
            { details: { winPath, hostPath } },
          ),
        );
        continue;
      }
      if (frame.unsearchable) {
        report(accessError(Object.assign(new Error('EACCES'), { code: 'EACCES' }), winPath, hostPath, 'reading'));
        continue;
      }
      if (hostPath.length > HOST_PATH_MAX / 3 && Buffer.byteLength(hostPath) > HOST_PATH_MAX) {
        report(
          new FerryError(
            'FERRY_E_IO',
            `${winPath} is longer than this host can open (${HOST_PATH_MAX} bytes as UTF-8); it is skipped. Shorten the path on Windows before capture.`,
            { details: { winPath, hostPath, errno: 'ENAMETOOLONG' } },
          ),
        );
        continue;
      }
      const entry = new HostEntry(winPath, hostPath, kindOfDirent(d), attributeSource);
      yield entry;
      if (entry.kind === 'dir' && recursive && (!enterDir || enterDir(entry))) push(entry);
    }
  } finally {
    while (stack.length > 0) pop();
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
