// Encoded locations and location patterns (spec §3): `node [leaf]`, `^` escapes, `*` as the
// only wildcard, node-only patterns match containers only, a trailing `\*` is recursive, and the
// specificity order of §6.4. Patterns are compiled once per pass into matchers that compare
// pre-split, lower-cased path segments, so evaluating a path costs string compares, not regexes.

import { STAR_ONLY, compileWildcard } from '../text/index.ts';

/** The kinds of object a MigXML pattern names. */
export type ObjectType = 'File' | 'Registry' | 'Ini';

export interface SplitLocation {
  /** Node (folder / key), unescaped, without the trailing `\`. */
  readonly node: string;
  /** Leaf (file / value name), unescaped; null when the text has no bracket part. */
  readonly leaf: string | null;
}

function unescape(s: string): string {
  return s.includes('^') ? s.replace(/\^(.)/g, '$1') : s;
}

/**
 * Split `node [leaf]` at the last unescaped `[` whose `]` ends the text (§3.2 rule 2).
 * `^` escapes a bracket (`file^].txt`).
 */
export function splitLocation(text: string): SplitLocation {
  const t = text.trim();
  let node = t;
  let leaf: string | null = null;
  if (t.endsWith(']') && !isEscaped(t, t.length - 1)) {
    for (let i = t.length - 2; i >= 0; i--) {
      if (t[i] === '[' && !isEscaped(t, i)) {
        leaf = unescape(t.slice(i + 1, -1));
        node = t.slice(0, i);
        break;
      }
    }
  }
  node = node.trimEnd();
  if (node.endsWith('\\') && node.length > 1) node = node.slice(0, -1);
  return { node: unescape(node), leaf };
}

function isEscaped(s: string, i: number): boolean {
  let n = 0;
  for (let j = i - 1; j >= 0 && s[j] === '^'; j--) n++;
  return n % 2 === 1;
}

/** Encode a node and optional leaf back into `node [leaf]` form, escaping brackets. */
export function encodeLocation(node: string, leaf?: string | null): string {
  const esc = (s: string) => s.replace(/[\^[\]]/g, (c) => `^${c}`);
  return leaf === undefined || leaf === null ? esc(node) : `${esc(node)} [${esc(leaf)}]`;
}

const HIVE_ALIASES: Record<string, string> = {
  hkey_current_user: 'hkcu',
  hkey_local_machine: 'hklm',
  hkey_users: 'hku',
  hkey_classes_root: 'hkcr',
};

/** Lower-cased `\`-separated segments of a Windows path or registry key (`C:` is one segment). */
export function pathSegments(path: string): string[] {
  if (path === '') return [];
  const segs = path.toLowerCase().split('\\');
  if (segs.length > 1 && segs[segs.length - 1] === '') segs.pop();
  const alias = HIVE_ALIASES[segs[0]!];
  if (alias) segs[0] = alias;
  return segs;
}

// ── glob ──────────────────────────────────────────────────────────────────────────────────

/** Test for one name segment, given lower-cased. */
export type NameTest = (lowerName: string) => boolean;

const anyName: NameTest = () => true;

/** Compile a `*` glob (no other wildcard) into a test (the shared, non-backtracking matcher). */
export function compileGlob(glob: string): NameTest {
  const g = glob.toLowerCase();
  if (g === '*') return anyName;
  // Names are given lower-cased, so the glob is folded once here.
  return compileWildcard(g, { syntax: STAR_ONLY });
}

export const hasWildcard = (s: string) => s.includes('*');

// ── compiled patterns ─────────────────────────────────────────────────────────────────────

/** Specificity per §6.4: literal leading node segments, then non-recursive, then leaf rank. */
export interface Specificity {
  readonly nodeLiterals: number;
  readonly nonRecursive: 0 | 1;
  /** 2 exact name, 1 partial wildcard (`*.txt`), 0 `*` or node-only. */
  readonly leafRank: 0 | 1 | 2;
}

/** > 0 when a is more specific than b. */
export function compareSpecificity(a: Specificity, b: Specificity): number {
  return a.nodeLiterals - b.nodeLiterals || a.nonRecursive - b.nonRecursive || a.leafRank - b.leafRank;
}

/** A MigXML pattern (`C:\Users\* [*.docx]`) compiled to a matcher, with the folders a walk must visit for it. */
export interface CompiledPattern {
  readonly type: ObjectType;
  /** The pattern after variable expansion, as shown in logs and explain output. */
  readonly text: string;
  /** Literal leading node segments, lower-cased (the walk root and the index key). */
  readonly prefix: readonly string[];
  /** Node segments after the prefix (each may hold `*`). */
  readonly rest: readonly NameTest[];
  /**
   * Per `rest` segment: a whole `*` segment in the middle of the node, which stands for one or
   * more folders (`C:\*\EngineeringDrafts\* [*]` finds that folder at any depth). Absent when
   * the node has none, so the common patterns keep their fixed-length match.
   */
  readonly anyDepth?: readonly boolean[];
  /** Trailing `\*`: the node and everything below it. */
  readonly recursive: boolean;
  /** Drive-less `*` node (`*[*.library-ms]`): any node anywhere. */
  readonly anyNode: boolean;
  /** Leaf test; null for node-only patterns (containers only). */
  readonly leaf: NameTest | null;
  /** Leaf is exactly `*` (then containers under the node are matched too). */
  readonly leafIsStar: boolean;
  /** For Ini patterns: the file and section of `file.ini|Section[Setting]`. */
  readonly ini?: { readonly file: string; readonly section: string };
  readonly specificity: Specificity;
}

/** Compile an already-expanded pattern text. */
export function compilePattern(type: ObjectType, text: string): CompiledPattern {
  const { node: rawNode, leaf } = splitLocation(text);
  let node = rawNode;
  let ini: CompiledPattern['ini'];
  if (type === 'Ini') {
    const bar = node.lastIndexOf('|');
    const file = bar === -1 ? node : node.slice(0, bar);
    ini = { file, section: bar === -1 ? '' : node.slice(bar + 1) };
    node = file;
  }
  // An INI setting's node is its file's path plus its section: `[Section]` matches like one more folder.
  let segs = ini ? [...pathSegments(node), ini.section.toLowerCase()] : pathSegments(node);
  let recursive = false;
  let anyNode = false;
  if (segs.length === 1 && segs[0] === '*') {
    anyNode = true;
    segs = [];
  } else if (segs.length > 1 && segs[segs.length - 1] === '*') {
    recursive = true;
    segs = segs.slice(0, -1);
  }
  let literal = 0;
  while (literal < segs.length && !hasWildcard(segs[literal]!)) literal++;
  const prefix = segs.slice(0, literal);
  const restText = segs.slice(literal);
  const rest = restText.map(compileGlob);
  // "Include files and settings": `C:\*\EngineeringDrafts\* [*]` migrates that folder wherever it is
  // ("if multiple folders exist with the same name, they are all migrated"): a `*` segment in the
  // middle spans any number of folders, as USMT's node wildcard crosses `\`.
  const anyDepth = restText.map((t) => t === '*');
  const leafRank: 0 | 1 | 2 = leaf === null || leaf === '*' ? 0 : hasWildcard(leaf) ? 1 : 2;
  return {
    type,
    text: text.trim(),
    prefix,
    rest,
    ...(anyDepth.includes(true) ? { anyDepth } : {}),
    recursive: recursive || anyNode,
    anyNode,
    leaf: leaf === null ? null : compileGlob(leaf),
    leafIsStar: leaf === '*',
    ...(ini ? { ini } : {}),
    specificity: { nodeLiterals: literal, nonRecursive: recursive || anyNode ? 0 : 1, leafRank },
  };
}

/** Does the pattern's node part match these node segments? */
export function nodeMatches(p: CompiledPattern, node: readonly string[]): boolean {
  if (p.anyNode) return true;
  const fixed = p.prefix.length + p.rest.length;
  if (node.length < fixed || (!p.recursive && !p.anyDepth && node.length !== fixed)) return false;
  for (let i = 0; i < p.prefix.length; i++) if (node[i] !== p.prefix[i]) return false;
  if (p.anyDepth) return restMatches(p, node, 0, p.prefix.length);
  for (let i = 0; i < p.rest.length; i++) if (!p.rest[i]!(node[p.prefix.length + i]!)) return false;
  return true;
}

/** Match `rest[r…]` against `node[n…]` when some segments span several folders (backtracking; few segments). */
function restMatches(p: CompiledPattern, node: readonly string[], r: number, n: number): boolean {
  if (r === p.rest.length) return p.recursive || n === node.length;
  if (n >= node.length) return false;
  if (!p.anyDepth![r]) return p.rest[r]!(node[n]!) && restMatches(p, node, r + 1, n + 1);
  // One or more folders; the rest must still fit in what is left.
  const need = p.rest.length - r - 1;
  for (let end = n + 1; end + need <= node.length; end++) if (restMatches(p, node, r + 1, end)) return true;
  return false;
}

/**
 * Match an object given as lower-cased node segments and leaf (null for a container).
 * Containers match node-only patterns, and leaf patterns whose leaf is `*` (`C:\Dir\* [*]`
 * takes the folders along) or empty (`d:\folder[]`, the folder object itself).
 */
export function patternMatches(p: CompiledPattern, node: readonly string[], leaf: string | null): boolean {
  if (leaf === null) {
    if (p.leaf !== null && !p.leafIsStar && !p.leaf('')) return false;
  } else if (p.leaf === null || !p.leaf(leaf)) {
    return false;
  }
  return nodeMatches(p, node);
}

/** Could this pattern match something strictly inside the container with these segments? */
export function mayMatchBelow(p: CompiledPattern, dir: readonly string[]): boolean {
  if (p.anyNode) return true;
  const n = Math.min(dir.length, p.prefix.length);
  for (let i = 0; i < n; i++) if (dir[i] !== p.prefix[i]) return false;
  if (p.anyDepth) {
    // Segments before the first spanning `*` must agree; past it, any folder may still lead to a match.
    for (let i = p.prefix.length; i < dir.length && i - p.prefix.length < p.rest.length; i++) {
      const r = i - p.prefix.length;
      if (p.anyDepth[r]) return true;
      if (!p.rest[r]!(dir[i]!)) return false;
    }
    return p.recursive || p.prefix.length + p.rest.length >= dir.length;
  }
  for (let i = p.prefix.length; i < dir.length && i - p.prefix.length < p.rest.length; i++) {
    if (!p.rest[i - p.prefix.length]!(dir[i]!)) return false;
  }
  // Objects inside `dir` have node length >= dir.length (files) or dir.length + 1 (folders).
  return p.recursive || p.prefix.length + p.rest.length >= dir.length;
}

/** Split a Windows path / registry location of an object into segments + leaf for matching. */
export function objectKey(path: string, isContainer: boolean): { node: string[]; leaf: string | null } {
  const segs = pathSegments(path);
  if (isContainer) return { node: segs, leaf: null };
  const leaf = segs.pop() ?? '';
  return { node: segs, leaf };
}
