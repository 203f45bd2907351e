// A first-in, first-out run of bytes in one reused Buffer, addressed by absolute position. The
// capture keeps what waits for disk (catalog entries of files in chunks not yet written, journal
// objects not yet sealed) here rather than as JavaScript strings: strings that live across a
// young-generation GC are what made V8 grow it with the tree (to 128 MiB over an 8 GB capture,
// measured); bytes in a Buffer are outside the JS heap and this one stays as large as the most
// that ever waited at once.

export class ByteQueue {
  #buf: Buffer;
  /** Absolute position of #buf[0], of the first byte still queued, and of the end. */
  #start = 0;
  #head = 0;
  #tail = 0;

  constructor(initial = 64 * 1024) {
    this.#buf = Buffer.allocUnsafe(initial);
  }

  /** Bytes queued. */
  get length(): number {
    return this.#tail - this.#head;
  }

  /** Absolute position of the end (where the next byte goes). */
  get end(): number {
    return this.#tail;
  }

  /** Append a string as UTF-8; returns where it starts. */
  write(text: string): number {
    const n = Buffer.byteLength(text, 'utf8');
    this.#reserve(n);
    const at = this.#tail;
    this.#buf.write(text, at - this.#start, n, 'utf8');
    this.#tail += n;
    return at;
  }

  /** Append bytes; returns where they start. */
  append(bytes: Buffer): number {
    this.#reserve(bytes.length);
    const at = this.#tail;
    bytes.copy(this.#buf, at - this.#start);
    this.#tail += bytes.length;
    return at;
  }

  /** The queued bytes at [at, at + len), in place: valid until the next append. */
  view(at: number, len: number): Buffer {
    if (at < this.#head || at + len > this.#tail) throw new RangeError(`byte queue: [${at}, ${at + len}) is not queued`);
    return this.#buf.subarray(at - this.#start, at - this.#start + len);
  }

  /** Drop every byte before `to`. */
  consume(to: number): void {
    this.#head = Math.max(this.#head, Math.min(to, this.#tail));
    if (this.#head === this.#tail) this.#start = this.#head;
  }

  /** Drop everything. */
  clear(): void {
    this.consume(this.#tail);
  }

  #reserve(n: number): void {
    if (this.#tail - this.#start + n <= this.#buf.length) return;
    const used = this.#tail - this.#head;
    if (used + n > this.#buf.length) {
      let size = this.#buf.length * 2;
      while (used + n > size) size *= 2;
      const grown = Buffer.allocUnsafe(size);
      this.#buf.copy(grown, 0, this.#head - this.#start, this.#tail - this.#start);
      this.#buf = grown;
    } else this.#buf.copy(this.#buf, 0, this.#head - this.#start, this.#tail - this.#start);
    this.#start = this.#head;
  }
}
