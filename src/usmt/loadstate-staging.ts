// LoadState stages, then commits (docs/store-format.md §8, issue 11): every restored file and
// folder is first written into a staging folder at the root of its target drive, mirroring the
// destination tree, and moved into place only after every frame of the store has authenticated.
// A damaged store therefore ends the run with the target as it was (the staging folder removed),
// and the store is still read only once. The mirror lives on the target volume so that the commit
// is renames: a folder the target lacks (a new profile) moves in one rename.
import { randomBytes } from 'node:crypto';
import { cpSync, lstatSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { FerryError } from '../errors/index.ts';
import { DirIndex, foldCase } from '../volume/index.ts';
import type { TargetPath, TargetVolume } from '../volume/index.ts';
import { usmtError } from './usmt-error.ts';

const PREFIX = '.ferry-loadstate-';

export class RestoreStaging {
  readonly #target: TargetVolume;
  readonly #id = randomBytes(6).toString('hex');
  /** Target drive root → its staging folder. */
  readonly #roots = new Map<string, string>();
  /** Case-insensitive lookups inside the staging trees, bounded like the target's own index. */
  readonly #index: DirIndex;
  /**
   * Staged files not on disk yet (queued for the writer thread), by staging folder and folded
   * name: the index may evict their folder and read it back from disk before they are written,
   * and a collision must still see them. Bounded by the writer's window.
   */
  readonly #pending = new Map<string, Map<string, string>>();
  /** The staging folder of the last target folder located (staging folders stay where they are until the commit). */
  #lastParent: { readonly host: string; readonly dir: string } | undefined;
  /** Target folders seen to be folders (or absent: they are created at the commit). */
  readonly #folderOk = new Set<string>();
  #done = false;

  constructor(target: TargetVolume, limits?: ConstructorParameters<typeof DirIndex>[0]) {
    this.#target = target;
    this.#index = new DirIndex(limits);
  }

  /** Whether `mapped` (not on the target) is already staged, matching names case-insensitively as NTFS does. */
  has(mapped: TargetPath): boolean {
    const at = this.#locate(mapped, false);
    return at !== null && (this.#index.lookup(at.dir, at.name) !== null || this.#pendingName(at.dir, at.name) !== undefined);
  }

  /** The staging path a file bound for `mapped` is written to (its folders are created). */
  fileFor(mapped: TargetPath): string {
    this.#assertTargetFolders(mapped.hostPath, false);
    const at = this.#locate(mapped, true)!;
    return `${at.dir}/${at.name}`;
  }

  /**
   * Record a file at a path fileFor returned, so later lookups in any case find it. `queued`: it
   * is not on disk yet (the writer thread has it); call written() once it is, or once it failed.
   */
  added(stagedPath: string, queued = false): void {
    const cut = stagedPath.lastIndexOf('/');
    const dir = stagedPath.slice(0, cut);
    const name = stagedPath.slice(cut + 1);
    this.#index.add(dir, name, 'file');
    if (!queued) return;
    let names = this.#pending.get(dir);
    if (!names) this.#pending.set(dir, (names = new Map()));
    names.set(foldCase(name), name);
  }

  /** A queued file (added with `queued`) is on disk now, or will never be: its folder's listing shows the truth. */
  written(stagedPath: string): void {
    const cut = stagedPath.lastIndexOf('/');
    const dir = stagedPath.slice(0, cut);
    const names = this.#pending.get(dir);
    if (!names) return;
    const key = foldCase(stagedPath.slice(cut + 1));
    if (names.get(key) === stagedPath.slice(cut + 1)) names.delete(key);
    if (names.size === 0) this.#pending.delete(dir);
  }

  #pendingName(dir: string, name: string): string | undefined {
    return this.#pending.get(dir)?.get(foldCase(name));
  }

  /** Stage a folder (a catalog folder entry): created on the target at commit. */
  dirFor(mapped: TargetPath): void {
    this.#assertTargetFolders(mapped.hostPath, true);
    const at = this.#locate(mapped, true)!;
    this.#mkdir(at.dir, at.name);
  }

  /** Move everything staged into place; folders the target lacks move whole. */
  commit(): number {
    let moved = 0;
    for (const [root, staging] of this.#roots) moved += this.#merge(staging, root);
    this.discard();
    return moved;
  }

  /** Remove the staging folders (after commit they are empty). Safe to call more than once. */
  discard(): void {
    if (this.#done) return;
    this.#done = true;
    for (const staging of this.#roots.values()) rmSync(staging, { recursive: true, force: true });
  }

  /**
   * Fail now, not at the commit, when something on the target stands where a folder of this path
   * must be (a file named like the folder, a link): the object is then reported like any write
   * that failed (skipped with /c, else the run stops), and the rest is still committed.
   */
  #assertTargetFolders(hostPath: string, includeSelf: boolean): void {
    const folders: string[] = [];
    for (
      let p = includeSelf ? hostPath : hostPath.slice(0, hostPath.lastIndexOf('/'));
      p.length > 1 && !this.#folderOk.has(p);
      p = p.slice(0, p.lastIndexOf('/'))
    )
      folders.push(p);
    for (const folder of folders.reverse()) {
      const st = lstatSync(folder, { throwIfNoEntry: false });
      if (st && (!st.isDirectory() || st.isSymbolicLink())) {
        throw usmtError(
          'FERRY_E_USMT_RESTORE_FAILED',
          `${folder} is ${st.isSymbolicLink() ? 'a link' : 'a file'} on the target where ` +
            `LoadState needs a folder; move it aside and run LoadState again.`,
          { path: folder },
        );
      }
      this.#folderOk.add(folder);
    }
  }

  /** Staging folder and canonical name of `mapped`; with `create`, its parent folders are made. */
  #locate(mapped: TargetPath, create: boolean): { dir: string; name: string } | null {
    const drive = mapped.winPath.slice(0, 2);
    const root = this.#target.driveRoot(drive);
    if (root === null || !mapped.hostPath.startsWith(`${root}/`)) {
      throw new FerryError('FERRY_E_INTERNAL', `${mapped.winPath} does not map under its drive root.`);
    }
    let dir = this.#roots.get(root);
    if (dir === undefined) {
      if (!create) return null;
      dir = this.#makeRoot(root);
    }
    const cut = mapped.hostPath.lastIndexOf('/');
    const parent = mapped.hostPath.slice(0, cut);
    const name = mapped.hostPath.slice(cut + 1);
    if (this.#lastParent?.host === parent) dir = this.#lastParent.dir;
    else {
      // Files come folder by folder: the last folder's staging path spares a lookup per segment.
      for (const part of parent.length > root.length ? parent.slice(root.length + 1).split('/') : []) {
        const found = this.#index.lookup(dir, part);
        if (found === null) {
          if (!create) return null;
          this.#mkdir(dir, part);
          dir = `${dir}/${part}`;
        } else {
          dir = `${dir}/${found.name}`;
        }
      }
      this.#lastParent = { host: parent, dir };
    }
    return { dir, name: this.#index.lookup(dir, name)?.name ?? this.#pendingName(dir, name) ?? name };
  }

  #mkdir(dir: string, name: string): void {
    if (this.#index.lookup(dir, name) !== null) return;
    mkdirSync(`${dir}/${name}`);
    this.#index.add(dir, name, 'dir');
    // Made just now, so empty: no need to list it.
    this.#index.created(`${dir}/${name}`);
  }

  #makeRoot(root: string): string {
    // A run killed before its commit left its staging folder: nothing of it reached the target.
    for (const old of readdirSync(root)) if (old.startsWith(PREFIX)) rmSync(`${root}/${old}`, { recursive: true, force: true });
    const staging = `${root}/${PREFIX}${this.#id}`;
    mkdirSync(staging, { mode: 0o700 });
    this.#index.created(staging);
    this.#roots.set(root, staging);
    return staging;
  }

  #merge(from: string, to: string): number {
    let moved = 0;
    for (const d of readdirSync(from, { withFileTypes: true })) {
      const src = `${from}/${d.name}`;
      const dst = `${to}/${d.name}`;
      const there = lstatSync(dst, { throwIfNoEntry: false });
      if (d.isDirectory() && there?.isDirectory() && !there.isSymbolicLink()) {
        moved += this.#merge(src, dst);
        continue;
      }
      if (there && (d.isDirectory() || there.isDirectory())) {
        throw usmtError(
          'FERRY_E_USMT_RESTORE_FAILED',
          `${dst} changed on the target while LoadState ran (it is ` +
            `now ${there.isSymbolicLink() ? 'a link' : there.isDirectory() ? 'a folder' : 'a file'}); ` +
            `run LoadState again.`,
          { path: dst },
        );
      }
      move(src, dst);
      this.#target.noteCreated(dst, d.isDirectory() ? 'dir' : 'file');
      moved++;
    }
    return moved;
  }
}

function move(src: string, dst: string): void {
  try {
    renameSync(src, dst);
  } catch (err) {
    // A file system mounted inside the target: copy across it (times kept), then drop the staged copy.
    if ((err as NodeJS.ErrnoException).code !== 'EXDEV') throw err;
    cpSync(src, dst, { recursive: true, preserveTimestamps: true, errorOnExist: false, force: true });
    rmSync(src, { recursive: true, force: true });
  }
}
