// <contentModify> at LoadState (spec §5.7, §6.8): which script applies to an object, and what the
// registry-value scripts make of the source value (with the destination's value for the Merge*
// functions). KeepExisting names properties of the destination file to keep when it is replaced.
// Pure functions: LoadState reads the store and the target and writes the result.
import { decodeValueData, encodeValueData, RegType } from '../registry/index.ts';
import { fileKey, registryKey, type PassInclusion } from './engine.ts';
import { compareSpecificity, type ObjectType, type Specificity } from './pattern.ts';
import type { ScriptCall } from './script-call.ts';

/**
 * The contentModify script for an object: the most specific matching rule among the components
 * of its pass (§6.8 resolves them for all components), the including component first on a tie.
 */
export function contentModifyFor(
  path: string,
  isContainer: boolean,
  inc: PassInclusion,
  type: ObjectType = 'File',
): ScriptCall | undefined {
  const components = [inc.component, ...inc.pass.components.filter((c) => c !== inc.component)];
  let key: { node: string[]; leaf: string | null } | undefined;
  let best: ScriptCall | undefined;
  let bestSpec: Specificity | undefined;
  for (const c of components) {
    for (const r of c.rules.contentModify) {
      if (r.matcher.type !== type || !r.script) continue;
      key ??= type === 'Registry' ? registryKey(path) : fileKey(path, isContainer);
      if (!r.matcher.matches(key.node, key.leaf)) continue;
      const s = r.matcher.specificity(key.node, key.leaf);
      if (!bestSpec || compareSpecificity(s, bestSpec) > 0) {
        best = r.script;
        bestSpec = s;
      }
    }
  }
  return best;
}

/** A registry value as raw bytes with its type. */
export interface RawValue {
  readonly type: number;
  readonly raw: Buffer;
}

/** Functions of §5.7 that rewrite a registry value. */
export const REGISTRY_CONTENT_FUNCTIONS = new Set([
  'ConvertToDWORD',
  'ConvertToString',
  'ConvertToBinary',
  'OffsetValue',
  'SetValueByTable',
  'MergeMultiSzContent',
  'MergeDelimitedContent',
]);

const isString = (type: number) => type === RegType.SZ || type === RegType.EXPAND_SZ;
const isNumber = (type: number) => type === RegType.DWORD || type === RegType.DWORD_BIG_ENDIAN || type === RegType.QWORD;

/** A value's text (numbers in decimal), or null when it has none. */
function textOf(v: RawValue): string | null {
  const d = decodeValueData(v.type, v.raw);
  if (typeof d === 'string') return d;
  if (typeof d === 'number' || typeof d === 'bigint') return String(d);
  if (Array.isArray(d)) return d.join('\0');
  return null;
}

/** A whole number from text (decimal or 0x hex), or null. */
function parseInteger(text: string | null): number | null {
  if (text === null) return null;
  const t = text.trim();
  if (/^[+-]?\d+$/.test(t)) return Number(t);
  if (/^0x[0-9a-f]+$/i.test(t)) return Number.parseInt(t.slice(2), 16);
  return null;
}

const dword = (n: number): RawValue => ({ type: RegType.DWORD, raw: encodeValueData(RegType.DWORD, n >>> 0) });
const sz = (s: string): RawValue => ({ type: RegType.SZ, raw: encodeValueData(RegType.SZ, s) });

/**
 * Apply a registry contentModify script to the source value. `existing` is the destination's
 * value, when it has one (MergeMultiSzContent / MergeDelimitedContent merge with it). Returns
 * the value to write, or null to leave the destination unchanged (SetValueByTable with no match
 * and no default). Scripts of other kinds return the source unchanged.
 */
export function modifyRegistryValue(call: ScriptCall, source: RawValue, existing: RawValue | null): RawValue | null {
  const a = (i: number): string | null => call.args[i] ?? null;
  switch (call.name) {
    case 'ConvertToDWORD': {
      if (isNumber(source.type)) return dword(Number(decodeValueData(source.type, source.raw)));
      const n = parseInteger(isString(source.type) ? textOf(source) : null);
      return dword(n ?? parseInteger(a(0)) ?? 0);
    }
    case 'ConvertToString': {
      const text = isNumber(source.type) || isString(source.type) ? textOf(source) : null;
      return sz(text ?? a(0) ?? '0');
    }
    case 'ConvertToBinary':
      return { type: RegType.BINARY, raw: source.raw };
    case 'OffsetValue': {
      const offset = parseInteger(a(0));
      const n = parseInteger(textOf(source));
      if (offset === null || n === null) return source;
      if (isNumber(source.type)) {
        const sum = BigInt(n) + BigInt(offset);
        return source.type === RegType.QWORD
          ? { type: source.type, raw: encodeValueData(source.type, BigInt.asUintN(64, sum)) }
          : { type: source.type, raw: encodeValueData(source.type, Number(BigInt.asUintN(32, sum))) };
      }
      return { type: source.type, raw: encodeValueData(source.type, String(n + offset)) };
    }
    case 'SetValueByTable': {
      const from = (a(0) ?? '').split(',').map((s) => s.trim().toLowerCase());
      const to = (a(1) ?? '').split(',').map((s) => s.trim());
      const text = textOf(source)?.trim().toLowerCase() ?? null;
      const i = text === null ? -1 : from.indexOf(text);
      const mapped = i >= 0 ? (to[i] ?? null) : a(2);
      if (mapped === null) return null;
      if (isNumber(source.type) && source.type !== RegType.QWORD) {
        const n = parseInteger(mapped);
        return n === null ? sz(mapped) : { type: source.type, raw: encodeValueData(source.type, n >>> 0) };
      }
      return isString(source.type) ? { type: source.type, raw: encodeValueData(source.type, mapped) } : sz(mapped);
    }
    case 'MergeMultiSzContent': {
      const items = (v: RawValue | null): string[] => {
        if (!v) return [];
        const d = decodeValueData(v.type, v.raw);
        return Array.isArray(d) ? d : typeof d === 'string' && d !== '' ? [d] : [];
      };
      const merged = applyEdits([...items(existing), ...items(source)], call.args);
      return { type: RegType.MULTI_SZ, raw: encodeValueData(RegType.MULTI_SZ, merged) };
    }
    case 'MergeDelimitedContent': {
      const delim = a(0) ?? '';
      if (!delim) return source;
      const items = (v: RawValue | null): string[] => {
        const t = v && isString(v.type) ? textOf(v) : null;
        return t ? t.split(delim).filter((s) => s !== '') : [];
      };
      const merged = applyEdits([...items(existing), ...items(source)], call.args.slice(1));
      const type = isString(source.type) ? source.type : RegType.SZ;
      return { type, raw: encodeValueData(type, merged.join(delim)) };
    }
    default:
      return source;
  }
}

/** `("Add"|"Remove", string)` pairs applied to a list, then de-duplicated case-insensitively (first kept). */
function applyEdits(items: string[], edits: readonly (string | null)[]): string[] {
  let out = items;
  for (let i = 0; i + 1 < edits.length; i += 2) {
    const op = (edits[i] ?? '').toLowerCase();
    const item = edits[i + 1];
    if (item === null || item === undefined) continue;
    if (op === 'add') out = [...out, item];
    else if (op === 'remove') out = out.filter((s) => s.toLowerCase() !== item.toLowerCase());
  }
  const seen = new Set<string>();
  return out.filter((s) => !seen.has(s.toLowerCase()) && seen.add(s.toLowerCase()));
}

/** KeepExisting: what of the destination object survives when the store's copy replaces it. */
export interface KeptProperties {
  readonly security: boolean;
  readonly timeFields: boolean;
  /** FILE_ATTRIBUTE_* bits whose destination value is kept. */
  readonly attributeMask: number;
}

const ATTRIBUTE_LETTERS: Record<string, number> = { r: 0x1, h: 0x2, s: 0x4, a: 0x20, t: 0x100, c: 0x800, o: 0x1000, i: 0x2000, e: 0x4000 };

/** The properties a KeepExisting call names; the right-most option of each kind wins (§5.7). */
export function keepExisting(call: ScriptCall): KeptProperties {
  let security = false;
  let timeFields = false;
  let attributeMask = 0;
  for (const arg of call.args) {
    const t = (arg ?? '').trim();
    if (/^security$/i.test(t)) security = true;
    else if (/^timefields$/i.test(t)) timeFields = true;
    else if (/^fileattrib:/i.test(t)) {
      attributeMask = 0;
      for (const ch of t.slice('fileattrib:'.length).toLowerCase()) attributeMask |= ATTRIBUTE_LETTERS[ch] ?? 0;
    }
  }
  return { security, timeFields, attributeMask };
}
