// Where an object lands (spec §5.5, §6.6, §6.7): locationModify scripts, missing destination
// drives, and collision handling with merge scripts. Pure functions: LoadState calls them with
// the destination's variables and its own "does this exist" test; explain/plan call them with
// the source's variables for both sides.
import { splitLocation } from './pattern.ts';
import type { ScriptCall } from './script-call.ts';
import { expand, type VarScope } from './variables.ts';

/** The source and destination variables relocation expands, and how a missing drive is mapped. */
export interface RelocationEnv {
  /** Variables on the source (ScanState) side. */
  readonly source: VarScope | ReadonlyMap<string, string>;
  /** Variables on the destination (LoadState) side. */
  readonly destination: VarScope | ReadonlyMap<string, string>;
  /** Drives present on the destination (`C:`, …); a missing one maps to `systemDrive`. */
  readonly destinationDrives?: readonly string[];
  readonly systemDrive?: string;
}

const norm = (p: string) => p.replace(/\\+$/, '').toLowerCase();

/** `base` contains `path` (or is it)? Case-insensitive, on whole segments. */
export function isUnder(path: string, base: string): boolean {
  const p = norm(path);
  const b = norm(base);
  return p === b || p.startsWith(`${b}\\`);
}

/** Variables whose values are folders (CSIDL_*, FOLDERID_*, profile and drive roots): Move's anchors. */
function folderAnchors(vars: VarScope | ReadonlyMap<string, string>): string[] {
  const entries =
    'entries' in vars && typeof vars.entries === 'function'
      ? [...(vars as VarScope).entries()]
      : [...(vars as ReadonlyMap<string, string>)];
  return entries
    .filter(([k, v]) => /^(CSIDL_|FOLDERID_|USERPROFILE$|PROFILESFOLDER$|SYSTEMDRIVE$)/i.test(k) && /^[A-Za-z]:/.test(v))
    .map(([, v]) => v.replace(/\\+$/, ''));
}

/**
 * Apply a locationModify script to an object's Windows path (for files the full path, for
 * folders the folder path). Returns the new path, or null when the script does not move it.
 */
export function applyLocationModify(call: ScriptCall, path: string, isContainer: boolean, env: RelocationEnv): string | null {
  const a = (i: number) => call.args[i] ?? '';
  switch (call.name) {
    case 'RelativeMove': {
      const from = expand(a(0), env.source).text.replace(/\\+$/, '');
      const to = expand(a(1), env.destination).text.replace(/\\+$/, '');
      if (!isUnder(path, from)) return null;
      return to + path.slice(from.length);
    }
    case 'Move': {
      const to = expand(a(0), env.destination).text.replace(/\\+$/, '');
      // Keep the part below the deepest known folder (or drive root) that holds the object.
      const anchors = folderAnchors(env.source).filter((f) => isUnder(path, f) && norm(f) !== norm(path));
      const drive = /^[A-Za-z]:/.exec(path)?.[0] ?? '';
      const anchor = anchors.sort((x, y) => y.length - x.length)[0] ?? drive;
      return to + path.slice(anchor.replace(/\\+$/, '').length);
    }
    case 'ExactMove': {
      const target = expand(a(0), env.destination).text;
      const { node, leaf } = splitLocation(target);
      if (leaf !== null) return `${node}\\${leaf}`;
      const name = path.replace(/\\+$/, '').split('\\').pop()!;
      return isContainer ? node : `${node}\\${name}`;
    }
    default:
      return null;
  }
}

/** A drive that does not exist on the destination becomes the system drive (§5.5). */
export function mapMissingDrive(path: string, env: RelocationEnv): string {
  const drives = env.destinationDrives;
  const m = /^([A-Za-z]:)/.exec(path);
  if (!drives || !m) return path;
  if (drives.some((d) => d.toLowerCase() === m[1]!.toLowerCase())) return path;
  return (env.systemDrive ?? 'C:') + path.slice(2);
}

/** `<variable remap="TRUE">` (§6.7): a path under a variable's source value moves under its destination value. */
export function applyRemaps(
  path: string,
  remaps: readonly { readonly name: string; readonly source: string }[],
  env: RelocationEnv,
): string | null {
  for (const r of remaps) {
    if (!r.source || !isUnder(path, r.source)) continue;
    const to = expand(`%${r.name}%`, env.destination);
    if (to.unresolved.length) continue;
    return to.text.replace(/\\+$/, '') + path.slice(r.source.replace(/\\+$/, '').length);
  }
  return null;
}

/** The destination path of an object: its locationModify (if any) or variable remap, then drive mapping. */
export function destinationOf(
  path: string,
  isContainer: boolean,
  locationModify: ScriptCall | undefined,
  env: RelocationEnv,
  remaps: readonly { readonly name: string; readonly source: string }[] = [],
): string {
  const moved = (locationModify ? applyLocationModify(locationModify, path, isContainer, env) : null) ?? applyRemaps(path, remaps, env);
  return mapMissingDrive(moved ?? path, env);
}

/** `r.docx` → `r(1).docx`: USMT's rename for a colliding file (no space before the parenthesis). */
export function collisionName(path: string, n: number): string {
  const slash = path.lastIndexOf('\\');
  const name = path.slice(slash + 1);
  const dot = name.lastIndexOf('.');
  const stem = dot > 0 ? name.slice(0, dot) : name;
  const ext = dot > 0 ? name.slice(dot) : '';
  return `${path.slice(0, slash + 1)}${stem}(${n})${ext}`;
}

/** FindFilePlaceByPattern: `<F> (<N>).<E>` with `<F>` name, `<N>` counter, `<E>` extension. */
export function placeByPattern(path: string, pattern: string, n: number): string {
  const slash = path.lastIndexOf('\\');
  const name = path.slice(slash + 1);
  const dot = name.lastIndexOf('.');
  const stem = dot > 0 ? name.slice(0, dot) : name;
  const ext = dot > 0 ? name.slice(dot + 1) : '';
  const out = pattern.replace('<F>', stem).replace('<N>', String(n)).replace('<E>', ext);
  return path.slice(0, slash + 1) + (ext ? out : out.replace(/\.$/, ''));
}

/** What to do with an object whose destination exists: write it under a new name, overwrite, or skip. */
export type CollisionOutcome =
  | { readonly action: 'write'; readonly path: string }
  | { readonly action: 'overwrite'; readonly path: string }
  | { readonly action: 'skip' };

/** An object about to be restored onto an existing one, with the merge script that decides. */
export interface CollisionInput {
  readonly kind: 'file' | 'registry';
  /** Destination path (after relocation). */
  readonly path: string;
  /** The most specific matching merge script, if any (see engine `mergeScriptFor`). */
  readonly merge?: ScriptCall;
  readonly exists: (path: string) => boolean;
  /** For NewestVersion / HigherValue / LowerValue: compare source with destination (> 0 = source wins). */
  readonly compare?: () => number;
}

/** Decide a collision at LoadState (§6.6). */
export function resolveCollision(input: CollisionInput): CollisionOutcome {
  const { path, exists } = input;
  if (!exists(path)) return { action: 'write', path };
  const rename = (make: (n: number) => string): CollisionOutcome => {
    for (let n = 1; n < 100_000; n++) {
      const p = make(n);
      if (!exists(p)) return { action: 'write', path: p };
    }
    return { action: 'skip' };
  };
  switch (input.merge?.name) {
    case 'SourcePriority':
      return { action: 'overwrite', path };
    case 'DestinationPriority':
      return { action: 'skip' };
    case 'FindFilePlaceByPattern':
      return rename((n) => placeByPattern(path, input.merge!.args[0] ?? '<F> (<N>).<E>', n));
    case 'NewestVersion':
    case 'HigherValue':
      return (input.compare?.() ?? 0) > 0 ? { action: 'overwrite', path } : { action: 'skip' };
    case 'LowerValue':
      return (input.compare?.() ?? 0) < 0 ? { action: 'overwrite', path } : { action: 'skip' };
    default:
      return input.kind === 'registry' ? { action: 'overwrite', path } : rename((n) => collisionName(path, n));
  }
}
