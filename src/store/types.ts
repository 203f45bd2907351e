// The objects a migration store holds and what its readers report (docs/store-format.md §3).

export type StoreType = 'compressed' | 'uncompressed' | 'hardlink';

/** Whose object it is; absent for system (non-user) objects. */
export interface StoreUser {
  readonly name: string;
  readonly domain: string;
  readonly sid?: string;
}

interface ObjectMetaBase {
  /** Windows path on the source, drive-letter form (`C:\Users\a\x.txt`); registry: `HKCU\Software\X [V]`. */
  readonly winPath: string;
  readonly user?: StoreUser;
  /** The MigXML component that collected the object. */
  readonly component?: string;
}

/** A file or folder as ScanState hands it to the store. */
export interface ObjectMeta extends ObjectMetaBase {
  readonly kind: 'file' | 'dir';
  readonly size?: number;
  readonly mtimeMs: number;
  readonly atimeMs: number;
  readonly birthtimeMs: number;
  /** FILE_ATTRIBUTE_* bits. */
  readonly attributes: number;
}

/** A registry key (`valueName: null`) or value, as a typed value. */
export interface RegistryObjectMeta extends ObjectMetaBase {
  readonly kind: 'registry';
  /** `HKCU`, `HKLM`, … */
  readonly hive: string;
  readonly key: string;
  readonly valueName: string | null;
  /** `REG_SZ`, `REG_DWORD`, …; absent for a key. */
  readonly regType?: string;
  /** Raw value data; absent for a key. */
  readonly data?: Buffer;
}

/** An INI setting (`winPath` is its encoded location `C:\dir\f.ini|Section[Key]`). */
export interface IniObjectMeta extends ObjectMetaBase {
  readonly kind: 'ini';
  /** Windows path of the INI file on the source. */
  readonly file: string;
  readonly section: string;
  readonly key: string;
  readonly value: string;
}

/** Where a file's bytes are: in the content stream (compressed) or a file under `USMT/`. */
export type ContentRef = { readonly offset: number } | { readonly path: string };

interface CatalogBase {
  /** Unique within the store; not necessarily dense (an interrupted capture leaves gaps). */
  readonly id: number;
}

export type FileEntry = CatalogBase &
  Omit<ObjectMeta, 'kind' | 'size'> & {
    readonly kind: 'file';
    readonly size: number;
    /** SHA-256 of the content (hex); null only in hard-link stores captured without hashing. */
    readonly sha256: string | null;
    readonly content: ContentRef;
  };
export type DirEntry = CatalogBase & Omit<ObjectMeta, 'kind' | 'size'> & { readonly kind: 'dir' };
export type RegistryEntry = CatalogBase & RegistryObjectMeta;
export type IniEntry = CatalogBase & IniObjectMeta;
export type CatalogEntry = FileEntry | DirEntry | RegistryEntry | IniEntry;

export interface StoreSource {
  readonly computer?: string;
  readonly ferryVersion?: string;
}

export interface StoreSummary {
  readonly type: StoreType;
  readonly storeId: string;
  /** Host path of the finished store file (`…/USMT/USMT.MIG` or `…/USMT/catalog.mig`). */
  readonly path: string;
  readonly entries: number;
  readonly files: number;
  readonly dirs: number;
  readonly registry: number;
  /** Sum of the captured files' sizes. */
  readonly bytes: number;
  /** Size of the store on disk (container or catalog file; for folder stores without `File/`). */
  readonly storeBytes: number;
  /** Files found already stored by an interrupted run and not read again. */
  readonly reusedFiles: number;
}

export interface StoreInfo {
  readonly storeDir: string;
  readonly usmtDir: string;
  readonly type: StoreType;
  readonly encrypted: boolean;
  /** false: an interrupted capture (resume it); it is never restored. */
  readonly complete: boolean;
  readonly version: number;
  readonly storeId: string;
  readonly createdAt: string;
  readonly source: StoreSource;
  /** The `/encrypt:AlgID` asked for at capture, for information (Ferry always uses AES-256-GCM). */
  readonly algId?: string;
}

export type VerifyMode = 'summary' | 'all' | 'failureonly' | 'catalog';

export interface FileCheck {
  readonly winPath: string;
  readonly ok: boolean;
  readonly code?: string;
  readonly message?: string;
}

export interface VerifyReport {
  readonly catalogOk: boolean;
  readonly catalogError?: { readonly code: string; readonly message: string };
  readonly files: number;
  readonly intact: number;
  readonly corrupted: number;
  /** mode `all`: every file; `failureonly`: the corrupted ones; otherwise empty. */
  readonly results: FileCheck[];
}
