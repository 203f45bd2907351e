// Monitoring's migration views: a deployment's progress bar across its computers, a running
// computer's live step progress (step N of M, percent, bytes, ETA), and a computer's capture and
// restore reports with charts (plain SVG) and downloads. Progress arrives as `progress`
// server-sent events; reports reload on `change`.
import { useEffect, useState } from 'react';
import type { MigrationReport } from '../../../src/report/model.ts';
import { chartData, objectsNotMigrated } from '../../../src/report/html.ts';
import { formatBytes, formatDuration } from '../../../src/report/text.ts';
import { api, subscribeChanges, type ComputerStatus } from '../api.ts';
import { ErrorBanner, useLoad } from '../ui.tsx';

export interface Progress {
  computerId: string;
  step: string;
  stepIndex: number;
  stepCount: number;
  phase?: string;
  percent?: number;
  bytesDone?: number;
  bytesTotal?: number;
  etaSeconds?: number;
  running: boolean;
  at: string;
}

interface StoredReport {
  kind: 'capture' | 'restore';
  receivedAt: string;
  report: MigrationReport;
}

/** The deployment's live progress, kept current by `progress` events. */
export function useProgress(deploymentId: string): Map<string, Progress> {
  const [byComputer, setByComputer] = useState(new Map<string, Progress>());
  useEffect(() => {
    let alive = true;
    api<{ computers: Progress[] }>('GET', `/api/deployments/${encodeURIComponent(deploymentId)}/progress`).then(
      (r) => alive && setByComputer(new Map(r.computers.map((p) => [p.computerId, p]))),
      () => undefined,
    );
    const es = new EventSource('/api/events');
    es.addEventListener('progress', (ev) => {
      const p = JSON.parse((ev as MessageEvent<string>).data) as Progress & { id: string };
      if (p.id !== deploymentId) return;
      setByComputer((m) => new Map(m).set(p.computerId, p));
    });
    return () => {
      alive = false;
      es.close();
    };
  }, [deploymentId]);
  return byComputer;
}

/** How far one computer is through its run, 0..1. */
function fractionOf(c: ComputerStatus, p: Progress | undefined): number {
  if (c.category === 'Success' || c.category === 'Error' || c.category === 'Requirements Not Met') return 1;
  if (!p || !p.stepCount) return 0;
  return Math.min(1, (p.stepIndex - 1 + (p.percent ?? 0) / 100) / p.stepCount);
}

export function DeploymentProgress({ computers, progress }: { computers: ComputerStatus[]; progress: Map<string, Progress> }) {
  if (!computers.length) return null;
  const total = computers.reduce((n, c) => n + fractionOf(c, progress.get(c.computerId)), 0) / computers.length;
  const done = computers.filter((c) => fractionOf(c, progress.get(c.computerId)) === 1).length;
  const pct = Math.round(total * 100);
  return (
    <div className="deployment-progress" data-testid="deployment-progress">
      <div className="progress-label">
        {done} of {computers.length} computers finished · {pct}%
      </div>
      <div
        className="progress-bar"
        role="progressbar"
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={pct}
        aria-label="Deployment progress"
      >
        <div style={{ width: `${pct}%` }} />
      </div>
    </div>
  );
}

export function ComputerProgress({ progress }: { progress: Progress | undefined }) {
  if (!progress || !progress.running) return null;
  const p = progress;
  return (
    <div className="panel computer-progress" data-testid="computer-progress">
      <div className="progress-label">
        <b>
          Step {p.stepIndex} of {p.stepCount}: {p.step}
        </b>
        {p.phase ? ` — ${p.phase}` : ''}
        {p.percent !== undefined ? ` · ${p.percent}%` : ''}
        {p.bytesDone !== undefined ? ` · ${formatBytes(p.bytesDone)}${p.bytesTotal ? ` of ${formatBytes(p.bytesTotal)}` : ''}` : ''}
        {p.etaSeconds !== undefined ? ` · about ${formatDuration(p.etaSeconds * 1000)} left` : ''}
      </div>
      <div
        className="progress-bar"
        role="progressbar"
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={p.percent ?? 0}
        aria-label={`Progress of ${p.step}`}
      >
        <div style={{ width: `${p.percent ?? 0}%` }} />
      </div>
    </div>
  );
}

const COLORS = ['#2563eb', '#16a34a', '#d97706', '#dc2626', '#7c3aed', '#0891b2', '#be185d', '#4d7c0f'];

/** A horizontal bar chart in plain SVG. */
function BarChart({ title, items }: { title: string; items: { label: string; value: number; text: string }[] }) {
  if (!items.length) return null;
  const max = Math.max(1, ...items.map((i) => i.value));
  const row = 22;
  const labelW = 140;
  const barW = 170;
  const width = labelW + barW + 70;
  return (
    <figure className="chart">
      <figcaption>{title}</figcaption>
      <svg role="img" aria-label={title} viewBox={`0 0 ${width} ${items.length * row + 6}`} width="100%">
        {items.map((it, i) => {
          const w = Math.max(it.value > 0 ? 2 : 0, Math.round((it.value / max) * barW));
          const y = i * row + 3;
          const label = it.label.length > 21 ? `${it.label.slice(0, 20)}…` : it.label;
          return (
            <g key={it.label}>
              <text x={labelW - 6} y={y + 14} textAnchor="end">
                {label}
              </text>
              <rect x={labelW} y={y + 2} width={w} height={15} rx={2} fill={COLORS[i % COLORS.length]}>
                <title>{`${it.label}: ${it.text}`}</title>
              </rect>
              <text x={labelW + w + 5} y={y + 14}>
                {it.text}
              </text>
            </g>
          );
        })}
      </svg>
    </figure>
  );
}

function ReportView({ deploymentId, computerId, stored }: { deploymentId: string; computerId: string; stored: StoredReport }) {
  const r = stored.report;
  const verb = r.kind === 'capture' ? 'captured' : 'restored';
  const c = chartData(r);
  const base = `/api/deployments/${encodeURIComponent(deploymentId)}/computers/${encodeURIComponent(computerId)}/reports/${r.kind}`;
  const notMigrated = Object.values(r.users).reduce((n, u) => n + objectsNotMigrated(u), 0);
  const figures: [string, string, string][] = [
    ['files', `Files ${verb}`, `${r.totals.files[verb]} of ${r.totals.files.selected}`],
    ['bytes', `Bytes ${verb}`, formatBytes(r.totals.bytes[verb])],
    ['not-migrated', 'Objects not migrated', String(notMigrated)],
    ['registry', `Registry values ${verb}`, String(r.totals.registry[verb])],
    ['duration', 'Duration', formatDuration(r.durationMs)],
    ['throughput', 'Throughput', `${formatBytes(r.totals.throughputBytesPerSecond)}/s`],
    ...(r.store
      ? ([
          [
            'store',
            'Store size',
            `${formatBytes(r.store.bytesOnDisk)}${r.store.compressionRatio !== undefined ? ` (${Math.round(r.store.compressionRatio * 100)} %)` : ''}`,
          ],
        ] as [string, string, string][])
      : []),
  ];
  return (
    <section className="report" data-testid={`report-${r.kind}`} aria-label={`${r.kind} report`}>
      <h4>
        {r.kind === 'capture' ? 'Capture' : 'Restore'} report — {r.tool} returned {r.exitCode}
        <span className="downloads">
          <a href={`${base}.json`} download>
            Download JSON
          </a>
          <a href={`${base}.html`} download>
            Download HTML
          </a>
        </span>
      </h4>
      <div className="figures">
        {figures.map(([key, label, value]) => (
          <div key={key} className="figure" data-figure={key}>
            <span>{label}</span>
            <b>{value}</b>
          </div>
        ))}
      </div>
      <div className="charts">
        <BarChart title={`Bytes ${verb} per user`} items={c.bytesPerUser} />
        <BarChart title="Objects not migrated, by reason" items={c.notMigrated} />
        <BarChart title="Time per step" items={c.phases} />
      </div>
      <table className="grid">
        <thead>
          <tr>
            <th>User</th>
            <th className="num">Files {verb}</th>
            <th className="num">Bytes {verb}</th>
            <th className="num">Not migrated</th>
            <th>Reasons</th>
          </tr>
        </thead>
        <tbody>
          {Object.entries(r.users).map(([name, u]) => (
            <tr key={name} data-user={name}>
              <td>
                {name}
                {r.userMap?.[name] && r.userMap[name] !== name ? ` → ${r.userMap[name]}` : ''}
              </td>
              <td className="num" data-col="files">
                {u.files[verb]}
              </td>
              <td className="num">{formatBytes(u.bytes[verb])}</td>
              <td className="num">{objectsNotMigrated(u)}</td>
              <td>
                {u.notMigrated.length === 0 ? '—' : null}
                {u.notMigrated.map((g, i) => (
                  <details key={i}>
                    <summary>
                      {g.label}: {g.count}
                      {g.detail ? <code> {g.detail}</code> : null}
                    </summary>
                    <ul className="paths">
                      {g.paths.slice(0, 10).map((p) => (
                        <li key={p}>
                          <code>{p}</code>
                        </li>
                      ))}
                      {g.count > 10 ? <li>… and {g.count - 10} more (download the report)</li> : null}
                    </ul>
                  </details>
                ))}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {r.warnings.length ? (
        <ul className="report-warnings">
          {r.warnings.map((w) => (
            <li key={w.code}>
              <code>{w.code}</code> ×{w.count}: {w.messages[0] ?? w.meaning} <i>{w.remedy}</i>
            </li>
          ))}
        </ul>
      ) : null}
    </section>
  );
}

export function ComputerReports({ deploymentId, computerId }: { deploymentId: string; computerId: string }) {
  const reports = useLoad(
    () =>
      api<StoredReport[]>(
        'GET',
        `/api/deployments/${encodeURIComponent(deploymentId)}/computers/${encodeURIComponent(computerId)}/reports`,
      ),
    [deploymentId, computerId],
  );
  useEffect(() => subscribeChanges(reports.reload), [reports.reload]);
  if (!reports.data?.length && !reports.error) return null;
  return (
    <div className="reports">
      <h3>Migration reports</h3>
      <ErrorBanner error={reports.error} />
      {reports.data?.map((s) => (
        <ReportView key={s.kind} deploymentId={deploymentId} computerId={computerId} stored={s} />
      ))}
    </div>
  );
}
