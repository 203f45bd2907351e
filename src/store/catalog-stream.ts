// The catalog of a fresh folder store (uncompressed or hard-link), written to `catalog.mig.tmp`
// while the capture runs: each object's JSON is made once, for the journal and the catalog, and
// `finish` no longer reads the whole journal back to build it (issue 16). At most one frame's
// lines (CHUNK_SIZE) are held in memory.
import { CHUNK_SIZE } from './frame.ts';
import type { EntryJson } from './journal.ts';

/** What a finished catalog holds, as the trailer counts it. */
export interface CatalogCounts {
  entries: number;
  files: number;
  dirs: number;
  registry: number;
  bytes: number;
}

/** Writes one catalog frame (its JSON Lines, the number of its first entry). */
export type PutCatalogFrame = (raw: Buffer, firstEntry: number) => Promise<void>;

export class CatalogStream {
  readonly counts: CatalogCounts = { entries: 0, files: 0, dirs: 0, registry: 0, bytes: 0 };
  readonly #put: PutCatalogFrame;
  // Lines are joined into one string per frame: a Buffer per entry cost more than its JSON.
  #lines: string[] = [];
  #bytes = 0;
  #first = 0;

  constructor(put: PutCatalogFrame) {
    this.#put = put;
  }

  /** One live object, in catalog order, with its JSON (`JSON.stringify(entry)`). */
  add(entry: EntryJson, json: string): void {
    const line = `${json}\n`;
    this.#lines.push(line);
    this.#bytes += Buffer.byteLength(line, 'utf8');
    const c = this.counts;
    c.entries++;
    if (entry.kind === 'file') c.files++, (c.bytes += entry.size);
    else if (entry.kind === 'dir') c.dirs++;
    else if (entry.kind === 'registry') c.registry++;
  }

  /** A full frame is waiting to be written. */
  get full(): boolean {
    return this.#bytes >= CHUNK_SIZE;
  }

  /** Write the lines gathered so far as one frame (none when there are none). */
  async writeFrame(): Promise<void> {
    if (this.#lines.length === 0) return;
    const raw = Buffer.from(this.#lines.join(''), 'utf8');
    const first = this.#first;
    this.#first = this.counts.entries;
    this.#lines = [];
    this.#bytes = 0;
    await this.#put(raw, first);
  }
}
