// The tools' main log (`/l`, spec/usmt-cli.md §8.3) with `/v` levels (§5):
// errors, warnings and the run's key lines always; bit 0x01 adds verbose detail, 0x04 records
// every object and its status, 0x08 echoes each line to stderr (Linux's "debug port").
import { closeSync, fchmodSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { usmtError } from './usmt-error.ts';
import { terminal } from '../events/index.ts';

export type LogSeverity = 'Info' | 'Warning' | 'Error' | 'Status' | 'Verbose';

const VERBOSE = 0x01;
const RECORD_OBJECTS = 0x04;
const ECHO = 0x08;
const FLUSH_AT = 64 * 1024;

export class UsmtLog {
  readonly path: string;
  readonly verbosity: number;
  /** Applied to every line: scrubs secrets (see redact.ts). */
  mask: (text: string) => string = (t) => t;
  #fd: number | undefined;
  #buffer: string[] = [];
  #buffered = 0;

  private constructor(path: string, verbosity: number, fd: number) {
    this.path = path;
    this.verbosity = verbosity;
    this.#fd = fd;
  }

  /** Create (truncate) the log, readable by its owner only; an unusable path is USMT's return code 13. */
  static open(path: string, verbosity: number): UsmtLog {
    try {
      mkdirSync(dirname(path), { recursive: true });
      const fd = openSync(path, 'w', 0o600);
      // The mode above applies only to a new file; an existing log keeps its own without this.
      fchmodSync(fd, 0o600);
      return new UsmtLog(path, verbosity, fd);
    } catch (err) {
      throw usmtError(
        'FERRY_E_USMT_LOG_FILE',
        `Log path argument is invalid for /l: cannot create "${path}" (${(err as NodeJS.ErrnoException).code ?? String(err)}).`,
        { path },
      );
    }
  }

  get verbose(): boolean {
    return (this.verbosity & VERBOSE) !== 0;
  }

  get recordsObjects(): boolean {
    return (this.verbosity & RECORD_OBJECTS) !== 0;
  }

  info(message: string): void {
    this.#write('Info', message);
  }

  warning(message: string, code = 0): void {
    this.#write('Warning', message, code);
  }

  error(message: string, code = 0): void {
    this.#write('Error', message, code);
  }

  /** Detail written only at `/v` with bit 0x01. */
  detail(message: string): void {
    if (this.verbose) this.#write('Verbose', message);
  }

  /** One object and its status, written only at `/v` with bit 0x04. */
  object(message: string): void {
    if (this.recordsObjects) this.#write('Status', message);
  }

  close(): void {
    if (this.#fd === undefined) return;
    this.#flush();
    closeSync(this.#fd);
    this.#fd = undefined;
  }

  #write(severity: LogSeverity, message: string, code = 0): void {
    const line = `${formatLogTime(new Date())}, ${severity.padEnd(21)} [0x${code.toString(16).padStart(6, '0')}] ${this.mask(message)}\n`;
    if (this.verbosity & ECHO) terminal().stderr.write(line);
    if (this.#fd === undefined) return;
    this.#buffer.push(line);
    this.#buffered += line.length;
    if (severity === 'Error' || this.#buffered >= FLUSH_AT) this.#flush();
  }

  #flush(): void {
    if (this.#fd === undefined || this.#buffer.length === 0) return;
    writeSync(this.#fd, this.#buffer.join(''));
    this.#buffer = [];
    this.#buffered = 0;
  }
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** `2026-11-26 10:12:13`, local time, as USMT's logs start each line. */
export function formatLogTime(d: Date): string {
  return (
    `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:` +
    `${pad(d.getSeconds())}`
  );
}
