// Registry objects from the store written into the target's offline hives: HKCU into the user's
// NTUSER.DAT (started from the target's Default profile hive, as a new profile is), HKLM\Software
// into Windows\System32\config\SOFTWARE. Collisions follow migxml.md §6.6 (no merge rule: the
// source value overwrites). Each hive is saved once, atomically, at the end.
import { existsSync } from 'node:fs';
import { decodeValueData, HiveEditor, parseRegTypeName } from '../registry/index.ts';
import type { ScriptCall } from '../migxml/script-call.ts';
import { resolveCollision } from '../migxml/relocate.ts';
import type { RegistryEntry } from '../store/index.ts';
import type { TargetVolume } from '../volume/index.ts';

/** A registry location `HIVE\key [value]` (value absent for a key). */
export interface RegLocation {
  readonly hive: string;
  readonly key: string;
  readonly valueName: string | null;
}

export function parseRegLocation(location: string): RegLocation {
  const m = /^(.*?)(?: \[(.*)\])?$/s.exec(location)!;
  const [hive = '', ...rest] = m[1]!.split('\\');
  return { hive: hive.toUpperCase(), key: rest.join('\\'), valueName: m[2] ?? null };
}

export type RegistryOutcome = 'written' | 'kept' | 'unsupported';

export class RegistryApplier {
  readonly #target: TargetVolume;
  readonly #editors = new Map<string, HiveEditor>();

  constructor(target: TargetVolume) {
    this.#target = target;
  }

  /** Apply one registry object at `dest`; `profilePath` is the target user's for HKCU. */
  async apply(entry: RegistryEntry, dest: RegLocation, profilePath: string | undefined, merge: ScriptCall | undefined): Promise<RegistryOutcome> {
    const hive = await this.#hiveFor(dest, profilePath);
    if (!hive) return 'unsupported';
    const { editor, key } = hive;
    const exists = () => {
      const k = editor.key(key);
      return !!k && (dest.valueName === null || k.value(dest.valueName) !== null);
    };
    const outcome = resolveCollision({ kind: 'registry', path: entry.winPath, ...(merge ? { merge } : {}), exists });
    if (outcome.action === 'skip') return 'kept';
    if (dest.valueName === null || entry.regType === undefined || entry.data === undefined) {
      editor.ensureKey(key);
      return 'written';
    }
    const type = parseRegTypeName(entry.regType) ?? 0;
    editor.ensureKey(key);
    editor.setValue(key, dest.valueName, type, decodeValueData(type, entry.data));
    return 'written';
  }

  /** Write every changed hive (atomically); returns their host paths. */
  save(): string[] {
    for (const [path, editor] of this.#editors) editor.save(path);
    return [...this.#editors.keys()];
  }

  async #hiveFor(dest: RegLocation, profilePath: string | undefined): Promise<{ editor: HiveEditor; key: string } | null> {
    const t = this.#target;
    if ((dest.hive === 'HKCU' || dest.hive === 'HKEY_CURRENT_USER') && profilePath) {
      await t.ensureDir(profilePath);
      const path = t.mapPath(`${profilePath}\\NTUSER.DAT`).hostPath;
      return { editor: this.#editor(path, () => this.#newUserHive()), key: dest.key };
    }
    if ((dest.hive === 'HKLM' || dest.hive === 'HKEY_LOCAL_MACHINE') && /^software(\\|$)/i.test(dest.key)) {
      const mapped = t.mapPath(`${t.windowsWinPath}\\System32\\config\\SOFTWARE`);
      if (!mapped.exists) return null;
      return { editor: this.#editor(mapped.hostPath, () => HiveEditor.open(mapped.hostPath, { allowDirty: true })), key: dest.key.replace(/^software\\?/i, '') };
    }
    return null;
  }

  #editor(path: string, create: () => HiveEditor): HiveEditor {
    let e = this.#editors.get(path);
    if (!e) this.#editors.set(path, (e = existsSync(path) ? HiveEditor.open(path, { allowDirty: true }) : create()));
    return e;
  }

  /** A new profile's hive starts as a copy of the target's Default user hive. */
  #newUserHive(): HiveEditor {
    const template = this.#target.mapPath(`${this.#target.systemDrive}\\Users\\Default\\NTUSER.DAT`);
    return template.exists ? HiveEditor.open(template.hostPath, { allowDirty: true }) : HiveEditor.create();
  }
}
