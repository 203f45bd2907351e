// Builds a migration report by listening to a capture's or restore's event stream: `object`
// events (what became of each object, and why), `phase` events (durations), warnings and errors.
// Nothing is threaded through ScanState/LoadState for it; the edge that runs them attaches a
// collector and calls finish() at the end.
import { type Dirent, lstatSync, readdirSync, type Stats } from 'node:fs';
import { join } from 'node:path';
import { CODES, type Code } from '../errors/index.ts';
import { errorDocAnchor } from '../errors/index.ts';
import type { EventStream, FerryEvent, ObjectReason } from '../events/index.ts';
import { CONFIG_OFF_COMPONENT } from '../migxml/index.ts';
import { USMT_DIR } from '../store/index.ts';
import { PATHS_PER_GROUP, REASON_LABELS, REPORT_FORMAT, REPORT_VERSION } from './labels.ts';
import type { CountSet, MigrationReport, ReportGroup, UserReport } from './model.ts';

export interface ReportMeta {
  readonly tool: string;
  readonly commandLine: string;
  readonly exitCode: number;
  readonly computer?: string;
  /** The store this run wrote or read (host path). */
  readonly store?: { readonly path: string; readonly type?: 'compressed' | 'uncompressed' | 'hardlink' };
  readonly userMap?: ReadonlyMap<string, string>;
  /**
   * The store's bytes on disk when the capture knows them (a fresh hard-link store: its catalog plus
   * each linked file once); otherwise finish() walks the store and lstats every file in it.
   */
  readonly storeBytesOnDisk?: number;
}

/** Reasons whose detail is the object's own (its new path, its error): grouped by reason alone, detail beside the path. */
const PER_OBJECT_DETAIL = new Set<ObjectReason>(['rerouted', 'collisionRenamed', 'restoreFailed', 'unreadable']);
const MESSAGES_PER_CODE = 5;
const SYSTEM = 'System';

type ObjectEvent = Extract<FerryEvent, { type: 'object' }>;
type Kind = ObjectEvent['kind'];

interface Bucket {
  readonly counts: Record<'files' | 'bytes' | 'registry' | 'ini', CountSet>;
  readonly notMigrated: Map<string, ReportGroup>;
  readonly changed: Map<string, ReportGroup>;
}

const zeroCounts = (): CountSet => ({ selected: 0, captured: 0, restored: 0, notMigrated: 0, changed: 0 });
const newBucket = (): Bucket => ({
  counts: { files: zeroCounts(), bytes: zeroCounts(), registry: zeroCounts(), ini: zeroCounts() },
  notMigrated: new Map(),
  changed: new Map(),
});

/**
 * Builds a MigrationReport by listening to a capture's or restore's event stream; the edge that runs
 * them attaches one and calls `finish()` at the end.
 */
export class ReportCollector {
  readonly kind: 'capture' | 'restore';
  readonly #started = Date.now();
  readonly #users = new Map<string, Bucket>();
  readonly #phases: MigrationReport['phases'] = [];
  readonly #open = new Map<string, number>();
  readonly #warnings = new Map<string, { severity: 'warning' | 'error'; count: number; messages: string[] }>();
  readonly #componentsOff = new Set<string>();
  #lastPhaseEnd: number | undefined;
  #firstPhaseStart: number | undefined;

  #noted: Partial<Pick<ReportMeta, 'computer' | 'userMap' | 'storeBytesOnDisk'>> = {};

  constructor(kind: 'capture' | 'restore') {
    this.kind = kind;
  }

  /** What the run learned that no event carries: the computer's name, the user map of a restore, the store's size. */
  note(facts: Partial<Pick<ReportMeta, 'computer' | 'userMap' | 'storeBytesOnDisk'>>): void {
    Object.assign(this.#noted, facts);
  }

  /** Listen to a stream; returns the function that stops listening. */
  attach(events: EventStream): () => void {
    return events.on((e) => this.onEvent(e));
  }

  onEvent(e: FerryEvent): void {
    switch (e.type) {
      case 'object':
        this.#object(e);
        break;
      case 'phase':
        this.#phase(e.phase, e.status, e.at, e.ok);
        break;
      case 'warning':
      case 'error':
        this.#warning(e.code, e.type, e.message);
        break;
      case 'log':
        if (e.component === CONFIG_OFF_COMPONENT) this.#componentsOff.add(e.message);
        break;
      default:
        break;
    }
  }

  #object(e: ObjectEvent): void {
    // A capture walks the volume once, in Scanning (or Estimating for /p); Collecting stores the
    // plan. Exclusions met while Collecting would be a second walk's: not counted again.
    if (this.kind === 'capture' && e.reason === 'excludedByRule' && this.#open.has('Collecting')) return;
    const bucket = this.#bucket(e.user ?? SYSTEM);
    const counts =
      e.kind === 'registry'
        ? bucket.counts.registry
        : e.kind === 'ini'
          ? bucket.counts.ini
          : e.kind === 'file'
            ? bucket.counts.files
            : undefined;
    const bytes = e.kind === 'file' ? (e.bytes ?? 0) : 0;
    const notSelected = this.kind === 'capture' && e.reason === 'excludedByRule';
    if (e.outcome !== 'changed' && !notSelected && counts) {
      counts.selected++;
      bucket.counts.bytes.selected += bytes;
    }
    if (e.outcome === 'captured' || e.outcome === 'restored' || e.outcome === 'notMigrated' || e.outcome === 'changed') {
      if (counts) counts[e.outcome]++;
      if (e.kind === 'file') bucket.counts.bytes[e.outcome] += bytes;
    }
    if ((e.outcome === 'notMigrated' || e.outcome === 'changed') && e.reason) {
      this.#group(e.outcome === 'changed' ? bucket.changed : bucket.notMigrated, e, e.reason, e.kind, bytes);
    }
  }

  #group(groups: Map<string, ReportGroup>, e: ObjectEvent, reason: ObjectReason, kind: Kind, bytes: number): void {
    const perObject = PER_OBJECT_DETAIL.has(reason);
    const detail = perObject ? undefined : e.detail;
    const key = `${reason}\0${detail ?? ''}`;
    let g = groups.get(key);
    if (!g) {
      g = {
        reason,
        label: REASON_LABELS[reason],
        ...(detail ? { detail } : {}),
        count: 0,
        bytes: 0,
        kinds: { file: 0, dir: 0, registry: 0, ini: 0 },
        paths: [],
        truncated: false,
      };
      groups.set(key, g);
    }
    const m = g as { count: number; bytes: number; truncated: boolean; paths: string[]; kinds: Record<Kind, number> };
    m.count++;
    m.bytes += bytes;
    m.kinds[kind]++;
    if (m.paths.length < PATHS_PER_GROUP) m.paths.push(perObject && e.detail ? `${e.object} → ${e.detail}` : e.object);
    else m.truncated = true;
  }

  #phase(name: string, status: 'start' | 'end', at: number, ok: boolean | undefined): void {
    // Store progress and rule-walk phases are internal; only the tool's own phases are timed.
    if (name === 'store' || name === 'rules') return;
    if (status === 'start') {
      this.#open.set(name, at);
      this.#firstPhaseStart ??= at;
      return;
    }
    const start = this.#open.get(name);
    if (start === undefined) return;
    this.#open.delete(name);
    this.#phases.push({ name, startedAt: new Date(start).toISOString(), durationMs: Math.max(0, at - start), ok: ok !== false });
    this.#lastPhaseEnd = at;
  }

  #warning(code: Code, severity: 'warning' | 'error', message: string): void {
    let w = this.#warnings.get(code);
    if (!w) this.#warnings.set(code, (w = { severity, count: 0, messages: [] }));
    w.count++;
    if (w.messages.length < MESSAGES_PER_CODE) w.messages.push(message);
  }

  #bucket(user: string): Bucket {
    let b = this.#users.get(user);
    if (!b) this.#users.set(user, (b = newBucket()));
    return b;
  }

  /** The finished report (reads the store's size on disk). */
  async finish(given: ReportMeta): Promise<MigrationReport> {
    const meta: ReportMeta = { ...this.#noted, ...given };
    const ended = Date.now();
    const phases = this.#timeline(ended);
    const users: Record<string, UserReport> = {};
    const totals = newBucket().counts;
    for (const [name, b] of [...this.#users].sort(([a], [z]) => (a === SYSTEM ? 1 : z === SYSTEM ? -1 : a.localeCompare(z)))) {
      users[name] = {
        ...b.counts,
        notMigrated: sortGroups(b.notMigrated),
        changed: sortGroups(b.changed),
      };
      for (const k of ['files', 'bytes', 'registry', 'ini'] as const)
        for (const f of Object.keys(totals[k]) as (keyof CountSet)[]) totals[k][f] += b.counts[k][f];
    }
    const durationMs = Math.max(0, ended - this.#started);
    const moved = this.kind === 'capture' ? totals.bytes.captured : totals.bytes.restored;
    const warnings = [...this.#warnings].map(([code, w]) => {
      const spec = (CODES as Record<string, { meaning: string; remedy: string } | undefined>)[code];
      return {
        code,
        severity: w.severity,
        count: w.count,
        meaning: spec?.meaning ?? '',
        remedy: spec?.remedy ?? '',
        docs: `docs/errors.md#${errorDocAnchor(code)}`,
        messages: w.messages,
      };
    });
    let store: MigrationReport['store'];
    if (meta.store) {
      const bytesOnDisk = meta.storeBytesOnDisk ?? sizeOnDisk(meta.store.path);
      const ratio =
        this.kind === 'capture' && totals.bytes.captured > 0 ? Math.round((bytesOnDisk / totals.bytes.captured) * 1000) / 1000 : undefined;
      store = {
        path: meta.store.path,
        ...(meta.store.type ? { type: meta.store.type } : {}),
        bytesOnDisk,
        ...(ratio !== undefined ? { compressionRatio: ratio } : {}),
      };
    }
    return {
      format: REPORT_FORMAT,
      version: REPORT_VERSION,
      kind: this.kind,
      tool: meta.tool,
      commandLine: meta.commandLine,
      ...(meta.computer ? { computer: meta.computer } : {}),
      startedAt: new Date(this.#started).toISOString(),
      endedAt: new Date(ended).toISOString(),
      durationMs,
      exitCode: meta.exitCode,
      ok: meta.exitCode === 0 || meta.exitCode === 3,
      ...(store ? { store } : {}),
      totals: {
        ...totals,
        throughputBytesPerSecond: durationMs > 0 ? Math.round((moved / durationMs) * 1000) : 0,
        warnings: warnings.filter((w) => w.severity === 'warning').reduce((n, w) => n + w.count, 0),
        errors: warnings.filter((w) => w.severity === 'error').reduce((n, w) => n + w.count, 0),
      },
      users,
      ...(meta.userMap && meta.userMap.size ? { userMap: Object.fromEntries(meta.userMap) } : {}),
      componentsOff: [...this.#componentsOff],
      phases,
      warnings,
    };
  }

  /** The tool's phases, with the time before the first (Initializing) and after the last (Finishing). */
  #timeline(ended: number): MigrationReport['phases'] {
    const phases = [...this.#phases];
    // A phase still open (the run failed inside it) ends now, not ok.
    for (const [name, start] of this.#open)
      phases.push({ name, startedAt: new Date(start).toISOString(), durationMs: Math.max(0, ended - start), ok: false });
    const first = this.#firstPhaseStart ?? ended;
    const out: MigrationReport['phases'] = [
      { name: 'Initializing', startedAt: new Date(this.#started).toISOString(), durationMs: Math.max(0, first - this.#started), ok: true },
      ...phases,
    ];
    if (this.#lastPhaseEnd !== undefined && this.#open.size === 0)
      out.push({
        name: 'Finishing',
        startedAt: new Date(this.#lastPhaseEnd).toISOString(),
        durationMs: Math.max(0, ended - this.#lastPhaseEnd),
        ok: true,
      });
    return out;
  }
}

function sortGroups(groups: Map<string, ReportGroup>): ReportGroup[] {
  return [...groups.values()].sort((a, b) => b.count - a.count || a.reason.localeCompare(b.reason));
}

/**
 * Bytes of a store, each inode once (a hard-link store's links are not counted twice). Only the
 * store's own `USMT` folder is measured (or the store file itself): a store path the run refused,
 * such as a volume root, is never walked. Synchronous: a hard-link store has one entry per
 * captured file, and a thread-pool round trip per lstat cost more than the lstat itself.
 */
function sizeOnDisk(storePath: string): number {
  const st = lstatSync(storePath, { throwIfNoEntry: false });
  const path = st?.isDirectory() ? join(storePath, USMT_DIR) : storePath;
  const seen = new Set<string>();
  let total = 0;
  const count = (p: string): void => {
    let st: Stats | undefined;
    try {
      st = lstatSync(p, { throwIfNoEntry: false });
    } catch {
      return;
    }
    if (!st) return;
    if (st.nlink > 1) {
      const id = `${st.dev}:${st.ino}`;
      if (seen.has(id)) return;
      seen.add(id);
    }
    total += st.size;
  };
  const walk = (dir: string): void => {
    let entries: Dirent[];
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else count(p);
    }
  };
  if (st?.isDirectory()) walk(path);
  else count(path);
  return total;
}
