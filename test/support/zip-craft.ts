// Hand-made zip files for tests that need what zip libraries will not write: entries declaring
// huge sizes compressed to almost nothing, the same compressed data under many names.
import { crc32, deflateRawSync } from 'node:zlib';

export interface CraftEntry {
  readonly name: string;
  /** Uncompressed content; give `zeros` instead for a large run of zero bytes. */
  readonly data?: Buffer;
  readonly zeros?: number;
}

/** A valid, deflated zip of the entries (entries of zeros share one compressed body). */
export function craftZip(entries: readonly CraftEntry[]): Buffer {
  const parts: Buffer[] = [];
  const central: Buffer[] = [];
  const cache = new Map<number, { body: Buffer; crc: number }>();
  let offset = 0;
  for (const e of entries) {
    let body: Buffer;
    let crc: number;
    let size: number;
    if (e.zeros !== undefined) {
      let c = cache.get(e.zeros);
      if (!c) {
        const z = Buffer.alloc(e.zeros);
        c = { body: deflateRawSync(z, { level: 9 }), crc: crc32(z) };
        cache.set(e.zeros, c);
      }
      ({ body, crc } = c);
      size = e.zeros;
    } else {
      const d = e.data ?? Buffer.alloc(0);
      body = deflateRawSync(d);
      crc = crc32(d);
      size = d.length;
    }
    const name = Buffer.from(e.name, 'utf8');
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0x0800, 6); // UTF-8 names
    local.writeUInt16LE(8, 8); // deflate
    local.writeUInt32LE(crc >>> 0, 14);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(size, 22);
    local.writeUInt16LE(name.length, 26);
    const cd = Buffer.alloc(46);
    cd.writeUInt32LE(0x02014b50, 0);
    cd.writeUInt16LE(20, 4);
    cd.writeUInt16LE(20, 6);
    cd.writeUInt16LE(0x0800, 8);
    cd.writeUInt16LE(8, 10);
    cd.writeUInt32LE(crc >>> 0, 16);
    cd.writeUInt32LE(body.length, 20);
    cd.writeUInt32LE(size, 24);
    cd.writeUInt16LE(name.length, 28);
    cd.writeUInt32LE(offset, 42);
    parts.push(local, name, body);
    central.push(cd, name);
    offset += local.length + name.length + body.length;
  }
  const cdBuf = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(cdBuf.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...parts, cdBuf, end]);
}
