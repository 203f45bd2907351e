export { CODES, type Code, type CodeSpec, type ErrorCode, type WarningCode, type Severity } from './codes.ts';
export { errorDocAnchor } from './render-doc.ts';
export { FerryError, isFerryError, fromSystemError, type FerryErrorOptions } from './ferry-error.ts';
