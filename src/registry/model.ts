// The writer's in-memory hive: keys with their values, class names, security descriptors and
// the nk fields Ferry keeps but does not interpret. Hives are small next to the files a
// migration moves (an NTUSER.DAT is a few MB, a SOFTWARE hive rarely over 200 MB), so editing a
// whole tree in memory and writing a fresh file is simpler and safer than patching cells in place.
import { filetimeToMs, upcaseName } from './format.ts';
import type { RegData, RegKey, RegValue } from './types.ts';
import { decodeValueData } from './value-data.ts';

/** A value of the in-memory tree: its raw bytes, decoded on first read. */
export class ModelValue implements RegValue {
  readonly name: string;
  readonly type: number;
  readonly raw: Buffer;
  #data: RegData | undefined;

  constructor(name: string, type: number, raw: Buffer) {
    this.name = name;
    this.type = type;
    this.raw = raw;
  }

  get data(): RegData {
    this.#data ??= decodeValueData(this.type, this.raw);
    return this.#data;
  }
}

export interface ModelKeyInit {
  readonly name: string;
  readonly parent: ModelKey | null;
  readonly lastWrittenFiletime: bigint;
  readonly securityDescriptor: Buffer;
  /** nk flags other than COMP_NAME/VOLATILE (HIVE_ENTRY, NO_DELETE, SYM_LINK, …). */
  readonly flags?: number;
  readonly access?: number;
  /** High 16 bits of the nk dword at 0x34 (user and virtualization flags). */
  readonly userFlags?: number;
  readonly className?: Buffer | null;
}

/** A key of the in-memory tree a HiveEditor edits, with everything the writer needs to keep. */
export class ModelKey implements RegKey {
  readonly name: string;
  readonly parent: ModelKey | null;
  lastWrittenFiletime: bigint;
  /** Shared between keys with the same descriptor; the writer emits one sk cell per distinct one. */
  securityDescriptor: Buffer;
  flags: number;
  access: number;
  userFlags: number;
  classNameRaw: Buffer | null;
  readonly children = new Map<string, ModelKey>();
  readonly valueMap = new Map<string, ModelValue>();

  constructor(init: ModelKeyInit) {
    this.name = init.name;
    this.parent = init.parent;
    this.lastWrittenFiletime = init.lastWrittenFiletime;
    this.securityDescriptor = init.securityDescriptor;
    this.flags = init.flags ?? 0;
    this.access = init.access ?? 0;
    this.userFlags = init.userFlags ?? 0;
    this.classNameRaw = init.className ?? null;
  }

  get path(): string {
    const parts: string[] = [];
    for (let k: ModelKey | null = this; k?.parent; k = k.parent) parts.push(k.name);
    return parts.reverse().join('\\');
  }

  get lastWrittenMs(): number {
    return filetimeToMs(this.lastWrittenFiletime);
  }

  get className(): string | undefined {
    return this.classNameRaw ? this.classNameRaw.toString('utf16le', 0, this.classNameRaw.length & ~1) : undefined;
  }

  subkeys(): ModelKey[] {
    return [...this.children.values()];
  }

  subkey(name: string): ModelKey | null {
    return this.children.get(upcaseName(name)) ?? null;
  }

  values(): ModelValue[] {
    return [...this.valueMap.values()];
  }

  value(name: string): ModelValue | null {
    return this.valueMap.get(upcaseName(name)) ?? null;
  }
}
