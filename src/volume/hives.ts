// The volume's registry hives (HKLM from Windows\System32\config, HKCU from each NTUSER.DAT),
// opened on first use and cached. A hive that is missing or unreadable is null plus one warning;
// a dirty hive (unreplayed .LOG1/.LOG2) is read as it is, with FERRY_W_HIVE_DIRTY.
import { openHive } from '../registry/index.ts';
import type { Hive } from '../registry/index.ts';
import { isFerryError } from '../errors/index.ts';
import type { EventStream } from '../events/index.ts';
import type { MachineHiveName, Profile, VolumeRegistry } from './types.ts';

/** Finds a hive file: Windows path → host path, or null. */
export type HiveLocator = (winPath: string) => string | null;

export class VolumeHives implements VolumeRegistry {
  readonly available: boolean;
  /** Warnings emitted so far (a hive that exists but cannot be read). */
  warnings = 0;
  readonly #locate: HiveLocator;
  readonly #windowsWinPath: string;
  readonly #events: EventStream;
  readonly #open = new Map<string, Hive | null>();

  constructor(windowsWinPath: string, locate: HiveLocator, events: EventStream) {
    this.#windowsWinPath = windowsWinPath;
    this.#locate = locate;
    this.#events = events;
    this.available = this.#machineSync('SOFTWARE') !== null || this.#machineSync('SYSTEM') !== null;
  }

  async machine(name: MachineHiveName): Promise<Hive | null> {
    return this.#machineSync(name);
  }

  async user(profile: Profile): Promise<Hive | null> {
    return this.#openCached(`${profile.profilePath}\\NTUSER.DAT`, this.#locate(`${profile.profilePath}\\NTUSER.DAT`));
  }

  /** Synchronous form of `machine`, for the volume's own start-up reads. */
  machineSync(name: MachineHiveName): Hive | null {
    return this.#machineSync(name);
  }

  close(): void {
    for (const hive of this.#open.values()) hive?.close();
    this.#open.clear();
  }

  #machineSync(name: MachineHiveName): Hive | null {
    const winPath = `${this.#windowsWinPath}\\System32\\config\\${name}`;
    return this.#openCached(winPath, this.#locate(winPath));
  }

  #openCached(winPath: string, hostPath: string | null): Hive | null {
    const key = winPath.toUpperCase();
    if (this.#open.has(key)) return this.#open.get(key)!;
    let hive: Hive | null = null;
    if (hostPath) {
      try {
        const h = openHive(hostPath, { allowDirty: true });
        if (h.dirty)
          this.#events.warn(
            'FERRY_W_HIVE_DIRTY',
            `Registry hive ${winPath} has unreplayed transaction logs; read as it is, recent changes may be missing.`,
            winPath,
          );
        hive = h;
      } catch (err) {
        const why = isFerryError(err) ? `${err.code}: ${err.message}` : String(err);
        this.warnings++;
        this.#events.warn(
          'FERRY_W_REGISTRY_UNAVAILABLE',
          `Registry hive ${winPath} could not be read (${why}); its keys are treated as absent.`,
          winPath,
        );
      }
    }
    this.#open.set(key, hive);
    return hive;
  }
}
