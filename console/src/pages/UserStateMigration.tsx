// Assets and Compliance › User State Migration (where ConfigMgr has it): the computer
// associations of a replace (old computer → new computer) and the Create Computer Association
// wizard — source and destination, then which user accounts, then the recovery view of the
// association's store. The State Migration Point's own settings stay under Administration.
import { useState } from 'react';
import { api, type Recovery, type SiteComputer, type SmpAssociation as Association } from '../api.ts';
import { type Column, ListPage, ListTable, useSelection } from '../list.tsx';
import { Dialog, ErrorBanner, fmtTime, useAction, useLoad } from '../ui.tsx';

export const BEHAVIOR = [
  'Capture and restore all user accounts',
  'Capture all user accounts and restore specified accounts',
  'Capture and restore specified user accounts',
];
const STATUS = ['Not started', 'In progress (captured, awaiting restore)', 'Completed'];

const COLUMNS: Column<Association>[] = [
  { header: 'Source computer', cell: (a) => a.sourceName },
  { header: 'Destination computer', cell: (a) => a.restoreName },
  {
    header: 'User accounts',
    cell: (a) => `${BEHAVIOR[a.migrationBehavior]}${a.userNames.length ? `: ${a.userNames.join(', ')}` : ''}`,
  },
  { header: 'Status', cell: (a) => STATUS[a.migrationStatus] },
  { header: 'Store', cell: (a) => a.storeId ?? '—' },
  { header: 'Created', cell: (a) => fmtTime(a.createdAt) },
];

export function UserStateMigrationPage() {
  const assocs = useLoad(() => api<Association[]>('GET', '/api/smp/associations'), []);
  const [wizard, setWizard] = useState(false);
  const { selected, setSelected, sel } = useSelection(assocs.data);
  const [recovery, setRecovery] = useState<Recovery>();
  const { error, act } = useAction(assocs.reload);
  const actions = (
    <>
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
    </>
  );
  return (
    <ListPage title="User State Migration" actions={actions} error={error ?? assocs.error}>
      <ListTable
        rows={assocs.data}
        columns={COLUMNS}
        selected={selected}
        onSelect={setSelected}
        empty="No computer associations. A replace (old computer → new computer) needs one: Create Computer Association."
      />
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
    </ListPage>
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

interface NewAssociation {
  source: string;
  destination: string;
  migrationBehavior: number;
  users: string;
}
type WizardPageProps = { a: NewAssociation; set: (patch: Partial<NewAssociation>) => void };

const userList = (users: string) =>
  users
    .split(',')
    .map((u) => u.trim())
    .filter(Boolean);

/** General (source, destination) → User Accounts → Summary; the association opens selected. */
function CreateAssociationWizard({ onClose, onCreated }: { onClose: () => void; onCreated: (id: string) => void }) {
  const computers = useLoad(() => api<SiteComputer[]>('GET', '/api/computers'), []);
  const [page, setPage] = useState(0);
  const [a, setA] = useState<NewAssociation>({ source: '', destination: '', migrationBehavior: 0, users: '' });
  const set = (patch: Partial<NewAssociation>) => setA((x) => ({ ...x, ...patch }));
  const { error, act } = useAction();
  const users = userList(a.users);
  const canNext =
    page === 0
      ? a.source !== '' && a.destination !== '' && a.source.toLowerCase() !== a.destination.toLowerCase()
      : page === 1
        ? a.migrationBehavior === 0 || users.length > 0
        : true;
  const create = () =>
    act(async () => {
      const body = { source: a.source, destination: a.destination, migrationBehavior: a.migrationBehavior, userNames: users };
      onCreated((await api<{ id: string }>('POST', '/api/smp/associations', body)).id);
    });
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
      {page === 0 ? <ComputersPage a={a} set={set} names={computers.data?.map((c) => c.name) ?? []} /> : null}
      {page === 1 ? <UsersPage a={a} set={set} /> : null}
      {page === 2 ? <SummaryPage a={a} users={users} /> : null}
      <div className="buttons">
        <button type="button" disabled={page === 0} onClick={() => setPage(page - 1)}>
          Previous
        </button>
        {page < 2 ? (
          <button type="button" disabled={!canNext} onClick={() => setPage(page + 1)}>
            Next
          </button>
        ) : (
          <button type="button" onClick={create}>
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

function ComputersPage({ a, set, names }: WizardPageProps & { names: string[] }) {
  return (
    <div className="row-form">
      <label>
        Source computer
        <input list="usm-computers" value={a.source} onChange={(e) => set({ source: e.target.value })} />
      </label>
      <label>
        Destination computer
        <input list="usm-computers" value={a.destination} onChange={(e) => set({ destination: e.target.value })} />
      </label>
      <datalist id="usm-computers">
        {names.map((n) => (
          <option key={n} value={n} />
        ))}
      </datalist>
    </div>
  );
}

function UsersPage({ a, set }: WizardPageProps) {
  return (
    <fieldset>
      <legend>User accounts</legend>
      {BEHAVIOR.map((b, i) => (
        <label key={b} className="radio">
          <input type="radio" name="behavior" checked={a.migrationBehavior === i} onChange={() => set({ migrationBehavior: i })} />
          {b}
        </label>
      ))}
      {a.migrationBehavior !== 0 ? (
        <label>
          User accounts (DOMAIN\user, comma separated)
          <input value={a.users} onChange={(e) => set({ users: e.target.value })} />
        </label>
      ) : null}
    </fieldset>
  );
}

function SummaryPage({ a, users }: { a: NewAssociation; users: string[] }) {
  return (
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
  );
}
