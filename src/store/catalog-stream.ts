// The catalog of a fresh folder store (uncompressed or hard-link), written to `catalog.mig.tmp`
// while the capture runs: each object's JSON is made once, for the journal and the catalog, and
// `finish` no longer reads the whole journal back to build it (issue 16). At most one frame's
// lines (CHUNK_SIZE) are held in memory.
import { CHUNK_SIZE } from './frame.ts';
import type { EntryJson } from './journal.ts';

/** A frame's lines: CHUNK_SIZE and room for the line that crosses it. */
const FRAME_BUFFER = CHUNK_SIZE + 256 * 1024;

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
  // Each line is encoded straight into the frame's buffer: joining the lines of a frame and
  // encoding the result cost several times as much (issue 16).
  #buf = Buffer.allocUnsafe(FRAME_BUFFER);
  #bytes = 0;
  #first = 0;

  constructor(put: PutCatalogFrame) {
    this.#put = put;
  }

  /** One live object, in catalog order, with its JSON (`JSON.stringify(entry)`). */
  add(entry: EntryJson, json: string): void {
    const need = this.#bytes + 3 * json.length + 1;
    if (need > this.#buf.length) {
      const grown = Buffer.allocUnsafe(need);
      this.#buf.copy(grown, 0, 0, this.#bytes);
      this.#buf = grown;
    }
    this.#bytes += this.#buf.write(json, this.#bytes, 'utf8');
    this.#buf[this.#bytes++] = 0x0a; // \n
    const c = this.counts;
    c.entries++;
    if (entry.kind === 'file') c.files++, (c.bytes += entry.size);
    else if (entry.kind === 'dir') c.dirs++;
    else if (entry.kind === 'registry') c.registry++;
  }

  /** One live file whose entry's JSON is already encoded (UTF-8, copied here). */
  addFile(json: Buffer, size: number): void {
    const need = this.#bytes + json.length + 1;
    if (need > this.#buf.length) {
      const grown = Buffer.allocUnsafe(need);
      this.#buf.copy(grown, 0, 0, this.#bytes);
      this.#buf = grown;
    }
    // set, not copy: Buffer#copy's argument checks cost more than the copy of a line.
    this.#buf.set(json, this.#bytes);
    this.#bytes += json.length;
    this.#buf[this.#bytes++] = 0x0a; // \n
    this.counts.entries++;
    this.counts.files++;
    this.counts.bytes += size;
  }

  /** A full frame is waiting to be written. */
  get full(): boolean {
    return this.#bytes >= CHUNK_SIZE;
  }

  /** Write the lines gathered so far as one frame (none when there are none). */
  async writeFrame(): Promise<void> {
    if (this.#bytes === 0) return;
    const raw = this.#buf.subarray(0, this.#bytes);
    const first = this.#first;
    this.#first = this.counts.entries;
    this.#buf = Buffer.allocUnsafe(FRAME_BUFFER);
    this.#bytes = 0;
    await this.#put(raw, first);
  }
}
