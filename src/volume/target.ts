// The LoadState target: the same Windows volume model, plus mapping Windows paths to host
// paths for writing. Existing components are matched case-insensitively (an existing
// `users\ALICE` is reused for `C:\Users\alice`); missing ones are created with the case given.
// A path never leaves its drive root: `..` cannot climb above it, an existing symlink or
// junction on the way is refused (it could point anywhere), and names Windows forbids are refused.
import { lstatSync, mkdirSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { FerryError } from '../errors/index.ts';
import { OfflineVolume, type OpenVolumeOptions } from './volume.ts';
import { INVALID_NAME_CHARS, formatWinPath, parseWinPath } from './winpath.ts';
import { accessError } from './walk.ts';

export interface TargetPath {
  /** Windows path with the case of existing components, e.g. `C:\Users\alice\Documents`. */
  readonly winPath: string;
  readonly hostPath: string;
  /** True when every component exists. */
  readonly exists: boolean;
}

/**
 * The volume LoadState restores onto: an OfflineVolume that also maps paths that do not exist yet.
 * @example
 * const target = await openTargetVolume(windowsDir);
 * const { hostPath, exists } = target.mapPath('C:\\Users\\alice\\Documents\\a.txt');
 */
export class TargetVolume extends OfflineVolume {
  /** Map a Windows path to the host path it has, or will have once created. Creates nothing. */
  hostPathFor(winPath: string): string {
    return this.mapPath(winPath).hostPath;
  }

  /** Like hostPathFor, with the real-case Windows path and whether it exists. */
  mapPath(winPath: string): TargetPath {
    const p = this.#checked(winPath);
    let host = this.driveRoot(p.drive)!;
    const parts: string[] = [];
    let exists = true;
    for (let i = 0; i < p.parts.length; i++) {
      const want = p.parts[i]!;
      const last = i === p.parts.length - 1;
      const found = exists ? this.#find(host, want) : null;
      if (!found) {
        exists = false;
        parts.push(want);
        host = `${host}/${want}`;
        continue;
      }
      if (found.kind === 'symlink') {
        throw new FerryError(
          'FERRY_E_PATH_OUTSIDE_VOLUME',
          `${winPath} passes through the link ${formatWinPath(p.drive, [...parts, found.name])}; ` +
            `links on the target are not followed. Remove the link or choose another path.`,
          { details: { winPath } },
        );
      }
      if (!last && found.kind !== 'dir') {
        throw new FerryError(
          'FERRY_E_PATH_OUTSIDE_VOLUME',
          `${winPath} cannot be created: ${formatWinPath(p.drive, [...parts, found.name])} is a file, not a folder.`,
          { details: { winPath } },
        );
      }
      parts.push(found.name);
      host = `${host}/${found.name}`;
    }
    return { winPath: formatWinPath(p.drive, parts), hostPath: host, exists };
  }

  /** Create the folder (and missing parents) on the target; returns its host path. */
  async ensureDir(winPath: string): Promise<string> {
    const p = this.#checked(winPath);
    let host = this.driveRoot(p.drive)!;
    const parts: string[] = [];
    for (const want of p.parts) {
      const found = this.#find(host, want);
      const name = found?.name ?? want;
      const next = `${host}/${name}`;
      if (!found) {
        try {
          mkdirSync(next);
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'EEXIST')
            throw accessError(err, formatWinPath(p.drive, [...parts, name]), next, 'creating folder');
        }
        this.index.add(host, name, 'dir');
      }
      // Check what is there now (also after mkdir: something may have raced us).
      const st = lstatSync(next, { throwIfNoEntry: false });
      if (!st || st.isSymbolicLink() || !st.isDirectory()) {
        throw new FerryError(
          'FERRY_E_PATH_OUTSIDE_VOLUME',
          `${winPath} cannot be created: ${formatWinPath(p.drive, [...parts, name])} ` +
            `is ${st?.isSymbolicLink() ? 'a link (not followed)' : 'not a folder'}.`,
          { details: { winPath } },
        );
      }
      parts.push(name);
      host = next;
    }
    return host;
  }

  /**
   * Tell the volume that the caller created `hostPath` (a path from mapPath/hostPathFor), so
   * that later lookups of the same name in another case find it (listings are cached).
   */
  noteCreated(hostPath: string, kind: 'file' | 'dir' = 'file'): void {
    this.index.add(dirname(hostPath), basename(hostPath), kind);
  }

  #find(hostDir: string, name: string): { name: string; kind: string } | null {
    try {
      return this.index.lookup(hostDir, name);
    } catch (err) {
      throw accessError(err, name, hostDir, 'listing folder');
    }
  }

  #checked(winPath: string): { drive: string; parts: readonly string[] } {
    const raw = parseWinPath(winPath);
    const drive = raw.drive || this.systemDrive;
    if (this.driveRoot(drive) === null) {
      throw new FerryError(
        'FERRY_E_DRIVE_NOT_MAPPED',
        `Drive ${drive} of ${winPath} is not mapped on the target; map it or restore to ${this.systemDrive}.`,
        { details: { winPath, drive } },
      );
    }
    // `..` is resolved textually by parseWinPath; refuse it when it would climb above the drive root.
    let depth = 0;
    for (const part of winPath.replace(/^(\\\\\?\\|\\\?\?\\)?([A-Za-z]:)?/, '').split(/[\\/]/)) {
      if (part === '..') depth--;
      else if (part !== '' && part !== '.') depth++;
      if (depth < 0)
        throw new FerryError('FERRY_E_PATH_OUTSIDE_VOLUME', `${winPath} climbs above the root of drive ${drive}.`, {
          details: { winPath },
        });
    }
    for (const part of raw.parts) {
      if (INVALID_NAME_CHARS.test(part))
        throw new FerryError('FERRY_E_WIN_PATH_INVALID', `${winPath} contains a character Windows does not allow in the name "${part}".`, {
          details: { winPath },
        });
    }
    return { drive, parts: raw.parts };
  }
}

/** Open LoadState's target volume by its Windows folder (same validation as openVolume). */
export async function openTargetVolume(windowsDir: string, options: OpenVolumeOptions = {}): Promise<TargetVolume> {
  // LoadState reports what a missing hive keeps it from applying; the hives it creates are no loss.
  return new TargetVolume(windowsDir, { warnMissingHives: false, ...options });
}
