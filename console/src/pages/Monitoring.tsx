// Monitoring › Deployments: deployments with status counts; View Status: computers by category;
// a computer: its status messages (step history). Live through server-sent events.
import { useEffect, useState } from 'react';
import { api, CATEGORIES, subscribeChanges, type ComputerStatus, type Deployment, type StatusMessage } from '../api.ts';
import { go } from '../route.ts';
import { ErrorBanner, fmtTime, useLoad } from '../ui.tsx';
import { ComputerProgress, ComputerReports, DeploymentProgress, useProgress } from './Reports.tsx';

export function MonitoringPage({ deploymentId, computerId }: { deploymentId?: string | undefined; computerId?: string | undefined }) {
  const list = useLoad(() => api<Deployment[]>('GET', '/api/deployments'), []);
  useEffect(() => subscribeChanges(list.reload), [list.reload]);
  return (
    <section>
      <h1>Deployments</h1>
      <ErrorBanner error={list.error} />
      <table className="grid">
        <thead>
          <tr>
            <th>Deployment ID</th>
            <th>Software</th>
            <th>Collection</th>
            <th>Purpose</th>
            {CATEGORIES.map((c) => (
              <th key={c}>{c}</th>
            ))}
            <th>Compliance</th>
          </tr>
        </thead>
        <tbody>
          {list.data?.map((d) => (
            <tr
              key={d.id}
              className={d.id === deploymentId ? 'selected' : ''}
              tabIndex={0}
              onClick={() => go('monitoring', d.id)}
              onKeyDown={(e) => e.key === 'Enter' && go('monitoring', d.id)}
            >
              <td>{d.id}</td>
              <td>{d.taskSequenceName}</td>
              <td>{d.collectionName}</td>
              <td>{d.purpose === 'required' ? 'Required' : 'Available'}</td>
              {CATEGORIES.map((c) => (
                <td key={c} data-category={c} className={`count ${d.counts[c] ? 'nz' : ''}`}>
                  {d.counts[c]}
                </td>
              ))}
              <td>{d.compliance}%</td>
            </tr>
          ))}
          {list.data?.length === 0 ? (
            <tr>
              <td colSpan={10} className="empty">
                Nothing deployed yet. Select a task sequence and choose Deploy.
              </td>
            </tr>
          ) : null}
        </tbody>
      </table>
      {deploymentId ? <DeploymentStatus id={deploymentId} computerId={computerId} onReload={list.reload} /> : null}
    </section>
  );
}

function DeploymentStatus({ id, computerId, onReload }: { id: string; computerId?: string | undefined; onReload: () => void }) {
  const status = useLoad(() => api<{ computers: ComputerStatus[] }>('GET', `/api/deployments/${encodeURIComponent(id)}/status`), [id]);
  useEffect(() => subscribeChanges(status.reload), [status.reload]);
  const [error, setError] = useState<unknown>();
  const progress = useProgress(id);
  return (
    <div className="panel">
      <h2>
        Deployment status — {id}{' '}
        <button
          type="button"
          className="danger small"
          onClick={async () => {
            if (!confirm(`Delete deployment ${id} and its status?`)) return;
            try {
              await api('DELETE', `/api/deployments/${encodeURIComponent(id)}`);
              onReload();
              go('monitoring');
            } catch (e) {
              setError(e);
            }
          }}
        >
          Delete deployment
        </button>
      </h2>
      <ErrorBanner error={error ?? status.error} />
      <DeploymentProgress computers={status.data?.computers ?? []} progress={progress} />
      <div className="categories">
        {CATEGORIES.map((c) => {
          const rows = status.data?.computers.filter((x) => x.category === c) ?? [];
          return (
            <div key={c} className="category" data-category={c}>
              <h3>
                {c} <span className="badge">{rows.length}</span>
              </h3>
              <ul>
                {rows.map((r) => (
                  <li key={r.computerId}>
                    <a
                      href={`#/monitoring/${encodeURIComponent(id)}/${encodeURIComponent(r.computerId)}`}
                      className={r.computerId === computerId ? 'active' : ''}
                    >
                      {r.computerName}
                    </a>
                    {r.exitCode !== null ? <small> exit {r.exitCode}</small> : null}
                  </li>
                ))}
              </ul>
            </div>
          );
        })}
      </div>
      {computerId ? <ComputerProgress progress={progress.get(computerId)} /> : null}
      {computerId ? <ComputerReports deploymentId={id} computerId={computerId} /> : null}
      {computerId ? (
        <Messages
          deploymentId={id}
          computerId={computerId}
          name={status.data?.computers.find((c) => c.computerId === computerId)?.computerName ?? computerId}
        />
      ) : null}
    </div>
  );
}

function Messages({ deploymentId, computerId, name }: { deploymentId: string; computerId: string; name: string }) {
  const msgs = useLoad(
    () =>
      api<StatusMessage[]>(
        'GET',
        `/api/deployments/${encodeURIComponent(deploymentId)}/computers/${encodeURIComponent(computerId)}/messages`,
      ),
    [deploymentId, computerId],
  );
  useEffect(() => subscribeChanges(msgs.reload), [msgs.reload]);
  return (
    <div>
      <h3>Status messages — {name}</h3>
      <ErrorBanner error={msgs.error} />
      <table className="grid messages">
        <thead>
          <tr>
            <th>Time</th>
            <th>Message ID</th>
            <th>Severity</th>
            <th>Step</th>
            <th>Group</th>
            <th>Action</th>
            <th>Exit code</th>
            <th>Description</th>
          </tr>
        </thead>
        <tbody>
          {msgs.data?.map((m, i) => (
            <tr key={i} className={m.severity.toLowerCase()}>
              <td>{fmtTime(m.executionTime)}</td>
              <td>{m.messageId}</td>
              <td>{m.severity}</td>
              <td>{m.step ?? ''}</td>
              <td>{m.groupName}</td>
              <td>{m.actionName}</td>
              <td>{m.exitCode ?? ''}</td>
              <td>
                {m.text}
                {m.actionOutput ? <pre className="output">{m.actionOutput}</pre> : null}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
