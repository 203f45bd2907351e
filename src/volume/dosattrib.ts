// Decoders for the two ways Linux file systems carry Windows FILE_ATTRIBUTE_* bits:
//  - `system.ntfs_attrib_be` (ntfs-3g): the NTFS attribute word, 4 bytes big-endian;
//  - `user.DOSATTRIB` (Samba, ksmbd, `ferry sample-volume`): either the ASCII string `0x<hex>` or Samba's
//    NDR-encoded `xattr_DOSATTRIB` blob (librpc/idl/xattr.idl).
//
// The NDR blob is: a NUL-terminated ASCII `attrib_hex` (often empty since Samba 4.9), then,
// aligned to 2, `uint16 version`; then the `xattr_DosInfo` union: its `uint16` level (equal to
// the version), then the arm, a struct aligned to 4 (NTTIME and udlong align to 4 in NDR):
//   v1      attrib, ea_size, size, alloc_size, create_time, change_time
//   v2(old) flags, attrib, …
//   v3/4/5  valid_flags, attrib, …   (attrib meaningful only with XATTR_DOSINFO_ATTRIB = 0x1)
// A blob that ends right after the string is the compat form: only `attrib_hex` counts.

/** Decode `system.ntfs_attrib_be`; null if the value is not 4 bytes. */
export function decodeNtfsAttrib(value: Uint8Array): number | null {
  if (value.length !== 4) return null;
  return ((value[0]! << 24) | (value[1]! << 16) | (value[2]! << 8) | value[3]!) >>> 0;
}

const XATTR_DOSINFO_ATTRIB = 0x1;

function parseHex(text: string): number | null {
  const m = /^\s*0[xX]([0-9a-fA-F]{1,8})\s*$/.exec(text);
  return m ? Number.parseInt(m[1]!, 16) >>> 0 : null;
}

const align = (off: number, n: number): number => (off + n - 1) & ~(n - 1);

/** Decode a `user.DOSATTRIB` value (ASCII or NDR form); null if it is neither. */
export function decodeDosAttrib(value: Uint8Array): number | null {
  const nul = value.indexOf(0);
  const hexText = Buffer.from(value.buffer, value.byteOffset, nul < 0 ? value.length : nul).toString('latin1');
  const fromHex = parseHex(hexText);
  if (nul < 0 || nul + 1 >= value.length) return fromHex;

  const view = new DataView(value.buffer, value.byteOffset, value.byteLength);
  const u16 = (off: number): number | null => (off + 2 <= value.length ? view.getUint16(off, true) : null);
  const u32 = (off: number): number | null => (off + 4 <= value.length ? view.getUint32(off, true) : null);

  let off = align(nul + 1, 2);
  const version = u16(off);
  if (version === null) return fromHex;
  off += 2;
  const level = u16(off);
  if (level !== version) return fromHex;
  off = align(off + 2, 4);

  switch (version) {
    case 1:
      return u32(off) ?? fromHex;
    case 2:
      return u32(off + 4) ?? fromHex;
    case 3:
    case 4:
    case 5: {
      const valid = u32(off);
      const attrib = u32(off + 4);
      if (valid === null || attrib === null) return fromHex;
      return valid & XATTR_DOSINFO_ATTRIB ? attrib : fromHex;
    }
    default:
      return fromHex;
  }
}
