// Conversion between a value's raw bytes and its decoded form (RegData), per REG_* type.
// Decoding never throws: data that does not fit its type (a 3-byte DWORD, say) stays a Buffer,
// because Windows stores whatever a program wrote. Encoding validates, since Ferry writes it.
import { FerryError } from '../errors/index.ts';
import { RegType, type RegData } from './types.ts';

const TYPE_NAMES: Record<number, string> = {
  [RegType.NONE]: 'REG_NONE',
  [RegType.SZ]: 'REG_SZ',
  [RegType.EXPAND_SZ]: 'REG_EXPAND_SZ',
  [RegType.BINARY]: 'REG_BINARY',
  [RegType.DWORD]: 'REG_DWORD',
  [RegType.DWORD_BIG_ENDIAN]: 'REG_DWORD_BIG_ENDIAN',
  [RegType.LINK]: 'REG_LINK',
  [RegType.MULTI_SZ]: 'REG_MULTI_SZ',
  [RegType.RESOURCE_LIST]: 'REG_RESOURCE_LIST',
  [RegType.FULL_RESOURCE_DESCRIPTOR]: 'REG_FULL_RESOURCE_DESCRIPTOR',
  [RegType.RESOURCE_REQUIREMENTS_LIST]: 'REG_RESOURCE_REQUIREMENTS_LIST',
  [RegType.QWORD]: 'REG_QWORD',
};

/** `REG_SZ` for 1, …; non-standard numbers as `REG_0x…`. */
export function regTypeName(type: number): string {
  return TYPE_NAMES[type] ?? `REG_0x${(type >>> 0).toString(16)}`;
}

/** Inverse of regTypeName (case-insensitive; also accepts the bare number); null if unknown. */
export function parseRegTypeName(name: string): number | null {
  const upper = name.trim().toUpperCase();
  for (const [num, n] of Object.entries(TYPE_NAMES)) if (n === upper) return Number(num);
  const hex = /^REG_0X([0-9A-F]{1,8})$/.exec(upper);
  if (hex) return parseInt(hex[1]!, 16);
  return /^\d+$/.test(upper) && Number(upper) <= 0xffffffff ? Number(upper) : null;
}

/** UTF-16LE text up to the first NUL (an odd trailing byte is ignored). */
function utf16z(raw: Buffer): string {
  const s = raw.toString('utf16le', 0, raw.length & ~1);
  const nul = s.indexOf('\0');
  return nul === -1 ? s : s.slice(0, nul);
}

/** Decodes a value's raw bytes by its REG_* type (strings, multi-strings, DWORD/QWORD); an unknown type stays a Buffer. */
export function decodeValueData(type: number, raw: Buffer): RegData {
  switch (type) {
    case RegType.SZ:
    case RegType.EXPAND_SZ:
      return utf16z(raw);
    case RegType.LINK:
      return raw.toString('utf16le', 0, raw.length & ~1);
    case RegType.MULTI_SZ: {
      const parts = raw.toString('utf16le', 0, raw.length & ~1).split('\0');
      while (parts.length > 0 && parts[parts.length - 1] === '') parts.pop();
      return parts;
    }
    case RegType.DWORD:
      return raw.length === 4 ? raw.readUInt32LE(0) : raw;
    case RegType.DWORD_BIG_ENDIAN:
      return raw.length === 4 ? raw.readUInt32BE(0) : raw;
    case RegType.QWORD:
      return raw.length === 8 ? raw.readBigUInt64LE(0) : raw;
    default:
      return raw;
  }
}

function invalid(type: number, what: string): FerryError {
  return new FerryError('FERRY_E_REGISTRY_VALUE_INVALID', `${regTypeName(type)} data must be ${what}.`, { details: { type } });
}

/**
 * Raw bytes for decoded data. A Buffer is always taken as the raw bytes (any type);
 * strings get their terminating NUL (except REG_LINK, stored without one, as Windows does).
 */
export function encodeValueData(type: number, data: RegData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  switch (type) {
    case RegType.SZ:
    case RegType.EXPAND_SZ:
      if (typeof data !== 'string') throw invalid(type, 'a string');
      return Buffer.from(data + '\0', 'utf16le');
    case RegType.LINK:
      if (typeof data !== 'string') throw invalid(type, 'a string');
      return Buffer.from(data, 'utf16le');
    case RegType.MULTI_SZ: {
      if (!Array.isArray(data) || data.some((s) => typeof s !== 'string' || s.includes('\0')))
        throw invalid(type, 'an array of strings without NUL characters');
      return Buffer.from(data.map((s) => s + '\0').join('') + '\0', 'utf16le');
    }
    case RegType.DWORD:
    case RegType.DWORD_BIG_ENDIAN: {
      const n = typeof data === 'bigint' ? Number(data) : data;
      if (typeof n !== 'number' || !Number.isInteger(n) || n < -0x80000000 || n > 0xffffffff)
        throw invalid(type, 'an integer in 0…4294967295 (or a signed 32-bit integer)');
      const b = Buffer.alloc(4);
      if (type === RegType.DWORD) b.writeUInt32LE(n >>> 0);
      else b.writeUInt32BE(n >>> 0);
      return b;
    }
    case RegType.QWORD: {
      let n: bigint;
      if (typeof data === 'bigint') n = data;
      else if (typeof data === 'number' && Number.isSafeInteger(data)) n = BigInt(data);
      else throw invalid(type, 'a bigint or a safe integer');
      if (n < -(1n << 63n) || n >= 1n << 64n) throw invalid(type, 'within 64 bits');
      const b = Buffer.alloc(8);
      b.writeBigUInt64LE(BigInt.asUintN(64, n));
      return b;
    }
    default:
      throw invalid(type, 'a Buffer (raw bytes)');
  }
}
