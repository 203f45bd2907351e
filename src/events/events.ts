// One typed event stream for everything long-running in Ferry: the rule engine, the store,
// ScanState/LoadState, the task sequence engine, the SMP client and the agent all emit these,
// and every consumer (CLI progress bar, `--json`, CMTrace logs, agent status, console) reads
// the same shapes. Add a variant here rather than inventing a side channel.
import type { Code } from '../errors/index.ts';

/** What every event carries: when it happened. */
export interface EventBase {
  /** Milliseconds since the epoch. */
  readonly at: number;
}

/**
 * Every event Ferry emits, a union discriminated by `type`: narrow on it (or take one variant
 * with `EventOf<'warning'>`) rather than reading fields loosely.
 */
export type FerryEvent = EventBase &
  (
    | { readonly type: 'phase'; readonly phase: string; readonly status: 'start' | 'end'; readonly ok?: boolean }
    | {
        readonly type: 'progress';
        readonly phase: string;
        readonly done: number;
        readonly total?: number;
        readonly bytesDone?: number;
        readonly bytesTotal?: number;
        readonly current?: string;
      }
    | {
        readonly type: 'decision';
        /** Encoded location of the object (`C:\Users\a\x.doc` or `HKCU\Software\X [V]`). */
        readonly object: string;
        readonly decision: 'include' | 'exclude';
        readonly user?: string;
        readonly component?: string;
        readonly rule?: string;
      }
    | {
        /**
         * What became of one object of a capture or restore (the migration report is built from
         * these): stored or applied, not migrated (with why), or migrated but changed.
         */
        readonly type: 'object';
        readonly outcome: ObjectOutcome;
        readonly kind: 'file' | 'dir' | 'registry' | 'ini';
        /** Source location (Windows path, registry location, or INI location). */
        readonly object: string;
        /** Source user `DOMAIN\name`; absent for machine objects. */
        readonly user?: string;
        readonly bytes?: number;
        /** Why, for `notMigrated` and `changed`. */
        readonly reason?: ObjectReason;
        /** The rule (`<exclude> C:\x\* [*]` in MigUser.xml), the new location, or the error. */
        readonly detail?: string;
      }
    | { readonly type: 'warning'; readonly code: Code; readonly message: string; readonly path?: string }
    | { readonly type: 'error'; readonly code: Code; readonly message: string; readonly path?: string }
    | {
        readonly type: 'log';
        readonly level: LogLevel;
        /** Who speaks: `loadstate`, `summary` (a run's closing line), a rule file's component… */
        readonly component: string;
        readonly message: string;
        /** The return code a USMT log line carries (`[0x00000e]`), when the line announces one. */
        readonly returnCode?: number;
      }
    | {
        readonly type: 'step';
        readonly step: string;
        readonly stepType: string;
        readonly status: 'start' | 'end' | 'skipped';
        readonly exitCode?: number;
        readonly ok?: boolean;
        /** With `skipped`: why, when it is not the condition or the disabled flag (`platform`). */
        readonly reason?: 'platform';
        readonly detail?: string;
      }
  );

/**
 * How much a log line matters. `debug` is verbose detail (USMT `/v:1`), `object` one object's
 * outcome (`/v:4`, one line per file): both stay out of the `--json` stream, like object events.
 */
export type LogLevel = 'debug' | 'object' | 'info' | 'warn' | 'error';

/** What happened to one migrated object (the `object` event and the report). */
export type ObjectOutcome = 'captured' | 'restored' | 'notMigrated' | 'changed';

/** Why an object was not migrated, or how it changed on the way (docs/report-format.md). */
export const OBJECT_REASONS = [
  'excludedByRule',
  'notIncluded',
  'componentOff',
  'unreadable',
  'efs',
  'userNotMigrated',
  'keptFromTarget',
  'neverRestore',
  'linkDropped',
  'notApplicableOffline',
  'restoreFailed',
  'collisionRenamed',
  'overwrittenByMerge',
  'rerouted',
] as const;
/** One of `OBJECT_REASONS`. */
export type ObjectReason = (typeof OBJECT_REASONS)[number];

/** The `type` of an event: `'phase'`, `'warning'`, `'log'`, … */
export type EventType = FerryEvent['type'];
/** The variant of `FerryEvent` whose `type` is `T`, e.g. `EventOf<'log'>`. */
export type EventOf<T extends EventType> = Extract<FerryEvent, { type: T }>;
/** An event as emitted: `at` is filled in by the stream. */
export type EventInput = FerryEvent extends infer E ? (E extends FerryEvent ? Omit<E, 'at'> & { at?: number } : never) : never;

/** A consumer of a stream; it must not throw (see `EventStream`). */
export type Listener = (event: FerryEvent) => void;

/**
 * A synchronous, typed event stream. Listeners must not throw; an exception in one listener is
 * swallowed (and reported on stderr) so that a broken consumer never aborts a migration.
 *
 * @example
 * const events = new EventStream();
 * const stop = events.on((e) => {
 *   if (e.type === 'warning') console.warn(e.code, e.message);
 * });
 * events.phase('gather', 'start');
 * events.warn('FERRY_E_ACCESS_DENIED', 'Cannot read the file', 'C:\\Users\\a\\x.txt');
 * events.phase('gather', 'end', true);
 * stop();
 */
export class EventStream {
  readonly #listeners = new Set<Listener>();

  /** Add a listener; the function returned removes it. */
  on(listener: Listener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Send an event to every listener, stamped with the time unless `at` is given. */
  emit(input: EventInput): void {
    const event = { at: Date.now(), ...input } as FerryEvent;
    for (const l of this.#listeners) {
      try {
        l(event);
      } catch (err) {
        process.stderr.write(`ferry: event listener failed: ${String(err)}\n`);
      }
    }
  }

  /** A `phase` event: a named part of a run starts, or ends (`ok` saying how). */
  phase(phase: string, status: 'start' | 'end', ok?: boolean): void {
    this.emit({ type: 'phase', phase, status, ...(ok === undefined ? {} : { ok }) });
  }

  /** A `warning` event with its stable error code (src/errors) and, when one is concerned, the path. */
  warn(code: Code, message: string, path?: string): void {
    this.emit({ type: 'warning', code, message, ...(path === undefined ? {} : { path }) });
  }

  /** A `log` line of `component` (what the USMT log and CMTrace logs are written from). */
  log(level: LogLevel, component: string, message: string, returnCode?: number): void {
    this.emit({ type: 'log', level, component, message, ...(returnCode === undefined ? {} : { returnCode }) });
  }

  /** Collect events into an array (tests, summaries). */
  record(): FerryEvent[] {
    const events: FerryEvent[] = [];
    this.on((e) => events.push(e));
    return events;
  }
}

/**
 * A stream that forwards every event to `target` with its text fields passed through `mask`
 * (the task sequence engine scrubs secret variable values from whatever it reports).
 *
 * @example
 * const masked = maskedStream(events, (text) => text.replaceAll(password, '********'));
 * masked.log('info', 'TSManager', `Running with ${password}`); // listeners of `events` see ********
 */
export function maskedStream(target: EventStream, mask: (text: string) => string): EventStream {
  const s = new EventStream();
  s.on((e) => {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(e)) out[k] = typeof v === 'string' && k !== 'type' && k !== 'code' ? mask(v) : v;
    target.emit(out as EventInput);
  });
  return s;
}

/** A stream nobody listens to, for callers that do not care. */
export const silentEvents = (): EventStream => new EventStream();
