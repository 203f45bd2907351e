// File-system helpers every part shares: atomic, durable replacement of a file.
export { syncFolder, writeFileAtomic, type AtomicWriteOptions } from './atomic-write.ts';
