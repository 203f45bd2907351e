// Administration › State Migration Point: storage folders, restore-only mode, deletion policy,
// stores and View Recovery Information (each view is audited). Computer associations live under
// Assets and Compliance › User State Migration (UserStateMigration.tsx), as in ConfigMgr.
import { useEffect, useState } from 'react';
import { api, type AuditEntry, type SmpFolder, type SmpSettings, type SmpStore } from '../api.ts';
import { ErrorBanner, fmtTime, useAction, useLoad } from '../ui.tsx';

type Act = ReturnType<typeof useAction>['act'];

export function SmpPage() {
  const { error, act } = useAction();
  const [loadError, setLoadError] = useState<unknown>();
  return (
    <section>
      <h1>State Migration Point</h1>
      <ErrorBanner error={error ?? loadError} />
      <FoldersPanel act={act} onError={setLoadError} />
      <SettingsPanel act={act} onError={setLoadError} />
      <StoresPanel act={act} />
    </section>
  );
}

function FoldersPanel({ act, onError }: { act: Act; onError: (e: unknown) => void }) {
  const folders = useLoad(() => api<SmpFolder[]>('GET', '/api/smp/folders'), []);
  useEffect(() => void (folders.error && onError(folders.error)), [folders.error]);
  const [folder, setFolder] = useState({ path: '', maxClients: 100, minFreeSpace: 1, spaceUnit: 'Gigabyte' });
  return (
    <div className="panel">
      <h2>Storage folders</h2>
      <table className="grid">
        <thead>
          <tr>
            <th>Folder</th>
            <th>Maximum clients</th>
            <th>Minimum free space</th>
            <th>Clients</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {folders.data?.map((f) => (
            <tr key={f.id}>
              <td>{f.path}</td>
              <td>{f.maxClients}</td>
              <td>
                {f.minFreeSpace} {f.spaceUnit}
              </td>
              <td>{f.clients}</td>
              <td>
                <button
                  type="button"
                  className="link"
                  onClick={() =>
                    confirm(`Remove ${f.path}?`) && act(() => api('DELETE', `/api/smp/folders/${encodeURIComponent(f.id)}`), folders.reload)
                  }
                >
                  Remove
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <div className="row-form">
        <label>
          Storage folder
          <input value={folder.path} onChange={(e) => setFolder({ ...folder, path: e.target.value })} />
        </label>
        <label>
          Maximum number of clients
          <input type="number" value={folder.maxClients} onChange={(e) => setFolder({ ...folder, maxClients: Number(e.target.value) })} />
        </label>
        <label>
          Minimum free space
          <input
            type="number"
            value={folder.minFreeSpace}
            onChange={(e) => setFolder({ ...folder, minFreeSpace: Number(e.target.value) })}
          />
        </label>
        <label>
          Unit
          <select value={folder.spaceUnit} onChange={(e) => setFolder({ ...folder, spaceUnit: e.target.value })}>
            <option>Megabyte</option>
            <option>Gigabyte</option>
            <option>Percent</option>
          </select>
        </label>
        <button type="button" disabled={!folder.path} onClick={() => act(() => api('POST', '/api/smp/folders', folder), folders.reload)}>
          Add folder
        </button>
      </div>
    </div>
  );
}

function SettingsPanel({ act, onError }: { act: Act; onError: (e: unknown) => void }) {
  const settings = useLoad(() => api<SmpSettings>('GET', '/api/smp/settings'), []);
  useEffect(() => void (settings.error && onError(settings.error)), [settings.error]);
  const [days, setDays] = useState(1);
  const put = (body: Record<string, unknown>) => act(() => api('PUT', '/api/smp/settings', body), settings.reload);
  if (!settings.data) return null;
  const s = settings.data;
  return (
    <div className="panel">
      <h2>Settings — {s.name}</h2>
      <label className="check">
        <input type="checkbox" checked={s.restoreOnly} onChange={(e) => put({ restoreOnly: e.target.checked })} />
        Enable restore-only mode
      </label>
      <p>
        Deletion policy:{' '}
        {s.deleteAfterSeconds === 0 ? 'Delete immediately' : `Delete after ${Math.round(s.deleteAfterSeconds / 3600)} hours`}
      </p>
      <div className="row-form">
        <button type="button" onClick={() => put({ deleteImmediately: true })}>
          Delete immediately
        </button>
        <label>
          Days
          <input type="number" min={1} value={days} onChange={(e) => setDays(Number(e.target.value))} />
        </label>
        <button type="button" onClick={() => put({ timeDeleteAfter: days, timeUnit: 'Days' })}>
          Delete after days
        </button>
      </div>
    </div>
  );
}

function StoresPanel({ act }: { act: Act }) {
  const stores = useLoad(() => api<SmpStore[]>('GET', '/api/smp/stores'), []);
  const audit = useLoad(() => api<AuditEntry[]>('GET', '/api/audit'), []);
  const [recovery, setRecovery] = useState<{ storeId: string; key: string; recoverySlot: string }>();
  const view = (id: string) =>
    act(async () => setRecovery(await api('GET', `/api/smp/stores/${encodeURIComponent(id)}/recovery`)), audit.reload);
  return (
    <div className="panel">
      <h2>State stores</h2>
      <table className="grid">
        <thead>
          <tr>
            <th>Store</th>
            <th>Status</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {stores.data?.map((st) => (
            <tr key={st.id}>
              <td>{st.id}</td>
              <td>{st.status}</td>
              <td>
                <button type="button" className="link" onClick={() => view(st.id)}>
                  View Recovery Information
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {recovery ? (
        <div className="recovery" role="region" aria-label="Recovery information">
          <p>
            Store {recovery.storeId} — key (base64): <code>{recovery.key}</code>
          </p>
          <p>
            Recovery slot: <code className="wrap">{recovery.recoverySlot}</code>
          </p>
          <button type="button" onClick={() => setRecovery(undefined)}>
            Hide
          </button>
        </div>
      ) : null}
      <h3>Audit: recovery information views</h3>
      <ul>
        {audit.data?.map((a) => (
          <li key={a.id}>
            {fmtTime(a.at)} — {a.actor} viewed the key of {a.target} from {a.address}
          </li>
        ))}
      </ul>
    </div>
  );
}
