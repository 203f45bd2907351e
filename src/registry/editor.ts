// HiveEditor: edit an existing hive or build a new one, then save it as a fresh regf file.
// The whole tree is loaded into memory (model.ts says why that is fine for hives) and written
// by serialize.ts; save() replaces the target atomically (temp file in the same folder, fsync,
// rename, fsync of the folder), so a crash leaves either the old hive or the new one.
// Keys keep their timestamps, class names, flags and security descriptors; a key whose values
// or subkeys change gets the current time, as Windows does. New keys share their parent's
// security descriptor (hivex does the same; Windows would compute an inherited one).
// The saved file is consistent (equal sequence numbers, one above the old ones, so stale
// entries in old .LOG1/.LOG2 files can never be replayed over it).
import { FerryError, fromSystemError } from '../errors/index.ts';
import { writeFileAtomic } from '../files/index.ts';
import { KEY_COMP_NAME, KEY_HIVE_ENTRY, KEY_NO_DELETE, KEY_VOLATILE, NO_CELL, msToFiletime, upcaseName } from './format.ts';
import { ModelKey, ModelValue } from './model.ts';
import { keyAtPath, splitRegPath } from './paths.ts';
import { openHive, type OpenHiveOptions, type RegfKey } from './reader.ts';
import { serializeHive } from './serialize.ts';
import type { Hive, RegData } from './types.ts';
import { encodeValueData } from './value-data.ts';

const MAX_KEY_NAME = 255;
const MAX_VALUE_NAME = 16383;
const MAX_DEPTH = 512;

/** How `HiveEditor.create` names and secures a new hive's root. */
export interface CreateHiveOptions {
  /** Name of the root key (default `ROOT`; Windows uses e.g. `CMI-CreateHive{GUID}`). */
  readonly rootName?: string;
  /** Self-relative security descriptor for the root (and, by inheritance, new keys). */
  readonly securityDescriptor?: Buffer;
  /** Name embedded in the base block (default: the root name). */
  readonly embeddedName?: string;
  /** Minor format version, 3–6 (default 5: lh indexes and big data, as Windows XP and later). */
  readonly minorVersion?: number;
  /** Clock for key and file timestamps, in ms since 1970 (default Date.now). */
  readonly now?: () => number;
}

/** How `HiveEditor.open` treats a dirty hive, and the clock for key timestamps (tests fix it). */
export interface OpenEditorOptions extends Pick<OpenHiveOptions, 'allowDirty'> {
  readonly now?: () => number;
}

/** Options for keys `HiveEditor.ensureKey` creates. */
export interface KeyOptions {
  /** Class name for keys this call creates. */
  readonly className?: string;
}

/** A SID string (`S-1-5-21-…`) as the binary SID Windows stores (ProfileList `Sid`, security descriptors). */
export function encodeSid(text: string): Buffer {
  const [rev, auth, ...subs] = text.split('-').slice(1).map(Number);
  const b = Buffer.alloc(8 + 4 * subs.length);
  b[0] = rev!;
  b[1] = subs.length;
  b.writeUIntBE(auth!, 2, 6);
  subs.forEach((s, i) => b.writeUInt32LE(s, 8 + 4 * i));
  return b;
}

/** Owner Administrators, group SYSTEM; SYSTEM and Administrators full control, Users read; inheritable. */
export function defaultSecurityDescriptor(): Buffer {
  const ace = (mask: number, who: string): Buffer => {
    const s = encodeSid(who);
    const a = Buffer.alloc(8 + s.length);
    a[0] = 0; // ACCESS_ALLOWED_ACE_TYPE
    a[1] = 0x02; // CONTAINER_INHERIT_ACE
    a.writeUInt16LE(a.length, 2);
    a.writeUInt32LE(mask, 4);
    s.copy(a, 8);
    return a;
  };
  const aces = Buffer.concat([ace(0xf003f, 'S-1-5-18'), ace(0xf003f, 'S-1-5-32-544'), ace(0x20019, 'S-1-5-32-545')]);
  const acl = Buffer.alloc(8);
  acl[0] = 2;
  acl.writeUInt16LE(8 + aces.length, 2);
  acl.writeUInt16LE(3, 4);
  const owner = encodeSid('S-1-5-32-544');
  const group = encodeSid('S-1-5-18');
  const hdr = Buffer.alloc(20);
  hdr[0] = 1;
  hdr.writeUInt16LE(0x8004, 2); // SE_SELF_RELATIVE | SE_DACL_PRESENT
  const daclLen = 8 + aces.length;
  hdr.writeUInt32LE(20 + daclLen, 4);
  hdr.writeUInt32LE(20 + daclLen + owner.length, 8);
  hdr.writeUInt32LE(20, 16);
  return Buffer.concat([hdr, acl, aces, owner, group]);
}

function badName(message: string, name: string): FerryError {
  return new FerryError('FERRY_E_REGISTRY_NAME_INVALID', message, { details: { name: name.slice(0, 300) } });
}

function checkKeyName(name: string): void {
  if (name.length === 0 || name.length > MAX_KEY_NAME || name.includes('\\') || name.includes('\0')) {
    throw badName(`Registry key name "${name.slice(0, 80)}" is not allowed: use 1–255 characters, no backslash or NUL.`, name);
  }
}

/**
 * Edits an existing hive or builds a new one in memory, then saves it as a fresh regf file,
 * atomically (a crash leaves the old hive or the new one).
 * @example
 * const hive = HiveEditor.open('/mnt/c/Users/alice/NTUSER.DAT');
 * hive.setValue('Control Panel\\Desktop', 'Wallpaper', RegType.SZ, 'C:\\wall.jpg');
 * hive.save('/mnt/c/Users/alice/NTUSER.DAT');
 */
export class HiveEditor implements Hive {
  readonly root: ModelKey;
  readonly #now: () => number;
  readonly #minorVersion: number;
  readonly #sequence: number;
  readonly #baseTemplate: Buffer | null;
  readonly #embeddedName: string;
  readonly #rootParentField: number;

  private constructor(
    root: ModelKey,
    o: {
      now: () => number;
      minorVersion: number;
      sequence: number;
      baseTemplate: Buffer | null;
      embeddedName: string;
      rootParentField: number;
    },
  ) {
    this.root = root;
    this.#now = o.now;
    this.#minorVersion = o.minorVersion;
    this.#sequence = o.sequence;
    this.#baseTemplate = o.baseTemplate;
    this.#embeddedName = o.embeddedName;
    this.#rootParentField = o.rootParentField;
  }

  /** A new, empty hive holding only its root key. */
  static create(options: CreateHiveOptions = {}): HiveEditor {
    const rootName = options.rootName ?? 'ROOT';
    checkKeyName(rootName);
    const minorVersion = options.minorVersion ?? 5;
    if (!Number.isInteger(minorVersion) || minorVersion < 3 || minorVersion > 6) {
      throw new FerryError('FERRY_E_INVALID_ARGUMENT', `Hive minor version ${minorVersion} is not one Ferry writes (3–6).`);
    }
    const now = options.now ?? Date.now;
    const root = new ModelKey({
      name: rootName,
      parent: null,
      lastWrittenFiletime: msToFiletime(now()),
      securityDescriptor: options.securityDescriptor ?? defaultSecurityDescriptor(),
      flags: KEY_HIVE_ENTRY | KEY_NO_DELETE,
    });
    return new HiveEditor(root, {
      now,
      minorVersion,
      sequence: 1,
      baseTemplate: null,
      embeddedName: options.embeddedName ?? rootName,
      rootParentField: NO_CELL,
    });
  }

  /** Load a whole hive for editing (refuses a dirty hive unless `allowDirty`). */
  static open(hostPath: string, options: OpenEditorOptions = {}): HiveEditor {
    const hive = openHive(hostPath, { allowDirty: options.allowDirty ?? false });
    try {
      const sds = new Map<number, Buffer>();
      const sdOf = (k: RegfKey, fallback: Buffer | null): Buffer => {
        const off = k.nk.security;
        if (off === NO_CELL) return fallback ?? defaultSecurityDescriptor();
        let sd = sds.get(off);
        if (!sd) {
          sd = hive.readSecurity(off);
          sds.set(off, sd);
        }
        return sd;
      };
      const toModel = (k: RegfKey, parent: ModelKey | null): ModelKey => {
        const m = new ModelKey({
          name: k.name,
          parent,
          lastWrittenFiletime: k.lastWrittenFiletime,
          securityDescriptor: sdOf(k, parent?.securityDescriptor ?? null),
          flags: k.nk.flags & ~(KEY_COMP_NAME | KEY_VOLATILE),
          access: k.nk.access,
          userFlags: k.nk.maxNameField >>> 16,
          className: hive.readClassName(k.nk),
        });
        for (const v of k.values()) m.valueMap.set(upcaseName(v.name), new ModelValue(v.name, v.type, v.raw));
        return m;
      };
      const root = toModel(hive.root, null);
      const stack: Array<[RegfKey, ModelKey]> = [[hive.root, root]];
      while (stack.length) {
        const [k, m] = stack.pop()!;
        for (const c of k.subkeys()) {
          const child = toModel(c, m);
          m.children.set(upcaseName(child.name), child);
          stack.push([c, child]);
        }
      }
      const base = hive.base;
      return new HiveEditor(root, {
        now: options.now ?? Date.now,
        minorVersion: base.minorVersion < 3 ? 3 : Math.min(base.minorVersion, 6),
        sequence: Math.max(base.primarySequence, base.secondarySequence) + 1,
        baseTemplate: base.raw,
        embeddedName: base.embeddedName,
        rootParentField: hive.root.nk.parent,
      });
    } finally {
      hive.close();
    }
  }

  #touch(key: ModelKey): void {
    key.lastWrittenFiletime = msToFiletime(this.#now());
  }

  key(path: string): ModelKey | null {
    return keyAtPath(this.root, path);
  }

  #existing(path: string): ModelKey {
    const k = this.key(path);
    if (!k)
      throw new FerryError('FERRY_E_REGISTRY_KEY_NOT_FOUND', `Registry key ${path} does not exist in this hive; create it first.`, {
        details: { path },
      });
    return k;
  }

  /** The key at `path`, creating it and any missing parents. */
  ensureKey(path: string, options: KeyOptions = {}): ModelKey {
    const parts = splitRegPath(path);
    if (parts.length > MAX_DEPTH) throw badName(`Registry key path is ${parts.length} levels deep; Windows allows ${MAX_DEPTH}.`, path);
    parts.forEach(checkKeyName);
    let k = this.root;
    for (const part of parts) {
      let child = k.subkey(part);
      if (!child) {
        child = new ModelKey({
          name: part,
          parent: k,
          lastWrittenFiletime: msToFiletime(this.#now()),
          securityDescriptor: k.securityDescriptor,
          className: options.className === undefined ? null : Buffer.from(options.className, 'utf16le'),
        });
        k.children.set(upcaseName(part), child);
        this.#touch(k);
      }
      k = child;
    }
    return k;
  }

  /** Delete a key and everything under it; false if it did not exist. The root cannot be deleted. */
  deleteKey(path: string): boolean {
    const k = this.key(path);
    if (!k) return false;
    if (!k.parent) throw new FerryError('FERRY_E_INVALID_ARGUMENT', 'The root key of a hive cannot be deleted.');
    k.parent.children.delete(upcaseName(k.name));
    this.#touch(k.parent);
    return true;
  }

  /**
   * Add or replace a value (creating the key path if needed). `data` is decoded data for the
   * type (string, string[], number, bigint) or a Buffer with the raw bytes for any type.
   */
  setValue(keyPath: string, name: string, type: number, data: RegData): void {
    if (name.length > MAX_VALUE_NAME)
      throw badName(`Registry value name is ${name.length} characters; Windows allows ${MAX_VALUE_NAME}.`, name);
    if (!Number.isInteger(type) || type < 0 || type > 0xffffffff) {
      throw new FerryError('FERRY_E_REGISTRY_VALUE_INVALID', `Registry value type ${type} is not a 32-bit type number.`, {
        details: { type },
      });
    }
    const raw = encodeValueData(type, data);
    if (raw.length > 0x7fffffff - 0x10000)
      throw new FerryError('FERRY_E_HIVE_TOO_LARGE', `Registry value ${name} is ${raw.length} bytes, too large for a hive.`);
    const key = this.ensureKey(keyPath);
    key.valueMap.set(upcaseName(name), new ModelValue(name, type, Buffer.from(raw)));
    this.#touch(key);
  }

  /** Delete a value; false if the key or the value did not exist. */
  deleteValue(keyPath: string, name: string): boolean {
    const key = this.key(keyPath);
    if (!key || !key.valueMap.delete(upcaseName(name))) return false;
    this.#touch(key);
    return true;
  }

  /** Set (or with null remove) the class name of an existing key. */
  setClassName(keyPath: string, className: string | null): void {
    const key = this.#existing(keyPath);
    key.classNameRaw = className === null ? null : Buffer.from(className, 'utf16le');
    this.#touch(key);
  }

  /** The hive as regf bytes. */
  toBuffer(): Buffer {
    const nowFt = msToFiletime(this.#now());
    return serializeHive(this.root, {
      minorVersion: this.#minorVersion,
      sequence: this.#sequence,
      lastWrittenFiletime: nowFt,
      baseTemplate: this.#baseTemplate,
      embeddedName: this.#embeddedName,
      rootParentField: this.#rootParentField,
    });
  }

  /** Write the hive to `hostPath`, replacing any file there atomically. */
  save(hostPath: string): void {
    try {
      writeFileAtomic(hostPath, this.toBuffer(), { mode: 0o644 });
    } catch (err) {
      throw fromSystemError(err, `writing registry hive ${hostPath}`);
    }
  }

  /** Nothing to release: the editor holds no file open. Present so an editor can stand in for a Hive. */
  close(): void {}
}
