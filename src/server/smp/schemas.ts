// Request and response schemas of the SMP API (JSON Schema via TypeBox; they also feed /openapi.json).
import { Type } from 'typebox';

export const ErrorBody = Type.Object(
  { code: Type.String(), message: Type.String(), details: Type.Optional(Type.Record(Type.String(), Type.Unknown())) },
  { $id: 'SmpError' },
);

const Iso = Type.String({ description: 'ISO-8601 UTC timestamp' });
const Nullable = <T extends ReturnType<typeof Type.String>>(t: T) => Type.Union([t, Type.Null()]);

export const RegisterBody = Type.Object({
  enrollmentToken: Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 200,
      description: 'registers a new computer; re-registers an existing one only when bound to it',
    }),
  ),
  currentCredential: Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 300,
      description: "renews the computer's credential (valid, or expired within the renewal grace)",
    }),
  ),
  computerName: Type.String({ minLength: 1, maxLength: 63 }),
});
export const RegisterReply = Type.Object({ computerId: Type.String(), credential: Type.String(), expiresAt: Iso });

export const UserSelection = Type.Union([Type.Literal('all'), Type.Array(Type.String())], {
  description: '"all" or the accounts (DOMAIN\\user) to migrate',
});

export const StoreGrant = Type.Object({
  storeId: Type.String(),
  kind: Type.Union([Type.Literal('capture'), Type.Literal('restore')]),
  location: Type.String({ description: 'URL of the store: OSDStateStorePath' }),
  key: Type.String({ description: 'the store data key, base64' }),
  chunkSize: Type.Integer(),
  users: UserSelection,
  sourceComputer: Type.String(),
});

export const StoreIdParams = Type.Object({ id: Type.String({ format: 'uuid' }) });
export const FileParams = Type.Object({ id: Type.String({ format: 'uuid' }), index: Type.Integer({ minimum: 0 }) });
export const ChunkParams = Type.Object({
  id: Type.String({ format: 'uuid' }),
  index: Type.Integer({ minimum: 0 }),
  chunk: Type.Integer({ minimum: 0 }),
});

export const ManifestEntry = Type.Object({
  path: Type.String({ minLength: 1, maxLength: 4096 }),
  size: Type.Integer({ minimum: 0 }),
  sha256: Type.String({ pattern: '^[0-9a-fA-F]{64}$' }),
});
export const ManifestBody = Type.Object({ files: Type.Array(ManifestEntry, { maxItems: 1_000_000 }) });
export const ManifestReply = Type.Object({ storeId: Type.String(), manifestDigest: Type.String(), files: Type.Array(ManifestEntry) });

export const StoreStatus = Type.Union(['requested', 'captured', 'released', 'deleting', 'deleted'].map((s) => Type.Literal(s)));

export const UploadState = Type.Object({
  storeId: Type.String(),
  status: StoreStatus,
  chunkSize: Type.Integer(),
  manifestDigest: Nullable(Type.String()),
  files: Type.Array(
    Type.Object({
      index: Type.Integer(),
      path: Type.String(),
      size: Type.Integer(),
      sha256: Type.String(),
      verified: Type.Boolean(),
      chunksReceived: Type.Array(Type.Integer()),
    }),
  ),
});

export const StoreRecord = Type.Object({
  id: Type.String(),
  sourceComputerId: Type.String(),
  folderId: Type.String(),
  serverName: Type.String(),
  status: StoreStatus,
  createdAt: Iso,
  capturedAt: Nullable(Iso),
  releasedAt: Nullable(Iso),
  deleteAfter: Nullable(Iso),
  deletedAt: Nullable(Iso),
  manifestDigest: Nullable(Type.String()),
  totalSize: Type.Integer(),
});

export const ReleaseBody = Type.Object({
  kind: Type.Union([Type.Literal('capture'), Type.Literal('restore')]),
  verified: Type.Optional(Type.Boolean({ description: 'restore: the client verified every file against the manifest' })),
  manifestDigest: Type.Optional(Type.String({ description: 'restore: digest of the manifest the client verified against' })),
});

export const ChunkReply = Type.Object({ fileComplete: Type.Boolean() });

export const SpaceUnit = Type.Union([Type.Literal('Megabyte'), Type.Literal('Gigabyte'), Type.Literal('Percent')]);
export const FolderBody = Type.Object({
  path: Type.String({ minLength: 1, maxLength: 4096 }),
  maxClients: Type.Integer({ minimum: 1, maximum: 99999 }),
  minFreeSpace: Type.Integer({ minimum: 1, maximum: 99999 }),
  spaceUnit: SpaceUnit,
  serverName: Type.Optional(Type.String({ description: 'SMP that owns the folder; default: the server receiving the request' })),
});
export const FolderPatch = Type.Object({
  maxClients: Type.Optional(Type.Integer({ minimum: 1, maximum: 99999 })),
  minFreeSpace: Type.Optional(Type.Integer({ minimum: 1, maximum: 99999 })),
  spaceUnit: Type.Optional(SpaceUnit),
});
export const Folder = Type.Object({
  id: Type.String(),
  serverName: Type.String(),
  path: Type.String(),
  maxClients: Type.Integer(),
  minFreeSpace: Type.Integer(),
  spaceUnit: SpaceUnit,
  clients: Type.Optional(Type.Integer()),
  freeBytes: Type.Optional(Type.Number()),
  minimumFreeBytes: Type.Optional(Type.Number()),
});
export const IdParams = Type.Object({ id: Type.String() });

export const Settings = Type.Object({
  name: Type.String(),
  url: Type.String(),
  restoreOnly: Type.Boolean(),
  deleteAfterSeconds: Type.Integer({ minimum: 0 }),
});
export const SettingsPatch = Type.Object({
  restoreOnly: Type.Optional(Type.Boolean()),
  deleteImmediately: Type.Optional(Type.Boolean()),
  timeDeleteAfter: Type.Optional(Type.Integer({ minimum: 1, maximum: 99999 })),
  timeUnit: Type.Optional(
    Type.Union([Type.Literal('Days'), Type.Literal('Hours'), Type.Literal('Seconds')], {
      description: 'Seconds is a Ferry extension for tests',
    }),
  ),
});

export const EnrollmentBody = Type.Object({
  expiresInSeconds: Type.Optional(Type.Integer({ minimum: 1, maximum: 365 * 24 * 3600, default: 24 * 3600 })),
  uses: Type.Optional(Type.Integer({ minimum: 1, maximum: 100000, default: 1 })),
  computer: Type.Optional(
    Type.String({ minLength: 1, maxLength: 63, description: 'bind the token to this computer: it may re-register it (reset), once' }),
  ),
});
export const EnrollmentReply = Type.Object({
  token: Type.String(),
  expiresAt: Iso,
  uses: Type.Integer(),
  computer: Type.Optional(Type.String()),
});

export const ComputerBody = Type.Object({ name: Type.String({ minLength: 1, maxLength: 63, pattern: '^[A-Za-z0-9][A-Za-z0-9._-]*$' }) });
export const ComputerReply = Type.Object({
  id: Type.String(),
  name: Type.String(),
  registered: Type.Boolean(),
  credentialExpiresAt: Nullable(Iso),
  credentialRevokedAt: Nullable(Iso),
});
export const NameParams = Type.Object({ name: Type.String({ minLength: 1, maxLength: 63 }) });

export const NaaBody = Type.Object({ enabled: Type.Boolean() });
export const NaaReply = Type.Object({ credential: Type.Optional(Type.String()) });

export const AssociationBody = Type.Object({
  source: Type.String({ minLength: 1 }),
  destination: Type.String({ minLength: 1 }),
  migrationBehavior: Type.Optional(
    Type.Union([Type.Literal(0), Type.Literal(1), Type.Literal(2)], {
      description: '0 capture and restore all, 1 capture all and restore specified, 2 capture and restore specified (default)',
    }),
  ),
  userNames: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 256 }), { maxItems: 1000 })),
});
export const Association = Type.Object({
  id: Type.String(),
  sourceComputerId: Type.String(),
  restoreComputerId: Type.String(),
  sourceName: Type.Optional(Type.String()),
  restoreName: Type.Optional(Type.String()),
  migrationType: Type.Integer(),
  migrationBehavior: Type.Integer(),
  userNames: Type.Array(Type.String()),
  migrationStatus: Type.Integer(),
  storeId: Nullable(Type.String()),
  storePath: Type.Optional(Nullable(Type.String())),
  createdAt: Iso,
  storeCreationDate: Nullable(Iso),
  storeReleaseDate: Nullable(Iso),
  storeDeletionDate: Nullable(Iso),
});

export const RecoveryReply = Type.Object({ storeId: Type.String(), key: Type.String(), recoverySlot: Type.String() });
