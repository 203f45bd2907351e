// Test support: a minimal PE32+ image with a VS_VERSIONINFO resource, for the version helpers.

const pad4 = (b: Buffer) => (b.length % 4 ? Buffer.concat([b, Buffer.alloc(4 - (b.length % 4))]) : b);

/** One VS_VERSIONINFO-style block: header, key, value, children (each 4-aligned). */
function block(key: string, type: number, value: Buffer, valueLength: number, children: Buffer[] = []): Buffer {
  const head = Buffer.alloc(6);
  const body = Buffer.concat([pad4(Buffer.concat([head, Buffer.from(`${key}\0`, 'utf16le')])), pad4(value), ...children.map(pad4)]);
  body.writeUInt16LE(body.length, 0);
  body.writeUInt16LE(valueLength, 2);
  body.writeUInt16LE(type, 4);
  return body;
}

const str = (k: string, v: string) => block(k, 1, Buffer.from(`${v}\0`, 'utf16le'), v.length + 1);

export function versionResource(fileVersion: number[], strings: Record<string, string>): Buffer {
  const fixed = Buffer.alloc(52);
  fixed.writeUInt32LE(0xfeef04bd, 0);
  fixed.writeUInt32LE(0x10000, 4);
  fixed.writeUInt32LE(((fileVersion[0]! << 16) | fileVersion[1]!) >>> 0, 8);
  fixed.writeUInt32LE(((fileVersion[2]! << 16) | fileVersion[3]!) >>> 0, 12);
  fixed.writeUInt32LE(((fileVersion[0]! << 16) | fileVersion[1]!) >>> 0, 16);
  fixed.writeUInt32LE(((fileVersion[2]! << 16) | fileVersion[3]!) >>> 0, 20);
  const table = block(
    '040904b0',
    1,
    Buffer.alloc(0),
    0,
    Object.entries(strings).map(([k, v]) => str(k, v)),
  );
  return block('VS_VERSION_INFO', 0, fixed, 52, [block('StringFileInfo', 1, Buffer.alloc(0), 0, [table])]);
}

/** A minimal PE32+ image whose only section is .rsrc holding RT_VERSION. */
export function peWithVersion(resource: Buffer): Buffer {
  const rva = 0x1000;
  const rsrc = Buffer.alloc(0x58 + resource.length);
  const dir = (at: number, id: number, target: number) => {
    rsrc.writeUInt16LE(1, at + 14);
    rsrc.writeUInt32LE(id, at + 16);
    rsrc.writeUInt32LE(target >>> 0, at + 20);
  };
  dir(0x00, 16, 0x80000000 | 0x18);
  dir(0x18, 1, 0x80000000 | 0x30);
  dir(0x30, 0x409, 0x48);
  rsrc.writeUInt32LE(rva + 0x58, 0x48);
  rsrc.writeUInt32LE(resource.length, 0x4c);
  resource.copy(rsrc, 0x58);
  const head = Buffer.alloc(0x200);
  head.write('MZ', 0, 'latin1');
  head.writeUInt32LE(0x40, 0x3c);
  head.write('PE\0\0', 0x40, 'latin1');
  head.writeUInt16LE(0x8664, 0x44);
  head.writeUInt16LE(1, 0x46);
  head.writeUInt16LE(240, 0x54);
  const opt = 0x58;
  head.writeUInt16LE(0x20b, opt);
  head.writeUInt32LE(rva, opt + 112 + 16);
  head.writeUInt32LE(rsrc.length, opt + 112 + 20);
  const sec = opt + 240;
  head.write('.rsrc', sec, 'latin1');
  head.writeUInt32LE(rsrc.length, sec + 8);
  head.writeUInt32LE(rva, sec + 12);
  head.writeUInt32LE(rsrc.length, sec + 16);
  head.writeUInt32LE(0x200, sec + 20);
  return Buffer.concat([head, rsrc]);
}
