// Public API of the State Migration Point core and its client.

/** The SMP's records and API shapes: TypeBox schemas with their types (`Static<>`), one definition. */
export * from './types.ts';
/**
 * The SMP's domain (registration, store requests, transfers, release, administration); run it
 * over an `SmpRepository` and call `init` before use. See src/smp/README.md.
 */
export { SmpService, type SmpServiceOptions, type InitResult } from './service.ts';
/** This server's name and base URL (given to `SmpService.init` when known only after listening). */
export type { SmpIdentity } from './context.ts';
/** What `putChunk`'s read side and the release report carry. */
export type { OpenedStoreFile } from './transfers.ts';
export type { RestoreReleaseReport, VerifyStore } from './release.ts';
/** What the SMP domain needs from persistence (implemented in src/db over Kysely). */
export type { SmpRepository, EnrollmentTokenRecord, UnsyncedChunk } from './repository.ts';
/**
 * The HTTP client of Request / Release State Store and of the store transfers.
 *
 * @example
 * const { credential } = await SmpHttpClient.register(url, enrollmentToken, 'PC1');
 * const client = new SmpHttpClient({ servers: [url], computerName: 'PC1', credential });
 * const grant = await client.requestCapture();
 * await client.upload(storeDir, grant.location);
 * await client.releaseCapture(grant.location);
 */
export { SmpHttpClient, type SmpHttpClientOptions, type TransferResult, type RestoreReport } from './client.ts';
/** How the client sends a chunk (fetch options, body streamed from the file): the SMP bench drives its bare reference with them. */
export { CHUNK_PUT, chunkBody } from './client.ts';
/** The deletion policy as a background job: `startDeletionJob(service, intervalMs, onError)`; `stop()` on shutdown. */
export { startDeletionJob, type DeletionJob } from './deletion.ts';
/** The check Release State Store runs on a captured store: it opens with the grant's key and passes its integrity check. */
export { verifyUploadedStore, checkSmpStoreManifest } from './store-check.ts';
/** Open a store's recovery slot offline with the site recovery key (`ferry smp recover-key`). */
export { openRecoverySlot } from './keys.ts';
/** The SMP's data directory: site key, admin token hash, default database path. */
export { loadDataDir, rotateAdminToken, defaultDatabasePath, type DataDirSecrets } from './data-dir.ts';
/** Check a manifest (safe paths, no name twice, sizes and hashes) in one linear pass; `sha256File` hashes a file. */
export { checkManifest, sha256File } from './storage.ts';
/** SHA-256 (hex) of a bearer secret: what the database stores and the rate limiter keys on. */
export { hashSecret } from './secrets.ts';
