// The State Migration Point's domain records (spec/state-migration-point.md). Dates are ISO-8601
// UTC strings so that they compare and sort the same in SQLite and PostgreSQL.

export type SpaceUnit = 'Megabyte' | 'Gigabyte' | 'Percent';

/** One `ferry smp serve` process (an SMP role instance) and its role settings. */
export interface SmpServerRecord {
  readonly name: string;
  /** Base URL clients reach this server at; store locations are built from it. */
  readonly url: string;
  /** Restore-only mode: no new captures; restores and releases still served. */
  readonly restoreOnly: boolean;
  /** Deletion policy: seconds between the final release and deletion (0 = delete immediately). */
  readonly deleteAfterSeconds: number;
}

export interface StorageFolder {
  readonly id: string;
  readonly serverName: string;
  readonly path: string;
  readonly maxClients: number;
  readonly minFreeSpace: number;
  readonly spaceUnit: SpaceUnit;
}

export interface Computer {
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

/** `MigrationType` of SMS_StateMigration. */
export const MIGRATION_TYPE = { SIDEBYSIDE: 1, INPLACE: 2 } as const;
export type MigrationType = (typeof MIGRATION_TYPE)[keyof typeof MIGRATION_TYPE];

/** `MigrationBehavior`: the three user options of the Create Computer Association dialog. */
export const MIGRATION_BEHAVIOR = { CAPTUREANDRESTOREALL: 0, CAPTUREALLRESTORESPECIFIED: 1, CAPTUREANDRESTORESPECIFIED: 2 } as const;
export type MigrationBehavior = (typeof MIGRATION_BEHAVIOR)[keyof typeof MIGRATION_BEHAVIOR];

/** `MigrationStatus`: NOTSTARTED, INPROGRESS (captured, awaiting restore), COMPLETED (restore released). */
export const MIGRATION_STATUS = { NOTSTARTED: 0, INPROGRESS: 1, COMPLETED: 2 } as const;
export type MigrationStatus = (typeof MIGRATION_STATUS)[keyof typeof MIGRATION_STATUS];

export interface Association {
  readonly id: string;
  readonly sourceComputerId: string;
  readonly restoreComputerId: string;
  readonly migrationType: MigrationType;
  readonly migrationBehavior: MigrationBehavior;
  readonly userNames: readonly string[];
  readonly migrationStatus: MigrationStatus;
  readonly storeId: string | null;
  readonly createdAt: string;
  readonly storeCreationDate: string | null;
  readonly storeReleaseDate: string | null;
  readonly storeDeletionDate: string | null;
}

/**
 * requested: granted to a capturing computer, uploads allowed;
 * captured: released after capture, readable by the restoring computers;
 * released: every restore released, waiting for the deletion policy;
 * deleting → deleted: the folder is being / has been removed.
 */
export type StoreStatus = 'requested' | 'captured' | 'released' | 'deleting' | 'deleted';

export interface StoreRecord {
  readonly id: string;
  readonly sourceComputerId: string;
  readonly folderId: string;
  readonly serverName: string;
  readonly status: StoreStatus;
  readonly createdAt: string;
  readonly capturedAt: string | null;
  readonly releasedAt: string | null;
  /** When the deletion job may remove the store (set by the final release). */
  readonly deleteAfter: string | null;
  readonly deletedAt: string | null;
  /** SHA-256 over the canonical manifest, set when the client declares it. */
  readonly manifestDigest: string | null;
  readonly totalSize: number;
}

/** A file of the store as declared by the capturing client. */
export interface StoreFile {
  readonly index: number;
  readonly path: string;
  readonly size: number;
  readonly sha256: string;
  readonly verified: boolean;
}

export type KeySlotKind = 'site' | 'recovery';

/** Users to migrate: every profile, or only the named accounts (DOMAIN\user). */
export type UserSelection = 'all' | readonly string[];
