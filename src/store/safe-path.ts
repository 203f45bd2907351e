// Mapping Windows paths from a store onto host folders without ever leaving the destination.
import { isAbsolute, join, resolve, sep } from 'node:path';
import { FerryError } from '../errors/index.ts';

const DEVICE_NAME = /^(con|prn|aux|nul|conin\$|conout\$|com[0-9¹²³]|lpt[0-9¹²³])(\..*)?$/i;

function unsafe(path: string, why: string): FerryError {
  return new FerryError('FERRY_E_STORE_UNSAFE_PATH', `Refusing path ${JSON.stringify(path)}: ${why}. Do not extract from this store.`, {
    details: { path, why },
  });
}

/** The components of a relative Windows path, each checked as safeJoin describes. */
function checkedParts(p: string): string[] {
  if (p.length === 0) throw unsafe(p, 'empty path');
  if (/[\u0000-\u001f]/.test(p)) throw unsafe(p, 'control character in path');
  if (/^[\\/]/.test(p) || isAbsolute(p)) throw unsafe(p, 'absolute path');
  if (p.includes(':')) throw unsafe(p, 'drive letter or stream name');
  const parts = p.split(/[\\/]+/).filter((c) => c !== '' && c !== '.');
  if (parts.length === 0) throw unsafe(p, 'no file name');
  for (const c of parts) {
    if (/^[. ]+$/.test(c)) throw unsafe(p, `"${c}" leads outside the destination`);
    if (DEVICE_NAME.test(c.replace(/[. ]+$/, ''))) throw unsafe(p, `"${c}" is a device name`);
    if (/[<>"|?*]/.test(c)) throw unsafe(p, `"${c}" holds a character Windows forbids in names`);
  }
  return parts;
}

/**
 * Join a relative Windows path (`\` or `/` separated) under `destRoot`. Refuses `..`, absolute,
 * UNC/device (`\\?\`, `\\.\`) and drive-relative (`C:x`) paths, `:` anywhere (streams), reserved
 * device names, names made only of dots and spaces, and control characters.
 */
export function safeJoin(destRoot: string, relativeWindowsPath: string): string {
  const parts = checkedParts(relativeWindowsPath);
  const root = resolve(destRoot);
  const out = join(root, ...parts);
  if (!out.startsWith(root + sep)) throw unsafe(relativeWindowsPath, 'leads outside the destination');
  return out;
}

/** `C:\Users\a\x.txt` → `C\Users\a\x.txt` (one folder per drive letter); other forms are refused. */
export function driveRelative(winPath: string): string {
  const m = /^([A-Za-z]):\\(.*)$/s.exec(winPath);
  if (!m) throw unsafe(winPath, 'not a drive-letter path (C:\\…)');
  return `${m[1]!.toUpperCase()}\\${m[2]}`;
}

/** Store-relative POSIX path of a file in a folder store: `File/C/Users/a/x.txt`. */
export function folderStorePath(winPath: string): string {
  return ['File', ...checkedParts(driveRelative(winPath))].join('/');
}

/** Forbidden in a name (checkedParts): control characters, separators, `:` and `<>"|?*`. */
const ODD_CHARACTER = /[\u0000-\u001f\\/:<>"|?*]/;
/** Names checkedParts looks at more closely: device names and names of dots and spaces only. */
const ODD_NAME = /^(con|prn|aux|nul|com|lpt)|^[. ]*$/i;

/** A name checkedParts passes unchanged, told by two tests instead of its five. */
function plainName(name: string): boolean {
  return !ODD_CHARACTER.test(name) && !ODD_NAME.test(name);
}

/**
 * folderStorePath for a stream of paths: the folder part is checked once for all its files (they
 * arrive folder by folder), the name alone for each file. Same results and errors as
 * folderStorePath: anything unusual takes the full check.
 */
export function folderStorePaths(): (winPath: string) => string {
  let parent = '';
  let parentRel = '';
  return (winPath) => {
    const cut = winPath.lastIndexOf('\\');
    if (cut > 2 && cut === parent.length && winPath.startsWith(parent)) {
      const leaf = winPath.slice(cut + 1);
      if (plainName(leaf)) return `${parentRel}/${leaf}`;
      try {
        return `${parentRel}/${checkedParts(winPath.slice(cut + 1)).join('/')}`;
      } catch {
        // The full check below says why.
      }
    }
    const rel = folderStorePath(winPath);
    if (cut > 2) {
      parent = winPath.slice(0, cut);
      try {
        parentRel = folderStorePath(parent);
      } catch {
        parent = '';
      }
    }
    return rel;
  };
}
