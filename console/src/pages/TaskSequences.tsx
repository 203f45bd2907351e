// Software Library › Operating Systems › Task Sequences: list, Create Task Sequence wizard
// (custom or "Install an existing image package"), Import, Export, Copy, Delete, Edit, Deploy.
import { useState } from 'react';
import { api, type Package, type TsFull, type TsSummary } from '../api.ts';
import { go } from '../App.tsx';
import { Dialog, ErrorBanner, fmtTime, useAction, useLoad } from '../ui.tsx';

export function TaskSequencesPage() {
  const list = useLoad(() => api<TsSummary[]>('GET', '/api/task-sequences'), []);
  const [selected, setSelected] = useState<string>();
  const [dialog, setDialog] = useState<'create' | 'import'>();
  const sel = list.data?.find((t) => t.id === selected);
  const { error, act } = useAction(list.reload);

  return (
    <section>
      <h1>Task Sequences</h1>
      <div className="toolbar" role="toolbar" aria-label="Task sequence actions">
        <button type="button" onClick={() => setDialog('create')}>
          Create Task Sequence
        </button>
        <button type="button" onClick={() => setDialog('import')}>
          Import
        </button>
        <button type="button" disabled={!sel} onClick={() => sel && go('task-sequences', sel.id, 'view')}>
          View
        </button>
        <button type="button" disabled={!sel} onClick={() => sel && go('task-sequences', sel.id, 'edit')}>
          Edit
        </button>
        <button type="button" disabled={!sel} onClick={() => sel && act(() => api('POST', `/api/task-sequences/${sel.id}/copy`, {}))}>
          Copy
        </button>
        <a
          className={`button${sel ? '' : ' disabled'}`}
          aria-disabled={!sel}
          href={sel ? `/api/task-sequences/${encodeURIComponent(sel.id)}/export` : undefined}
          download
        >
          Export
        </a>
        <button
          type="button"
          disabled={!sel || sel.errors > 0}
          title={sel && sel.errors > 0 ? 'Fix the errors in the task sequence (Edit) before deploying it.' : undefined}
          onClick={() => sel && go('task-sequences', sel.id, 'deploy')}
        >
          Deploy
        </button>
        <button
          type="button"
          className="danger"
          disabled={!sel}
          onClick={() => sel && confirm(`Delete task sequence "${sel.name}"?`) && act(() => api('DELETE', `/api/task-sequences/${sel.id}`))}
        >
          Delete
        </button>
      </div>
      <ErrorBanner error={error ?? list.error} />
      <table className="grid">
        <thead>
          <tr>
            <th>Name</th>
            <th>Package ID</th>
            <th>Description</th>
            <th>Steps</th>
            <th>Version</th>
            <th>Deployments</th>
            <th>Last modified</th>
          </tr>
        </thead>
        <tbody>
          {list.data?.map((t) => (
            <tr
              key={t.id}
              className={t.id === selected ? 'selected' : ''}
              tabIndex={0}
              aria-selected={t.id === selected}
              onClick={() => setSelected(t.id)}
              onDoubleClick={() => go('task-sequences', t.id, 'view')}
              onKeyDown={(e) => {
                if (e.key === ' ') setSelected(t.id);
                if (e.key === 'Enter') go('task-sequences', t.id, 'edit');
              }}
            >
              <td>
                {t.errors ? (
                  <span className="icon bad" title={`${t.errors} error(s)`}>
                    ✖{' '}
                  </span>
                ) : null}
                {t.name}
              </td>
              <td>{t.id}</td>
              <td>{t.description}</td>
              <td>{t.steps}</td>
              <td>{t.version}</td>
              <td>{t.deployments}</td>
              <td>{fmtTime(t.updatedAt)}</td>
            </tr>
          ))}
          {list.data?.length === 0 ? (
            <tr>
              <td colSpan={7} className="empty">
                No task sequences yet. Create one or import an exported XML.
              </td>
            </tr>
          ) : null}
        </tbody>
      </table>
      {sel ? <Versions key={`${sel.id}-${sel.version}`} id={sel.id} /> : null}
      {dialog === 'create' ? (
        <CreateWizard onClose={() => setDialog(undefined)} onCreated={(id) => go('task-sequences', id, 'edit')} />
      ) : null}
      {dialog === 'import' ? (
        <ImportDialog
          onClose={() => setDialog(undefined)}
          onImported={() => {
            setDialog(undefined);
            list.reload();
          }}
        />
      ) : null}
    </section>
  );
}

function CreateWizard({ onClose, onCreated }: { onClose: () => void; onCreated: (id: string) => void }) {
  const packages = useLoad(() => api<Package[]>('GET', '/api/packages'), []);
  const [page, setPage] = useState(0);
  const [template, setTemplate] = useState<'custom' | 'image-package' | 'replace-capture' | 'replace-restore' | 'refresh'>('image-package');
  const [password, setPassword] = useState('');
  const needsPassword = template === 'replace-restore' || template === 'refresh';
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [pkg, setPkg] = useState('');
  const [image, setImage] = useState('');
  const [imageIndex, setImageIndex] = useState(1);
  const [hardLinks, setHardLinks] = useState(false);
  const [error, setError] = useState<unknown>();
  const usmt = pkg || packages.data?.find((p) => p.kind === 'usmt')?.id || '';
  const create = async () => {
    setError(undefined);
    try {
      const withImage = template === 'image-package' && image ? { imagePackageId: image, imageIndex, hardLinks } : {};
      const ts = await api<TsFull>('POST', '/api/task-sequences', {
        name,
        description,
        template,
        usmtPackageId: usmt,
        ...withImage,
        ...(needsPassword ? { localAccountPassword: password } : {}),
      });
      onCreated(ts.id);
    } catch (e) {
      setError(e);
    }
  };
  return (
    <Dialog title="Create Task Sequence Wizard" onClose={onClose}>
      {page === 0 ? (
        <fieldset>
          <legend>Create a new task sequence</legend>
          <label className="radio">
            <input type="radio" name="tpl" checked={template === 'image-package'} onChange={() => setTemplate('image-package')} />
            Install an existing image package
            <small>
              Captures user files and settings, installs the operating system image, sets Windows up and restores the user files and
              settings (without an image: the user-state groups only).
            </small>
          </label>
          <label className="radio">
            <input type="radio" name="tpl" checked={template === 'replace-capture'} onChange={() => setTemplate('replace-capture')} />
            Replace: capture user state on the old computer
            <small>
              Request State Store, Capture User State and Release State Store through the state migration point. Deploy it to the source
              computers of your computer associations.
            </small>
          </label>
          <label className="radio">
            <input type="radio" name="tpl" checked={template === 'replace-restore'} onChange={() => setTemplate('replace-restore')} />
            Replace: restore user state on the new computer
            <small>Restores the store of the computer association whose destination this computer is, local accounts included.</small>
          </label>
          <label className="radio">
            <input type="radio" name="tpl" checked={template === 'refresh'} onChange={() => setTemplate('refresh')} />
            Refresh: capture and restore on the same computer
            <small>A local hard-link store in _SMSTSUserStatePath, removed after a successful restore.</small>
          </label>
          <label className="radio">
            <input type="radio" name="tpl" checked={template === 'custom'} onChange={() => setTemplate('custom')} />
            Create a new custom task sequence
          </label>
        </fieldset>
      ) : (
        <fieldset>
          <legend>Task sequence information</legend>
          <label>
            Task sequence name
            <input value={name} maxLength={100} onChange={(e) => setName(e.target.value)} required />
          </label>
          <label>
            Description
            <textarea value={description} maxLength={512} onChange={(e) => setDescription(e.target.value)} />
          </label>
          {needsPassword ? (
            <label>
              Password for restored local accounts
              <input type="password" value={password} onChange={(e) => setPassword(e.target.value)} required />
            </label>
          ) : null}
          {template !== 'custom' ? (
            <label>
              User state migration tool package
              <select value={usmt} onChange={(e) => setPkg(e.target.value)}>
                {packages.data
                  ?.filter((p) => p.kind === 'usmt')
                  .map((p) => (
                    <option key={p.id} value={p.id}>
                      {p.name} ({p.id})
                    </option>
                  ))}
              </select>
            </label>
          ) : null}
          {template === 'image-package' ? (
            <>
              <label>
                Image package
                <select value={image} onChange={(e) => setImage(e.target.value)}>
                  <option value="">(none: user state only)</option>
                  {packages.data
                    ?.filter((p) => p.kind === 'osimage')
                    .map((p) => (
                      <option key={p.id} value={p.id}>
                        {p.name} ({p.id})
                      </option>
                    ))}
                </select>
              </label>
              {image ? (
                <>
                  <label>
                    Image index
                    <input
                      type="number"
                      min={1}
                      value={imageIndex}
                      onChange={(e) => setImageIndex(Math.max(1, Number(e.target.value) || 1))}
                    />
                  </label>
                  <label className="check">
                    <input type="checkbox" checked={hardLinks} onChange={(e) => setHardLinks(e.target.checked)} />
                    Save user settings and files locally by using links (refresh this computer)
                  </label>
                </>
              ) : null}
            </>
          ) : null}
        </fieldset>
      )}
      <ErrorBanner error={error} />
      <div className="buttons">
        {page > 0 ? (
          <button type="button" onClick={() => setPage(0)}>
            Previous
          </button>
        ) : null}
        {page === 0 ? (
          <button type="button" className="primary" onClick={() => setPage(1)}>
            Next
          </button>
        ) : (
          <button type="button" className="primary" disabled={!name.trim() || (needsPassword && !password)} onClick={create}>
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

function ImportDialog({ onClose, onImported }: { onClose: () => void; onImported: () => void }) {
  const [name, setName] = useState('');
  const [xml, setXml] = useState('');
  const [error, setError] = useState<unknown>();
  return (
    <Dialog title="Import Task Sequence" onClose={onClose}>
      <label>
        XML file
        <input
          type="file"
          accept=".xml,application/xml,text/xml"
          onChange={async (e) => {
            const f = e.target.files?.[0];
            if (f) setXml(await f.text());
          }}
        />
      </label>
      <label>
        Name (optional; default: the name in the file)
        <input value={name} maxLength={100} onChange={(e) => setName(e.target.value)} />
      </label>
      <ErrorBanner error={error} />
      <div className="buttons">
        <button
          type="button"
          className="primary"
          disabled={!xml}
          onClick={async () => {
            setError(undefined);
            try {
              await api('POST', '/api/task-sequences/import', { xml, ...(name.trim() ? { name } : {}) });
              onImported();
            } catch (e) {
              setError(e);
            }
          }}
        >
          Import
        </button>
        <button type="button" onClick={onClose}>
          Cancel
        </button>
      </div>
    </Dialog>
  );
}

function Versions({ id }: { id: string }) {
  const versions = useLoad(
    () => api<{ version: number; name: string; saved_at: string }[]>('GET', `/api/task-sequences/${encodeURIComponent(id)}/versions`),
    [id],
  );
  return (
    <div className="panel">
      <h2>Saved versions</h2>
      <ErrorBanner error={versions.error} />
      <table className="grid">
        <thead>
          <tr>
            <th>Version</th>
            <th>Name</th>
            <th>Saved</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {versions.data?.map((v) => (
            <tr key={v.version}>
              <td>{v.version}</td>
              <td>{v.name}</td>
              <td>{fmtTime(v.saved_at)}</td>
              <td>
                <a href={`/api/task-sequences/${encodeURIComponent(id)}/versions/${v.version}/export`} download>
                  Export XML
                </a>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
