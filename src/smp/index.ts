// Public API of the State Migration Point core and its client.
export {
  SmpHttpClient,
  type SmpHttpClientOptions,
  type TransferResult,
  type RestoreReport,
  type StoreGrant,
  type ManifestEntry,
} from './client.ts';
export { SmpService, type Principal, type SmpServiceOptions, type UploadState, type InitResult } from './service.ts';
export { startDeletionJob, type DeletionJob } from './deletion.ts';
export { verifyUploadedStore } from './store-check.ts';
export { openRecoverySlot } from './keys.ts';
export { loadDataDir, rotateAdminToken, defaultDatabasePath, type DataDirSecrets } from './data-dir.ts';
export type { SmpRepository } from './repository.ts';
export * from './types.ts';
export { checkManifest, sha256File } from './storage.ts';
export type { EnrollmentTokenRecord } from './repository.ts';
export { hashSecret } from './secrets.ts';
export { checkSmpStoreManifest } from './store-check.ts';
