// Assets and Compliance › Devices: registered agents, their device variables, revoke, and reset
// (a one-time enrollment token with which a reimaged or revoked computer's agent registers again).
import { useEffect, useState } from 'react';
import { api, subscribeChanges, type SiteComputer, type Variable } from '../api.ts';
import { ErrorBanner, SelectableRow, fmtTime, useAction, useLoad } from '../ui.tsx';
import { VariablesEditor } from './Variables.tsx';

interface ResetToken {
  computerId: string;
  name: string;
  enrollToken: string;
  expiresAt: string;
}

export function ComputersPage() {
  const list = useLoad(() => api<SiteComputer[]>('GET', '/api/computers'), []);
  useEffect(() => subscribeChanges(list.reload), [list.reload]);
  const [selected, setSelected] = useState<string>();
  const [reset, setReset] = useState<ResetToken>();
  const sel = list.data?.find((c) => c.id === selected);
  const { error, act } = useAction(list.reload);
  return (
    <section>
      <h1>Devices</h1>
      <div className="toolbar">
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
      </div>
      <ErrorBanner error={error ?? list.error} />
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
      <table className="grid">
        <thead>
          <tr>
            <th>Name</th>
            <th>Resource ID</th>
            <th>Client</th>
            <th>Registered</th>
            <th>Last seen</th>
          </tr>
        </thead>
        <tbody>
          {list.data?.map((c) => (
            <SelectableRow key={c.id} selected={c.id === selected} onSelect={() => setSelected(c.id)}>
              <td>{c.name}</td>
              <td>{c.id}</td>
              <td>{c.revoked ? 'Revoked' : 'Active'}</td>
              <td>{fmtTime(c.registeredAt)}</td>
              <td>{fmtTime(c.lastSeen)}</td>
            </SelectableRow>
          ))}
          {list.data?.length === 0 ? (
            <tr>
              <td colSpan={5} className="empty">
                No computers yet. Start `ferry agent --site URL --enroll TOKEN --root VOLUME --name NAME`.
              </td>
            </tr>
          ) : null}
        </tbody>
      </table>
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
    </section>
  );
}
