// The SMP API's HTTP-only schemas: request bodies, route params and error answers (JSON Schema via
// TypeBox; they also feed /openapi.json). Records and replies are the domain's own schemas
// (src/smp/types.ts), used here as they are.
import { Type } from 'typebox';
import { AssociationInput, FolderInput, FolderPatch, ManifestEntry } from '../../smp/index.ts';

export const ErrorBody = Type.Object(
  { code: Type.String(), message: Type.String(), details: Type.Optional(Type.Record(Type.String(), Type.Unknown())) },
  { $id: 'SmpError' },
);

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

export const StoreIdParams = Type.Object({ id: Type.String({ format: 'uuid' }) });
export const FileParams = Type.Object({ id: Type.String({ format: 'uuid' }), index: Type.Integer({ minimum: 0 }) });
export const ChunkParams = Type.Object({
  id: Type.String({ format: 'uuid' }),
  index: Type.Integer({ minimum: 0 }),
  chunk: Type.Integer({ minimum: 0 }),
});
export const ChunkHeaders = Type.Object({ 'x-ferry-sha256': Type.String({ pattern: '^[0-9a-fA-F]{64}$' }) });
export const IdParams = Type.Object({ id: Type.String() });
export const NameParams = Type.Object({ name: Type.String({ minLength: 1, maxLength: 63 }) });

export const ManifestBody = Type.Object({ files: Type.Array(ManifestEntry, { maxItems: 1_000_000 }) });

export const ReleaseBody = Type.Object({
  kind: Type.Union([Type.Literal('capture'), Type.Literal('restore')]),
  verified: Type.Optional(Type.Boolean({ description: 'restore: the client verified every file against the manifest' })),
  manifestDigest: Type.Optional(Type.String({ description: 'restore: digest of the manifest the client verified against' })),
});

export const ChunkReply = Type.Object({ fileComplete: Type.Boolean() });

/** Bodies the domain takes as they are. */
export const FolderBody = FolderInput;
export { AssociationInput as AssociationBody, FolderPatch };

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

export const ComputerBody = Type.Object({ name: Type.String({ minLength: 1, maxLength: 63, pattern: '^[A-Za-z0-9][A-Za-z0-9._-]*$' }) });
export const RevokeReply = Type.Object({ revoked: Type.Boolean() });

export const NaaBody = Type.Object({ enabled: Type.Boolean() });
export const NaaReply = Type.Object({ credential: Type.Optional(Type.String()) });
