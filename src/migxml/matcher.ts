// What rule evaluation matches objects with: compiled location patterns (pattern.ts) and the
// document finder of `GenerateDocPatterns` (spec §5.2, §8.1). The finder is not expanded into
// one exact pattern per file (that would hold the whole tree in memory); instead it is a matcher
// whose specificity is that of an exact-file pattern for every object it matches, which is
// what USMT's generated `d:\folder[file.txt]` patterns amount to for precedence.
import { FileAttr, type VolumeEntry } from '../volume/index.ts';
import { mayMatchBelow, patternMatches, pathSegments, type CompiledPattern, type ObjectType, type Specificity } from './pattern.ts';

export interface Matcher {
  readonly type: ObjectType;
  /** Shown as the rule's pattern in explain/plan output. */
  readonly text: string;
  /** Literal leading segments: the index key and the walk root. */
  readonly prefix: readonly string[];
  /** Every object matched lies below one of these roots (defaults to [prefix]). */
  readonly roots?: readonly (readonly string[])[];
  matches(node: readonly string[], leaf: string | null, entry?: VolumeEntry): boolean;
  mayMatchBelow(dir: readonly string[]): boolean;
  specificity(node: readonly string[], leaf: string | null): Specificity;
  /** The highest specificity it can have for any object inside `dir` (for pruning the walk). */
  maxSpecificityBelow(dir: readonly string[]): Specificity;
  /** When it matches every object inside `dir`: the lowest specificity it has for them; else null. */
  coversBelow(dir: readonly string[]): Specificity | null;
}

/** Stands for "an exact `node [leaf]` pattern of the object itself", whatever its depth. */
const EXACT_ANY: Specificity = { nodeLiterals: 1_000_000, nonRecursive: 1, leafRank: 2 };

export function patternMatcher(p: CompiledPattern): Matcher {
  return {
    type: p.type,
    text: p.text,
    prefix: p.prefix,
    matches: (node, leaf) => patternMatches(p, node, leaf),
    mayMatchBelow: (dir) => mayMatchBelow(p, dir),
    specificity: () => p.specificity,
    maxSpecificityBelow: () => p.specificity,
    coversBelow: (dir) => (p.leafIsStar && p.recursive && p.rest.length === 0 && startsWith(dir, p.prefix) ? p.specificity : null),
  };
}

const EXACT: Specificity[] = [];
/** The specificity of an exact `node [leaf]` pattern for this node (cached: evaluated per path). */
const exactSpecificity = (node: readonly string[]): Specificity =>
  (EXACT[node.length] ??= { nodeLiterals: node.length, nonRecursive: 1, leafRank: 2 });

const startsWith = (node: readonly string[], base: readonly string[]) => {
  if (node.length < base.length) return false;
  for (let i = 0; i < base.length; i++) if (node[i] !== base[i]) return false;
  return true;
};

/** Folders in a drive root that the document finder never collects from (§8.1). */
const SYSTEM_ROOT_FOLDERS = new Set([
  'windows',
  'winnt',
  'program files',
  'program files (x86)',
  'programdata',
  'users',
  'documents and settings',
  '$recycle.bin',
  'recycler',
  'system volume information',
  'recovery',
  'perflogs',
  'boot',
  'msocache',
  'config.msi',
  '$windows.~bt',
  '$windows.~ws',
  '$winreagent',
  'intel',
]);

/** Registry hive files and their logs in a profile root: migrated as registry, not as documents. */
const PROFILE_HIVE_FILE = /^(ntuser|usrclass)\.(dat|ini|pol)|^ntuser\.dat|\.regtrans-ms$|\.blf$/;

export interface DocFinderScope {
  /** `C:`-style drive letters of the fixed drives to search. */
  readonly drives: readonly string[];
  /** User pass: the profile folder (`C:\Users\bob`); absent in the System pass. */
  readonly profilePath?: string;
  /** System pass: shared known folders collected (CSIDL_COMMON_DESKTOPDIRECTORY, …). */
  readonly sharedFolders?: readonly string[];
  /** Folders never collected even when reached (WINDIR, PROGRAMFILES, PROGRAMDATA, profiles root). */
  readonly systemFolders: readonly string[];
}

/**
 * The document finder. Include mode collects documents (§8.1); exclude mode (`IncludePatterns`
 * FALSE) matches what the finder must not collect: hidden+system files, AppData, the system
 * folders and the profile's hive files.
 */
export function docFinderMatcher(scope: DocFinderScope, include: boolean): Matcher {
  const profile = scope.profilePath ? pathSegments(scope.profilePath) : undefined;
  const appData = profile ? [...profile, 'appdata'] : undefined;
  const shared = (scope.sharedFolders ?? []).map(pathSegments);
  const system = scope.systemFolders.map(pathSegments);
  const drives = scope.drives.map((d) => [d.toLowerCase()]);
  const roots = profile ? [profile] : drives;
  const text = `MigXmlHelper.GenerateDocPatterns(${include ? 'include' : 'exclude'}${profile ? `, ${scope.profilePath}` : ''})`;

  // The path tests come first: reading attributes costs system calls (a getxattr, and an lstat
  // for the mode), which files excluded by their path (all of AppData) need not pay.
  const excluded = (node: readonly string[], leaf: string | null, entry?: VolumeEntry): boolean => {
    if (system.some((s) => startsWith(node, s))) return true;
    if (appData && startsWith(node, appData)) return true;
    if (profile && leaf !== null && node.length === profile.length && PROFILE_HIVE_FILE.test(leaf)) return true;
    if (entry && entry.kind === 'file') {
      const hs = FileAttr.HIDDEN | FileAttr.SYSTEM;
      if ((entry.attributes & hs) === hs) return true;
    }
    return false;
  };

  const included = (node: readonly string[], leaf: string | null): boolean => {
    if (profile) {
      // Everything in the profile (files in its root, its folders and their content).
      return startsWith(node, profile) && (leaf !== null || node.length > profile.length);
    }
    for (const s of shared) if (startsWith(node, s)) return true;
    for (const d of drives) {
      if (!startsWith(node, d)) continue;
      if (node.length === 1) return leaf !== null; // files in the drive root
      if (!SYSTEM_ROOT_FOLDERS.has(node[1]!)) return true;
    }
    return false;
  };

  if (include) {
    return {
      type: 'File',
      text,
      prefix: profile ?? [],
      roots: profile ? [profile] : [...drives, ...shared],
      matches: (node, leaf, entry) => included(node, leaf) && !excluded(node, leaf, entry),
      mayMatchBelow: (dir) => {
        if (profile) return startsWith(dir, profile) || startsWith(profile, dir);
        if (shared.some((s) => startsWith(dir, s) || startsWith(s, dir))) return true;
        return drives.some((d) => startsWith(dir, d)) && (dir.length === 1 || !SYSTEM_ROOT_FOLDERS.has(dir[1]!));
      },
      specificity: exactSpecificity,
      maxSpecificityBelow: () => EXACT_ANY,
      coversBelow: () => null,
    };
  }
  // In a user pass the finder's includes lie in the profile, so its excludes only matter there.
  return {
    type: 'File',
    text,
    prefix: profile ?? [],
    roots,
    matches: (node, leaf, entry) => excluded(node, leaf, entry),
    mayMatchBelow: () => true,
    specificity: exactSpecificity,
    maxSpecificityBelow: () => EXACT_ANY,
    // System folders and AppData are excluded whole: as exact as the finder's own includes.
    coversBelow: (dir) => (system.some((x) => startsWith(dir, x)) || (appData && startsWith(dir, appData)) ? EXACT_ANY : null),
  };
}
