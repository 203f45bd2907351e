// The migration store: compressed (+encrypted), uncompressed and hard-link stores, their catalog,
// resume and verification. Format: docs/store-format.md.
export { createStore, StoreWriter, type AddFileResult, type CreateStoreOptions } from './writer.ts';
export { openStore, StoreReader, type OpenStoreOptions } from './reader.ts';
export { inspectStore, isVolumeRoot } from './layout.ts';
export { deleteHardlinkStore } from './delete.ts';
export { safeJoin, driveRelative } from './safe-path.ts';
export { readKeyFile, USMT_ALG_IDS } from './crypto.ts';
export { FORMAT_VERSION } from './frame.ts';
export type * from './types.ts';
export { USMT_DIR } from './layout.ts';
export { YoungGenerationCap } from './young-generation.ts';
