// VolumeEntry built from one lstat. Attributes are read lazily (first access of `attributes`)
// and cached: most walked objects are decided by path alone, and a getxattr per object would
// otherwise double the cost of a walk.
import { lstatSync, readlinkSync, type Stats } from 'node:fs';
import type { EntryKind, VolumeEntry } from './types.ts';
import { readAttributes, type AttributeSource } from './attributes.ts';

export function kindOf(st: Stats): EntryKind {
  return st.isSymbolicLink() ? 'symlink' : st.isDirectory() ? 'dir' : 'file';
}

export class HostEntry implements VolumeEntry {
  readonly winPath: string;
  readonly hostPath: string;
  readonly kind: EntryKind;
  readonly size: number;
  readonly mtimeMs: number;
  readonly atimeMs: number;
  readonly birthtimeMs: number;
  readonly mode: number;
  readonly dev: number;
  readonly ino: number;
  readonly nlink: number;
  readonly linkTarget?: string;
  readonly #source: AttributeSource;
  #attributes = -1;

  constructor(winPath: string, hostPath: string, st: Stats, source: AttributeSource) {
    this.winPath = winPath;
    this.hostPath = hostPath;
    this.kind = kindOf(st);
    this.size = this.kind === 'file' ? st.size : 0;
    this.mtimeMs = st.mtimeMs;
    this.atimeMs = st.atimeMs;
    this.birthtimeMs = st.birthtimeMs > 0 ? st.birthtimeMs : st.mtimeMs;
    this.mode = st.mode;
    this.dev = st.dev;
    this.ino = st.ino;
    this.nlink = st.nlink;
    this.#source = source;
    if (this.kind === 'symlink') {
      try {
        this.linkTarget = readlinkSync(hostPath, 'utf8');
      } catch {
        this.linkTarget = '';
      }
    }
  }

  get attributes(): number {
    if (this.#attributes < 0) this.#attributes = readAttributes(this.hostPath, this.kind, this.mode, this.#source);
    return this.#attributes;
  }

  toJSON(): VolumeEntry {
    return { ...this, attributes: this.attributes };
  }
}

/** lstat one host path into an entry; null when it does not exist. Throws other errors. */
export function statEntry(winPath: string, hostPath: string, source: AttributeSource): HostEntry | null {
  const st = lstatSync(hostPath, { throwIfNoEntry: false });
  return st ? new HostEntry(winPath, hostPath, st, source) : null;
}
