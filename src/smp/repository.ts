// What the SMP domain needs from persistence. `src/db/smp-repository.ts` implements it over
// Kysely (SQLite or PostgreSQL); every state change the service makes runs inside `transaction`.
import type { Association, SmpComputer, KeySlotKind, SmpServerRecord, StorageFolder, StoreFile, StoreRecord } from './types.ts';

export interface EnrollmentTokenRecord {
  readonly id: string;
  readonly tokenHash: string;
  readonly expiresAt: string;
  readonly usesLeft: number;
  /** Lower-cased name of the one computer this token may (re-)register, or null for any new computer. */
  readonly computerNameKey: string | null;
}

/** A recorded chunk whose data may still be only in the page cache. */
export interface UnsyncedChunk {
  readonly index: number;
  readonly chunk: number;
  /** Null for a chunk recorded before chunk hashes were kept. */
  readonly sha256: string | null;
  /** The server process that wrote it (see StoreTransfers). */
  readonly writer: string | null;
}

export interface SmpRepository {
  transaction<T>(fn: (repo: SmpRepository) => Promise<T>): Promise<T>;

  getSetting(key: string): Promise<string | undefined>;
  /** Store `value` unless the key exists; returns the value now in force (first writer wins). */
  initSetting(key: string, value: string): Promise<string>;
  setSetting(key: string, value: string | null): Promise<void>;

  upsertServer(server: SmpServerRecord): Promise<void>;
  getServer(name: string): Promise<SmpServerRecord | undefined>;
  listServers(): Promise<SmpServerRecord[]>;

  insertComputer(computer: SmpComputer): Promise<void>;
  getComputer(id: string): Promise<SmpComputer | undefined>;
  findComputerByName(name: string): Promise<SmpComputer | undefined>;
  /** Set a new credential (clearing any revocation); `owner`, when given, replaces the identity's holder. */
  setComputerCredential(id: string, credentialHash: string, expiresAt: string, owner?: string | null): Promise<void>;
  /** Record who holds the computer's identity (see `SmpComputer.owner`). */
  setComputerOwner(id: string, owner: string | null): Promise<void>;
  /** Drop the credential and record when it was revoked. */
  revokeComputerCredential(id: string, at: string): Promise<void>;
  listComputers(): Promise<SmpComputer[]>;

  insertEnrollmentToken(token: EnrollmentTokenRecord): Promise<void>;
  /** Use one of the token's uses if it exists, has uses left and has not expired at `now`; returns the token, or undefined. */
  consumeEnrollmentToken(tokenHash: string, now: string): Promise<EnrollmentTokenRecord | undefined>;

  insertFolder(folder: StorageFolder): Promise<void>;
  getFolder(id: string): Promise<StorageFolder | undefined>;
  listFolders(serverName?: string): Promise<StorageFolder[]>;
  updateFolder(id: string, patch: Partial<Omit<StorageFolder, 'id' | 'serverName' | 'path'>>): Promise<void>;
  deleteFolder(id: string): Promise<void>;
  /** Stores not yet deleted per folder id: the folder's current client count. */
  countActiveStoresByFolder(): Promise<Map<string, number>>;

  insertAssociation(association: Association): Promise<void>;
  getAssociation(id: string): Promise<Association | undefined>;
  listAssociations(): Promise<Association[]>;
  deleteAssociation(id: string): Promise<void>;
  updateAssociation(
    id: string,
    patch: Partial<Pick<Association, 'migrationStatus' | 'storeId' | 'storeCreationDate' | 'storeReleaseDate' | 'storeDeletionDate'>>,
  ): Promise<void>;
  associationsBySource(computerId: string): Promise<Association[]>;
  associationsByRestore(computerId: string): Promise<Association[]>;
  associationsByStore(storeId: string): Promise<Association[]>;

  insertStore(store: StoreRecord): Promise<void>;
  getStore(id: string): Promise<StoreRecord | undefined>;
  updateStore(
    id: string,
    patch: Partial<Omit<StoreRecord, 'id' | 'sourceComputerId' | 'folderId' | 'serverName' | 'createdAt'>>,
  ): Promise<void>;
  listStores(): Promise<StoreRecord[]>;
  /** Stores of `serverName` that are released and due at `now`, or left half-deleted. */
  storesToDelete(serverName: string, now: string): Promise<StoreRecord[]>;

  insertKeySlot(storeId: string, kind: KeySlotKind, wrapped: string): Promise<void>;
  getKeySlot(storeId: string, kind: KeySlotKind): Promise<string | undefined>;

  replaceStoreFiles(storeId: string, files: readonly StoreFile[]): Promise<void>;
  getStoreFiles(storeId: string): Promise<StoreFile[]>;
  /** One file of the manifest by number: what every chunk request needs, without reading the whole manifest. */
  getStoreFile(storeId: string, index: number): Promise<StoreFile | undefined>;
  setFileVerified(storeId: string, index: number, verified: boolean): Promise<void>;
  /**
   * Record chunk `chunk` of file `index` as received (unsynced, with its SHA-256 and the process
   * that wrote it; a chunk recorded again is replaced) and return how many chunks of the file are
   * now recorded: one call per chunk on the upload path.
   */
  addChunk(storeId: string, index: number, chunk: number, sha256: string, writer: string): Promise<number>;
  deleteChunk(storeId: string, index: number, chunk: number): Promise<void>;
  /** Chunks not yet covered by a commit's fsync, with their SHA-256 and writing process. */
  unsyncedChunks(storeId: string): Promise<UnsyncedChunk[]>;
  /** After a commit's fsync: these chunks are on disk. */
  markChunksSynced(storeId: string, chunks: readonly Pick<UnsyncedChunk, 'index' | 'chunk'>[]): Promise<void>;
  /** Received chunk numbers per file index. */
  getChunks(storeId: string): Promise<Map<number, number[]>>;
  clearChunks(storeId: string, index?: number): Promise<void>;
}
