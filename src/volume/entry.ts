// VolumeEntry for one host object. A walk knows each child's kind from its directory listing,
// so the lstat behind size/times/mode and the getxattr behind `attributes` run only when those
// fields are first read (then cached): most objects a rule engine sees are decided by path
// alone, and a stat plus a getxattr per object would otherwise dominate a walk. If the object
// is gone by the time a lazy field is read, its stat fields read as 0.
import { lstatSync, readlinkSync, type Stats } from 'node:fs';
import type { EntryKind, VolumeEntry } from './types.ts';
import { readAttributes, type AttributeSource } from './attributes.ts';

export function kindOf(st: Stats): EntryKind {
  return st.isSymbolicLink() ? 'symlink' : st.isDirectory() ? 'dir' : 'file';
}

const GONE = { size: 0, mtimeMs: 0, atimeMs: 0, birthtimeMs: 0, mode: 0, dev: 0, ino: 0, nlink: 0 } as const;
type StatFields = Pick<Stats, keyof typeof GONE>;

export class HostEntry implements VolumeEntry {
  readonly winPath: string;
  readonly hostPath: string;
  readonly kind: EntryKind;
  readonly #source: AttributeSource;
  #stats: StatFields | undefined;
  #attributes = -1;
  #linkTarget: string | undefined;

  constructor(winPath: string, hostPath: string, kind: EntryKind, source: AttributeSource, stats?: Stats) {
    this.winPath = winPath;
    this.hostPath = hostPath;
    this.kind = kind;
    this.#source = source;
    this.#stats = stats;
  }

  /** The lstat fields, read on first use. */
  get stats(): StatFields {
    if (this.#stats === undefined) {
      try {
        this.#stats = lstatSync(this.hostPath, { throwIfNoEntry: false }) ?? GONE;
      } catch {
        this.#stats = GONE;
      }
    }
    return this.#stats;
  }

  get size(): number {
    return this.kind === 'file' ? this.stats.size : 0;
  }
  get mtimeMs(): number {
    return this.stats.mtimeMs;
  }
  get atimeMs(): number {
    return this.stats.atimeMs;
  }
  get birthtimeMs(): number {
    const s = this.stats;
    return s.birthtimeMs > 0 ? s.birthtimeMs : s.mtimeMs;
  }
  get mode(): number {
    return this.stats.mode;
  }
  get dev(): number {
    return this.stats.dev;
  }
  get ino(): number {
    return this.stats.ino;
  }
  get nlink(): number {
    return this.stats.nlink;
  }

  get linkTarget(): string | undefined {
    if (this.kind !== 'symlink') return undefined;
    if (this.#linkTarget === undefined) {
      try {
        this.#linkTarget = readlinkSync(this.hostPath, 'utf8');
      } catch {
        this.#linkTarget = '';
      }
    }
    return this.#linkTarget;
  }

  get attributes(): number {
    if (this.#attributes < 0) this.#attributes = readAttributes(this.hostPath, this.kind, () => this.mode, this.#source);
    return this.#attributes;
  }

  toJSON(): VolumeEntry {
    const { winPath, hostPath, kind, size, mtimeMs, atimeMs, birthtimeMs, attributes, mode, dev, ino, nlink, linkTarget } = this;
    return {
      winPath,
      hostPath,
      kind,
      size,
      mtimeMs,
      atimeMs,
      birthtimeMs,
      attributes,
      mode,
      dev,
      ino,
      nlink,
      ...(linkTarget === undefined ? {} : { linkTarget }),
    };
  }
}

/** lstat one host path into an entry; null when it does not exist. Throws other errors. */
export function statEntry(winPath: string, hostPath: string, source: AttributeSource): HostEntry | null {
  const st = lstatSync(hostPath, { throwIfNoEntry: false });
  return st ? new HostEntry(winPath, hostPath, kindOf(st), source, st) : null;
}
