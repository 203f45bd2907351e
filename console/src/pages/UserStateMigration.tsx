// Assets and Compliance › User State Migration (where ConfigMgr has it): the computer
// associations of a replace (old computer → new computer) and the Create Computer Association
// wizard — source and destination, then which user accounts, then the recovery view of the
// association's store. The State Migration Point's own settings stay under Administration.
import { useState } from 'react';
import { api, type SiteComputer } from '../api.ts';
import { Dialog, ErrorBanner, fmtTime, useAction, useLoad } from '../ui.tsx';

interface Association {
  id: string;
  sourceName: string;
  restoreName: string;
  migrationBehavior: number;
  userNames: string[];
  migrationStatus: number;
  storeId: string | null;
  storePath: string | null;
  createdAt: string;
}
interface Recovery {
  storeId: string;
  key: string;
  recoverySlot: string;
}

export const BEHAVIOR = [
  'Capture and restore all user accounts',
  'Capture all user accounts and restore specified accounts',
  'Capture and restore specified user accounts',
];
const STATUS = ['Not started', 'In progress (captured, awaiting restore)', 'Completed'];

export function UserStateMigrationPage() {
  const assocs = useLoad(() => api<Association[]>('GET', '/api/smp/associations'), []);
  const [wizard, setWizard] = useState(false);
  const [selected, setSelected] = useState<string>();
  const [recovery, setRecovery] = useState<Recovery>();
  const { error, act } = useAction(assocs.reload);
  const sel = assocs.data?.find((a) => a.id === selected);
  return (
    <section>
      <h1>User State Migration</h1>
      <div className="toolbar">
        <button type="button" onClick={() => setWizard(true)}>
          Create Computer Association
        </button>
        <button
          type="button"
          disabled={!sel?.storeId}
          onClick={() =>
            sel?.storeId &&
            act(async () => setRecovery(await api<Recovery>('GET', `/api/smp/stores/${encodeURIComponent(sel.storeId!)}/recovery`)))
          }
        >
          View Recovery Information
        </button>
        <button
          type="button"
          className="danger"
          disabled={!sel}
          onClick={() =>
            sel && confirm('Delete this association?') && act(() => api('DELETE', `/api/smp/associations/${encodeURIComponent(sel.id)}`))
          }
        >
          Delete
        </button>
      </div>
      <ErrorBanner error={error ?? assocs.error} />
      <table className="grid">
        <thead>
          <tr>
            <th>Source computer</th>
            <th>Destination computer</th>
            <th>User accounts</th>
            <th>Status</th>
            <th>Store</th>
            <th>Created</th>
          </tr>
        </thead>
        <tbody>
          {assocs.data?.map((a) => (
            <tr
              key={a.id}
              className={a.id === selected ? 'selected' : ''}
              aria-selected={a.id === selected}
              onClick={() => setSelected(a.id)}
            >
              <td>{a.sourceName}</td>
              <td>{a.restoreName}</td>
              <td>
                {BEHAVIOR[a.migrationBehavior]}
                {a.userNames.length ? `: ${a.userNames.join(', ')}` : ''}
              </td>
              <td>{STATUS[a.migrationStatus]}</td>
              <td>{a.storeId ?? '—'}</td>
              <td>{fmtTime(a.createdAt)}</td>
            </tr>
          ))}
          {assocs.data?.length === 0 ? (
            <tr>
              <td colSpan={6}>No computer associations. A replace (old computer → new computer) needs one: Create Computer Association.</td>
            </tr>
          ) : null}
        </tbody>
      </table>
      {recovery ? <RecoveryView recovery={recovery} onClose={() => setRecovery(undefined)} /> : null}
      {wizard ? (
        <CreateAssociationWizard
          onClose={() => setWizard(false)}
          onCreated={(id) => {
            setWizard(false);
            setSelected(id);
            assocs.reload();
          }}
        />
      ) : null}
    </section>
  );
}

function RecoveryView({ recovery, onClose }: { recovery: Recovery; onClose: () => void }) {
  return (
    <div className="recovery" role="region" aria-label="Recovery information">
      <p>
        Store {recovery.storeId} — key (base64): <code>{recovery.key}</code>
      </p>
      <p>
        Recovery slot: <code className="wrap">{recovery.recoverySlot}</code>
      </p>
      <button type="button" onClick={onClose}>
        Hide
      </button>
    </div>
  );
}

/** General (source, destination) → User Accounts → Summary; the association opens selected. */
function CreateAssociationWizard({ onClose, onCreated }: { onClose: () => void; onCreated: (id: string) => void }) {
  const computers = useLoad(() => api<SiteComputer[]>('GET', '/api/computers'), []);
  const [page, setPage] = useState(0);
  const [a, setA] = useState({ source: '', destination: '', migrationBehavior: 0, users: '' });
  const { error, act } = useAction();
  const users = a.users
    .split(',')
    .map((u) => u.trim())
    .filter(Boolean);
  const canNext =
    page === 0
      ? a.source !== '' && a.destination !== '' && a.source.toLowerCase() !== a.destination.toLowerCase()
      : page === 1
        ? a.migrationBehavior === 0 || users.length > 0
        : true;
  const names = computers.data?.map((c) => c.name) ?? [];
  return (
    <Dialog title="Create Computer Association" onClose={onClose}>
      <ErrorBanner error={error} />
      <ol className="wizard-steps">
        {['General', 'User Accounts', 'Summary'].map((p, i) => (
          <li key={p} aria-current={i === page ? 'step' : undefined} className={i === page ? 'active' : ''}>
            {p}
          </li>
        ))}
      </ol>
      {page === 0 ? (
        <div className="row-form">
          <label>
            Source computer
            <input list="usm-computers" value={a.source} onChange={(e) => setA({ ...a, source: e.target.value })} />
          </label>
          <label>
            Destination computer
            <input list="usm-computers" value={a.destination} onChange={(e) => setA({ ...a, destination: e.target.value })} />
          </label>
          <datalist id="usm-computers">
            {names.map((n) => (
              <option key={n} value={n} />
            ))}
          </datalist>
        </div>
      ) : null}
      {page === 1 ? (
        <fieldset>
          <legend>User accounts</legend>
          {BEHAVIOR.map((b, i) => (
            <label key={b} className="radio">
              <input
                type="radio"
                name="behavior"
                checked={a.migrationBehavior === i}
                onChange={() => setA({ ...a, migrationBehavior: i })}
              />
              {b}
            </label>
          ))}
          {a.migrationBehavior !== 0 ? (
            <label>
              User accounts (DOMAIN\user, comma separated)
              <input value={a.users} onChange={(e) => setA({ ...a, users: e.target.value })} />
            </label>
          ) : null}
        </fieldset>
      ) : null}
      {page === 2 ? (
        <dl className="summary">
          <dt>Source computer</dt>
          <dd>{a.source}</dd>
          <dt>Destination computer</dt>
          <dd>{a.destination}</dd>
          <dt>User accounts</dt>
          <dd>
            {BEHAVIOR[a.migrationBehavior]}
            {a.migrationBehavior !== 0 ? `: ${users.join(', ')}` : ''}
          </dd>
        </dl>
      ) : null}
      <div className="buttons">
        <button type="button" disabled={page === 0} onClick={() => setPage(page - 1)}>
          Previous
        </button>
        {page < 2 ? (
          <button type="button" disabled={!canNext} onClick={() => setPage(page + 1)}>
            Next
          </button>
        ) : (
          <button
            type="button"
            onClick={() =>
              act(async () => {
                const created = await api<{ id: string }>('POST', '/api/smp/associations', {
                  source: a.source,
                  destination: a.destination,
                  migrationBehavior: a.migrationBehavior,
                  userNames: users,
                });
                onCreated(created.id);
              })
            }
          >
            Create
          </button>
        )}
        <button type="button" onClick={onClose}>
          Cancel
        </button>
      </div>
    </Dialog>
  );
}
