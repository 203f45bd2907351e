// What the console shows of a run while it happens and after: the running step ("step N of M"),
// the percent, bytes and ETA of the capture/restore/transfer inside it (from the tools' progress
// events), and the migration reports the USMT steps wrote, uploaded to the site when written.
import { readFile } from 'node:fs/promises';
import type { FerryEvent } from '../events/index.ts';
import { REPORT_WRITTEN } from '../report/index.ts';
import type { SequenceNode, TaskSequence } from '../tasksequence/index.ts';
import type { RunProgress, SiteClient } from './site-client.ts';

/** Progress is sent at most this often (step starts and ends are sent at once). */
const PROGRESS_INTERVAL_MS = 1000;

export class RunMonitor {
  readonly #client: SiteClient;
  readonly #deploymentId: string;
  readonly #sequence: () => TaskSequence;
  readonly #log: (line: string) => void;
  #queue: Promise<void> = Promise.resolve();
  #current: RunProgress | undefined;
  #lastSent = 0;
  #lastIndex = 0;
  /** Start of the current phase, with the bytes done then, for the ETA. */
  #phaseStart: { phase: string; at: number; bytes: number } | undefined;

  constructor(client: SiteClient, deploymentId: string, sequence: () => TaskSequence, log: (line: string) => void) {
    this.#client = client;
    this.#deploymentId = deploymentId;
    this.#sequence = sequence;
    this.#log = log;
  }

  onEvent(e: FerryEvent): void {
    if (e.type === 'step' && e.status === 'start') {
      const steps = stepNames(this.#sequence().children);
      // The step of that name at or after the last one started (names may repeat).
      let i = steps.findIndex((n, k) => k >= this.#lastIndex && n === e.step);
      if (i < 0) i = steps.indexOf(e.step);
      if (i >= 0) this.#lastIndex = i;
      this.#current = { step: e.step, stepIndex: i + 1, stepCount: steps.length, running: true };
      this.#phaseStart = undefined;
      this.#send(true);
    } else if (e.type === 'step' && e.status === 'end' && this.#current) {
      this.#current = {
        step: this.#current.step,
        stepIndex: this.#current.stepIndex,
        stepCount: this.#current.stepCount,
        percent: 100,
        running: true,
      };
      this.#send(true);
    } else if (e.type === 'progress' && this.#current && e.phase !== 'rules' && e.phase !== 'store') {
      // 'rules' (the walk) and 'store' (raw bytes written) are inner counters; the tool's own phases carry the totals.
      this.#progress(e);
    } else if (e.type === 'log' && e.component === REPORT_WRITTEN) {
      this.#enqueue(() => this.#upload(e.message));
    }
  }

  #progress(e: Extract<FerryEvent, { type: 'progress' }>): void {
    const cur = this.#current!;
    if (this.#phaseStart?.phase !== e.phase) this.#phaseStart = { phase: e.phase, at: e.at, bytes: e.bytesDone ?? 0 };
    const fraction = e.bytesTotal ? (e.bytesDone ?? 0) / e.bytesTotal : e.total ? e.done / e.total : undefined;
    let eta: number | undefined;
    const elapsed = (e.at - this.#phaseStart.at) / 1000;
    if (e.bytesTotal && e.bytesDone !== undefined && elapsed > 0.5) {
      const rate = (e.bytesDone - this.#phaseStart.bytes) / elapsed;
      if (rate > 0) eta = Math.round((e.bytesTotal - e.bytesDone) / rate);
    }
    this.#current = {
      step: cur.step,
      stepIndex: cur.stepIndex,
      stepCount: cur.stepCount,
      phase: e.phase,
      running: true,
      ...(fraction !== undefined ? { percent: Math.min(100, Math.round(fraction * 1000) / 10) } : {}),
      ...(e.bytesDone !== undefined ? { bytesDone: e.bytesDone } : {}),
      ...(e.bytesTotal !== undefined ? { bytesTotal: e.bytesTotal } : {}),
      ...(eta !== undefined ? { etaSeconds: eta } : {}),
    };
    this.#send(false);
  }

  #send(now: boolean): void {
    const at = Date.now();
    if (!now && at - this.#lastSent < PROGRESS_INTERVAL_MS) return;
    this.#lastSent = at;
    const p = this.#current!;
    this.#enqueue(() => this.#client.progress(this.#deploymentId, p).then(() => undefined));
  }

  async #upload(jsonPath: string): Promise<void> {
    const report = JSON.parse(await readFile(jsonPath, 'utf8')) as { kind?: unknown };
    if (report.kind !== 'capture' && report.kind !== 'restore') return;
    await this.#client.report(this.#deploymentId, report.kind, report);
    this.#log(`Uploaded the ${report.kind} report ${jsonPath}.`);
  }

  /** One call at a time, in order; a call that fails is logged and dropped (the run goes on). */
  #enqueue(call: () => Promise<void>): void {
    this.#queue = this.#queue
      .then(call)
      .catch((err: unknown) => this.#log(`Monitoring data for ${this.#deploymentId} not sent: ${(err as Error).message}`));
  }

  /** The run ended (or is restarting): say so, and wait for every upload. */
  async finish(running = false): Promise<void> {
    if (this.#current) {
      this.#current = { ...this.#current, running };
      this.#send(true);
    }
    await this.#queue;
  }
}

function stepNames(nodes: readonly SequenceNode[], out: string[] = []): string[] {
  for (const n of nodes) {
    if (n.kind === 'group') stepNames(n.children, out);
    else out.push(n.name);
  }
  return out;
}
