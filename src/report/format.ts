// The report's format name and version: what model.ts (writing) and schema.ts (reading) share.
export const REPORT_FORMAT = 'ferry-migration-report';
export const REPORT_VERSION = 1;
