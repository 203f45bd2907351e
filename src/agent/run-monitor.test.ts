import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventStream } from '../events/index.ts';
import { REPORT_WRITTEN } from '../report/index.ts';
import { newGroup, newSequence, newStep } from '../server/index.ts';
import { RunMonitor } from './run-monitor.ts';
import type { RunProgress, SiteClient } from './site-client.ts';

test('the run monitor reports step N of M, percent, bytes and ETA, and uploads written reports', async () => {
  const sent: RunProgress[] = [];
  const uploaded: { kind: string; report: unknown }[] = [];
  const client = {
    progress: async (_id: string, p: RunProgress) => void sent.push(p),
    report: async (_id: string, kind: string, report: unknown) => void uploaded.push({ kind, report }),
  } as unknown as SiteClient;
  const step = (name: string) =>
    Object.assign(newStep('SMS_TaskSequence_SetVariableAction', { VariableName: 'X', VariableValue: '1' }), { name });
  const sequence = newSequence([step('First'), newGroup('Capture', [step('Capture User State'), step('Last')])]);
  const events = new EventStream();
  const monitor = new RunMonitor(
    client,
    'FRY20001',
    () => sequence,
    () => undefined,
  );
  events.on((e) => monitor.onEvent(e));
  const dir = mkdtempSync(join(tmpdir(), 'ferry-monitor-'));
  try {
    events.emit({ type: 'step', step: 'Capture User State', stepType: 'x', status: 'start' });
    const t0 = Date.now();
    events.emit({ type: 'progress', phase: 'Collecting', done: 1, total: 4, bytesDone: 0, bytesTotal: 1000, at: t0 });
    events.emit({ type: 'progress', phase: 'store', done: 1, bytesDone: -5, at: t0 + 10 });
    // Throttled: one update a second, the last one wins.
    events.emit({ type: 'progress', phase: 'Collecting', done: 2, total: 4, bytesDone: 250, bytesTotal: 1000, at: t0 + 1000 });
    const json = join(dir, 'ScanState.log.report.json');
    writeFileSync(json, JSON.stringify({ kind: 'capture', totals: {} }));
    events.log('info', REPORT_WRITTEN, json);
    await monitor.finish();
    assert.deepEqual(sent[0], { step: 'Capture User State', stepIndex: 2, stepCount: 3, running: true });
    const progress = sent.find((p) => p.percent !== undefined)!;
    assert.equal(progress.phase, 'Collecting');
    assert.equal(sent.at(-1)!.running, false);
    assert.ok(
      sent.every((p) => (p.bytesDone ?? 0) >= 0),
      'the store writer’s raw counters are not forwarded',
    );
    assert.deepEqual(uploaded, [{ kind: 'capture', report: { kind: 'capture', totals: {} } }]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the ETA comes from the rate since the phase began', async () => {
  const sent: RunProgress[] = [];
  const client = { progress: async (_id: string, p: RunProgress) => void sent.push(p) } as unknown as SiteClient;
  const sequence = newSequence([
    Object.assign(newStep('SMS_TaskSequence_SetVariableAction', { VariableName: 'X', VariableValue: '1' }), { name: 'Only' }),
  ]);
  const monitor = new RunMonitor(
    client,
    'FRY20001',
    () => sequence,
    () => undefined,
  );
  const at = 1_000_000;
  monitor.onEvent({ type: 'step', step: 'Only', stepType: 'x', status: 'start', at });
  monitor.onEvent({ type: 'progress', phase: 'Applying', done: 0, bytesDone: 0, bytesTotal: 1000, at });
  await new Promise((r) => setTimeout(r, 1100));
  monitor.onEvent({ type: 'progress', phase: 'Applying', done: 5, bytesDone: 250, bytesTotal: 1000, at: at + 2000 });
  await monitor.finish();
  const last = sent.filter((p) => p.etaSeconds !== undefined).at(-1)!;
  assert.equal(last.percent, 25);
  assert.equal(last.etaSeconds, 6, '750 bytes left at 125 bytes/s');
  assert.equal(last.stepIndex, 1);
});
