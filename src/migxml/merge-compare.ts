// The comparisons behind the `<merge>` helpers that pick a side by value (spec §5.6):
// HigherValue() / LowerValue() compare registry values as numbers, NewestVersion() compares the
// version resources of two files. resolveCollision (relocate.ts) takes the result as "> 0: the
// source wins". When a side cannot be compared (a string that is not a number, a file without a
// version resource) the destination is kept: a merge rule never replaces data it cannot judge.
import { decodeValueData } from '../registry/index.ts';
import type { FileVersionInfo } from './pe-version.ts';

/** A registry value's data as an integer: DWORD, QWORD, or a string holding a decimal or 0x number. */
export function registryNumber(type: number, raw: Buffer): bigint | null {
  const data = decodeValueData(type, raw);
  if (typeof data === 'number') return BigInt(data);
  if (typeof data === 'bigint') return data;
  if (typeof data === 'string') {
    const t = data.trim();
    if (/^-?\d+$/.test(t)) return BigInt(t);
    if (/^0x[0-9a-f]+$/i.test(t)) return BigInt(t);
  }
  return null;
}

/** HigherValue / LowerValue: sign of source − destination, 0 when either is not a number. */
export function compareRegistryValues(source: { type: number; raw: Buffer }, destination: { type: number; raw: Buffer } | null): number {
  if (!destination) return 0;
  const a = registryNumber(source.type, source.raw);
  const b = registryNumber(destination.type, destination.raw);
  if (a === null || b === null) return 0;
  return a > b ? 1 : a < b ? -1 : 0;
}

/** NewestVersion("FileVersion"|"ProductVersion"): sign of source − destination version. */
export function compareFileVersions(
  tag: string | null | undefined,
  source: FileVersionInfo | null,
  destination: FileVersionInfo | null,
): number {
  const pick = (v: FileVersionInfo | null) => (v ? (/^productversion$/i.test(tag ?? '') ? v.productVersion : v.fileVersion) : undefined);
  const a = pick(source);
  const b = pick(destination);
  if (!a || !b) return 0;
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d) return Math.sign(d);
  }
  return 0;
}
