// Profile discovery. With a readable SOFTWARE hive, profiles are the ProfileList entries
// (SID, ProfileImagePath, State); otherwise the folders of the profiles folder (`Users\*`) that
// hold an NTUSER.DAT, minus Default, Default User, Public and All Users.
//
// Local vs domain: a ProfileList holds SIDs only. When the SAM hive yields the machine SID, an
// `S-1-5-21-…` account of another domain is a domain account (its domain name is Winlogon's
// DefaultDomainName, else the first label of the TCP/IP domain, else "DOMAIN"); `S-1-12-1-…` is
// Azure AD. Without the machine SID every `S-1-5-21-…` account counts as local (its domain is
// the computer name), which is what `/ue:%computername%\*` then matches.
import type { Hive, RegKey } from '../registry/index.ts';
import type { EventStream } from '../events/index.ts';
import type { Profile } from './types.ts';
import { expandEnv } from './env.ts';
import { foldCase, formatWinPath, parseWinPath } from './winpath.ts';

/** ProfileList `State` bits that mark a profile Ferry must not treat as the user's real one. */
export const ProfileState = {
  TEMP_ASSIGNED: 0x0800,
  THIS_IS_BACKUP: 0x8000,
} as const;

const SYSTEM_SIDS = new Set(['S-1-5-18', 'S-1-5-19', 'S-1-5-20']);
const NOT_PROFILES = new Set(['DEFAULT', 'DEFAULT USER', 'PUBLIC', 'ALL USERS'].map(foldCase));

/** What profile discovery needs from the volume. */
export interface ProfileHost {
  readonly systemDrive: string;
  readonly computerName: string;
  readonly events: EventStream;
  /** System environment (for %SystemDrive%, %SystemRoot% in ProfileImagePath). */
  readonly env: ReadonlyMap<string, string>;
  /** Resolve a Windows path: host path and real-case Windows path, kind; null if absent. */
  lookup(winPath: string): { hostPath: string; winPath: string; kind: string } | null;
  /** List the names in a folder (Windows path); empty if unreadable. */
  names(winPath: string): string[];
  /** mtime of a host file, or undefined. */
  mtime(hostPath: string): number | undefined;
}

export interface DomainInfo {
  /** `S-1-5-21-a-b-c` of this computer, when the SAM hive gives it. */
  readonly machineSid: string | null;
  readonly domainName: string | null;
  /** Local account names by RID, from the SAM hive (empty when unreadable). */
  readonly localNames?: ReadonlyMap<number, string>;
}

/**
 * Local account names from SAM\Domains\Account\Users\Names: one key per account, whose
 * default value has the account's RID as its (otherwise unused) type number.
 */
export function localAccountNames(sam: Hive | null): Map<number, string> {
  const out = new Map<number, string>();
  const names = sam?.key('SAM\\Domains\\Account\\Users\\Names');
  for (const k of names?.subkeys() ?? []) {
    const v = k.value('');
    if (v && v.type > 0) out.set(v.type, k.name);
  }
  return out;
}

/**
 * The account name behind a profile folder. Windows names a second profile of the same name
 * `name.DOMAIN`, `name.COMPUTER` or `name.DOMAIN.000`; those suffixes are not part of the name.
 */
export function userNameFor(folder: string, sid: string | undefined, domain: string, info: DomainInfo | null): string {
  const rid = sid ? Number(sid.slice(sid.lastIndexOf('-') + 1)) : Number.NaN;
  const local = info?.localNames?.get(rid);
  if (local && info?.machineSid && sid?.startsWith(`${info.machineSid}-`)) return local;
  let name = folder.replace(/\.\d{3}$/, '');
  const suffix = `.${foldCase(domain)}`;
  if (foldCase(name).endsWith(suffix) && name.length > suffix.length) name = name.slice(0, -suffix.length);
  return name;
}

/** Machine SID from SAM\Domains\Account [V] (its last 12 bytes are the three sub-authorities). */
export function machineSidFromSam(sam: Hive | null): string | null {
  const v = sam?.key('SAM\\Domains\\Account')?.value('V')?.raw;
  if (!v || v.length < 12) return null;
  const a = v.readUInt32LE(v.length - 12);
  const b = v.readUInt32LE(v.length - 8);
  const c = v.readUInt32LE(v.length - 4);
  return `S-1-5-21-${a}-${b}-${c}`;
}

export function domainNameFrom(software: Hive | null, system: Hive | null, controlSet: string, computerName: string): string | null {
  const str = (h: Hive | null, key: string, name: string): string | null => {
    const d = h?.key(key)?.value(name)?.data;
    return typeof d === 'string' && d.trim() ? d.trim() : null;
  };
  const winlogon = str(software, 'Microsoft\\Windows NT\\CurrentVersion\\Winlogon', 'DefaultDomainName');
  if (winlogon && foldCase(winlogon) !== foldCase(computerName)) return winlogon;
  const tcpip = `${controlSet}\\Services\\Tcpip\\Parameters`;
  const dns = str(system, tcpip, 'Domain') ?? str(system, tcpip, 'NV Domain');
  return dns ? dns.split('.')[0]!.toUpperCase() : null;
}

function classify(sid: string, host: ProfileHost, info: DomainInfo): { domain: string; isLocal: boolean } {
  if (sid.startsWith('S-1-12-1-')) return { domain: 'AzureAD', isLocal: false };
  if (info.machineSid && sid.startsWith('S-1-5-21-') && !sid.startsWith(`${info.machineSid}-`)) {
    return { domain: info.domainName ?? 'DOMAIN', isLocal: false };
  }
  return { domain: host.computerName, isLocal: true };
}

function makeProfile(
  host: ProfileHost,
  found: { hostPath: string; winPath: string },
  info: DomainInfo | null,
  extra: Partial<Profile> & Pick<Profile, 'domain' | 'isLocal' | 'source'>,
): Profile {
  const ntuser = host.lookup(`${found.winPath}\\NTUSER.DAT`);
  const ntuserHostPath = ntuser?.hostPath ?? `${found.hostPath}/NTUSER.DAT`;
  const parts = parseWinPath(found.winPath).parts;
  const ntuserMtimeMs = ntuser ? host.mtime(ntuser.hostPath) : undefined;
  return {
    userName: userNameFor(parts[parts.length - 1] ?? '', extra.sid, extra.domain, info),
    profilePath: found.winPath,
    hostPath: found.hostPath,
    ntuserHostPath,
    ...(ntuserMtimeMs === undefined ? {} : { ntuserMtimeMs }),
    ...extra,
  };
}

interface ListEntry {
  readonly keyName: string;
  readonly image: string;
  readonly state: number | undefined;
  /** Temporary or backup by its State flags. */
  readonly flagged: boolean;
}

function readEntry(host: ProfileHost, key: RegKey): ListEntry | null {
  const imageRaw = key.value('ProfileImagePath')?.data;
  if (typeof imageRaw !== 'string' || imageRaw.trim() === '') return null;
  const stateRaw = key.value('State')?.data;
  const state = typeof stateRaw === 'number' ? stateRaw : undefined;
  const parsed = parseWinPath(expandEnv(imageRaw.trim(), host.env));
  const image = formatWinPath(parsed.drive || host.systemDrive, parsed.parts);
  const flagged = state !== undefined && (state & (ProfileState.TEMP_ASSIGNED | ProfileState.THIS_IS_BACKUP)) !== 0;
  return { keyName: key.name, image, state, flagged };
}

/**
 * Profiles from ProfileList; null when the key is absent (the caller falls back to Users\*).
 * When Windows could not load a profile it renames its key `<SID>.bak` and signs the user in
 * with a temporary profile under `<SID>`: then the `.bak` entry holds the user's real folder
 * and is the one migrated (with a warning); a temporary entry alone is skipped.
 */
export function profilesFromProfileList(host: ProfileHost, software: Hive, info: DomainInfo): Profile[] | null {
  const list = software.key('Microsoft\\Windows NT\\CurrentVersion\\ProfileList');
  if (!list) return null;
  const bySid = new Map<string, { main?: ListEntry; bak?: ListEntry }>();
  for (const key of list.subkeys()) {
    const isBak = /\.bak$/i.test(key.name);
    const sid = key.name.replace(/\.bak$/i, '').toUpperCase();
    if (!sid.startsWith('S-1-') || SYSTEM_SIDS.has(sid)) continue;
    const entry = readEntry(host, key);
    if (!entry) continue;
    const slot = bySid.get(sid) ?? {};
    if (isBak) slot.bak = entry;
    else slot.main = entry;
    bySid.set(sid, slot);
  }
  const warnTemp = (e: ListEntry, what: string): void =>
    host.events.warn('FERRY_W_PROFILE_TEMPORARY', `Profile ${e.image} (ProfileList\\${e.keyName}) ${what}`, e.image);
  const out: Profile[] = [];
  for (const [sid, { main, bak }] of bySid) {
    let use: ListEntry | null = null;
    if (main && !main.flagged) {
      use = main;
      if (bak)
        warnTemp(
          bak,
          `is a stale backup entry of ${sid}; ${main.image} is migrated instead. Remove the .bak key when the profile is fine.`,
        );
    } else if (bak && !bak.flagged) {
      use = bak;
      if (main)
        warnTemp(
          main,
          `is a temporary profile; the user's own profile ${bak.image} (ProfileList\\${bak.keyName}) is ` +
            `migrated instead. Repair the profile on Windows so the user stops getting a temporary one.`,
        );
    } else {
      for (const e of [main, bak])
        if (e)
          warnTemp(
            e,
            'is marked temporary or backup in ProfileList and is not migrated. Sign in once ' +
              'with that account so Windows repairs the profile, then capture again.',
          );
      continue;
    }
    const found = host.lookup(use.image);
    if (!found || found.kind !== 'dir') {
      host.events.warn(
        'FERRY_W_PROFILE_MISSING',
        `Profile ${use.image} of ${sid} is listed in ProfileList but its folder is not on the volume; skipped.`,
        use.image,
      );
      continue;
    }
    out.push(
      makeProfile(host, found, info, {
        sid,
        ...classify(sid, host, info),
        ...(use.state === undefined ? {} : { state: use.state }),
        source: 'ProfileList',
      }),
    );
  }
  return out;
}

/** Profiles from the profiles folder's subfolders (no hive). */
export function profilesFromFolders(host: ProfileHost, profilesFolder: string): Profile[] {
  const out: Profile[] = [];
  const base = host.lookup(profilesFolder);
  if (!base || base.kind !== 'dir') return out;
  for (const name of host.names(base.winPath)) {
    if (NOT_PROFILES.has(foldCase(name))) continue;
    const found = host.lookup(`${base.winPath}\\${name}`);
    if (!found || found.kind !== 'dir') continue;
    if (!host.lookup(`${found.winPath}\\NTUSER.DAT`)) continue;
    out.push(makeProfile(host, found, null, { domain: host.computerName, isLocal: true, source: 'Users' }));
  }
  return out;
}

export function sortProfiles(profiles: Profile[]): Profile[] {
  return profiles.sort((a, b) => {
    const fa = foldCase(a.profilePath);
    const fb = foldCase(b.profilePath);
    return fa < fb ? -1 : fa > fb ? 1 : 0;
  });
}
