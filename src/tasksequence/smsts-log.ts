// smsts.log in CMTrace's line format (task-sequence.md §6.1), with rollover: when the log
// would grow past `maxBytes` it is renamed `smsts-yyyyMMdd-HHmmss.log` and a new one started;
// only the newest `maxHistory` rolled files are kept. Lines are appended synchronously so the
// log is complete up to the moment a process is killed.
import { appendFileSync, chmodSync, existsSync, mkdirSync, readdirSync, renameSync, rmdirSync, statSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';

export type CmTraceType = 1 | 2 | 3;

/** One CMTrace log line: message, component, time, type (1 info, 2 warning, 3 error) and thread. */
export interface CmTraceRecord {
  message: string;
  component: string;
  /** 1 informational, 2 warning, 3 error. */
  type: CmTraceType;
  time?: Date | undefined;
  thread?: number;
  /** `source.ts:line`; may be empty. */
  file?: string;
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/**
 * One CMTrace record: `<![LOG[msg]LOG]!><time="HH:mm:ss.fff+BBB" date="MM-dd-yyyy"
 * component="C" context="" type="1" thread="T" file="F">`. Time is local with the Windows bias
 * (UTC − local, minutes; `+420` is UTC−7). A `]LOG]!>` inside a message would end the record
 * early, so it is broken up.
 */
export function formatCmTraceLine(rec: CmTraceRecord): string {
  const t = rec.time ?? new Date();
  const bias = t.getTimezoneOffset();
  const time =
    `${pad(t.getHours())}:${pad(t.getMinutes())}:${pad(t.getSeconds())}.${pad(t.getMilliseconds(), 3)}` +
    `${bias < 0 ? '-' : '+'}${pad(Math.abs(bias), 3)}`;
  const date = `${pad(t.getMonth() + 1)}-${pad(t.getDate())}-${t.getFullYear()}`;
  const message = rec.message.replace(/\]LOG\]!>/g, ']LOG] !>');
  const attr = (s: string) => s.replace(/"/g, "'");
  return (
    `<![LOG[${message}]LOG]!><time="${time}" date="${date}" component="${attr(rec.component)}" context="" ` +
    `type="${rec.type}" thread="${rec.thread ?? process.pid}" file="${attr(rec.file ?? '')}">`
  );
}

/**
 * Parse CMTrace records back (tests, `ts` tooling); messages may span lines. A log is untrusted
 * input, so this scans with indexOf instead of a lazy regular expression, which took quadratic
 * time on many unterminated `<![LOG[` records: each start reuses the end marker found for the
 * previous one while it still lies ahead.
 */
export function parseCmTrace(text: string): (CmTraceRecord & { time: undefined; raw: { time: string; date: string } })[] {
  const out: (CmTraceRecord & { time: undefined; raw: { time: string; date: string } })[] = [];
  const OPEN = '<![LOG[';
  const CLOSE = ']LOG]!>';
  const tail = /<time="([^"]*)" date="([^"]*)" component="([^"]*)" context="([^"]*)" type="([123])" thread="(\d+)" file="([^"]*)">/y;
  let end = -1;
  for (let start = text.indexOf(OPEN); start !== -1; ) {
    const body = start + OPEN.length;
    if (end < body) end = text.indexOf(CLOSE, body);
    if (end === -1) break;
    tail.lastIndex = end + CLOSE.length;
    const m = tail.exec(text);
    if (m) {
      out.push({
        message: text.slice(body, end),
        component: m[3]!,
        type: Number(m[5]) as CmTraceType,
        thread: Number(m[6]),
        file: m[7]!,
        time: undefined,
        raw: { time: m[1]!, date: m[2]! },
      });
      start = text.indexOf(OPEN, tail.lastIndex);
    } else start = text.indexOf(OPEN, body);
  }
  return out;
}

export interface SmstsLogOptions {
  /** Roll over when the log would exceed this many bytes (default 1 MiB). */
  maxBytes?: number;
  /** Rolled logs kept (default 3). */
  maxHistory?: number;
  /** Called with every record written (the engine mirrors them as `log` events). */
  onRecord?: (rec: CmTraceRecord) => void;
  /** Applied to every message before it is written or passed on: masks secret values. */
  mask?: (text: string) => string;
}

function rolledPath(dir: string, t: Date): string {
  const stamp =
    `${t.getFullYear()}${pad(t.getMonth() + 1)}${pad(t.getDate())}-${pad(t.getHours())}${pad(t.getMinutes())}` + `${pad(t.getSeconds())}`;
  let target = join(dir, `smsts-${stamp}.log`);
  for (let i = 1; existsSync(target); i++) target = join(dir, `smsts-${stamp}-${i}.log`);
  return target;
}

/**
 * smsts.log in CMTrace's line format, rolled over at a size limit; lines are written synchronously so
 * the log is complete up to the moment a process is killed.
 */
export class SmstsLog {
  #dir: string;
  readonly #maxBytes: number;
  readonly #maxHistory: number;
  readonly #onRecord: ((rec: CmTraceRecord) => void) | undefined;
  readonly #mask: (text: string) => string;

  constructor(dir: string, options: SmstsLogOptions = {}) {
    this.#dir = dir;
    this.#onRecord = options.onRecord;
    this.#mask = options.mask ?? ((t) => t);
    this.#maxBytes = options.maxBytes ?? 1024 * 1024;
    this.#maxHistory = options.maxHistory ?? 3;
    mkdirSync(dir, { recursive: true });
    if (existsSync(this.path)) chmodSync(this.path, 0o600);
  }

  get dir(): string {
    return this.#dir;
  }

  get path(): string {
    return join(this.#dir, 'smsts.log');
  }

  write(record: CmTraceRecord): void {
    // Every line and every event mirrored from it goes through the mask, whoever wrote it.
    const rec = { ...record, message: this.#mask(record.message) };
    const line = formatCmTraceLine(rec) + '\r\n';
    const size = existsSync(this.path) ? statSync(this.path).size : 0;
    if (size > 0 && size + Buffer.byteLength(line) > this.#maxBytes) this.#rollover(rec.time ?? new Date());
    // Owner-only: the log names computers, paths and accounts (a new file gets the mode; an
    // existing one is set once when the log starts).
    appendFileSync(this.path, line, { mode: 0o600 });
    this.#onRecord?.(rec);
  }

  info(component: string, message: string): void {
    this.write({ component, message, type: 1 });
  }

  warn(component: string, message: string): void {
    this.write({ component, message, type: 2 });
  }

  error(component: string, message: string): void {
    this.write({ component, message, type: 3 });
  }

  #rollover(t: Date): void {
    renameSync(this.path, rolledPath(this.#dir, t));
    const rolled = readdirSync(this.#dir)
      .filter((f) => /^smsts-\d{8}-\d{6}(-\d+)?\.log$/.test(f))
      .sort((a, b) => statSync(join(this.#dir, a)).mtimeMs - statSync(join(this.#dir, b)).mtimeMs || a.localeCompare(b));
    for (const f of rolled.slice(0, Math.max(0, rolled.length - this.#maxHistory))) unlinkSync(join(this.#dir, f));
  }

  /** Move the log folder's files to `dir` (the log follows _SMSTSLogPath, e.g. when the sequence ends). */
  moveTo(dir: string): void {
    if (dir === this.#dir) return;
    mkdirSync(dir, { recursive: true });
    for (const f of readdirSync(this.#dir)) {
      const from = join(this.#dir, f);
      if (!statSync(from).isFile()) continue;
      const to = join(dir, f);
      // Keep an earlier sequence's final log: roll it aside first.
      if (f === 'smsts.log' && existsSync(to)) renameSync(to, rolledPath(dir, new Date()));
      renameSync(from, to);
    }
    try {
      rmdirSync(this.#dir);
    } catch {
      // not empty (other tools' files): leave it
    }
    this.#dir = dir;
  }
}
