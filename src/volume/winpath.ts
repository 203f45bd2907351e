// Windows path text: parsing, normalising and case folding, independent of any file system.
// `C:\Users\a`, `c:/users/a`, `\\?\C:\Users\a` and `C:\Users\.\b\..\a\` all parse to drive `C:`
// and parts ['Users', 'a']. `..` never climbs above the drive root (as on Windows).

export interface WinPath {
  /**
   * Upper-case drive with colon (`C:`), '' for a rootless path (`\Users\a`), or the share of a
   * UNC path (`\\server\share`), which never maps to a drive of the volume.
   */
  readonly drive: string;
  /** Path components below the drive root, `.`/`..` resolved, empty components dropped. */
  readonly parts: readonly string[];
}

const DRIVE = /^([A-Za-z]):/;

/** Parse a Windows path. Accepts `\` and `/`, the `\\?\` and `\??\` prefixes, and `C:` alone. */
export function parseWinPath(text: string): WinPath {
  let s = text;
  if (s.startsWith('\\\\?\\') || s.startsWith('\\??\\') || s.startsWith('//?/')) {
    s = s.slice(4);
    if (/^UNC[\\/]/i.test(s)) s = `\\\\${s.slice(4)}`;
  }
  const unc = /^[\\/]{2}([^\\/]+)(?:[\\/]+([^\\/]+))?/.exec(s);
  if (unc) {
    const drive = `\\\\${unc[1]}${unc[2] === undefined ? '' : `\\${unc[2]}`}`;
    return { drive, parts: splitParts(s.slice(unc[0].length)) };
  }
  let drive = '';
  const m = DRIVE.exec(s);
  if (m) {
    drive = `${m[1]!.toUpperCase()}:`;
    s = s.slice(2);
  }
  return { drive, parts: splitParts(s) };
}

function splitParts(s: string): string[] {
  const parts: string[] = [];
  for (const part of s.split(/[\\/]/)) {
    if (part === '' || part === '.') continue;
    if (part === '..') parts.pop();
    else parts.push(part);
  }
  return parts;
}

/** Format drive + parts as a Windows path: `C:\Users\a`; the drive root is `C:\`. */
export function formatWinPath(drive: string, parts: readonly string[]): string {
  return parts.length === 0 ? `${drive}\\` : `${drive}\\${parts.join('\\')}`;
}

/** Normalise a Windows path to `C:\A\b` form (drive upper-case, `\` separators, no trailing `\`). */
export function normalizeWinPath(text: string, defaultDrive = 'C:'): string {
  const p = parseWinPath(text);
  return formatWinPath(p.drive || defaultDrive, p.parts);
}

/** Join a Windows path and a relative tail (`\` or `/` separated). */
export function joinWinPath(base: string, ...tail: string[]): string {
  let out = base.replace(/[\\/]+$/, '');
  for (const t of tail) {
    const clean = t.replace(/^[\\/]+|[\\/]+$/g, '');
    if (clean) out += `\\${clean.replace(/\//g, '\\')}`;
  }
  return /^[A-Za-z]:$/.test(out) ? `${out}\\` : out;
}

const ASCII = /^[\x00-\x7f]*$/;

/**
 * The case-folded key NTFS compares names by: an upper-case mapping per character that never
 * changes length (`ß` stays `ß`, unlike `toUpperCase()`), plus NFC so that a name stored
 * decomposed (NFD) on the host still matches rule text written precomposed.
 */
export function foldCase(name: string): string {
  if (ASCII.test(name)) return name.toUpperCase();
  let out = '';
  for (const ch of name.normalize('NFC')) {
    const up = ch.toUpperCase();
    out += up.length === ch.length ? up : ch;
  }
  return out;
}

/** Case-insensitive equality of two Windows paths or names. */
export function winPathEquals(a: string, b: string): boolean {
  return foldCase(normalizeWinPath(a)) === foldCase(normalizeWinPath(b));
}

/** True when `child` is `parent` or lies below it (case-insensitive, whole components). */
export function isWinPathWithin(child: string, parent: string): boolean {
  const c = foldCase(normalizeWinPath(child));
  const p = foldCase(normalizeWinPath(parent));
  if (c === p) return true;
  return c.startsWith(p.endsWith('\\') ? p : `${p}\\`);
}

/**
 * Characters no Windows name can contain: control characters, `\` and `<>:"|?*`. A host name
 * with one of them (possible on Linux or in NTFS's POSIX namespace) has no Windows path; a `\`
 * would even let a name pose as a path (`..\Windows\x.dll`).
 */
export const INVALID_NAME_CHARS = /[\x00-\x1f\\<>:"|?*]/;
