// The MigXmlHelper functions that decide at ScanState time (spec §5.1–§5.4): conditions,
// pattern-producing scripts, variable scripts and include/exclude filters, evaluated against
// the offline volume and its hives. LoadState-only helpers live in relocate.ts (locationModify,
// merge) and content-modify.ts (contentModify).
import { readFile } from 'node:fs/promises';
import { FerryError } from '../errors/index.ts';
import type { RegData, RegValue } from '../registry/index.ts';
import type { Profile, VolumeEntry, WindowsVolume } from '../volume/index.ts';
import { iniKey, iniLocation, iniSettings, iniValue as iniSettingValue, readIniFile, splitIniLocation } from './ini.ts';
import { docFinderMatcher, type Matcher } from './matcher.ts';
import {
  compileGlob,
  compilePattern,
  encodeLocation,
  patternMatches,
  mayMatchBelow,
  splitLocation,
  type CompiledPattern,
  type ObjectType,
} from './pattern.ts';
import { readFileVersion, type FileVersionInfo } from './pe-version.ts';
import type { RegistryView } from './registry-view.ts';
import type { ScriptCall } from './script-call.ts';
import { expand, type VarScope } from './variables.ts';

/** What the engine knows about the source machine. */
export interface MachineInfo {
  /** `[major, minor, build]`. */
  readonly osVersion: readonly number[];
  /** `major.minor.build.Service Pack`, the form DoesOSMatch patterns are written against. */
  readonly osVersionText: string;
  readonly is64Bit: boolean;
}

/** Windows 10 22H2, assumed when the SOFTWARE hive cannot tell. */
export const DEFAULT_OS_VERSION = [10, 0, 19045] as const;

export interface HelperScope {
  readonly volume: WindowsVolume;
  readonly vars: VarScope;
  readonly systemContext: boolean;
  readonly machine: MachineInfo;
  readonly registry: RegistryView;
  /** Called whenever a registry object is consulted (the engine warns once when hives are missing). */
  readonly onRegistryUse: () => void;
  /** The user of this pass (absent in the System pass). */
  readonly user?: Profile;
  /** Every migrated user with their variables (GenerateUserPatterns). */
  readonly users: readonly { readonly profile: Profile; readonly vars: VarScope }[];
  /** System variables (GenerateDocPatterns' shared folders, system folders). */
  readonly systemVars: VarScope;
}

/** A pattern produced by an objectSet (compiled pattern or the document finder). */
export type ProducedMatcher = { readonly matcher: Matcher; readonly compiled?: CompiledPattern };

const arg = (call: ScriptCall, i: number): string | null => call.args[i] ?? null;
const isTrue = (v: string | null, dflt: boolean) => (v === null ? dflt : /^(true|yes|1)$/i.test(v.trim()));

function badArgs(call: ScriptCall, why: string): never {
  throw new FerryError('FERRY_E_MIGXML_INVALID', `${call.text}: ${why}`, { details: { function: call.name } });
}

// ── objects on the volume and in the registry ─────────────────────────────────────────────

/** Join pattern prefix segments back into a Windows path the volume resolves (case-insensitively). */
const winPathOf = (segs: readonly string[]) => (segs.length === 1 ? `${segs[0]}\\` : segs.join('\\'));

/** Does any file or folder match the pattern? Walks only as far as the pattern can reach. */
export async function fileObjectExists(volume: WindowsVolume, p: CompiledPattern): Promise<boolean> {
  if (p.anyNode || p.prefix.length === 0) return false;
  const base = winPathOf(p.prefix);
  if (p.rest.length === 0 && !p.recursive) {
    if (p.leaf === null) return (await volume.stat(base)) !== null;
    const leafText = splitLocation(p.text).leaf!;
    if (!leafText.includes('*')) return (await volume.stat(`${base}\\${leafText}`))?.kind === 'file';
  }
  if ((await volume.stat(base)) === null) return false;
  for await (const e of volume.walk(base, {
    enterDir: (d) => mayMatchBelow(p, d.winPath.toLowerCase().split('\\')),
    onError: () => undefined,
  })) {
    if (e.kind === 'symlink') continue;
    const segs = e.winPath.toLowerCase().split('\\');
    const leaf = e.kind === 'dir' ? null : segs.pop()!;
    if (patternMatches(p, segs, leaf)) return true;
  }
  return false;
}

/** Registry objects (keys and values) matching a pattern, lazily; keys are yielded with value null. */
export function* registryObjects(registry: RegistryView, p: CompiledPattern): Generator<{ keyPath: string; value: RegValue | null }> {
  if (p.prefix.length === 0) return;
  const rootPath = p.prefix.join('\\');
  const key = registry.key(rootPath);
  if (!key) return;
  const at = registry.locate(rootPath)!;
  const display = (subPath: string) => [at.mount.display, subPath].filter(Boolean).join('\\');
  const visit = function* (k: typeof key, segs: string[]): Generator<{ keyPath: string; value: RegValue | null }> {
    const keyPath = display(k.path);
    if (patternMatches(p, segs, null)) yield { keyPath, value: null };
    if (
      p.leaf !== null &&
      (p.anyNode || p.recursive || p.anyDepth
        ? segs.length >= p.prefix.length + p.rest.length
        : segs.length === p.prefix.length + p.rest.length)
    ) {
      for (const v of k.values()) if (patternMatches(p, segs, v.name.toLowerCase())) yield { keyPath, value: v };
    }
    if (!mayMatchBelow(p, segs)) return;
    for (const sub of k.subkeys()) yield* visit(sub, [...segs, sub.name.toLowerCase()]);
  };
  yield* visit(key, [...p.prefix]);
}

/** The string form of registry data (REG_SZ as is, numbers in decimal, MULTI_SZ items joined). */
export function regDataString(data: RegData): string {
  if (typeof data === 'string') return data;
  if (Array.isArray(data)) return data.join('\0');
  if (typeof data === 'number' || typeof data === 'bigint') return String(data);
  return data.toString('hex');
}

async function iniValue(volume: WindowsVolume, location: string): Promise<string | null> {
  const loc = splitIniLocation(location);
  const host = loc && (await volume.resolve(loc.file));
  const doc = host ? await readIniFile(host) : null;
  return doc && loc ? iniSettingValue(doc, loc.section, loc.key) : null;
}

/** Does the file of an Ini pattern hold a setting it matches (wildcards in section and setting)? */
async function iniSettingExists(volume: WindowsVolume, p: CompiledPattern): Promise<boolean> {
  const host = p.ini && !p.ini.file.includes('*') ? await volume.resolve(p.ini.file) : null;
  const doc = host ? await readIniFile(host) : null;
  if (!doc) return false;
  for (const s of iniSettings(doc)) {
    const key = iniKey(iniLocation(p.ini!.file, s.section, s.key));
    if (patternMatches(p, key.node, key.leaf)) return true;
  }
  return false;
}

/** GetStringContent and the string side of the content conditions. */
export async function stringContent(scope: HelperScope, type: string, location: string, expandContent = true): Promise<string | null> {
  const loc = expand(location, scope.vars).text;
  const t = type.toLowerCase();
  if (t === 'ini') return iniValue(scope.volume, loc);
  if (t !== 'registry') return null;
  scope.onRegistryUse();
  const { node, leaf } = splitLocation(loc);
  const v = scope.registry.value(node, leaf ?? '');
  if (!v) return null;
  const s = regDataString(v.data);
  return expandContent && typeof v.data === 'string' ? expand(s, scope.vars).text : s;
}

async function objectExists(scope: HelperScope, type: string, location: string): Promise<boolean> {
  const e = expand(location, scope.vars);
  if (e.unresolved.length) return false;
  const t = type.toLowerCase();
  if (t === 'file') return fileObjectExists(scope.volume, compilePattern('File', e.text));
  if (t === 'registry') {
    scope.onRegistryUse();
    const p = compilePattern('Registry', e.text);
    for (const _ of registryObjects(scope.registry, p)) return true;
    return false;
  }
  if (t === 'ini') return iniSettingExists(scope.volume, compilePattern('Ini', e.text));
  return false;
}

// ── versions ──────────────────────────────────────────────────────────────────────────────

function compareVersions(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d) return d;
  }
  return 0;
}

const parseVersion = (s: string) =>
  s
    .split(/[.,\s]+/)
    .filter(Boolean)
    .map((x) => Number.parseInt(x, 10) || 0);

async function fileVersion(scope: HelperScope, file: string): Promise<FileVersionInfo | null> {
  const e = expand(file, scope.vars);
  if (e.unresolved.length) return null;
  const host = await scope.volume.resolve(e.text);
  return host ? readFileVersion(host) : null;
}

// ── conditions ────────────────────────────────────────────────────────────────────────────

export async function evaluateCondition(call: ScriptCall, scope: HelperScope): Promise<boolean> {
  switch (call.name) {
    case 'IsNative64Bit':
      return scope.machine.is64Bit;
    case 'IsSystemContext':
      return scope.systemContext;
    case 'IsOSLaterThan':
    case 'IsOSEarlierThan': {
      if ((arg(call, 0) ?? '').toUpperCase() !== 'NT') return false;
      const want = parseVersion(arg(call, 1) ?? badArgs(call, 'a version is required'));
      const have = scope.machine.osVersion.slice(0, want.length);
      const cmp = compareVersions(have, want);
      return call.name === 'IsOSLaterThan' ? cmp >= 0 : cmp < 0;
    }
    case 'DoesOSMatch':
      if ((arg(call, 0) ?? '').toUpperCase() !== 'NT') return false;
      return compileGlob(arg(call, 1) ?? '*')(scope.machine.osVersionText.toLowerCase());
    case 'DoesObjectExist':
      return objectExists(scope, arg(call, 0) ?? '', arg(call, 1) ?? '');
    case 'DoesFileVersionMatch': {
      const info = await fileVersion(scope, arg(call, 0) ?? '');
      const value = info?.strings.get((arg(call, 1) ?? '').toLowerCase());
      return value !== undefined && compileGlob(arg(call, 2) ?? '*')(value.toLowerCase());
    }
    case 'IsFileVersionAbove':
    case 'IsFileVersionBelow': {
      const info = await fileVersion(scope, arg(call, 0) ?? '');
      const tag = (arg(call, 1) ?? '').toLowerCase();
      const have = tag === 'productversion' ? info?.productVersion : tag === 'fileversion' ? info?.fileVersion : undefined;
      if (!have) return false;
      const cmp = compareVersions(have, parseVersion(arg(call, 2) ?? ''));
      return call.name === 'IsFileVersionAbove' ? cmp > 0 : cmp < 0;
    }
    case 'DoesStringContentEqual':
    case 'DoesStringContentContain': {
      const s = await stringContent(scope, arg(call, 0) ?? '', arg(call, 1) ?? '');
      if (s === null) return false;
      const want = expand(arg(call, 2) ?? '', scope.vars).text;
      return call.name === 'DoesStringContentEqual' ? s.toLowerCase() === want.toLowerCase() : s.toLowerCase().includes(want.toLowerCase());
    }
    case 'IsSameObject': {
      const type = (arg(call, 0) ?? '').toLowerCase();
      const a = expand(arg(call, 1) ?? '', scope.vars);
      const b = expand(arg(call, 2) ?? '', scope.vars);
      if (a.unresolved.length || b.unresolved.length) return false;
      if (type === 'file') {
        const [sa, sb] = await Promise.all([scope.volume.stat(a.text), scope.volume.stat(b.text)]);
        return !!sa && !!sb && sa.dev === sb.dev && sa.ino === sb.ino;
      }
      return a.text.toLowerCase() === b.text.toLowerCase();
    }
    case 'IsSameContent':
    case 'IsSameStringContent': {
      const [a, b] = await Promise.all([
        contentOf(scope, arg(call, 0) ?? '', arg(call, 1) ?? ''),
        contentOf(scope, arg(call, 2) ?? '', arg(call, 3) ?? ''),
      ]);
      return a !== null && b !== null && (call.name === 'IsSameContent' ? a === b : a.toLowerCase() === b.toLowerCase());
    }
    default:
      return badArgs(call, 'not a condition function');
  }
}

async function contentOf(scope: HelperScope, type: string, location: string): Promise<string | null> {
  if (type.toLowerCase() !== 'file') return stringContent(scope, type, location);
  const host = await scope.volume.resolve(expand(location, scope.vars).text);
  if (!host) return null;
  try {
    return (await readFile(host)).toString('latin1');
  } catch {
    return null;
  }
}

// ── scripts in <objectSet> and <variable> ─────────────────────────────────────────────────

/** Pattern texts (already expanded) or matchers produced by an objectSet script. */
export async function objectSetScript(call: ScriptCall, scope: HelperScope): Promise<{ type: ObjectType; text: string }[] | Matcher[]> {
  switch (call.name) {
    case 'GenerateDrivePatterns': {
      const segment = arg(call, 0) ?? badArgs(call, 'a pattern segment is required');
      const type = (arg(call, 1) ?? 'Fixed').toLowerCase();
      // An offline volume has one fixed drive: the system drive. No CD-ROM, removable or remote drives.
      if (type !== 'fixed') return [];
      const text = `${scope.volume.systemDrive}${segment.startsWith('\\') ? '' : '\\'}${segment.trim()}`;
      return [{ type: 'File', text }];
    }
    case 'GenerateUserPatterns': {
      const type = (arg(call, 0) ?? 'File').toLowerCase() === 'registry' ? 'Registry' : 'File';
      const pattern = arg(call, 1) ?? badArgs(call, 'a pattern is required');
      const processCurrent = isTrue(arg(call, 2), true);
      const out: { type: ObjectType; text: string }[] = [];
      for (const u of scope.users) {
        if (!processCurrent && scope.user && u.profile.profilePath.toLowerCase() === scope.user.profilePath.toLowerCase()) continue;
        const e = expand(pattern, u.vars);
        if (!e.unresolved.length) out.push({ type, text: e.text });
      }
      return out;
    }
    case 'GenerateDocPatterns': {
      const include = isTrue(arg(call, 1), true);
      const sys = scope.systemVars;
      const shared = [
        'CSIDL_COMMON_DESKTOPDIRECTORY',
        'CSIDL_COMMON_FAVORITES',
        'CSIDL_COMMON_DOCUMENTS',
        'CSIDL_COMMON_MUSIC',
        'CSIDL_COMMON_PICTURES',
        'CSIDL_COMMON_VIDEO',
        'FOLDERID_PUBLICDOWNLOADS',
      ]
        .map((v) => sys.get(v))
        .filter((v): v is string => !!v);
      const systemFolders = ['WINDIR', 'PROGRAMFILES', 'PROGRAMFILES(X86)', 'PROGRAMDATA', 'ALLUSERSAPPDATA']
        .map((v) => sys.get(v))
        .filter((v): v is string => !!v);
      return [
        docFinderMatcher(
          {
            drives: [scope.volume.systemDrive],
            systemFolders,
            ...(scope.user ? { profilePath: scope.user.profilePath } : { sharedFolders: shared }),
          },
          include,
        ),
      ];
    }
    default:
      return badArgs(call, 'not an objectSet script');
  }
}

export async function variableScript(call: ScriptCall, scope: HelperScope): Promise<string | null> {
  if (call.name !== 'GetStringContent') return badArgs(call, 'not a variable script');
  return stringContent(scope, arg(call, 0) ?? '', arg(call, 1) ?? '', isTrue(arg(call, 2), true));
}

// ── content filters: registry data → file patterns ────────────────────────────────────────

/** ExtractSingleFile / ExtractMultipleFiles / ExtractDirectory and the MigSys binary variants. */
export async function contentFilter(call: ScriptCall, data: RegData, scope: HelperScope): Promise<string[]> {
  const values: string[] = [];
  if (Array.isArray(data)) values.push(...(call.name === 'ExtractMultipleFiles' ? data : data.slice(0, 1)));
  else if (typeof data === 'string') values.push(data);
  else if (Buffer.isBuffer(data)) {
    const text = call.name === 'ExtractSingleFileAnsiBin' ? data.toString('latin1') : data.toString('utf16le');
    values.push(text.split('\0')[0] ?? '');
  }
  const separators = arg(call, 0);
  const hintsRaw = call.name === 'ExtractDirectory' ? null : arg(call, 1);
  const hints = hintsRaw && hintsRaw.toUpperCase() !== 'NULL' ? expand(hintsRaw, scope.vars).text.split(';').filter(Boolean) : [];
  const out: string[] = [];
  for (let raw of values) {
    raw = expand(raw.trim().replace(/^"|"$/g, ''), scope.vars).text;
    if (separators && separators.toUpperCase() !== 'NULL') {
      const cut = [...separators].map((c) => raw.indexOf(c)).filter((i) => i >= 0);
      if (cut.length) raw = raw.slice(0, Math.min(...cut));
    }
    if (!raw) continue;
    if (call.name === 'ExtractDirectory') {
      const levels = Number.parseInt(arg(call, 1) ?? '0', 10) || 0;
      const parts = raw.replace(/\\+$/, '').split('\\');
      const dir = parts.slice(0, Math.max(1, parts.length - levels)).join('\\');
      const st = await scope.volume.stat(dir);
      if (st?.kind === 'dir') out.push(`${dir}\\${arg(call, 2) ?? '* [*]'}`);
      continue;
    }
    const candidates = raw.includes('\\') ? [raw] : hints.map((h) => `${h.replace(/\\$/, '')}\\${raw}`);
    for (const c of candidates) {
      const st = await scope.volume.stat(c);
      if (st?.kind === 'file') {
        const i = c.lastIndexOf('\\');
        out.push(encodeLocation(c.slice(0, i), c.slice(i + 1)));
        break;
      }
    }
  }
  return out;
}

// ── include / exclude filters (ScanState side) ────────────────────────────────────────────

const SIZE_UNITS: Record<string, number> = { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 };

function parseSize(s: string): number {
  const m = /^\s*([\d.]+)\s*(b|kb|mb|gb)?\s*$/i.exec(s);
  return m ? Number(m[1]) * SIZE_UNITS[(m[2] ?? 'b').toLowerCase()]! : NaN;
}

function parseDate(s: string): number {
  const m = /^\s*(\d{4})\/(\d{1,2})\/(\d{1,2})\s*$/.exec(s);
  return m ? new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3])).getTime() : NaN;
}

/** What an include/exclude filter sees at LoadState (§5.4). */
export interface ApplyFilterState {
  /** IgnoreIrrelevantLinks: FALSE for a shortcut whose target does not exist on the destination. */
  readonly linkRelevant: boolean;
}

/**
 * An include/exclude filter: TRUE keeps the object for that rule. At ScanState (`apply`
 * absent) IgnoreIrrelevantLinks and NeverRestore are TRUE (every .lnk is stored, NeverRestore
 * objects are gathered); at LoadState NeverRestore is FALSE and IgnoreIrrelevantLinks is what
 * the caller found for the shortcut.
 */
export function scanFilter(call: ScriptCall, entry: VolumeEntry | undefined, content: string | null, apply?: ApplyFilterState): boolean {
  switch (call.name) {
    case 'IgnoreIrrelevantLinks':
      return apply?.linkRelevant ?? true;
    case 'NeverRestore':
      return !apply;
    case 'SameRegContent':
      return true;
    case 'AnswerNo':
      return false;
    case 'CompareStringContent': {
      const equal = (arg(call, 1) ?? '').toLowerCase() === 'equal';
      const same = content !== null && content.toLowerCase() === (arg(call, 0) ?? '').toLowerCase();
      return equal ? same : !same;
    }
    case 'FileProperties': {
      if (!entry) return false;
      const prop = (arg(call, 0) ?? '').toLowerCase();
      const op = (arg(call, 1) ?? '').toLowerCase();
      const value = arg(call, 2) ?? '';
      const isSize = prop === 'filesize';
      const have =
        prop === 'filesize'
          ? entry.size
          : prop === 'datecreated'
            ? entry.birthtimeMs
            : prop === 'datemodified'
              ? entry.mtimeMs
              : prop === 'dateaccessed'
                ? entry.atimeMs
                : NaN;
      const parse = isSize ? parseSize : parseDate;
      if (op === 'range') {
        const [lo, hi] = value.split('-').map(parse);
        // A date range is inclusive of its last day.
        return have >= lo! && have <= (isSize ? hi! : hi! + 86_399_999);
      }
      const v = parse(value);
      const day = isSize ? 0 : 86_399_999;
      switch (op) {
        case 'eq':
          return have >= v && have <= v + day;
        case 'neq':
          return !(have >= v && have <= v + day);
        case 'lt':
          return have < v;
        case 'lte':
          return have <= v + day;
        case 'gt':
          return have > v + day;
        case 'gte':
          return have >= v;
        default:
          return false;
      }
    }
    default:
      return true;
  }
}
