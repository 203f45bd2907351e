// A user's registry values restored under a different profile folder (`/mu`, or a target profile
// elsewhere) or a different account: absolute paths under the old profile folder point into the
// new one, and the old SID string becomes the new SID. Only string data is touched (REG_SZ,
// REG_EXPAND_SZ, REG_MULTI_SZ); binary data is opaque and stays as captured.
import { RegType } from '../registry/index.ts';

export interface ProfileRemap {
  /** Source profile folder, e.g. `C:\Users\alice`. */
  readonly fromProfile: string;
  /** Target profile folder, e.g. `C:\Users\alice2`. */
  readonly toProfile: string;
  /** The account's SID on the source and on the target, when both are known. */
  readonly fromSid?: string;
  readonly toSid?: string;
}

// A profile path ends a match where a longer folder name cannot go on: at the end of the text, a
// path separator, a character Windows forbids in names, a NUL (REG_MULTI_SZ), or `;` (path lists).
// A space or a dot continues the name (`C:\Users\alice smith`, `C:\Users\alice.old`).
const PATH_END = String.raw`(?=$|[\\/:*?"<>|;\x00-\x1f])`;
// A path starts at the text's start or after a character that cannot be part of a drive letter.
const PATH_START = String.raw`(?<![A-Za-z0-9])`;
const SID_END = String.raw`(?![0-9-])`;

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * `text` with every absolute path under `fromProfile` moved under `toProfile`, compared
 * case-insensitively on a whole-folder boundary (`C:\Users\al` does not match inside
 * `C:\Users\alice`). Environment-variable forms (`%USERPROFILE%\…`) need no change and are kept.
 */
export function remapProfilePaths(text: string, fromProfile: string, toProfile: string): string {
  const from = fromProfile.replace(/\\+$/, '');
  const to = toProfile.replace(/\\+$/, '');
  if (!from || from.toLowerCase() === to.toLowerCase()) return text;
  return text.replace(new RegExp(`${PATH_START}${escape(from)}${PATH_END}`, 'giu'), () => to);
}

/** `text` with the SID string `fromSid` (whole, not a prefix of a longer SID) replaced by `toSid`. */
export function remapSid(text: string, fromSid: string, toSid: string): string {
  if (fromSid.toUpperCase() === toSid.toUpperCase()) return text;
  return text.replace(new RegExp(`(?<![0-9A-Za-z-])${escape(fromSid)}${SID_END}`, 'gi'), () => toSid);
}

const STRING_TYPES: ReadonlySet<number> = new Set([RegType.SZ, RegType.EXPAND_SZ, RegType.MULTI_SZ]);

/** Raw value data with `remap` applied to its text; the same Buffer when nothing changed. */
export function remapValueData(type: number, raw: Buffer, remap: ProfileRemap): Buffer {
  if (!STRING_TYPES.has(type) || raw.length < 2) return raw;
  const even = raw.length & ~1;
  const text = raw.toString('utf16le', 0, even);
  let out = remapProfilePaths(text, remap.fromProfile, remap.toProfile);
  if (remap.fromSid && remap.toSid) out = remapSid(out, remap.fromSid, remap.toSid);
  if (out === text) return raw;
  // A stray odd byte after the UTF-16 text is kept as captured.
  return Buffer.concat([Buffer.from(out, 'utf16le'), raw.subarray(even)]);
}
