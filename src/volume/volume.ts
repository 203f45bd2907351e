// An offline Windows installation seen from Linux: `openVolume(ROOT/Windows)` makes ROOT the
// system drive (`C:`). Every host path handed out is built from names actually listed under the
// root (or a configured drive root), never from text in a Windows path, and intermediate
// symlinks are never followed, so nothing outside the volume is ever read.
import { lstatSync, readdirSync, realpathSync } from 'node:fs';
import { basename, dirname, isAbsolute, relative, resolve as resolveHost, sep } from 'node:path';
import { FerryError } from '../errors/index.ts';
import { silentEvents, type EventStream } from '../events/index.ts';
import type { Hive } from '../registry/index.ts';
import type { Profile, VolumeEntry, WalkOptions, WindowsVolume } from './types.ts';
import { DirIndex, type DirIndexLimits } from './dir-index.ts';
import { detectAttributeSource, type AttributeSource } from './attributes.ts';
import { statEntry, type HostEntry } from './entry.ts';
import { accessError, walkHost, walkHostBatches, walkHostSync } from './walk.ts';
import { INVALID_NAME_CHARS, foldCase, formatWinPath, parseWinPath } from './winpath.ts';
import { VolumeHives } from './hives.ts';
import { buildSystemEnv, buildUserEnv, type Env } from './env.ts';
import {
  domainNameFrom,
  localAccountNames,
  machineSidFromSam,
  profilesFromFolders,
  profilesFromProfileList,
  sortProfiles,
  type ProfileHost,
} from './profiles.ts';

export interface OpenVolumeOptions {
  /** Drive letter of the system volume (default `C:`). */
  readonly systemDrive?: string;
  /** Other drive letters mapped to host folders, e.g. `{ 'D:': '/mnt/data' }`. Unmapped letters resolve to nothing. */
  readonly drives?: Readonly<Record<string, string>>;
  /** Warnings (unreadable hives, skipped profiles) go here. */
  readonly events?: EventStream;
  /** Bounds of the case-insensitive folder-listing cache. */
  readonly dirIndex?: DirIndexLimits;
  /** False for a volume that is written to (LoadState): missing hives are created, not a loss. */
  readonly warnMissingHives?: boolean;
}

/** A Windows path resolved on the host: real-case Windows path, host path and kind. */
export interface Resolved {
  readonly winPath: string;
  readonly hostPath: string;
  readonly kind: 'file' | 'dir' | 'symlink' | 'other';
}

/** The computer name used when the volume's SYSTEM hive does not give one. */
export const FALLBACK_COMPUTER_NAME = 'FERRY-OFFLINE';

async function* noEntries<T>(): AsyncGenerator<T> {}

/** A walk whose root cannot be read fails when iterated, like every other walk error. */
// biome-ignore lint/correctness/useYield: it yields nothing by design; iterating it throws.
async function* failed<T>(err: FerryError): AsyncGenerator<T> {
  throw err;
}

function isDirNoFollow(hostPath: string): boolean {
  const st = lstatSync(hostPath, { throwIfNoEntry: false });
  return st !== undefined && st.isDirectory();
}

/** Validate `/offlinewindir:` and return [root, Windows folder name as stored]. */
function locateWindowsDir(windowsDir: string): { root: string; windowsName: string } {
  const given = resolveHost(windowsDir);
  let root: string;
  try {
    root = realpathSync(dirname(given));
  } catch (err) {
    throw new FerryError(
      'FERRY_E_WINDIR_NOT_FOUND',
      `The Windows directory ${windowsDir} does not exist. Mount the volume and pass the host path of its Windows folder.`,
      { cause: err, details: { windowsDir } },
    );
  }
  const want = basename(given);
  let names: string[];
  try {
    names = readdirSync(root);
  } catch (err) {
    throw accessError(err, windowsDir, root, 'listing the volume root of');
  }
  const windowsName = names.includes(want) ? want : names.find((n) => foldCase(n) === foldCase(want));
  if (!windowsName || !isDirNoFollow(`${root}/${windowsName}`)) {
    throw new FerryError(
      'FERRY_E_WINDIR_NOT_FOUND',
      `The Windows directory ${windowsDir} does not exist or is not a folder (symlinks ` +
        `are not followed). Pass the host path of the volume's Windows folder.`,
      { details: { windowsDir } },
    );
  }
  let inner: string[];
  try {
    inner = readdirSync(`${root}/${windowsName}`);
  } catch (err) {
    throw accessError(err, windowsDir, `${root}/${windowsName}`, 'listing');
  }
  const system32 = inner.find((n) => foldCase(n) === 'SYSTEM32');
  if (!system32 || !isDirNoFollow(`${root}/${windowsName}/${system32}`)) {
    throw new FerryError(
      'FERRY_E_NOT_A_WINDOWS_DIR',
      `${windowsDir} is not a Windows directory: it has no System32 folder. Point ` +
        `/offlinewindir: at the Windows folder of the mounted volume.`,
      { details: { windowsDir } },
    );
  }
  return { root, windowsName };
}

/** An offline Windows installation on the host, seen with Windows semantics; made by `openVolume`. */
export class OfflineVolume implements WindowsVolume {
  readonly root: string;
  readonly windowsDir: string;
  readonly systemDrive: string;
  readonly computerName: string;
  readonly is64Bit: boolean;
  readonly attributeSource: AttributeSource;
  readonly registry: VolumeHives;
  readonly events: EventStream;
  /** Windows path of the Windows folder (`C:\Windows`). */
  readonly windowsWinPath: string;
  protected readonly index: DirIndex;
  readonly #drives = new Map<string, string>();
  #systemEnv: Env | null = null;
  #profiles: Promise<Profile[]> | null = null;
  readonly #userEnvs = new Map<string, Env>();

  constructor(windowsDir: string, options: OpenVolumeOptions = {}) {
    const { root, windowsName } = locateWindowsDir(windowsDir);
    this.root = root;
    this.windowsDir = `${root}/${windowsName}`;
    this.systemDrive = parseWinPath(options.systemDrive ?? 'C:').drive || 'C:';
    this.windowsWinPath = formatWinPath(this.systemDrive, [windowsName]);
    this.events = options.events ?? silentEvents();
    this.index = new DirIndex(options.dirIndex);
    this.#drives.set(this.systemDrive, root);
    for (const [letter, hostDir] of Object.entries(options.drives ?? {})) {
      const drive = /^[A-Za-z]:?$/.test(letter) ? `${letter[0]!.toUpperCase()}:` : '';
      if (!drive)
        throw new FerryError('FERRY_E_INVALID_ARGUMENT', `"${letter}" is not a drive letter; map drives as { 'D:': '/host/folder' }.`, {
          details: { drive: letter },
        });
      if (drive === this.systemDrive) continue;
      try {
        this.#drives.set(drive, realpathSync(hostDir));
      } catch (err) {
        throw new FerryError(
          'FERRY_E_DRIVE_NOT_MAPPED',
          `Drive ${drive} is mapped to ${hostDir}, which does not exist; mount that volume first.`,
          { cause: err, details: { drive, hostDir } },
        );
      }
    }
    this.attributeSource = detectAttributeSource(root);
    this.is64Bit =
      this.resolveSync(`${this.windowsWinPath}\\SysWOW64`)?.kind === 'dir' ||
      this.resolveSync(`${this.systemDrive}\\Program Files (x86)`)?.kind === 'dir';
    this.registry = new VolumeHives(this.windowsWinPath, (w) => this.resolveSync(w)?.hostPath ?? null, this.events);
    this.computerName = this.#readComputerName();
    if (!this.registry.available && this.registry.warnings === 0 && options.warnMissingHives !== false) {
      this.events.warn(
        'FERRY_W_REGISTRY_UNAVAILABLE',
        `No readable SOFTWARE or SYSTEM hive under ${this.windowsWinPath}\\System32\\config: ` +
          `profiles come from the Users folder and registry objects are absent.`,
        this.windowsWinPath,
      );
    }
  }

  driveRoot(drive: string): string | null {
    return this.#drives.get(parseWinPath(drive).drive) ?? null;
  }

  /** Resolve case-insensitively, synchronously; intermediate symlinks make the path unresolvable. */
  resolveSync(winPath: string): Resolved | null {
    const p = parseWinPath(winPath);
    const drive = p.drive || this.systemDrive;
    const base = this.#drives.get(drive);
    if (base === undefined) return null;
    let host = base;
    const parts: string[] = [];
    let kind: Resolved['kind'] = 'dir';
    for (let i = 0; i < p.parts.length; i++) {
      if (kind !== 'dir') return null;
      const found = this.#lookup(host, p.parts[i]!);
      if (!found) return null;
      parts.push(found.name);
      host = `${host}/${found.name}`;
      kind = found.kind;
    }
    return { winPath: formatWinPath(drive, parts), hostPath: host, kind };
  }

  #lookup(hostDir: string, name: string): { name: string; kind: Resolved['kind'] } | null {
    if (INVALID_NAME_CHARS.test(name)) return null;
    try {
      return this.index.lookup(hostDir, name);
    } catch {
      // The folder cannot be listed (search-only permission): an exact-case name may still be stat'ed.
      try {
        const st = lstatSync(`${hostDir}/${name}`, { throwIfNoEntry: false });
        if (!st) return null;
        return { name, kind: st.isSymbolicLink() ? 'symlink' : st.isDirectory() ? 'dir' : st.isFile() ? 'file' : 'other' };
      } catch {
        return null;
      }
    }
  }

  async resolve(winPath: string): Promise<string | null> {
    return this.resolveSync(winPath)?.hostPath ?? null;
  }

  toWindowsPath(hostPath: string): string {
    const abs = resolveHost(hostPath);
    let best: { drive: string; rel: string } | null = null;
    for (const [drive, base] of this.#drives) {
      const rel = relative(base, abs);
      if (rel === '' || (rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel))) {
        if (!best || rel.length < best.rel.length) best = { drive, rel };
      }
    }
    if (!best) {
      throw new FerryError('FERRY_E_PATH_OUTSIDE_VOLUME', `${hostPath} is not inside the Windows volume at ${this.root}.`, {
        details: { hostPath, root: this.root },
      });
    }
    return formatWinPath(best.drive, best.rel === '' ? [] : best.rel.split(sep));
  }

  async stat(winPath: string): Promise<VolumeEntry | null> {
    const r = this.resolveSync(winPath);
    if (!r) return null;
    try {
      return statEntry(r.winPath, r.hostPath, this.attributeSource);
    } catch (err) {
      throw accessError(err, r.winPath, r.hostPath, 'reading');
    }
  }

  async list(winPath: string): Promise<VolumeEntry[]> {
    const r = this.resolveSync(winPath);
    if (!r || r.kind !== 'dir') return [];
    let names: string[];
    try {
      names = readdirSync(r.hostPath);
    } catch (err) {
      throw accessError(err, r.winPath, r.hostPath, 'listing folder');
    }
    const out: VolumeEntry[] = [];
    for (const name of names) {
      if (INVALID_NAME_CHARS.test(name)) continue;
      const child = `${r.hostPath}/${name}`;
      const childWin = r.winPath.endsWith('\\') ? r.winPath + name : `${r.winPath}\\${name}`;
      try {
        const e = statEntry(childWin, child, this.attributeSource);
        if (e) out.push(e);
      } catch (err) {
        throw accessError(err, childWin, child, 'reading');
      }
    }
    return out.sort((a, b) => {
      const fa = foldCase(a.winPath);
      const fb = foldCase(b.winPath);
      return fa < fb ? -1 : fa > fb ? 1 : 0;
    });
  }

  walk(winPath: string, options: WalkOptions = {}): AsyncIterable<VolumeEntry> {
    const root = this.#walkRoot(winPath, options);
    if (root instanceof FerryError) return failed(root);
    return root ? walkHost(root, { ...options, attributeSource: this.attributeSource }) : noEntries();
  }

  walkBatches(winPath: string, options: WalkOptions & { readonly batchSize?: number } = {}): AsyncIterable<readonly VolumeEntry[]> {
    const root = this.#walkRoot(winPath, options);
    if (root instanceof FerryError) return failed(root);
    return root ? walkHostBatches(root, { ...options, attributeSource: this.attributeSource }, options.batchSize) : noEntries();
  }

  walkSync(winPath: string, options: WalkOptions = {}): Iterable<VolumeEntry> {
    const root = this.#walkRoot(winPath, options);
    if (root instanceof FerryError) throw root;
    return root ? walkHostSync(root, { ...options, attributeSource: this.attributeSource }) : [];
  }

  /** The walk's first entry; null when absent or reported to onError; the error when there is no onError. */
  #walkRoot(winPath: string, options: WalkOptions): HostEntry | FerryError | null {
    const r = this.resolveSync(winPath);
    if (!r) return null;
    try {
      return statEntry(r.winPath, r.hostPath, this.attributeSource);
    } catch (err) {
      const fe = accessError(err, r.winPath, r.hostPath, 'reading');
      if (!options.onError) return fe;
      options.onError(r.winPath, fe);
      return null;
    }
  }

  profiles(): Promise<Profile[]> {
    this.#profiles ??= this.#discoverProfiles();
    return this.#profiles;
  }

  async systemEnv(): Promise<Map<string, string>> {
    return new Map(this.#sysEnv());
  }

  async userEnv(profile: Profile): Promise<Map<string, string>> {
    const key = foldCase(profile.profilePath);
    let env = this.#userEnvs.get(key);
    if (!env) {
      const ntuser = await this.registry.user(profile);
      env = buildUserEnv(this.#sysEnv(), {
        userName: profile.userName,
        domain: profile.domain,
        profilePath: profile.profilePath,
        ntuser,
        ...(profile.sid ? { sid: profile.sid } : {}),
      });
      this.#userEnvs.set(key, env);
    }
    return new Map(env);
  }

  close(): void {
    this.registry.close();
  }

  #sysEnv(): Env {
    this.#systemEnv ??= buildSystemEnv({
      systemDrive: this.systemDrive,
      windowsDir: this.windowsWinPath,
      is64Bit: this.is64Bit,
      computerName: this.computerName,
      software: this.registry.machineSync('SOFTWARE'),
    });
    return this.#systemEnv;
  }

  #controlSet(system: Hive | null): string {
    const current = system?.key('Select')?.value('Current')?.data;
    return typeof current === 'number' && current > 0 && current < 1000 ? `ControlSet${String(current).padStart(3, '0')}` : 'ControlSet001';
  }

  #readComputerName(): string {
    const system = this.registry.machineSync('SYSTEM');
    const name = system?.key(`${this.#controlSet(system)}\\Control\\ComputerName\\ComputerName`)?.value('ComputerName')?.data;
    return typeof name === 'string' && name.trim() ? name.trim() : FALLBACK_COMPUTER_NAME;
  }

  async #discoverProfiles(): Promise<Profile[]> {
    const host: ProfileHost = {
      systemDrive: this.systemDrive,
      computerName: this.computerName,
      events: this.events,
      env: this.#sysEnv(),
      lookup: (w) => this.resolveSync(w),
      names: (w) => {
        const r = this.resolveSync(w);
        try {
          return r ? readdirSync(r.hostPath) : [];
        } catch {
          return [];
        }
      },
      mtime: (h) => lstatSync(h, { throwIfNoEntry: false })?.mtimeMs,
    };
    const software = this.registry.machineSync('SOFTWARE');
    if (software) {
      const system = this.registry.machineSync('SYSTEM');
      const sam = this.registry.machineSync('SAM');
      const info = {
        machineSid: machineSidFromSam(sam),
        localNames: localAccountNames(sam),
        domainName: domainNameFrom(software, system, this.#controlSet(system), this.computerName),
      };
      const fromList = profilesFromProfileList(host, software, info);
      if (fromList) return sortProfiles(fromList);
      this.events.warn(
        'FERRY_W_REGISTRY_UNAVAILABLE',
        'The SOFTWARE hive has no ProfileList key; profiles come from the Users folder.',
        this.windowsWinPath,
      );
    }
    return sortProfiles(profilesFromFolders(host, this.#sysEnv().get('PROFILESFOLDER')!));
  }
}

/**
 * For Offline.xml `<winDir><path>` entries, which may name a Windows folder or a volume root
 * (`E:\`): the host path of the Windows folder there, or null when neither holds one.
 */
export function findWindowsDir(hostPath: string): string | null {
  for (const candidate of [hostPath, `${hostPath.replace(/\/+$/, '')}/Windows`]) {
    try {
      const { root, windowsName } = locateWindowsDir(candidate);
      return `${root}/${windowsName}`;
    } catch {
      // not this one
    }
  }
  return null;
}

/**
 * Open an offline Windows installation by its Windows folder (as `/offlinewindir:` takes it);
 * the volume root is its parent. Throws FERRY_E_WINDIR_NOT_FOUND or FERRY_E_NOT_A_WINDOWS_DIR.
 * @example
 * const volume = await openVolume('/mnt/old/Windows'); // C:\ is /mnt/old
 */
export async function openVolume(windowsDir: string, options: OpenVolumeOptions = {}): Promise<OfflineVolume> {
  return new OfflineVolume(windowsDir, options);
}
