// Errors raised by the USMT edges, and the mapping from any error to the USMT return code the
// tools exit with (spec/usmt-cli.md §6).
import { FerryError, fromSystemError, type ErrorCode } from '../errors/index.ts';

export function usmtError(code: ErrorCode, message: string, details?: Record<string, unknown>): FerryError {
  return new FerryError(code, message, details ? { details } : {});
}

/** Any thrown value as a coded error: system errors by errno, anything else as internal. */
export function asFerryError(err: unknown): FerryError {
  if (err instanceof FerryError) return err;
  if (typeof (err as NodeJS.ErrnoException | undefined)?.code === 'string') return fromSystemError(err, 'running');
  return new FerryError(
    'FERRY_E_INTERNAL',
    `Unexpected internal ` +
      `error: ${err instanceof Error ? err.message : String(err)}. Re-run with ` +
      `FERRY_DEBUG=1 for the stack and report it.`,
    { cause: err },
  );
}

/** Return code for an error that ends a run: its catalog `usmt` number, 26 when it has none. */
export function exitCodeOf(err: unknown): number {
  return asFerryError(err).usmtExitCode;
}

export const USMT_SUCCESS = 0;
export const USMT_DISPLAY_HELP = 1;
export const USMT_WOULD_HAVE_FAILED = 3;
