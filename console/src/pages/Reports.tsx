// Monitoring's migration views: a deployment's progress bar across its computers, a running
// computer's live step progress (step N of M, percent, bytes, ETA), and a computer's capture and
// restore reports (ReportView.tsx) with downloads. Progress arrives as `progress`
// server-sent events; reports reload on `change`.
import { useEffect, useState } from 'react';
import { api, subscribeChanges, type ComputerStatus, type Progress, type StoredReport } from '../api.ts';
import { formatBytes, formatDuration } from '../format.ts';
import { ErrorBanner, useLoad } from '../ui.tsx';
import { ReportView } from './ReportView.tsx';

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
