// ScanState's plan: what the Scanning pass decided, in walk order, so that Collecting stores it
// without walking the volume and running every rule a second time (issue 16: the second pass was
// 35–40 % of a capture). The plan goes to an unlinked file in the store folder, not to memory: a
// file or folder costs 48 bytes plus its two paths (UTF-8) there and nothing in the heap, so
// memory stays flat whatever the tree's size; one 1 MiB buffer writes and then reads it.
import { randomBytes } from 'node:crypto';
import { closeSync, openSync, readSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { deserialize, serialize } from 'node:v8';
import { FerryError, fromSystemError } from '../errors/index.ts';
import type { DecidedObject } from '../migxml/index.ts';
import type { Profile } from '../volume/index.ts';

/** What Collecting needs of a file or folder: the walk's facts, read once in the Scanning pass. */
export interface PlannedEntry {
  readonly winPath: string;
  readonly hostPath: string;
  readonly size: number;
  readonly mtimeMs: number;
  readonly atimeMs: number;
  readonly birthtimeMs: number;
  readonly attributes: number;
}

/** A decided object as Collecting stores it (a DecidedObject is one). */
export interface PlannedObject {
  readonly kind: DecidedObject['kind'];
  readonly winPath?: string;
  readonly regLocation?: string;
  readonly entry?: PlannedEntry;
  readonly value?: Pick<NonNullable<DecidedObject['value']>, 'name' | 'type' | 'raw'>;
  readonly ini?: DecidedObject['ini'];
  readonly user?: Profile;
  readonly component: string;
}

const BUFFER = 1 << 20;
const KIND = ['file', 'dir', 'registry', 'ini'] as const;
/** u32 length, u8 kind, u8 0, u16 user, u32 component, u32 attributes, 4 × f64 (size and times); then the two paths. */
const FIXED = 48;
const MAX_USERS = 0xffff;

/** Objects written in order, then read back once in the same order. */
export class PlanSpool {
  readonly #fd: number;
  #buf = Buffer.allocUnsafe(BUFFER);
  #len = 0;
  #fileEnd = 0;
  readonly #users: (Profile | undefined)[] = [undefined];
  readonly #userIndex = new Map<Profile, number>();
  readonly #components: string[] = [];
  readonly #componentIndex = new Map<string, number>();

  /** `dir`: where the file is made and unlinked at once (the store folder: it has room for the plan). */
  constructor(dir: string) {
    const path = join(dir, `.ferry-plan-${process.pid}-${randomBytes(6).toString('hex')}`);
    try {
      this.#fd = openSync(path, 'wx+', 0o600);
      // Unlinked at once: the plan is gone with the process, however it ends.
      unlinkSync(path);
    } catch (err) {
      throw fromSystemError(err, 'creating the capture plan (a temporary file)');
    }
  }

  #user(p: Profile | undefined): number {
    if (!p) return 0;
    let i = this.#userIndex.get(p);
    if (i === undefined) {
      i = this.#users.push(p) - 1;
      if (i > MAX_USERS) throw new FerryError('FERRY_E_INTERNAL', `A capture plan holds at most ${MAX_USERS} users.`);
      this.#userIndex.set(p, i);
    }
    return i;
  }

  #component(c: string): number {
    let i = this.#componentIndex.get(c);
    if (i === undefined) {
      i = this.#components.push(c) - 1;
      this.#componentIndex.set(c, i);
    }
    return i;
  }

  #room(n: number): void {
    if (this.#len + n <= this.#buf.length) return;
    this.#flush();
    if (n > this.#buf.length) this.#buf = Buffer.allocUnsafe(n);
  }

  #flush(): void {
    let off = 0;
    try {
      while (off < this.#len) off += writeSync(this.#fd, this.#buf, off, this.#len - off, this.#fileEnd + off);
    } catch (err) {
      throw fromSystemError(err, 'writing the capture plan (a temporary file)');
    }
    this.#fileEnd += this.#len;
    this.#len = 0;
  }

  add(obj: PlannedObject): void {
    const e = obj.entry;
    if ((obj.kind === 'file' || obj.kind === 'dir') && e) {
      // Room for the worst case of UTF-8 (3 bytes per UTF-16 unit).
      this.#room(FIXED + 8 + 3 * (e.winPath.length + e.hostPath.length));
      const b = this.#buf;
      const start = this.#len;
      b.writeUInt16LE(obj.kind === 'file' ? 0 : 1, start + 4);
      b.writeUInt16LE(this.#user(obj.user), start + 6);
      b.writeUInt32LE(this.#component(obj.component), start + 8);
      b.writeUInt32LE(e.attributes >>> 0, start + 12);
      b.writeDoubleLE(e.size, start + 16);
      b.writeDoubleLE(e.mtimeMs, start + 24);
      b.writeDoubleLE(e.atimeMs, start + 32);
      b.writeDoubleLE(e.birthtimeMs, start + 40);
      let p = start + FIXED;
      for (const s of [e.winPath, e.hostPath]) {
        const n = b.write(s, p + 4, 'utf8');
        b.writeUInt32LE(n, p);
        p += 4 + n;
      }
      b.writeUInt32LE(p - start, start);
      this.#len = p;
      return;
    }
    const { kind, winPath, regLocation, ini, component } = obj;
    const value = obj.value ? { name: obj.value.name, type: obj.value.type, raw: obj.value.raw } : undefined;
    const body = serialize({ kind, component, ...defined({ winPath, regLocation, ini, value }) });
    this.#room(8 + body.length);
    const start = this.#len;
    this.#buf.writeUInt16LE(KIND.indexOf(kind), start + 4);
    this.#buf.writeUInt16LE(this.#user(obj.user), start + 6);
    body.copy(this.#buf, start + 8);
    this.#buf.writeUInt32LE(8 + body.length, start);
    this.#len += 8 + body.length;
  }

  /** The objects in the order they were added; the spool is closed when the iteration ends. */
  *read(): Generator<PlannedObject> {
    this.#flush();
    let filePos = 0;
    let b = this.#buf;
    let have = 0;
    let p = 0;
    try {
      for (;;) {
        if (have - p < 4 || have - p < b.readUInt32LE(p)) {
          // Move the partial record to the front and fill the rest.
          const need = have - p >= 4 ? b.readUInt32LE(p) : 4;
          const keep = b.subarray(p, have);
          const next = need > b.length ? Buffer.allocUnsafe(need) : b;
          keep.copy(next, 0);
          b = next;
          have = keep.length;
          p = 0;
          while (have < b.length && filePos < this.#fileEnd) {
            const n = readPlan(this.#fd, b, have, Math.min(b.length - have, this.#fileEnd - filePos), filePos);
            if (n === 0) break;
            have += n;
            filePos += n;
          }
          if (have === 0) return;
          if (have < 4 || have < b.readUInt32LE(0)) throw new FerryError('FERRY_E_INTERNAL', 'The capture plan ends inside a record.');
        }
        const len = b.readUInt32LE(p);
        yield this.#decode(b, p, len);
        p += len;
      }
    } finally {
      this.close();
    }
  }

  #decode(b: Buffer, p: number, len: number): PlannedObject {
    const kind = KIND[b.readUInt16LE(p + 4)]!;
    const user = this.#users[b.readUInt16LE(p + 6)];
    if (kind === 'file' || kind === 'dir') {
      let q = p + FIXED;
      const wlen = b.readUInt32LE(q);
      const winPath = b.toString('utf8', q + 4, q + 4 + wlen);
      q += 4 + wlen;
      const hlen = b.readUInt32LE(q);
      const hostPath = b.toString('utf8', q + 4, q + 4 + hlen);
      const entry: PlannedEntry = {
        winPath,
        hostPath,
        attributes: b.readUInt32LE(p + 12),
        size: b.readDoubleLE(p + 16),
        mtimeMs: b.readDoubleLE(p + 24),
        atimeMs: b.readDoubleLE(p + 32),
        birthtimeMs: b.readDoubleLE(p + 40),
      };
      return { kind, winPath, entry, component: this.#components[b.readUInt32LE(p + 8)]!, ...(user ? { user } : {}) };
    }
    // A copy: deserialized Buffers are views of their input, which the next read overwrites.
    const o = deserialize(Buffer.from(b.subarray(p + 8, p + len))) as PlannedObject;
    return { ...o, ...(user ? { user } : {}) };
  }

  close(): void {
    if (this.#buf.length === 0) return;
    this.#buf = Buffer.alloc(0);
    closeSync(this.#fd);
  }
}

/** The fields that are set (v8.serialize keeps undefined ones). */
function defined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function readPlan(fd: number, b: Buffer, at: number, n: number, pos: number): number {
  try {
    return readSync(fd, b, at, n, pos);
  } catch (err) {
    throw fromSystemError(err, 'reading the capture plan (a temporary file)');
  }
}
