// The Windows volume model: how the migration engine sees an offline Windows installation
// (a mounted disk or a generated tree) on Linux. The rule engine, the store and
// ScanState/LoadState depend only on these types; `src/volume/` implements them.
import type { Hive } from '../registry/types.ts';

/** FILE_ATTRIBUTE_* bits, as Windows defines them. */
export const FileAttr = {
  READONLY: 0x1,
  HIDDEN: 0x2,
  SYSTEM: 0x4,
  DIRECTORY: 0x10,
  ARCHIVE: 0x20,
  NORMAL: 0x80,
  TEMPORARY: 0x100,
  SPARSE_FILE: 0x200,
  REPARSE_POINT: 0x400,
  COMPRESSED: 0x800,
  OFFLINE: 0x1000,
  NOT_CONTENT_INDEXED: 0x2000,
  ENCRYPTED: 0x4000,
} as const;

export type EntryKind = 'file' | 'dir' | 'symlink';

/** One object found on the volume while walking. Paths are both Windows and host form. */
export interface VolumeEntry {
  /** Windows path with drive letter and `\` separators, e.g. `C:\Users\alice\Documents\a.docx`. */
  readonly winPath: string;
  /** Absolute path on this (Linux) host. */
  readonly hostPath: string;
  readonly kind: EntryKind;
  readonly size: number;
  readonly mtimeMs: number;
  readonly atimeMs: number;
  /** Creation time where the file system has one (birthtime), else mtime. */
  readonly birthtimeMs: number;
  /** FILE_ATTRIBUTE_* bits, read from the volume (ntfs-3g xattr, Samba DOSATTRIB, mode bits). */
  readonly attributes: number;
  /** POSIX mode bits as Linux sees them (informational). */
  readonly mode: number;
  /** Device and inode: identify hard links (same dev+ino = same file). */
  readonly dev: number;
  readonly ino: number;
  readonly nlink: number;
  /** For symlinks/junctions: the link text (never followed). */
  readonly linkTarget?: string | undefined;
}

/** How a profile was found. */
export type ProfileSource = 'ProfileList' | 'Users';

/** A user profile on the volume. */
export interface Profile {
  /** The user name as ScanState shows it (`alice`). */
  readonly userName: string;
  /** Domain or computer name; for local accounts the computer name. */
  readonly domain: string;
  /** `true` for a local (non-domain) account. */
  readonly isLocal: boolean;
  /** SID when known (from ProfileList), else undefined. */
  readonly sid?: string;
  /** Windows profile path, e.g. `C:\Users\alice`. */
  readonly profilePath: string;
  /** Host path of the profile folder. */
  readonly hostPath: string;
  /** Host path of NTUSER.DAT (may not exist). */
  readonly ntuserHostPath: string;
  /** Modification time of NTUSER.DAT (last logon, for `/uel`), if present. */
  readonly ntuserMtimeMs?: number;
  /** Profile state flags from ProfileList (temporary/backup/…), when known. */
  readonly state?: number;
  /** Where the profile came from: the SOFTWARE hive's ProfileList, or the `Users\*` fallback. */
  readonly source?: ProfileSource;
}

export interface WalkOptions {
  /** Descend into subfolders (default true). */
  readonly recursive?: boolean;
  /** Called for every folder before descending; return false to prune it. */
  readonly enterDir?: (entry: VolumeEntry) => boolean;
  /** Called for unreadable folders/files instead of throwing (errors are coded FerryErrors). */
  readonly onError?: (winPath: string, err: Error) => void;
  /**
   * Visit each folder's children in case-insensitive name order (as NTFS lists them). Costs one
   * folder listing in memory per level; the default streams in the host's readdir order.
   */
  readonly sorted?: boolean;
}

export type MachineHiveName = 'SOFTWARE' | 'SYSTEM' | 'SAM' | 'SECURITY' | 'DEFAULT';

/** Read access to registry hives of the volume; absent until hives are readable. */
export interface VolumeRegistry {
  /** True when the SOFTWARE or SYSTEM hive of the volume could be opened. */
  readonly available: boolean;
  /** HKLM\<name> from `Windows\System32\config`, opened once and cached; null when missing/unreadable. */
  machine(name: MachineHiveName): Promise<Hive | null>;
  /** The profile's NTUSER.DAT (HKCU), opened once and cached; null when missing/unreadable. */
  user(profile: Profile): Promise<Hive | null>;
}

/**
 * An offline Windows installation. Windows paths are matched case-insensitively; `C:` is the
 * volume root; symlinks and junctions are reported, never followed; nothing outside `root` is
 * ever read.
 */
export interface WindowsVolume {
  /** Host path of the volume root (what `C:\` maps to). */
  readonly root: string;
  /** Host path of the Windows directory (`/offlinewindir:`). */
  readonly windowsDir: string;
  /** Drive letter of the system volume, `C:`. */
  readonly systemDrive: string;
  /** Computer name (from the SYSTEM hive when readable, else derived). */
  readonly computerName: string;
  /** 64-bit Windows (SysWOW64 or `Program Files (x86)` present). */
  readonly is64Bit: boolean;
  /** Where FILE_ATTRIBUTE_* bits come from on this volume. */
  readonly attributeSource: 'ntfs-3g' | 'dosattrib';
  /** The volume's registry hives. */
  readonly registry: VolumeRegistry;

  /** Resolve a Windows path to a host path (case-insensitively); null if it does not exist. */
  resolve(winPath: string): Promise<string | null>;
  /** Host path → Windows path (`/mnt/vol/Users/a` → `C:\Users\a`). */
  toWindowsPath(hostPath: string): string;
  /** Stat one Windows path (no symlink following); null if absent. */
  stat(winPath: string): Promise<VolumeEntry | null>;
  /** List one folder (no recursion); entries sorted case-insensitively. */
  list(winPath: string): Promise<VolumeEntry[]>;
  /** Stream a subtree depth-first (the folder itself first), without holding it in memory. */
  walk(winPath: string, options?: WalkOptions): AsyncIterable<VolumeEntry>;
  /** The same walk in arrays of up to `batchSize` (default 512) entries: one await per batch. */
  walkBatches(winPath: string, options?: WalkOptions & { readonly batchSize?: number }): AsyncIterable<readonly VolumeEntry[]>;
  /** The same walk, synchronously (fastest; blocks the event loop while iterating). */
  walkSync(winPath: string, options?: WalkOptions): Iterable<VolumeEntry>;

  /** User profiles found on the volume (ProfileList when readable, else Users\*). */
  profiles(): Promise<Profile[]>;
  /** System-context environment variables (spec/migxml.md §4.1), upper-case names. */
  systemEnv(): Promise<Map<string, string>>;
  /** Environment for one user (§4.1 + §4.2: CSIDL_*, FOLDERID_*, USERPROFILE, …). */
  userEnv(profile: Profile): Promise<Map<string, string>>;
  /** Host folder of a drive letter (`C:` → root; others only when mapped); null if unmapped. */
  driveRoot(drive: string): string | null;
  /** Close cached hives. The volume stays usable for file access. */
  close(): void;
}
