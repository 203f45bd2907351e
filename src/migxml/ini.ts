// INI files as Windows' profile API sees them (GetPrivateProfileString / WritePrivateProfileString):
// `[Section]` headers and `key=value` lines, names case-insensitive, `;` comment lines, the first
// of duplicate sections and keys wins. Files are UTF-16LE with a BOM (what Windows writes for
// Unicode INI files) or 8-bit text; an edit keeps the file's encoding, line ends and every line it
// does not touch, so a setting merged into a target's INI changes nothing else in it.
import { readFile, stat } from 'node:fs/promises';
import { pathSegments, splitLocation } from './pattern.ts';

/** How the file's bytes are decoded and written back. */
export type IniEncoding = 'utf16le' | 'utf16be' | 'utf8-bom' | 'utf8' | 'latin1';

/** An INI file as lines, with the encoding and line ends to write it back in. */
export interface IniDocument {
  readonly encoding: IniEncoding;
  /** Line end of the file (`\r\n` for a new file). */
  readonly eol: string;
  /** The text split at line ends; edits replace or insert whole lines. */
  readonly lines: string[];
}

/** One key of an INI file, with its section and value. */
export interface IniSetting {
  /** As written in the file (the header's text, trimmed). '' for keys before the first header. */
  readonly section: string;
  readonly key: string;
  readonly value: string;
}

/** Files larger than this are not INI files anyone maintains by hand; they are not read. */
export const MAX_INI_BYTES = 16 * 1024 * 1024;

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Reads an INI file's bytes, detecting its encoding (UTF-16 by BOM, UTF-8, else Latin-1) so `encodeIni` writes it back unchanged. */
export function decodeIni(buf: Buffer): IniDocument {
  let encoding: IniEncoding;
  let text: string;
  if (buf[0] === 0xff && buf[1] === 0xfe) {
    encoding = 'utf16le';
    text = buf.subarray(2).toString('utf16le');
  } else if (buf[0] === 0xfe && buf[1] === 0xff) {
    encoding = 'utf16be';
    // swap16 needs an even length: a stray last byte is dropped, as the LE decoder does.
    text = Buffer.from(buf.subarray(2, buf.length - ((buf.length - 2) % 2)))
      .swap16()
      .toString('utf16le');
  } else if (buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) {
    encoding = 'utf8-bom';
    text = buf.subarray(3).toString('utf8');
  } else {
    try {
      text = utf8.decode(buf);
      encoding = 'utf8';
    } catch {
      // Not UTF-8: the ANSI code page; latin1 maps every byte and writes the same bytes back.
      text = buf.toString('latin1');
      encoding = 'latin1';
    }
  }
  const eol = /\r\n/.test(text) || !text.includes('\n') ? '\r\n' : '\n';
  return { encoding, eol, lines: text.split(/\r?\n/) };
}

/** An INI document as bytes, in its own encoding and line ends. */
export function encodeIni(doc: IniDocument): Buffer {
  const text = doc.lines.join(doc.eol);
  switch (doc.encoding) {
    case 'utf16le':
      return Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
    case 'utf16be':
      return Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(text, 'utf16le').swap16()]);
    case 'utf8-bom':
      return Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text, 'utf8')]);
    case 'utf8':
      return Buffer.from(text, 'utf8');
    case 'latin1':
      return Buffer.from(text, 'latin1');
  }
}

/** A new, empty document in the encoding Windows uses for new files it writes itself. */
export function emptyIni(): IniDocument {
  return { encoding: 'latin1', eol: '\r\n', lines: [] };
}

const sectionOf = (line: string): string | null => {
  const t = line.trim();
  return t.startsWith('[') && t.includes(']') ? t.slice(1, t.indexOf(']')).trim() : null;
};

/** `key=value` of a line, or null for blank, comment and malformed lines. */
const pairOf = (line: string): { key: string; value: string } | null => {
  const t = line.trim();
  if (t === '' || t.startsWith(';')) return null;
  const eq = t.indexOf('=');
  if (eq <= 0) return null;
  return { key: t.slice(0, eq).trim(), value: t.slice(eq + 1).trim() };
};

/** Every setting in file order; a duplicate of an earlier section/key is left out (Windows reads the first). */
export function iniSettings(doc: IniDocument): IniSetting[] {
  const out: IniSetting[] = [];
  const seen = new Set<string>();
  let section = '';
  for (const line of doc.lines) {
    const s = sectionOf(line);
    if (s !== null) {
      section = s;
      continue;
    }
    const p = pairOf(line);
    if (!p) continue;
    const id = `${section.toLowerCase()}\0${p.key.toLowerCase()}`;
    if (seen.has(id)) continue;
    seen.add(id);
    out.push({ section, key: p.key, value: p.value });
  }
  return out;
}

/** The value of a key in a section (case-insensitive, as Windows reads INI files); null when absent. */
export function iniValue(doc: IniDocument, section: string, key: string): string | null {
  const s = section.toLowerCase();
  const k = key.toLowerCase();
  for (const x of iniSettings(doc)) if (x.section.toLowerCase() === s && x.key.toLowerCase() === k) return x.value;
  return null;
}

/**
 * Set `key=value` in the first `[section]` (where Windows reads it): replace the key's line,
 * else add it after the section's last setting, else append the section at the end.
 */
export function setIniValue(doc: IniDocument, section: string, key: string, value: string): void {
  const s = section.toLowerCase();
  const k = key.toLowerCase();
  const lines = doc.lines;
  const line = `${key}=${value}`;
  // Keys before the first header form the '' section.
  let inTarget = s === '';
  let seen = false;
  let insertAfter = -1;
  for (let i = 0; i < lines.length; i++) {
    const header = sectionOf(lines[i]!);
    if (header !== null) {
      if (inTarget) break;
      if (header.toLowerCase() === s) {
        inTarget = seen = true;
        insertAfter = i;
      }
      continue;
    }
    const p = inTarget ? pairOf(lines[i]!) : null;
    if (!p) continue;
    insertAfter = i;
    if (p.key.toLowerCase() === k) {
      lines[i] = `${p.key}=${value}`;
      return;
    }
  }
  if (s === '' || seen) {
    lines.splice(insertAfter + 1, 0, line);
    return;
  }
  // Append the section; keep a final empty line (the file's trailing line end) last.
  const trailing = lines.length > 0 && lines[lines.length - 1] === '' ? lines.pop() : undefined;
  if (lines.length && lines[lines.length - 1]!.trim() !== '') lines.push('');
  lines.push(`[${section}]`, line);
  if (trailing !== undefined || lines.length === 2) lines.push('');
}

/** The document of a host file; null when it is missing, unreadable, not a file or too large. */
export async function readIniFile(hostPath: string): Promise<IniDocument | null> {
  try {
    const st = await stat(hostPath);
    if (!st.isFile() || st.size > MAX_INI_BYTES) return null;
    return decodeIni(await readFile(hostPath));
  } catch {
    return null;
  }
}

/** Split an encoded INI location `C:\dir\file.ini|Section[Setting]` (§3.1); null when it is not one. */
export function splitIniLocation(location: string): { file: string; section: string; key: string } | null {
  const { node, leaf } = splitLocation(location);
  const bar = node.lastIndexOf('|');
  if (bar === -1 || leaf === null) return null;
  return { file: node.slice(0, bar), section: node.slice(bar + 1), key: leaf };
}

/** Node segments (the file's, then the section) and lower-cased setting of an INI location: the form rules match. */
export function iniKey(location: string): { node: string[]; leaf: string | null } {
  const loc = splitIniLocation(location);
  if (!loc) return { node: [], leaf: null };
  return { node: [...pathSegments(loc.file), loc.section.toLowerCase()], leaf: loc.key.toLowerCase() };
}

/** The encoded location of a setting (no space before `[`, as §3.1 requires for INI). */
export function iniLocation(file: string, section: string, key: string): string {
  return `${file}|${section}[${key.replace(/[\^[\]]/g, (c) => `^${c}`)}]`;
}
