// Case-insensitive name lookup on a case-sensitive file system. Each folder's listing is read
// once and kept in a bounded LRU (by folder count and total names), so resolving many paths
// under the same folders costs map lookups, and memory stays bounded whatever the tree size.
import { readdirSync } from 'node:fs';
import type { EntryKind } from './types.ts';
import { foldCase } from './winpath.ts';

export interface ListedName {
  readonly name: string;
  readonly kind: EntryKind | 'other';
}

interface Listing {
  readonly exact: Map<string, ListedName>;
  readonly folded: Map<string, ListedName>;
  /** #added when it last moved to the recent end of the cache's order. */
  moved: number;
}

export interface DirIndexLimits {
  readonly maxDirs?: number;
  readonly maxNames?: number;
}

/** A bounded cache of folder listings for case-insensitive name lookups on a case-sensitive host. */
export class DirIndex {
  readonly #cache = new Map<string, Listing>();
  readonly #maxDirs: number;
  readonly #maxNames: number;
  #names = 0;
  /** Listings added so far: how far down the order a listing has aged since it last moved. */
  #added = 0;

  constructor(limits: DirIndexLimits = {}) {
    this.#maxDirs = limits.maxDirs ?? 1024;
    // Paths come folder by folder, so a few thousand names cover the working set; at 200,000 an
    // 8 GB tree's every name stayed cached (twice in LoadState: target and staging), and its
    // garbage took peak RSS past 256 MiB (issue 16).
    this.#maxNames = limits.maxNames ?? 16_384;
  }

  /**
   * The entry of `hostDir` whose name equals `name` exactly, else case-insensitively; null if none. Throws if the folder cannot be read.
   */
  lookup(hostDir: string, name: string): ListedName | null {
    const listing = this.#listing(hostDir);
    return listing.exact.get(name) ?? listing.folded.get(foldCase(name)) ?? null;
  }

  /** Add a name just created in `hostDir` to its cached listing (no-op when not cached). */
  add(hostDir: string, name: string, kind: ListedName['kind']): void {
    const l = this.#cache.get(hostDir);
    if (!l || l.exact.has(name)) return;
    const item = { name, kind };
    l.exact.set(name, item);
    const key = foldCase(name);
    if (!l.folded.has(key)) l.folded.set(key, item);
    this.#names++;
  }

  /** Record `hostDir` as a folder just created, empty: its listing is known without reading it. */
  created(hostDir: string): void {
    if (this.#cache.has(hostDir)) return;
    this.#remember(hostDir, { exact: new Map(), folded: new Map(), moved: 0 });
  }

  #listing(hostDir: string): Listing {
    const hit = this.#cache.get(hostDir);
    if (hit) {
      // Moved to the recent end only once it has aged past half the cache: a lookup per path
      // component re-inserting its folder was a measurable share of LoadState (issue 16).
      if (this.#added - hit.moved > this.#maxDirs >> 1) {
        this.#cache.delete(hostDir);
        this.#cache.set(hostDir, hit);
        hit.moved = this.#added;
      }
      return hit;
    }
    const exact = new Map<string, ListedName>();
    const folded = new Map<string, ListedName>();
    for (const d of readdirSync(hostDir, { withFileTypes: true })) {
      const kind: ListedName['kind'] = d.isSymbolicLink() ? 'symlink' : d.isDirectory() ? 'dir' : d.isFile() ? 'file' : 'other';
      const item = { name: d.name, kind };
      exact.set(d.name, item);
      const key = foldCase(d.name);
      // Two names differing only in case cannot exist on NTFS; on a host that has both, the
      // first in code-point order wins so the result does not depend on readdir order.
      const prev = folded.get(key);
      if (!prev || d.name < prev.name) folded.set(key, item);
    }
    return this.#remember(hostDir, { exact, folded, moved: 0 });
  }

  #remember(hostDir: string, listing: Listing): Listing {
    listing.moved = ++this.#added;
    this.#cache.set(hostDir, listing);
    this.#names += listing.exact.size;
    for (const [dir, l] of this.#cache) {
      if (this.#cache.size <= this.#maxDirs && this.#names <= this.#maxNames) break;
      if (dir === hostDir) continue;
      this.#cache.delete(dir);
      this.#names -= l.exact.size;
    }
    return listing;
  }
}
