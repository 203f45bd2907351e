// The State Migration Point's types (spec/state-migration-point.md), defined once: each shape
// that crosses the API is a TypeBox schema here with its TypeScript type derived from it
// (`Static<>`), so the domain, the HTTP layer (request and response schemas, /openapi.json) and
// the client share one definition. Dates are ISO-8601 UTC strings so that they compare and sort
// the same in SQLite and PostgreSQL.
import { type Static, Type } from 'typebox';

const Iso = Type.String({ description: 'ISO-8601 UTC timestamp' });
const Nullable = <T extends ReturnType<typeof Type.String>>(t: T) => Type.Union([t, Type.Null()]);

export const SpaceUnit = Type.Union([Type.Literal('Megabyte'), Type.Literal('Gigabyte'), Type.Literal('Percent')]);
export type SpaceUnit = Static<typeof SpaceUnit>;

/** One `ferry smp serve` process (an SMP role instance) and its role settings. */
export const SmpServerRecord = Type.Object({
  name: Type.String(),
  /** Base URL clients reach this server at; store locations are built from it. */
  url: Type.String(),
  /** Restore-only mode: no new captures; restores and releases still served. */
  restoreOnly: Type.Boolean(),
  /** Deletion policy: seconds between the final release and deletion (0 = delete immediately). */
  deleteAfterSeconds: Type.Integer({ minimum: 0 }),
});
export type SmpServerRecord = Static<typeof SmpServerRecord>;

export const StorageFolder = Type.Object({
  id: Type.String(),
  serverName: Type.String(),
  path: Type.String(),
  maxClients: Type.Integer(),
  minFreeSpace: Type.Integer(),
  spaceUnit: SpaceUnit,
});
export type StorageFolder = Static<typeof StorageFolder>;

/** A storage folder as administration lists it: with its clients and, on this server, its free space. */
export const FolderView = Type.Object({
  ...StorageFolder.properties,
  clients: Type.Optional(Type.Integer()),
  freeBytes: Type.Optional(Type.Number()),
  minimumFreeBytes: Type.Optional(Type.Number()),
});
export type FolderView = Static<typeof FolderView>;

/** What an administrator gives to add a storage folder. */
export const FolderInput = Type.Object({
  path: Type.String({ minLength: 1, maxLength: 4096 }),
  maxClients: Type.Integer({ minimum: 1, maximum: 99999 }),
  minFreeSpace: Type.Integer({ minimum: 1, maximum: 99999 }),
  spaceUnit: SpaceUnit,
  serverName: Type.Optional(Type.String({ description: 'SMP that owns the folder; default: the server receiving the request' })),
});
export type FolderInput = Static<typeof FolderInput>;

export const FolderPatch = Type.Object({
  maxClients: Type.Optional(Type.Integer({ minimum: 1, maximum: 99999 })),
  minFreeSpace: Type.Optional(Type.Integer({ minimum: 1, maximum: 99999 })),
  spaceUnit: Type.Optional(SpaceUnit),
});
export type FolderPatch = Static<typeof FolderPatch>;

/** A computer as the SMP knows it: its name and the credential it authenticates with. */
export interface SmpComputer {
  readonly id: string;
  readonly name: string;
  readonly credentialHash: string | null;
  readonly credentialExpiresAt: string | null;
  /** Set when the credential was revoked; cleared by the next registration. */
  readonly credentialRevokedAt: string | null;
  readonly createdAt: string;
  /**
   * Who the identity was issued to: null for a computer that registered on the SMP itself (or
   * was imported), `site:<id>` for one the all-in-one site registered for its agent `<id>`.
   */
  readonly owner: string | null;
}

/** A computer as administration lists it (never its credential hash). */
export const ComputerView = Type.Object({
  id: Type.String(),
  name: Type.String(),
  registered: Type.Boolean(),
  credentialExpiresAt: Nullable(Iso),
  credentialRevokedAt: Nullable(Iso),
});
export type ComputerView = Static<typeof ComputerView>;

/** `MigrationType` of SMS_StateMigration. */
export const MIGRATION_TYPE = { SIDEBYSIDE: 1, INPLACE: 2 } as const;
export type MigrationType = (typeof MIGRATION_TYPE)[keyof typeof MIGRATION_TYPE];

/** `MigrationBehavior`: the three user options of the Create Computer Association dialog. */
export const MIGRATION_BEHAVIOR = { CAPTUREANDRESTOREALL: 0, CAPTUREALLRESTORESPECIFIED: 1, CAPTUREANDRESTORESPECIFIED: 2 } as const;
export const MigrationBehavior = Type.Union([Type.Literal(0), Type.Literal(1), Type.Literal(2)], {
  description: '0 capture and restore all, 1 capture all and restore specified, 2 capture and restore specified (default)',
});
export type MigrationBehavior = Static<typeof MigrationBehavior>;

/** `MigrationStatus`: NOTSTARTED, INPROGRESS (captured, awaiting restore), COMPLETED (restore released). */
export const MIGRATION_STATUS = { NOTSTARTED: 0, INPROGRESS: 1, COMPLETED: 2 } as const;
export type MigrationStatus = (typeof MIGRATION_STATUS)[keyof typeof MIGRATION_STATUS];

export const Association = Type.Object({
  id: Type.String(),
  sourceComputerId: Type.String(),
  restoreComputerId: Type.String(),
  migrationType: Type.Union([Type.Literal(1), Type.Literal(2)]),
  migrationBehavior: MigrationBehavior,
  userNames: Type.Array(Type.String()),
  migrationStatus: Type.Union([Type.Literal(0), Type.Literal(1), Type.Literal(2)]),
  storeId: Nullable(Type.String()),
  createdAt: Iso,
  storeCreationDate: Nullable(Iso),
  storeReleaseDate: Nullable(Iso),
  storeDeletionDate: Nullable(Iso),
});
export type Association = Static<typeof Association>;

/** An association as administration lists it: with computer names and the store's location. */
export const AssociationView = Type.Object({
  ...Association.properties,
  sourceName: Type.Optional(Type.String()),
  restoreName: Type.Optional(Type.String()),
  storePath: Type.Optional(Nullable(Type.String())),
});
export type AssociationView = Static<typeof AssociationView>;

/** What an administrator gives to create a computer association. */
export const AssociationInput = Type.Object({
  source: Type.String({ minLength: 1 }),
  destination: Type.String({ minLength: 1 }),
  migrationBehavior: Type.Optional(MigrationBehavior),
  userNames: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 256 }), { maxItems: 1000 })),
});
export type AssociationInput = Static<typeof AssociationInput>;

/**
 * requested: granted to a capturing computer, uploads allowed;
 * captured: released after capture, readable by the restoring computers;
 * released: every restore released, waiting for the deletion policy;
 * deleting → deleted: the folder is being / has been removed.
 */
export const StoreStatus = Type.Union([
  Type.Literal('requested'),
  Type.Literal('captured'),
  Type.Literal('released'),
  Type.Literal('deleting'),
  Type.Literal('deleted'),
]);
export type StoreStatus = Static<typeof StoreStatus>;

export const StoreRecord = Type.Object({
  id: Type.String(),
  sourceComputerId: Type.String(),
  folderId: Type.String(),
  serverName: Type.String(),
  status: StoreStatus,
  createdAt: Iso,
  capturedAt: Nullable(Iso),
  releasedAt: Nullable(Iso),
  /** When the deletion job may remove the store (set by the final release). */
  deleteAfter: Nullable(Iso),
  deletedAt: Nullable(Iso),
  /** SHA-256 over the canonical manifest, set when the client declares it. */
  manifestDigest: Nullable(Type.String()),
  totalSize: Type.Integer(),
});
export type StoreRecord = Static<typeof StoreRecord>;

/** A file of the store as declared by the capturing client. */
export const StoreFile = Type.Object({
  index: Type.Integer(),
  path: Type.String(),
  size: Type.Integer(),
  sha256: Type.String(),
  verified: Type.Boolean(),
});
export type StoreFile = Static<typeof StoreFile>;

/** One file of a manifest: what the capturing client declares and the restoring one verifies. */
export const ManifestEntry = Type.Object({
  path: Type.String({ minLength: 1, maxLength: 4096 }),
  size: Type.Integer({ minimum: 0 }),
  sha256: Type.String({ pattern: '^[0-9a-fA-F]{64}$' }),
});
export type ManifestEntry = Static<typeof ManifestEntry>;

/** The files of a captured store, for its restoring computer, with the digest to report at release. */
export const Manifest = Type.Object({ storeId: Type.String(), manifestDigest: Type.String(), files: Type.Array(ManifestEntry) });
export type Manifest = Static<typeof Manifest>;

/** Where an upload stands: what the client resumes from. */
export const UploadState = Type.Object({
  storeId: Type.String(),
  status: StoreStatus,
  chunkSize: Type.Integer(),
  manifestDigest: Nullable(Type.String()),
  files: Type.Array(Type.Object({ ...StoreFile.properties, chunksReceived: Type.Array(Type.Integer()) })),
});
export type UploadState = Static<typeof UploadState>;

export type KeySlotKind = 'site' | 'recovery';

/** Users to migrate: every profile, or only the named accounts (DOMAIN\user). */
export const UserSelection = Type.Union([Type.Literal('all'), Type.Array(Type.String())], {
  description: '"all" or the accounts (DOMAIN\\user) to migrate',
});
export type UserSelection = Static<typeof UserSelection>;

/** The answer to Request State Store. */
export const StoreGrant = Type.Object({
  storeId: Type.String(),
  kind: Type.Union([Type.Literal('capture'), Type.Literal('restore')]),
  /** URL of the store on the SMP that holds it: the `OSDStateStorePath` of the task sequence. */
  location: Type.String({ description: 'URL of the store: OSDStateStorePath' }),
  /** The store's data key, base64. */
  key: Type.String({ description: 'the store data key, base64' }),
  chunkSize: Type.Integer(),
  /** Users to capture (capture grant) or to restore (restore grant). */
  users: UserSelection,
  sourceComputer: Type.String(),
});
export type StoreGrant = Static<typeof StoreGrant>;

/** A computer's credential from `POST /register`. */
export const Registration = Type.Object({ computerId: Type.String(), credential: Type.String(), expiresAt: Iso });
export type Registration = Static<typeof Registration>;

export interface RegistrationProof {
  readonly enrollmentToken?: string;
  /** The computer's current credential: renews it without an enrollment token. */
  readonly currentCredential?: string;
}

/** What an administrator gives to create an enrollment token. */
export interface EnrollmentInput {
  readonly expiresInSeconds: number;
  readonly uses: number;
  /** Bind the token to this computer: it may re-register (reset) that computer, once. */
  readonly computer?: string;
}

/** A new enrollment token (shown once). */
export const EnrollmentToken = Type.Object({
  token: Type.String(),
  expiresAt: Iso,
  uses: Type.Integer(),
  computer: Type.Optional(Type.String()),
});
export type EnrollmentToken = Static<typeof EnrollmentToken>;

/** View Recovery Information: the data key (GetEncryptDecryptKey) and the recovery slot. */
export const RecoveryInformation = Type.Object({ storeId: Type.String(), key: Type.String(), recoverySlot: Type.String() });
export type RecoveryInformation = Static<typeof RecoveryInformation>;

/** Who a request acts for, once its credential is checked. */
export type Principal =
  | { readonly kind: 'admin' }
  | { readonly kind: 'computer'; readonly computer: SmpComputer }
  | { readonly kind: 'naa'; readonly computer: SmpComputer };
