// Deploy Software Wizard for a task sequence: General (collection), Deployment Settings
// (purpose), Scheduling (available/expiry, assignment schedule, rerun behaviour), Summary.
import { useState } from 'react';
import { api, type Collection, type Deployment, type TsFull } from '../api.ts';
import { go } from '../route.ts';
import { ErrorBanner, useLoad } from '../ui.tsx';
import { DeployChecks } from './DeployChecks.tsx';

const RERUN = [
  ['never', 'Never rerun deployed program'],
  ['always', 'Always rerun program'],
  ['ifFailed', 'Rerun if failed previous attempt'],
  ['ifSucceeded', 'Rerun if succeeded on previous attempt'],
] as const;
const PAGES = ['General', 'Deployment Settings', 'Scheduling', 'Summary'];

interface DeploySettings {
  collectionId: string;
  comments: string;
  purpose: 'available' | 'required';
  availableAt: string;
  expiresAt: string;
  assign: 'asap' | 'at';
  assignAt: string;
  rerun: (typeof RERUN)[number][0];
}
type PageProps = { s: DeploySettings; set: (patch: Partial<DeploySettings>) => void };

const iso = (local: string) => new Date(local).toISOString();

/** The `POST /api/deployments` body for these settings. */
function deploymentBody(id: string, s: DeploySettings) {
  return {
    taskSequenceId: id,
    collectionId: s.collectionId,
    purpose: s.purpose,
    comments: s.comments,
    rerun: s.rerun,
    ...(s.availableAt ? { availableAt: iso(s.availableAt) } : {}),
    ...(s.expiresAt ? { expiresAt: iso(s.expiresAt) } : {}),
    schedule:
      s.purpose === 'required' ? [s.assign === 'asap' ? { kind: 'asap' } : { kind: 'at', at: s.assignAt ? iso(s.assignAt) : '' }] : [],
  };
}

export function DeployPage({ id }: { id: string }) {
  const ts = useLoad(() => api<TsFull>('GET', `/api/task-sequences/${encodeURIComponent(id)}`), [id]);
  const cols = useLoad(() => api<Collection[]>('GET', '/api/collections'), []);
  const [page, setPage] = useState(0);
  const [settings, setSettings] = useState<DeploySettings>({
    collectionId: '',
    comments: '',
    purpose: 'required',
    availableAt: '',
    expiresAt: '',
    assign: 'asap',
    assignAt: '',
    rerun: 'always',
  });
  const [error, setError] = useState<unknown>();
  const s = { ...settings, collectionId: settings.collectionId || cols.data?.[0]?.id || '' };
  const set = (patch: Partial<DeploySettings>) => setSettings((x) => ({ ...x, ...patch }));
  const deploy = async () => {
    setError(undefined);
    try {
      go('monitoring', (await api<Deployment>('POST', '/api/deployments', deploymentBody(id, s))).id);
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
        {page === 0 ? <GeneralPage s={s} set={set} tsName={ts.data?.name} id={id} collections={cols.data ?? []} /> : null}
        {page === 1 ? <PurposePage s={s} set={set} /> : null}
        {page === 2 ? <SchedulingPage s={s} set={set} /> : null}
        {page === 3 ? <SummaryPage s={s} tsName={ts.data?.name} collections={cols.data ?? []} /> : null}
        {page === 3 && s.collectionId ? <DeployChecks taskSequenceId={id} collectionId={s.collectionId} /> : null}
      </div>
      <ErrorBanner error={error} />
      <div className="buttons">
        <button type="button" disabled={page === 0} onClick={() => setPage(page - 1)}>
          Previous
        </button>
        {page < PAGES.length - 1 ? (
          <button type="button" className="primary" onClick={() => setPage(page + 1)} disabled={!s.collectionId}>
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

function GeneralPage({
  s,
  set,
  tsName,
  id,
  collections,
}: PageProps & { tsName: string | undefined; id: string; collections: Collection[] }) {
  return (
    <>
      <p>
        Task sequence: <strong>{tsName}</strong> ({id})
      </p>
      <label>
        Collection
        <select aria-label="Collection" value={s.collectionId} onChange={(e) => set({ collectionId: e.target.value })}>
          {collections.map((c) => (
            <option key={c.id} value={c.id}>
              {c.name} ({c.members.length} members)
            </option>
          ))}
        </select>
      </label>
      <label>
        Comments (optional)
        <textarea value={s.comments} maxLength={2000} onChange={(e) => set({ comments: e.target.value })} />
      </label>
    </>
  );
}

function PurposePage({ s, set }: PageProps) {
  return (
    <fieldset>
      <legend>Purpose</legend>
      <label className="radio">
        <input type="radio" name="purpose" checked={s.purpose === 'available'} onChange={() => set({ purpose: 'available' })} />
        Available <small>the user starts it (ferry agent run &lt;deployment&gt;)</small>
      </label>
      <label className="radio">
        <input type="radio" name="purpose" checked={s.purpose === 'required'} onChange={() => set({ purpose: 'required' })} />
        Required <small>runs on the assignment schedule</small>
      </label>
    </fieldset>
  );
}

function SchedulingPage({ s, set }: PageProps) {
  return (
    <>
      <label>
        Schedule when this deployment will become available (empty = now)
        <input type="datetime-local" value={s.availableAt} onChange={(e) => set({ availableAt: e.target.value })} />
      </label>
      <label>
        Schedule when this deployment will expire (optional)
        <input type="datetime-local" value={s.expiresAt} onChange={(e) => set({ expiresAt: e.target.value })} />
      </label>
      {s.purpose === 'required' ? (
        <fieldset>
          <legend>Assignment schedule</legend>
          <label className="radio">
            <input type="radio" name="assign" checked={s.assign === 'asap'} onChange={() => set({ assign: 'asap' })} />
            As soon as possible
          </label>
          <label className="radio">
            <input type="radio" name="assign" checked={s.assign === 'at'} onChange={() => set({ assign: 'at' })} />
            At a specific time
            <input
              type="datetime-local"
              aria-label="Assignment time"
              value={s.assignAt}
              disabled={s.assign !== 'at'}
              onChange={(e) => set({ assignAt: e.target.value })}
            />
          </label>
        </fieldset>
      ) : null}
      <label>
        Rerun behavior
        <select aria-label="Rerun behavior" value={s.rerun} onChange={(e) => set({ rerun: e.target.value as 'always' })}>
          {RERUN.map(([v, l]) => (
            <option key={v} value={v}>
              {l}
            </option>
          ))}
        </select>
      </label>
    </>
  );
}

function SummaryPage({ s, tsName, collections }: { s: DeploySettings; tsName: string | undefined; collections: Collection[] }) {
  return (
    <dl className="summary">
      <dt>Task sequence</dt>
      <dd>{tsName}</dd>
      <dt>Collection</dt>
      <dd>{collections.find((c) => c.id === s.collectionId)?.name}</dd>
      <dt>Purpose</dt>
      <dd>{s.purpose === 'required' ? 'Required' : 'Available'}</dd>
      <dt>Schedule</dt>
      <dd>{s.purpose === 'required' ? (s.assign === 'asap' ? 'As soon as possible' : s.assignAt) : '—'}</dd>
      <dt>Rerun behavior</dt>
      <dd>{RERUN.find(([v]) => v === s.rerun)?.[1]}</dd>
    </dl>
  );
}
