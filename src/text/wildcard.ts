// The one wildcard matcher of the code base: MigXML globs (`*`), task sequence conditions and
// collection name rules (`*`, `?`), WQL LIKE (`%`, `_`, `[a-z]`). Compiling wildcards to regular
// expressions backtracks (7 `*` against a 63-character name took seconds), so this matcher never
// backtracks: the text between stars is a segment; the first is anchored at the start, the last
// at the end, and each middle one is matched at its leftmost place — which is always a correct
// choice for star patterns. Cost is O(text × pattern) at worst, linear in the text for a pattern.

/** Which characters are wildcards. */
export interface WildcardSyntax {
  /** Matches any run of characters (also none). */
  readonly any: string;
  /** Matches exactly one character; null when the syntax has none. */
  readonly one: string | null;
  /** `[abc]`, `[a-z]`, `[^a]` sets (WQL LIKE); an unclosed `[` is a literal. */
  readonly sets?: boolean;
}

/** `*` only (MigXML patterns, helper function arguments, user and domain selections). */
export const STAR_ONLY: WildcardSyntax = { any: '*', one: null };
/** `*` and `?` (task sequence conditions, collection membership rules, usmtutils /extract). */
export const GLOB: WildcardSyntax = { any: '*', one: '?' };
/** WQL LIKE: `%`, `_` and sets. */
export const WQL_LIKE: WildcardSyntax = { any: '%', one: '_', sets: true };

/** How `compileWildcard` reads a pattern; by default `*`/`?` globs, case-sensitive. */
export interface WildcardOptions {
  readonly syntax?: WildcardSyntax;
  /** Compare characters case-insensitively (each UTF-16 unit folded with toLowerCase). */
  readonly ignoreCase?: boolean;
}

/** One pattern character: a literal (already folded when ignoring case) or a class test. */
type CharTest = string | ((c: string) => boolean);

const ANY_ONE: CharTest = () => true;

/** A compiled pattern: true when the whole value matches. */
export type WildcardTest = (value: string) => boolean;

/**
 * Compiles a wildcard pattern into a matcher that never backtracks (see the top of this file).
 * @example
 * const isDoc = compileWildcard('*.do?', { ignoreCase: true });
 * isDoc('Report.DOCX'); // false: `?` is exactly one character
 */
export function compileWildcard(pattern: string, options: WildcardOptions = {}): WildcardTest {
  const syntax = options.syntax ?? GLOB;
  const fold = options.ignoreCase ? (c: string) => c.toLowerCase() : (c: string) => c;
  const segments = parse(pattern, syntax, fold);
  const ignoreCase = options.ignoreCase === true;
  // Folding an ASCII value whole is folding it unit by unit; other values take the per-unit way.
  const folded = (v: string) => (!ignoreCase ? v : ASCII.test(v) ? v.toLowerCase() : foldAll(v, fold));
  const literal = segments.every((seg) => seg.every((t) => typeof t === 'string'));
  if (segments.length === 1) {
    const only = segments[0]!;
    // No star: literal comparison when there is no class at all (the common case).
    if (literal) {
      const lit = only.join('');
      return ignoreCase ? (v) => v.length === only.length && folded(v) === lit : (v) => v === lit;
    }
    return (v) => v.length === only.length && matchAt(only, units(v, fold), 0);
  }
  if (segments.length === 2 && segments[0]!.length === 0 && segments[1]!.length === 0) return () => true;
  // Stars between literal text (MigXML patterns): string searches on the folded value instead of
  // a folded copy of it as an array of characters, which rule evaluation paid per path.
  if (literal) {
    const texts = segments.map((seg) => seg.join(''));
    const lengths = segments.map((seg) => seg.length);
    // A pattern unit folded into two (İ) makes string positions differ from unit positions.
    if (texts.every((t, i) => t.length === lengths[i]))
      return (v) => (!ignoreCase || ASCII.test(v) ? matchLiteralStars(texts, folded(v)) : matchStars(segments, units(v, fold)));
  }
  return (v) => matchStars(segments, units(v, fold));
}

const ASCII = /^[\x00-\x7f]*$/;

/** matchStars for segments of literal text, on a value folded as they are. */
function matchLiteralStars(texts: readonly string[], v: string): boolean {
  const first = texts[0]!;
  const last = texts[texts.length - 1]!;
  if (first.length + last.length > v.length) return false;
  if (!v.startsWith(first) || !v.endsWith(last)) return false;
  const tail = v.length - last.length;
  let pos = first.length;
  for (let s = 1; s < texts.length - 1; s++) {
    const seg = texts[s]!;
    const at = v.indexOf(seg, pos);
    if (at < 0 || at + seg.length > tail) return false;
    pos = at + seg.length;
  }
  return true;
}

/** One-off match (compile once with compileWildcard when testing many values). */
export function wildcardMatch(value: string, pattern: string, options: WildcardOptions = {}): boolean {
  return compileWildcard(pattern, options)(value);
}

function foldAll(v: string, fold: (c: string) => string): string {
  let out = '';
  for (let i = 0; i < v.length; i++) out += fold(v[i]!);
  return out;
}

function units(v: string, fold: (c: string) => string): string[] {
  const out = new Array<string>(v.length);
  for (let i = 0; i < v.length; i++) out[i] = fold(v[i]!);
  return out;
}

/** The segments between `any` wildcards (n stars give n + 1 segments, possibly empty). */
function parse(pattern: string, syntax: WildcardSyntax, fold: (c: string) => string): CharTest[][] {
  const segments: CharTest[][] = [[]];
  let cur = segments[0]!;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === syntax.any) {
      // Adjacent stars are one star.
      if (cur.length === 0 && segments.length > 1) continue;
      cur = [];
      segments.push(cur);
    } else if (c === syntax.one) cur.push(ANY_ONE);
    else if (syntax.sets && c === '[') {
      const end = pattern.indexOf(']', i + 2);
      if (end < 0) cur.push(fold(c));
      else {
        cur.push(charSet(pattern.slice(i + 1, end), fold));
        i = end;
      }
    } else cur.push(fold(c));
  }
  return segments;
}

/** `[abc]`, `[a-z]`, `[^a]` as a test; `]` right after `[` is a member. */
function charSet(body: string, fold: (c: string) => string): CharTest {
  const negate = body.startsWith('^') && body.length > 1;
  const b = negate ? body.slice(1) : body;
  const singles = new Set<string>();
  const ranges: [string, string][] = [];
  for (let i = 0; i < b.length; i++) {
    if (b[i + 1] === '-' && i + 2 < b.length) {
      ranges.push([fold(b[i]!), fold(b[i + 2]!)]);
      i += 2;
    } else singles.add(fold(b[i]!));
  }
  return (c) => (singles.has(c) || ranges.some(([lo, hi]) => c >= lo && c <= hi)) !== negate;
}

function matchAt(seg: readonly CharTest[], v: readonly string[], at: number): boolean {
  for (let j = 0; j < seg.length; j++) {
    const t = seg[j]!;
    const c = v[at + j]!;
    if (typeof t === 'string' ? t !== c : !t(c)) return false;
  }
  return true;
}

/** Leftmost position ≥ from where seg matches and ends by `limit`, or -1. */
function find(seg: readonly CharTest[], v: readonly string[], from: number, limit: number): number {
  for (let i = from; i + seg.length <= limit; i++) if (matchAt(seg, v, i)) return i;
  return -1;
}

function matchStars(segments: readonly CharTest[][], v: readonly string[]): boolean {
  const first = segments[0]!;
  const last = segments[segments.length - 1]!;
  if (first.length + last.length > v.length) return false;
  if (!matchAt(first, v, 0)) return false;
  const tail = v.length - last.length;
  if (!matchAt(last, v, tail)) return false;
  let pos = first.length;
  for (let s = 1; s < segments.length - 1; s++) {
    const seg = segments[s]!;
    const at = find(seg, v, pos, tail);
    if (at < 0) return false;
    pos = at + seg.length;
  }
  return true;
}
