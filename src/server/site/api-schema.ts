// The site's REST API as TypeBox schemas: one definition of every request the routes validate
// and of every response the console reads. The routes take their bodies, params and queries
// from here (typed through the TypeBox type provider); the console takes the `Static<>` types.
// Pure schemas: this module imports only `typebox`, types, and the SMP domain's schemas (which
// it re-uses rather than repeats), never server code; the console imports it type-only.
import { Type, type Static } from 'typebox';
import type { MigrationReport } from '../../report/index.ts';
import { FolderInput, MigrationBehavior, RecoveryInformation, SmpServerRecord } from '../../smp/index.ts';
import type { TaskSequence } from '../../tasksequence/index.ts';

// ── shared pieces ─────────────────────────────────────────────────────────────────────────

/** `:id` of an object (task sequence, package, computer, collection, deployment). */
export const IdParams = Type.Object({ id: Type.String({ maxLength: 100 }) });
export const Name = Type.String({ minLength: 1, maxLength: 200 });
export const Description = Type.String({ maxLength: 2000 });
/** The largest ConfigMgr task sequence XML the import route reads (twice TS_LIMITS.maxXmlBytes). */
export const MAX_IMPORT_XML_CHARS = 2 * 2 * 1024 * 1024;

export const VariableSchema = Type.Object({
  name: Type.String({ maxLength: 300 }),
  value: Type.String({ maxLength: 5000 }),
  hidden: Type.Boolean(),
});
/** A device or collection variable; a hidden one's value never comes back (it reads as ''). */
export type Variable = Static<typeof VariableSchema>;

export const OkResponse = Type.Object({ ok: Type.Literal(true) });

// ── task sequences ───────────────────────────────────────────────────────────────────────

/**
 * A task sequence document as the routes receive it: an object with a `children` array. The
 * whole tree is checked afterwards against `SequenceDocument` (src/site), which reports the
 * first problem by its place in the tree.
 */
export const SequenceInput = Type.Object({ children: Type.Array(Type.Unknown()) }, { additionalProperties: true });

export const TsProblemSchema = Type.Object({
  /** Index path of the item in the tree (`[0, 2]` = third child of the first group). */
  path: Type.Array(Type.Integer()),
  property: Type.Optional(Type.String()),
  severity: Type.Union([Type.Literal('error'), Type.Literal('warning')]),
  message: Type.String(),
});
export type TsProblem = Static<typeof TsProblemSchema>;

export const TsTemplate = Type.Union([
  Type.Literal('custom'),
  Type.Literal('image-package'),
  Type.Literal('replace-capture'),
  Type.Literal('replace-restore'),
  Type.Literal('refresh'),
]);

export const CreateTsBody = Type.Object({
  name: Name,
  description: Type.Optional(Description),
  template: Type.Optional(TsTemplate),
  usmtPackageId: Type.Optional(Type.String({ maxLength: 20 })),
  /** The password restored local accounts get (replace-restore and refresh templates). */
  localAccountPassword: Type.Optional(Type.String({ maxLength: 255 })),
  /** The operating system image package: the template becomes the whole refresh. */
  imagePackageId: Type.Optional(Type.String({ maxLength: 20 })),
  imageIndex: Type.Optional(Type.Integer({ minimum: 1, maximum: 999 })),
  /** Capture locally by using links instead of a state migration point. */
  hardLinks: Type.Optional(Type.Boolean()),
  sequence: Type.Optional(SequenceInput),
});
export type CreateTsBody = Static<typeof CreateTsBody>;

export const SaveTsBody = Type.Object({
  name: Name,
  description: Description,
  sequence: SequenceInput,
  version: Type.Integer({ minimum: 1 }),
});
export type SaveTsBody = Static<typeof SaveTsBody>;

export const ImportTsBody = Type.Object({
  name: Type.Optional(Name),
  description: Type.Optional(Description),
  xml: Type.String({ minLength: 1, maxLength: MAX_IMPORT_XML_CHARS }),
});
export type ImportTsBody = Static<typeof ImportTsBody>;

export const ValidateTsBody = Type.Object({ sequence: SequenceInput });
export const ValidateTsResponse = Type.Object({ problems: Type.Array(TsProblemSchema) });
export const CopyTsBody = Type.Object({ name: Type.Optional(Name) });
export const VersionParams = Type.Object({ id: Type.String(), version: Type.Integer() });

export const TsSummarySchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  description: Type.String(),
  version: Type.Integer(),
  updatedAt: Type.String(),
  deployments: Type.Integer(),
  steps: Type.Integer(),
  errors: Type.Integer(),
});
/** One row of `GET /api/task-sequences`. */
export type TsSummary = Static<typeof TsSummarySchema>;

/** The document itself: the task sequence model (src/tasksequence), password values masked. */
export const TaskSequenceDocument = Type.Unsafe<TaskSequence>(Type.Object({ children: Type.Array(Type.Unknown()) }));

export const TsFullSchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  description: Type.String(),
  version: Type.Integer(),
  updatedAt: Type.String(),
  document: TaskSequenceDocument,
  problems: Type.Array(TsProblemSchema),
});
/** `GET /api/task-sequences/{id}` (and the answer of create, import, save and copy). */
export type TsFull = Static<typeof TsFullSchema>;

export const TsVersionSchema = Type.Object({ version: Type.Integer(), name: Type.String(), saved_at: Type.String() });
/** One row of `GET /api/task-sequences/{id}/versions`. */
export type TsVersion = Static<typeof TsVersionSchema>;

// ── packages and operating system images ──────────────────────────────────────────────────

export const PackageSchema = Type.Object({ id: Type.String(), name: Type.String(), description: Type.String(), kind: Type.String() });
export type Package = Static<typeof PackageSchema>;

export const CreatePackageBody = Type.Object({
  name: Name,
  description: Type.Optional(Description),
  source: Type.Optional(Type.String({ maxLength: 1000 })),
});
export type CreatePackageBody = Static<typeof CreatePackageBody>;

export const RegisterImageBody = Type.Object({
  name: Name,
  description: Type.Optional(Description),
  path: Type.String({ minLength: 1, maxLength: 1000 }),
});
export type RegisterImageBody = Static<typeof RegisterImageBody>;
export const UploadImageQuery = Type.Object({ name: Name, description: Type.Optional(Description) });

export const WimImageSchema = Type.Object({
  index: Type.Integer(),
  name: Type.String(),
  description: Type.String(),
  edition: Type.String(),
  architecture: Type.String(),
  size: Type.Number(),
  fileCount: Type.Integer(),
});
export const OsImageSchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  description: Type.String(),
  /** The WIM file on the site. */
  path: Type.String(),
  size: Type.Number(),
  sha256: Type.String(),
  images: Type.Array(WimImageSchema),
  /** Set when the file is gone or unreadable since it was registered. */
  error: Type.Optional(Type.String()),
});
/** An operating system image package with the images of its WIM. */
export type OsImage = Static<typeof OsImageSchema>;

// ── computers and collections ───────────────────────────────────────────────────────────

export const SiteComputerSchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  revoked: Type.Boolean(),
  registeredAt: Type.String(),
  lastSeen: Type.Union([Type.String(), Type.Null()]),
  variables: Type.Array(VariableSchema),
});
/** A computer registered with the site, as `GET /api/computers` lists it. */
export type SiteComputer = Static<typeof SiteComputerSchema>;

export const SetVariablesBody = Type.Object({ variables: Type.Array(VariableSchema, { maxItems: 1000 }) });

export const ResetTokenSchema = Type.Object({
  computerId: Type.String(),
  name: Type.String(),
  enrollToken: Type.String(),
  expiresAt: Type.String(),
});
/** `POST /api/computers/{id}/reset`: the one-time token the computer re-registers with. */
export type ResetToken = Static<typeof ResetTokenSchema>;

export const CollectionRuleSchema = Type.Object({
  /** Computers whose name matches this wildcard (`*`, `?`) are members. Empty = none. */
  namePattern: Type.String({ maxLength: 200 }),
});
export type CollectionRule = Static<typeof CollectionRuleSchema>;

export const CollectionBody = Type.Object({
  name: Name,
  description: Type.Optional(Description),
  rule: Type.Optional(CollectionRuleSchema),
  members: Type.Optional(Type.Array(Type.String({ maxLength: 100 }), { maxItems: 10000 })),
  variables: Type.Optional(Type.Array(VariableSchema, { maxItems: 1000 })),
});
export type CollectionBody = Static<typeof CollectionBody>;

export const CollectionSchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  description: Type.String(),
  rule: CollectionRuleSchema,
  directMembers: Type.Array(Type.String()),
  members: Type.Array(Type.String()),
  variables: Type.Array(VariableSchema),
});
export type Collection = Static<typeof CollectionSchema>;

// ── deployments and monitoring ──────────────────────────────────────────────────────────

export const CategorySchema = Type.Union([
  Type.Literal('Success'),
  Type.Literal('In Progress'),
  Type.Literal('Error'),
  Type.Literal('Requirements Not Met'),
  Type.Literal('Unknown'),
]);
/** A computer's state in a deployment, as the Monitoring workspace groups it. */
export type Category = Static<typeof CategorySchema>;
/** The categories in the order the console shows them. */
export const CATEGORIES: readonly Category[] = ['Success', 'In Progress', 'Error', 'Requirements Not Met', 'Unknown'];

export const PurposeSchema = Type.Union([Type.Literal('available'), Type.Literal('required')]);
export type Purpose = Static<typeof PurposeSchema>;
export const RerunSchema = Type.Union([
  Type.Literal('never'),
  Type.Literal('always'),
  Type.Literal('ifFailed'),
  Type.Literal('ifSucceeded'),
]);
export type Rerun = Static<typeof RerunSchema>;
export const AssignmentSchema = Type.Union([
  Type.Object({ kind: Type.Literal('asap') }),
  Type.Object({ kind: Type.Literal('at'), at: Type.String({ maxLength: 40 }) }),
]);
/** When a required deployment runs: as soon as possible, or at a time. */
export type Assignment = Static<typeof AssignmentSchema>;

export const CreateDeploymentBody = Type.Object({
  taskSequenceId: Type.String({ maxLength: 20 }),
  collectionId: Type.String({ maxLength: 20 }),
  purpose: PurposeSchema,
  availableAt: Type.Optional(Type.String({ maxLength: 40 })),
  expiresAt: Type.Optional(Type.String({ maxLength: 40 })),
  schedule: Type.Optional(Type.Array(AssignmentSchema, { maxItems: 50 })),
  rerun: Type.Optional(RerunSchema),
  comments: Type.Optional(Type.String({ maxLength: 2000 })),
});
export type CreateDeploymentBody = Static<typeof CreateDeploymentBody>;

export const DeploymentCheckQuery = Type.Object({
  taskSequenceId: Type.String({ maxLength: 20 }),
  collectionId: Type.String({ maxLength: 20 }),
});
export const DeploymentCheckResponse = Type.Object({ warnings: Type.Array(Type.String()) });
export type DeploymentCheck = Static<typeof DeploymentCheckResponse>;

export const DeploymentSchema = Type.Object({
  id: Type.String(),
  taskSequenceId: Type.String(),
  taskSequenceName: Type.String(),
  collectionId: Type.String(),
  collectionName: Type.String(),
  purpose: PurposeSchema,
  availableAt: Type.String(),
  expiresAt: Type.Union([Type.String(), Type.Null()]),
  schedule: Type.Array(AssignmentSchema),
  rerun: Type.String(),
  comments: Type.String(),
  targets: Type.Integer(),
  counts: Type.Record(CategorySchema, Type.Integer()),
  compliance: Type.Number(),
});
export type Deployment = Static<typeof DeploymentSchema>;

export const ComputerStatusSchema = Type.Object({
  computerId: Type.String(),
  computerName: Type.String(),
  category: CategorySchema,
  startedAt: Type.Union([Type.String(), Type.Null()]),
  finishedAt: Type.Union([Type.String(), Type.Null()]),
  exitCode: Type.Union([Type.Integer(), Type.Null()]),
  message: Type.String(),
});
export type ComputerStatus = Static<typeof ComputerStatusSchema>;
export const DeploymentStatusResponse = Type.Object({ computers: Type.Array(ComputerStatusSchema) });

export const StatusMessageSchema = Type.Object({
  messageId: Type.Integer(),
  severity: Type.String(),
  component: Type.String(),
  step: Type.Union([Type.Integer(), Type.Null()]),
  groupName: Type.String(),
  actionName: Type.String(),
  exitCode: Type.Union([Type.Integer(), Type.Null()]),
  actionOutput: Type.String(),
  text: Type.String(),
  executionTime: Type.String(),
});
/** One status message of a computer's run (the step history). */
export type StatusMessage = Static<typeof StatusMessageSchema>;
/** `:id` of a deployment, unbounded (as the status route has always taken it). */
export const DeploymentStatusParams = Type.Object({ id: Type.String() });
export const ComputerMessagesParams = Type.Object({ id: Type.String(), computerId: Type.String() });

// ── reports and progress ────────────────────────────────────────────────────────────────

export const ReportKindSchema = Type.Union([Type.Literal('capture'), Type.Literal('restore')]);
export type ReportKind = Static<typeof ReportKindSchema>;
export const ReportParams = Type.Object({ id: Type.String({ maxLength: 20 }), computerId: Type.String({ maxLength: 64 }) });
export const ReportDownloadParams = Type.Object({
  id: Type.String({ maxLength: 20 }),
  computerId: Type.String({ maxLength: 64 }),
  kind: ReportKindSchema,
  format: Type.Union([Type.Literal('json'), Type.Literal('html')]),
});
/** A migration report as uploaded (docs/report-format.md; src/report checks it). */
export const MigrationReportDocument = Type.Unsafe<MigrationReport>(Type.Object({}, { additionalProperties: true }));
export const StoredReportSchema = Type.Object({ kind: ReportKindSchema, receivedAt: Type.String(), report: MigrationReportDocument });
/** One row of `GET /api/deployments/{id}/computers/{computerId}/reports`. */
export type StoredReport = Static<typeof StoredReportSchema>;

export const ProgressBody = Type.Object({
  step: Type.String({ maxLength: 300 }),
  stepIndex: Type.Integer({ minimum: 0 }),
  stepCount: Type.Integer({ minimum: 0 }),
  phase: Type.Optional(Type.String({ maxLength: 100 })),
  percent: Type.Optional(Type.Number({ minimum: 0, maximum: 100 })),
  bytesDone: Type.Optional(Type.Number({ minimum: 0 })),
  bytesTotal: Type.Optional(Type.Number({ minimum: 0 })),
  etaSeconds: Type.Optional(Type.Number({ minimum: 0 })),
  running: Type.Boolean(),
});
export type ProgressBody = Static<typeof ProgressBody>;
export const ProgressSchema = Type.Intersect([ProgressBody, Type.Object({ computerId: Type.String(), at: Type.String() })]);
/** The running step of one computer, as `GET /api/deployments/{id}/progress` and `progress` events carry it. */
export type Progress = Static<typeof ProgressSchema>;
export const ProgressResponse = Type.Object({ computers: Type.Array(ProgressSchema) });

// ── State Migration Point (console side) ─────────────────────────────────────────────────

/** A storage folder to add: the SMP's own input, less the server (the site's SMP is the one). */
export const SmpFolderBody = Type.Omit(FolderInput, ['serverName']);
export type SmpFolderBody = Static<typeof SmpFolderBody>;
export const SmpFolderSchema = Type.Object({
  id: Type.String(),
  path: Type.String(),
  maxClients: Type.Integer(),
  minFreeSpace: Type.Number(),
  spaceUnit: Type.String(),
  clients: Type.Integer(),
  freeBytes: Type.Optional(Type.Number()),
});
/** A storage folder of the State Migration Point. */
export type SmpFolder = Static<typeof SmpFolderSchema>;

export const SmpSettingsBody = Type.Object({
  restoreOnly: Type.Optional(Type.Boolean()),
  deleteImmediately: Type.Optional(Type.Boolean()),
  timeDeleteAfter: Type.Optional(Type.Integer({ minimum: 1, maximum: 99999 })),
  timeUnit: Type.Optional(Type.Union([Type.Literal('Days'), Type.Literal('Hours')])),
});
export type SmpSettingsBody = Static<typeof SmpSettingsBody>;
/** The SMP's role settings, as the SMP domain defines them. */
export const SmpSettingsSchema = SmpServerRecord;
export type SmpSettings = Static<typeof SmpSettingsSchema>;

export const SmpStoreSchema = Type.Object({ id: Type.String(), status: Type.String() }, { additionalProperties: true });
/** A state store (the console reads `id` and `status`; the other fields are the SMP's record). */
export type SmpStore = Static<typeof SmpStoreSchema> & Record<string, unknown>;

export const SmpAssociationBody = Type.Object({
  source: Type.String({ minLength: 1, maxLength: 63 }),
  destination: Type.String({ minLength: 1, maxLength: 63 }),
  migrationBehavior: MigrationBehavior,
  userNames: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 256 }), { maxItems: 1000 })),
});
export type SmpAssociationBody = Static<typeof SmpAssociationBody>;
export const SmpAssociationSchema = Type.Object({
  id: Type.String(),
  sourceName: Type.String(),
  restoreName: Type.String(),
  migrationBehavior: Type.Integer(),
  userNames: Type.Array(Type.String()),
  migrationStatus: Type.Integer(),
  storeId: Type.Union([Type.String(), Type.Null()]),
  storePath: Type.Union([Type.String(), Type.Null()]),
  createdAt: Type.String(),
});
/** A computer association (source → destination) of the State Migration Point. */
export type SmpAssociation = Static<typeof SmpAssociationSchema>;

export const RecoverySchema = RecoveryInformation;
/** `GET /api/smp/stores/{id}/recovery` (audited). */
export type Recovery = Static<typeof RecoverySchema>;

export const AuditEntrySchema = Type.Object({
  id: Type.String(),
  at: Type.String(),
  actor: Type.String(),
  action: Type.String(),
  target: Type.String(),
  address: Type.String(),
});
export type AuditEntry = Static<typeof AuditEntrySchema>;

// ── agent API ───────────────────────────────────────────────────────────────────────────

export const RegisterAgentBody = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 63 }),
  enrollToken: Type.String({ maxLength: 200 }),
});
export type RegisterAgentBody = Static<typeof RegisterAgentBody>;
export const DeploymentIdParams = Type.Object({ id: Type.String({ maxLength: 20 }) });
export const ReportUploadParams = Type.Object({ id: Type.String({ maxLength: 20 }), kind: ReportKindSchema });
