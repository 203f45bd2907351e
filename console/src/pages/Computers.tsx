// Assets and Compliance › Devices: registered agents, their device variables, revoke, and reset
// (a one-time enrollment token with which a reimaged or revoked computer's agent registers again).
import { useEffect, useState } from 'react';
import { api, subscribeChanges, type ResetToken, type SiteComputer, type Variable } from '../api.ts';
import { type Column, ListPage, ListTable, useSelection } from '../list.tsx';
import { fmtTime, useAction, useLoad } from '../ui.tsx';
import { VariablesEditor } from './Variables.tsx';

const COLUMNS: Column<SiteComputer>[] = [
  { header: 'Name', cell: (c) => c.name },
  { header: 'Resource ID', cell: (c) => c.id },
  { header: 'Client', cell: (c) => (c.revoked ? 'Revoked' : 'Active') },
  { header: 'Registered', cell: (c) => fmtTime(c.registeredAt) },
  { header: 'Last seen', cell: (c) => fmtTime(c.lastSeen) },
];

export function ComputersPage() {
  const list = useLoad(() => api<SiteComputer[]>('GET', '/api/computers'), []);
  useEffect(() => subscribeChanges(list.reload), [list.reload]);
  const { selected, setSelected, sel } = useSelection(list.data);
  const [reset, setReset] = useState<ResetToken>();
  const { error, act } = useAction(list.reload);
  const actions = (
    <>
      <button
        type="button"
        className="danger"
        disabled={!sel || sel.revoked}
        onClick={() =>
          sel &&
          confirm(`Revoke the credential of ${sel.name}?`) &&
          act(() => api('POST', `/api/computers/${encodeURIComponent(sel.id)}/revoke`))
        }
      >
        Revoke credential
      </button>
      <button
        type="button"
        disabled={!sel}
        onClick={() =>
          sel && act(async () => setReset(await api<ResetToken>('POST', `/api/computers/${encodeURIComponent(sel.id)}/reset`)))
        }
      >
        Reset (re-enroll)
      </button>
      <button
        type="button"
        className="danger"
        disabled={!sel}
        onClick={() => sel && confirm(`Delete ${sel.name}?`) && act(() => api('DELETE', `/api/computers/${encodeURIComponent(sel.id)}`))}
      >
        Delete
      </button>
    </>
  );
  return (
    <ListPage title="Devices" actions={actions} error={error ?? list.error}>
      {reset ? (
        <div className="panel" role="status">
          <h2>
            Reset token for {reset.name} (shown once, valid until {fmtTime(reset.expiresAt)})
          </h2>
          <p>
            Start the computer's agent with <code>--enroll {reset.enrollToken}</code>; it registers again as the same computer. The site's
            shared enrollment token does not re-register a registered or revoked computer.
          </p>
          <button type="button" onClick={() => setReset(undefined)}>
            Done
          </button>
        </div>
      ) : null}
      <ListTable
        rows={list.data}
        columns={COLUMNS}
        selected={selected}
        onSelect={setSelected}
        empty="No computers yet. Start `ferry agent --site URL --enroll TOKEN --root VOLUME --name NAME`."
      />
      {sel ? (
        <div className="panel">
          <h2>Device variables — {sel.name}</h2>
          <VariablesEditor
            key={sel.id}
            initial={sel.variables}
            onSave={(v: Variable[]) => act(() => api('PUT', `/api/computers/${encodeURIComponent(sel.id)}/variables`, { variables: v }))}
          />
        </div>
      ) : null}
    </ListPage>
  );
}
