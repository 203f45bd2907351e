// The registry as one pass of the rule engine sees it: HKLM\SOFTWARE and HKLM\SYSTEM from the
// volume's Windows\System32\config, HKCU from the user's NTUSER.DAT. A hive that is missing or
// unreadable is simply not mounted; callers report FERRY_W_REGISTRY_UNAVAILABLE once.
import type { Hive, RegKey, RegValue } from '../registry/index.ts';
import type { Profile, WindowsVolume } from '../volume/index.ts';
import { pathSegments } from './pattern.ts';

export type HiveOpener = (hostPath: string) => Hive;

export interface RegistryMount {
  /** Lower-cased root segments, e.g. ['hklm', 'software']. */
  readonly segs: readonly string[];
  /** How the root is written in encoded locations, e.g. `HKLM\SOFTWARE`. */
  readonly display: string;
  readonly hive: Hive;
}

export class RegistryView {
  readonly mounts: readonly RegistryMount[];

  constructor(mounts: readonly RegistryMount[]) {
    this.mounts = mounts;
  }

  get available(): boolean {
    return this.mounts.length > 0;
  }

  /** The mount holding a key path (`HKLM\Software\X`) and the path inside its hive. */
  locate(keyPath: string): { mount: RegistryMount; sub: string[] } | null {
    const segs = pathSegments(keyPath);
    for (const m of this.mounts) {
      if (segs.length < m.segs.length) continue;
      if (m.segs.every((s, i) => segs[i] === s)) return { mount: m, sub: keyPath.split('\\').filter(Boolean).slice(m.segs.length) };
    }
    return null;
  }

  key(keyPath: string): RegKey | null {
    const at = this.locate(keyPath);
    if (!at) return null;
    return at.sub.length ? at.mount.hive.key(at.sub.join('\\')) : at.mount.hive.root;
  }

  value(keyPath: string, valueName: string): RegValue | null {
    return this.key(keyPath)?.value(valueName) ?? null;
  }
}

function tryOpen(open: HiveOpener, hostPath: string | null, segs: string[], display: string): RegistryMount[] {
  if (!hostPath) return [];
  try {
    return [{ segs, display, hive: open(hostPath) }];
  } catch {
    // Missing or unreadable hive: registry objects under it are absent.
    return [];
  }
}

/** HKLM\SOFTWARE and HKLM\SYSTEM of the volume (those that open). */
export async function openMachineMounts(volume: WindowsVolume, open: HiveOpener): Promise<RegistryMount[]> {
  // The offline Windows folder need not be called Windows (`/offlinewindir:` names it).
  const config = `${volume.toWindowsPath(volume.windowsDir)}\\System32\\config`;
  return [
    ...tryOpen(open, await volume.resolve(`${config}\\SOFTWARE`), ['hklm', 'software'], 'HKLM\\SOFTWARE'),
    ...tryOpen(open, await volume.resolve(`${config}\\SYSTEM`), ['hklm', 'system'], 'HKLM\\SYSTEM'),
  ];
}

/** HKCU of one user: the profile's NTUSER.DAT. */
export function openUserMount(profile: Profile, open: HiveOpener): RegistryMount[] {
  return tryOpen(open, profile.ntuserHostPath, ['hkcu'], 'HKCU');
}

export function closeMounts(mounts: readonly RegistryMount[]): void {
  for (const m of mounts) {
    try {
      m.hive.close();
    } catch {
      // closing is best effort
    }
  }
}
