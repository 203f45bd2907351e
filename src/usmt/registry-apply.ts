// Registry objects from the store written into the target's offline hives: HKCU into the user's
// NTUSER.DAT (started from the target's Default profile hive, as a new profile is), HKLM\Software
// into Windows\System32\config\SOFTWARE. Collisions follow migxml.md §6.6 (no merge rule: the
// source value overwrites). Each hive is saved once, atomically, at the end.
import { randomInt } from 'node:crypto';
import { existsSync } from 'node:fs';
import { encodeSid, HiveEditor, openHive, parseRegTypeName, RegType, type ModelKey } from '../registry/index.ts';
import type { ScriptCall } from '../migxml/index.ts';
import { modifyRegistryValue, REGISTRY_CONTENT_FUNCTIONS, type RawValue } from '../migxml/index.ts';
import { compareRegistryValues } from '../migxml/index.ts';
import { resolveCollision } from '../migxml/index.ts';
import type { RegistryEntry } from '../store/index.ts';
import { machineSidFromSam, type TargetVolume } from '../volume/index.ts';
import { remapValueData, type ProfileRemap } from './profile-remap.ts';

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

/** The target user a registry object belongs to. */
export interface RegistryUser {
  readonly profilePath: string;
  readonly remap?: ProfileRemap;
}

const PROFILE_LIST = 'Microsoft\\Windows NT\\CurrentVersion\\ProfileList';

const isHklmSoftware = (dest: RegLocation) =>
  (dest.hive === 'HKLM' || dest.hive === 'HKEY_LOCAL_MACHINE') && /^software(\\|$)/i.test(dest.key);

export type RegistryOutcome = 'written' | 'kept' | 'unsupported';

export class RegistryApplier {
  readonly #target: TargetVolume;
  readonly #editors = new Map<string, HiveEditor>();
  readonly #issued: string[] = [];
  #noSoftware = 0;
  /** String values whose profile paths or SID were remapped. */
  remapped = 0;
  /** Values rewritten by a <contentModify> script. */
  modified = 0;

  constructor(target: TargetVolume) {
    this.#target = target;
  }

  /**
   * Apply one registry object at `dest`. `user` is the target user's, for HKCU; its `remap`
   * moves profile paths and the SID inside string values (see profile-remap.ts); `modify` is
   * the value's <contentModify> script (§5.7), applied last, with the destination's value for
   * the Merge* functions.
   */
  async apply(
    entry: RegistryEntry,
    dest: RegLocation,
    user: RegistryUser | undefined,
    merge: ScriptCall | undefined,
    modify?: ScriptCall,
  ): Promise<RegistryOutcome> {
    const hive = await this.#hiveFor(dest, user?.profilePath);
    if (!hive) {
      if (isHklmSoftware(dest)) this.#noSoftware++;
      return 'unsupported';
    }
    const { editor, key } = hive;
    const exists = () => {
      const k = editor.key(key);
      return !!k && (dest.valueName === null || k.value(dest.valueName) !== null);
    };
    // HigherValue / LowerValue compare the store's value with the one already on the target.
    const compare = () => {
      if (dest.valueName === null || entry.regType === undefined || entry.data === undefined) return 0;
      const current = editor.key(key)?.value(dest.valueName);
      return compareRegistryValues(
        { type: parseRegTypeName(entry.regType) ?? 0, raw: entry.data },
        current ? { type: current.type, raw: current.raw } : null,
      );
    };
    const outcome = resolveCollision({ kind: 'registry', path: entry.winPath, ...(merge ? { merge } : {}), exists, compare });
    if (outcome.action === 'skip') return 'kept';
    if (dest.valueName === null || entry.regType === undefined || entry.data === undefined) {
      editor.ensureKey(key);
      return 'written';
    }
    const type = parseRegTypeName(entry.regType) ?? 0;
    const data = user?.remap ? remapValueData(type, entry.data, user.remap) : entry.data;
    if (data !== entry.data) this.remapped++;
    let value: RawValue | null = { type, raw: data };
    if (modify && REGISTRY_CONTENT_FUNCTIONS.has(modify.name)) {
      const current = editor.key(key)?.value(dest.valueName);
      value = modifyRegistryValue(modify, value, current ? { type: current.type, raw: current.raw } : null);
      if (value === null) return 'kept';
      this.modified++;
    }
    editor.ensureKey(key);
    // The raw bytes, so the value reads back exactly as captured (or as remapped / modified).
    editor.setValue(key, dest.valueName, value.type, value.raw);
    return 'written';
  }

  /**
   * <destinationCleanup> for registry values: every value at or under `root` (a key location,
   * `HKCU\…` in `user`'s hive or `HKLM\Software\…`) whose location `names` accepts is deleted —
   * values only, never keys. Returns the deleted locations.
   */
  async deleteValues(root: string, names: (location: string) => boolean, user: RegistryUser | undefined): Promise<string[]> {
    const dest = parseRegLocation(root);
    const userHive = dest.hive === 'HKCU' || dest.hive === 'HKEY_CURRENT_USER';
    if (userHive && !user) return [];
    // Only a hive the target has (or this run already opened): cleanup never creates one.
    const hostPath = userHive ? this.#target.mapPath(`${user!.profilePath}\\NTUSER.DAT`).hostPath : null;
    if (hostPath && !this.#editors.has(hostPath) && !existsSync(hostPath)) return [];
    const opened = new Set(this.#editors.keys());
    const hive = await this.#hiveFor(dest, user?.profilePath);
    const start = hive?.editor.key(hive.key);
    const forget = () => {
      for (const path of this.#editors.keys()) if (!opened.has(path)) this.#editors.delete(path);
    };
    if (!hive || !start) {
      forget();
      return [];
    }
    const hiveName = dest.hive.startsWith('HKEY_') ? (dest.hive === 'HKEY_CURRENT_USER' ? 'HKCU' : 'HKLM') : dest.hive;
    const base = `${hiveName}\\${isHklmSoftware(dest) ? 'Software\\' : ''}`;
    const deleted: string[] = [];
    const visit = (key: ModelKey): void => {
      for (const v of key.values()) {
        const location = `${base}${key.path} [${v.name}]`;
        if (!names(location)) continue;
        hive.editor.deleteValue(key.path, v.name);
        deleted.push(location);
      }
      for (const sub of key.subkeys()) visit(sub);
    };
    visit(start);
    // A hive opened only to look and left unchanged is not saved again.
    if (!deleted.length) forget();
    return deleted;
  }

  /** HKLM\Software objects not applied because the target has no SOFTWARE hive. */
  get missingSoftware(): number {
    return this.#noSoftware;
  }

  /**
   * The target's ProfileList entry for a profile LoadState created: `sid` → `profilePath`, in
   * the same SOFTWARE edit (and atomic save) as the HKLM\Software values. An entry already
   * present keeps its other values; its ProfileImagePath is pointed at the restored folder.
   * Null when the target has no SOFTWARE hive.
   */
  registerProfile(sid: string, profilePath: string): 'added' | 'updated' | 'present' | null {
    const software = this.#software();
    if (!software) return null;
    const key = `${PROFILE_LIST}\\${sid}`;
    const existing = software.key(key);
    const image = existing?.value('ProfileImagePath')?.data;
    if (existing && typeof image === 'string' && image.toLowerCase() === profilePath.toLowerCase()) return 'present';
    software.setValue(key, 'ProfileImagePath', RegType.EXPAND_SZ, profilePath);
    if (existing) return 'updated';
    software.setValue(key, 'Sid', RegType.BINARY, encodeSid(sid));
    software.setValue(key, 'Flags', RegType.DWORD, 0);
    software.setValue(key, 'State', RegType.DWORD, 0);
    return 'added';
  }

  /**
   * A SID for a new local account on the target: the target's machine SID (from its SAM hive)
   * when readable, else a new random machine-style prefix, with the next RID above 1000 that
   * the target's ProfileList does not use.
   */
  newLocalSid(): string {
    const t = this.#target;
    const sam = t.mapPath(`${t.windowsWinPath}\\System32\\config\\SAM`);
    let prefix: string | null = null;
    if (sam.exists) {
      try {
        const hive = openHive(sam.hostPath, { allowDirty: true });
        prefix = machineSidFromSam(hive);
        hive.close();
      } catch {
        // An unreadable SAM gives no machine SID; a generated prefix stands in.
      }
    }
    prefix ??= `S-1-5-21-${randomInt(1, 2 ** 32)}-${randomInt(1, 2 ** 32)}-${randomInt(1, 2 ** 32)}`;
    let rid = 1000;
    for (const k of this.#software()?.key(PROFILE_LIST)?.subkeys() ?? []) {
      if (k.name.toLowerCase().startsWith(`${prefix.toLowerCase()}-`)) rid = Math.max(rid, Number(k.name.slice(prefix.length + 1)) || 0);
    }
    for (const sid of this.#issued) if (sid.startsWith(`${prefix}-`)) rid = Math.max(rid, Number(sid.slice(prefix.length + 1)));
    const sid = `${prefix}-${rid + 1}`;
    this.#issued.push(sid);
    return sid;
  }

  /** Write every changed hive (atomically); returns their host paths. */
  save(): string[] {
    for (const [path, editor] of this.#editors) editor.save(path);
    return [...this.#editors.keys()];
  }

  #software(): HiveEditor | null {
    const t = this.#target;
    const mapped = t.mapPath(`${t.windowsWinPath}\\System32\\config\\SOFTWARE`);
    if (!mapped.exists) return null;
    return this.#editor(mapped.hostPath, () => HiveEditor.open(mapped.hostPath, { allowDirty: true }));
  }

  async #hiveFor(dest: RegLocation, profilePath: string | undefined): Promise<{ editor: HiveEditor; key: string } | null> {
    const t = this.#target;
    if ((dest.hive === 'HKCU' || dest.hive === 'HKEY_CURRENT_USER') && profilePath) {
      await t.ensureDir(profilePath);
      const path = t.mapPath(`${profilePath}\\NTUSER.DAT`).hostPath;
      return { editor: this.#editor(path, () => this.#newUserHive(profilePath)), key: dest.key };
    }
    if (isHklmSoftware(dest)) {
      const editor = this.#software();
      return editor ? { editor, key: dest.key.replace(/^software\\?/i, '') } : null;
    }
    return null;
  }

  #editor(path: string, create: () => HiveEditor): HiveEditor {
    let e = this.#editors.get(path);
    if (!e) this.#editors.set(path, (e = existsSync(path) ? HiveEditor.open(path, { allowDirty: true }) : create()));
    return e;
  }

  /**
   * A new profile's hive starts as a copy of the target's Default user hive, with the Default
   * folder's absolute paths (its `Shell Folders`) pointed at the new profile, as Windows has them
   * once the user has logged on.
   */
  #newUserHive(profilePath: string): HiveEditor {
    const defaultProfile = `${this.#target.systemDrive}\\Users\\Default`;
    const template = this.#target.mapPath(`${defaultProfile}\\NTUSER.DAT`);
    if (!template.exists) return HiveEditor.create();
    const editor = HiveEditor.open(template.hostPath, { allowDirty: true });
    const remap = { fromProfile: template.winPath.slice(0, template.winPath.lastIndexOf('\\')), toProfile: profilePath };
    const visit = (key: ModelKey): void => {
      for (const v of key.values()) {
        const raw = remapValueData(v.type, v.raw, remap);
        if (raw !== v.raw) editor.setValue(key.path, v.name, v.type, raw);
      }
      for (const sub of key.subkeys()) visit(sub);
    };
    visit(editor.root);
    return editor;
  }
}
