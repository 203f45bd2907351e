// Depth-first streaming walk over a host subtree with an explicit stack of open directory
// handles: memory is proportional to depth, not to tree size. Symlinks are reported as entries
// and never descended into; folders that cannot be listed and names that cannot be stat'ed go
// to `onError` as coded FerryErrors (or are thrown when no `onError` is given).
import { opendirSync, readdirSync, type Dir, type Dirent } from 'node:fs';
import { FerryError, fromSystemError } from '../errors/index.ts';
import type { VolumeEntry, WalkOptions } from './types.ts';
import { statEntry, type HostEntry } from './entry.ts';
import type { AttributeSource } from './attributes.ts';
import { foldCase } from './winpath.ts';

export interface HostWalkOptions extends WalkOptions {
  readonly attributeSource: AttributeSource;
  /** Keep at most this many directory handles open; deeper folders are read whole (default 64). */
  readonly maxOpenDirs?: number;
}

interface Frame {
  readonly winPath: string;
  readonly hostPath: string;
  readonly dir: Dir | null;
  /** Names read up front (sorted walk, or deeper than `maxOpenDirs`). */
  readonly names: string[] | null;
  next: number;
}

const byFoldedName = (a: string, b: string): number => {
  const fa = foldCase(a);
  const fb = foldCase(b);
  return fa < fb ? -1 : fa > fb ? 1 : a < b ? -1 : a > b ? 1 : 0;
};

export function accessError(err: unknown, winPath: string, hostPath: string, what: string): FerryError {
  const errno = (err as NodeJS.ErrnoException | undefined)?.code;
  if (errno === 'EACCES' || errno === 'EPERM') {
    return new FerryError('FERRY_E_ACCESS_DENIED', `Access denied ${what} ${winPath}. Grant read access to it, or run with /c to continue past it.`, {
      cause: err,
      details: { winPath, hostPath, errno },
    });
  }
  const fe = fromSystemError(err, `${what} ${winPath}`);
  Object.assign(fe.details, { winPath, hostPath });
  return fe;
}

/** Read one name from a frame; null when the folder is exhausted. */
function nextName(frame: Frame): string | null {
  if (frame.names) return frame.next < frame.names.length ? frame.names[frame.next++]! : null;
  const d: Dirent | null = frame.dir!.readSync();
  return d ? d.name : null;
}

export async function* walkHost(root: HostEntry, options: HostWalkOptions): AsyncGenerator<VolumeEntry> {
  const { attributeSource, onError, enterDir, recursive = true, sorted = false } = options;
  const maxOpen = options.maxOpenDirs ?? 64;
  const report = (err: FerryError): void => {
    if (!onError) throw err;
    onError(String(err.details.winPath ?? ''), err);
  };
  const stack: Frame[] = [];
  let open = 0;

  const push = (entry: VolumeEntry): void => {
    try {
      if (sorted || open >= maxOpen) {
        const names = readdirSync(entry.hostPath);
        if (sorted) names.sort(byFoldedName);
        stack.push({ winPath: entry.winPath, hostPath: entry.hostPath, dir: null, names, next: 0 });
      } else {
        const dir = opendirSync(entry.hostPath, { bufferSize: 128 });
        open++;
        stack.push({ winPath: entry.winPath, hostPath: entry.hostPath, dir, names: null, next: 0 });
      }
    } catch (err) {
      report(accessError(err, entry.winPath, entry.hostPath, 'listing folder'));
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
      let name: string | null;
      try {
        name = nextName(frame);
      } catch (err) {
        pop();
        report(accessError(err, frame.winPath, frame.hostPath, 'listing folder'));
        continue;
      }
      if (name === null) {
        pop();
        continue;
      }
      const winPath = frame.winPath.endsWith('\\') ? frame.winPath + name : `${frame.winPath}\\${name}`;
      const hostPath = `${frame.hostPath}/${name}`;
      let entry: HostEntry;
      try {
        const e = statEntry(winPath, hostPath, attributeSource);
        if (!e) continue; // removed while walking
        entry = e;
      } catch (err) {
        report(accessError(err, winPath, hostPath, 'reading'));
        continue;
      }
      yield entry;
      if (entry.kind === 'dir' && recursive && (!enterDir || enterDir(entry))) push(entry);
    }
  } finally {
    while (stack.length > 0) pop();
  }
}
