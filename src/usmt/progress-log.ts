// The `/progress` log (spec/usmt-cli.md §8.2): one `key, value` pair per line after three fixed
// fields, e.g. `15 Jan 2011, 20:46:21 -08:00, 00:04:48, totalPercentageCompleted, 48`.
// Scripts watching a migration look for `, totalPercentageCompleted, 100`.
import { closeSync, fchmodSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { usmtError } from './usmt-error.ts';

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const pad = (n: number) => String(n).padStart(2, '0');

export class ProgressLog {
  readonly #fd: number;
  readonly #started: number;
  #lastPercent = -1;
  /** Applied to every value: scrubs secrets (see redact.ts). */
  mask: (text: string) => string = (t) => t;

  private constructor(fd: number, started: number) {
    this.#fd = fd;
    this.#started = started;
  }

  /** Create the progress log; an unusable path is USMT's return code 40. */
  static open(path: string, started = Date.now()): ProgressLog {
    try {
      mkdirSync(dirname(path), { recursive: true });
      const fd = openSync(path, 'w', 0o600);
      fchmodSync(fd, 0o600);
      return new ProgressLog(fd, started);
    } catch (err) {
      throw usmtError(
        'FERRY_E_USMT_PROGRESS_LOG',
        `Progress log argument is invalid for /progress: cannot create "${path}" (${(err as NodeJS.ErrnoException).code ?? String(err)}).`,
        { path },
      );
    }
  }

  write(key: string, value: string | number, now = new Date()): void {
    const line = `${formatProgressLine(now, now.getTime() - this.#started, key, this.mask(String(value)))}\n`;
    try {
      writeSync(this.#fd, line);
    } catch (err) {
      throw usmtError(
        'FERRY_E_USMT_PROGRESS_LOG',
        `Error writing to the progress log (${(err as NodeJS.ErrnoException).code ?? String(err)}).`,
      );
    }
  }

  /** Write `totalPercentageCompleted` only when the integer percentage changes. */
  percent(value: number): void {
    const p = Math.max(0, Math.min(100, Math.floor(value)));
    if (p === this.#lastPercent) return;
    this.#lastPercent = p;
    this.write('totalPercentageCompleted', p);
  }

  close(): void {
    closeSync(this.#fd);
  }
}

export function formatProgressLine(now: Date, elapsedMs: number, key: string, value: string): string {
  const date = `${pad(now.getDate())} ${MONTHS[now.getMonth()]} ${now.getFullYear()}`;
  const offsetMin = -now.getTimezoneOffset();
  const sign = offsetMin < 0 ? '-' : '+';
  const offset = `${sign}${pad(Math.floor(Math.abs(offsetMin) / 60))}:${pad(Math.abs(offsetMin) % 60)}`;
  const time = `${pad(now.getHours())}:${pad(now.getMinutes())}:${pad(now.getSeconds())} ${offset}`;
  const s = Math.floor(Math.max(0, elapsedMs) / 1000);
  const elapsed = `${pad(Math.floor(s / 3600))}:${pad(Math.floor(s / 60) % 60)}:${pad(s % 60)}`;
  return `${date}, ${time}, ${elapsed}, ${key}, ${value}`;
}
