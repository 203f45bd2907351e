import { CODES, type Code, type ErrorCode } from './codes.ts';

/** The optional parts of a FerryError: its cause and structured details for logs. */
export interface FerryErrorOptions {
  cause?: unknown;
  /** Structured context (path, line, element, …) for logs and `--json` output. */
  details?: Record<string, unknown>;
}

/** Every error Ferry raises on purpose. `code` is stable; `message` says what to do. */
export class FerryError extends Error {
  readonly code: ErrorCode;
  readonly details: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, options: FerryErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'FerryError';
    this.code = code;
    this.details = options.details ?? {};
  }

  /** USMT return code for this error (spec/usmt-cli.md §6); 26 (unexpected) when none is defined. */
  get usmtExitCode(): number {
    return (CODES[this.code] as { usmt?: number }).usmt ?? 26;
  }

  get httpStatus(): number {
    return (CODES[this.code] as { http?: number }).http ?? 500;
  }

  get remedy(): string {
    return CODES[this.code].remedy;
  }

  toJSON(): { code: Code; message: string; details: Record<string, unknown> } {
    return { code: this.code, message: this.message, details: this.details };
  }
}

/**
 * True for a FerryError, and when `code` is given, one with that code: for catch blocks that handle one case.
 * @example
 * try {
 *   openHive(path).close();
 * } catch (err) {
 *   if (!isFerryError(err, 'FERRY_E_HIVE_DIRTY')) throw err;
 * }
 */
export function isFerryError(err: unknown, code?: ErrorCode): err is FerryError {
  return err instanceof FerryError && (code === undefined || err.code === code);
}

/** Map a Node.js system error to a coded FerryError, keeping it as the cause. */
export function fromSystemError(err: unknown, what: string): FerryError {
  if (err instanceof FerryError) return err;
  const errno = (err as NodeJS.ErrnoException | undefined)?.code;
  const path = (err as NodeJS.ErrnoException | undefined)?.path;
  const details = { errno, path, what };
  switch (errno) {
    case 'ENOSPC':
    case 'EDQUOT':
      return new FerryError(
        'FERRY_E_DISK_FULL',
        `No space left while ${what}${path ? ` (${path})` : ''}. Free space and run again; the partial output can be resumed.`,
        { cause: err, details },
      );
    case 'EACCES':
    case 'EPERM':
      return new FerryError(
        'FERRY_E_ACCESS_DENIED',
        `Access denied while ${what}${path ? `: ${path}` : ''}. Grant access or continue past it with /c.`,
        { cause: err, details },
      );
    default:
      return new FerryError('FERRY_E_IO', `I/O error (${errno ?? 'unknown'}) while ${what}${path ? `: ${path}` : ''}.`, {
        cause: err,
        details,
      });
  }
}
