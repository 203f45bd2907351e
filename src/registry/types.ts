// Public shape of Ferry's regf (Windows registry hive) library. The volume model, the rule
// engine and ScanState/LoadState use only these types; src/registry/ implements them.

/** Registry value types (winnt.h REG_*). */
export const RegType = {
  NONE: 0,
  SZ: 1,
  EXPAND_SZ: 2,
  BINARY: 3,
  DWORD: 4,
  DWORD_BIG_ENDIAN: 5,
  LINK: 6,
  MULTI_SZ: 7,
  RESOURCE_LIST: 8,
  FULL_RESOURCE_DESCRIPTOR: 9,
  RESOURCE_REQUIREMENTS_LIST: 10,
  QWORD: 11,
} as const;

/** Decoded data: strings for SZ/EXPAND_SZ/LINK, string[] for MULTI_SZ, number for DWORD, bigint for QWORD, Buffer otherwise. */
export type RegData = string | string[] | number | bigint | Buffer;

/** A registry value as both readers give it: name, type number and decoded data. */
export interface RegValue {
  /** Value name; '' is the default value. */
  readonly name: string;
  /** REG_* type number (may be a non-standard number; kept as is). */
  readonly type: number;
  /** Raw data bytes exactly as stored. */
  readonly raw: Buffer;
  /** Decoded data (see RegData). */
  readonly data: RegData;
}

/** A registry key as both readers give it (the regf reader and the in-memory editor). */
export interface RegKey {
  readonly name: string;
  /** Path from the hive root, `\`-separated, without the root key's own name ('' for the root). */
  readonly path: string;
  readonly lastWrittenMs: number;
  readonly className?: string | undefined;
  subkeys(): RegKey[];
  /** Case-insensitive lookup of a direct child. */
  subkey(name: string): RegKey | null;
  values(): RegValue[];
  /** Case-insensitive lookup; '' is the default value. */
  value(name: string): RegValue | null;
}

/** A loaded hive, read from a regf file or being edited: the rules engine reads either through this. */
export interface Hive {
  readonly root: RegKey;
  /** Case-insensitive lookup of `A\B\C` from the root; null if any part is missing. */
  key(path: string): RegKey | null;
  close(): void;
}
