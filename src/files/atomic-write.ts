// Replace a file so that a crash leaves either the old or the new content, never a mix: write a
// temp file beside the target (a unique name, so two writers never share it), resume short
// writes, fsync, rename over the target, then fsync the folder so the rename itself is durable.
import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, openSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/** Options of `writeFileAtomic`. */
export interface AtomicWriteOptions {
  /** Mode of a new file (default 0o600); an existing file keeps its own mode. */
  readonly mode?: number;
}

/**
 * Atomically replace `target` with `data`. Throws the underlying system error (callers add
 * their context); the temp file is removed on failure and the old content is untouched.
 *
 * @example writeFileAtomic(join(stateDir, 'state.json'), JSON.stringify(state));
 */
export function writeFileAtomic(target: string, data: string | Buffer, options: AtomicWriteOptions = {}): void {
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  const dir = dirname(target);
  const tmp = join(dir, `.${basename(target).slice(0, 80)}.${randomBytes(6).toString('hex')}.tmp`);
  let fd: number | null = null;
  try {
    fd = openSync(tmp, 'wx', existingMode(target) ?? options.mode ?? 0o600);
    for (let done = 0; done < bytes.length; ) done += writeSync(fd, bytes, done, bytes.length - done);
    fsyncSync(fd);
    closeSync(fd);
    fd = null;
    renameSync(tmp, target);
  } catch (err) {
    if (fd !== null) closeSync(fd);
    try {
      unlinkSync(tmp);
    } catch {
      // Never created, or already renamed.
    }
    throw err;
  }
  syncFolder(dir);
}

function existingMode(path: string): number | undefined {
  try {
    return statSync(path).mode & 0o7777;
  } catch {
    return undefined;
  }
}

/** fsync a folder so that a rename in it survives a crash. */
export function syncFolder(dir: string): void {
  try {
    const dfd = openSync(dir, 'r');
    try {
      fsyncSync(dfd);
    } finally {
      closeSync(dfd);
    }
  } catch {
    // Some file systems cannot fsync a directory; the rename itself is already atomic.
  }
}
