// Deploy Software Wizard for a task sequence: General (collection), Deployment Settings
// (purpose), Scheduling (available/expiry, assignment schedule, rerun behaviour), Summary.
import { useState } from 'react';
import { api, type Collection, type Deployment, type TsFull } from '../api.ts';
import { go } from '../App.tsx';
import { ErrorBanner, useLoad } from '../ui.tsx';
import { DeployChecks } from './DeployChecks.tsx';

const RERUN = [
  ['never', 'Never rerun deployed program'],
  ['always', 'Always rerun program'],
  ['ifFailed', 'Rerun if failed previous attempt'],
  ['ifSucceeded', 'Rerun if succeeded on previous attempt'],
] as const;
const PAGES = ['General', 'Deployment Settings', 'Scheduling', 'Summary'];

export function DeployPage({ id }: { id: string }) {
  const ts = useLoad(() => api<TsFull>('GET', `/api/task-sequences/${encodeURIComponent(id)}`), [id]);
  const cols = useLoad(() => api<Collection[]>('GET', '/api/collections'), []);
  const [page, setPage] = useState(0);
  const [collectionId, setCollectionId] = useState('');
  const [comments, setComments] = useState('');
  const [purpose, setPurpose] = useState<'available' | 'required'>('required');
  const [availableAt, setAvailableAt] = useState('');
  const [expiresAt, setExpiresAt] = useState('');
  const [assign, setAssign] = useState<'asap' | 'at'>('asap');
  const [assignAt, setAssignAt] = useState('');
  const [rerun, setRerun] = useState<(typeof RERUN)[number][0]>('always');
  const [error, setError] = useState<unknown>();
  const col = collectionId || cols.data?.[0]?.id || '';
  const deploy = async () => {
    setError(undefined);
    try {
      const d = await api<Deployment>('POST', '/api/deployments', {
        taskSequenceId: id,
        collectionId: col,
        purpose,
        comments,
        rerun,
        ...(availableAt ? { availableAt: new Date(availableAt).toISOString() } : {}),
        ...(expiresAt ? { expiresAt: new Date(expiresAt).toISOString() } : {}),
        schedule:
          purpose === 'required'
            ? [assign === 'asap' ? { kind: 'asap' } : { kind: 'at', at: assignAt ? new Date(assignAt).toISOString() : '' }]
            : [],
      });
      go('monitoring', d.id);
    } catch (e) {
      setError(e);
    }
  };
  return (
    <section>
      <h1>Deploy Software Wizard</h1>
      <ErrorBanner error={ts.error ?? cols.error} />
      <ol className="steps-nav">
        {PAGES.map((p, i) => (
          <li key={p} className={i === page ? 'current' : ''}>
            {p}
          </li>
        ))}
      </ol>
      <div className="form wizard">
        {page === 0 ? (
          <>
            <p>
              Task sequence: <strong>{ts.data?.name}</strong> ({id})
            </p>
            <label>
              Collection
              <select aria-label="Collection" value={col} onChange={(e) => setCollectionId(e.target.value)}>
                {cols.data?.map((c) => (
                  <option key={c.id} value={c.id}>
                    {c.name} ({c.members.length} members)
                  </option>
                ))}
              </select>
            </label>
            <label>
              Comments (optional)
              <textarea value={comments} maxLength={2000} onChange={(e) => setComments(e.target.value)} />
            </label>
          </>
        ) : null}
        {page === 1 ? (
          <fieldset>
            <legend>Purpose</legend>
            <label className="radio">
              <input type="radio" name="purpose" checked={purpose === 'available'} onChange={() => setPurpose('available')} />
              Available <small>the user starts it (ferry agent run &lt;deployment&gt;)</small>
            </label>
            <label className="radio">
              <input type="radio" name="purpose" checked={purpose === 'required'} onChange={() => setPurpose('required')} />
              Required <small>runs on the assignment schedule</small>
            </label>
          </fieldset>
        ) : null}
        {page === 2 ? (
          <>
            <label>
              Schedule when this deployment will become available (empty = now)
              <input type="datetime-local" value={availableAt} onChange={(e) => setAvailableAt(e.target.value)} />
            </label>
            <label>
              Schedule when this deployment will expire (optional)
              <input type="datetime-local" value={expiresAt} onChange={(e) => setExpiresAt(e.target.value)} />
            </label>
            {purpose === 'required' ? (
              <fieldset>
                <legend>Assignment schedule</legend>
                <label className="radio">
                  <input type="radio" name="assign" checked={assign === 'asap'} onChange={() => setAssign('asap')} />
                  As soon as possible
                </label>
                <label className="radio">
                  <input type="radio" name="assign" checked={assign === 'at'} onChange={() => setAssign('at')} />
                  At a specific time
                  <input
                    type="datetime-local"
                    aria-label="Assignment time"
                    value={assignAt}
                    disabled={assign !== 'at'}
                    onChange={(e) => setAssignAt(e.target.value)}
                  />
                </label>
              </fieldset>
            ) : null}
            <label>
              Rerun behavior
              <select aria-label="Rerun behavior" value={rerun} onChange={(e) => setRerun(e.target.value as 'always')}>
                {RERUN.map(([v, l]) => (
                  <option key={v} value={v}>
                    {l}
                  </option>
                ))}
              </select>
            </label>
          </>
        ) : null}
        {page === 3 ? (
          <dl className="summary">
            <dt>Task sequence</dt>
            <dd>{ts.data?.name}</dd>
            <dt>Collection</dt>
            <dd>{cols.data?.find((c) => c.id === col)?.name}</dd>
            <dt>Purpose</dt>
            <dd>{purpose === 'required' ? 'Required' : 'Available'}</dd>
            <dt>Schedule</dt>
            <dd>{purpose === 'required' ? (assign === 'asap' ? 'As soon as possible' : assignAt) : '—'}</dd>
            <dt>Rerun behavior</dt>
            <dd>{RERUN.find(([v]) => v === rerun)?.[1]}</dd>
          </dl>
        ) : null}
        {page === 3 && col ? <DeployChecks taskSequenceId={id} collectionId={col} /> : null}
      </div>
      <ErrorBanner error={error} />
      <div className="buttons">
        <button type="button" disabled={page === 0} onClick={() => setPage(page - 1)}>
          Previous
        </button>
        {page < PAGES.length - 1 ? (
          <button type="button" className="primary" onClick={() => setPage(page + 1)} disabled={!col}>
            Next
          </button>
        ) : (
          <button type="button" className="primary" onClick={deploy}>
            Deploy
          </button>
        )}
        <button type="button" onClick={() => go('task-sequences')}>
          Cancel
        </button>
      </div>
    </section>
  );
}
