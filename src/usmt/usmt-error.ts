// Errors raised by the USMT edges, and the mapping from any error to the USMT return code the
// tools exit with (spec/usmt-cli.md §6).
import { FerryError, fromSystemError, type ErrorCode } from '../errors/index.ts';

export function usmtError(code: ErrorCode, message: string, details?: Record<string, unknown>): FerryError {
  return new FerryError(code, message, details ? { details } : {});
}

/** Return code for an error that ends a run: its catalog `usmt` number, 26 when it has none. */
export function exitCodeOf(err: unknown): number {
  return (err instanceof FerryError ? err : fromSystemError(err, 'running')).usmtExitCode;
}

export const USMT_SUCCESS = 0;
export const USMT_DISPLAY_HELP = 1;
export const USMT_WOULD_HAVE_FAILED = 3;
