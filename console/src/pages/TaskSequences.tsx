// Software Library › Operating Systems › Task Sequences: list, Create Task Sequence wizard
// (custom or "Install an existing image package"), Import, Export, Copy, Delete, Edit, Deploy.
import { useState } from 'react';
import { api, type Package, type TsFull, type TsSummary } from '../api.ts';
import { go } from '../route.ts';
import { type Column, ListPage, ListTable, useSelection } from '../list.tsx';
import { Dialog, ErrorBanner, fmtTime, useAction, useLoad } from '../ui.tsx';

const TS_COLUMNS: Column<TsSummary>[] = [
  {
    header: 'Name',
    cell: (t) => (
      <>
        {t.errors ? (
          <span className="icon bad" title={`${t.errors} error(s)`}>
            ✖{' '}
          </span>
        ) : null}
        {t.name}
      </>
    ),
  },
  { header: 'Package ID', cell: (t) => t.id },
  { header: 'Description', cell: (t) => t.description },
  { header: 'Steps', cell: (t) => t.steps },
  { header: 'Version', cell: (t) => t.version },
  { header: 'Deployments', cell: (t) => t.deployments },
  { header: 'Last modified', cell: (t) => fmtTime(t.updatedAt) },
];

export function TaskSequencesPage() {
  const list = useLoad(() => api<TsSummary[]>('GET', '/api/task-sequences'), []);
  const { selected, setSelected, sel } = useSelection(list.data);
  const [dialog, setDialog] = useState<'create' | 'import'>();
  const { error, act } = useAction(list.reload);
  return (
    <ListPage
      title="Task Sequences"
      toolbarLabel="Task sequence actions"
      error={error ?? list.error}
      actions={<TsActions sel={sel} act={act} open={setDialog} />}
    >
      <ListTable
        rows={list.data}
        columns={TS_COLUMNS}
        selected={selected}
        onSelect={setSelected}
        onOpen={(t) => go('task-sequences', t.id, 'view')}
        onEnter={(t) => go('task-sequences', t.id, 'edit')}
        empty="No task sequences yet. Create one or import an exported XML."
      />
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
    </ListPage>
  );
}

function TsActions({
  sel,
  act,
  open,
}: {
  sel: TsSummary | undefined;
  act: ReturnType<typeof useAction>['act'];
  open: (d: 'create' | 'import') => void;
}) {
  return (
    <>
      <button type="button" onClick={() => open('create')}>
        Create Task Sequence
      </button>
      <button type="button" onClick={() => open('import')}>
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
    </>
  );
}

type Template = 'custom' | 'image-package' | 'replace-capture' | 'replace-restore' | 'refresh';

/** What the wizard collects (its second page). */
interface TsInfo {
  name: string;
  description: string;
  password: string;
  pkg: string;
  image: string;
  imageIndex: number;
  hardLinks: boolean;
}

const TEMPLATES: { value: Template; label: string; help?: string }[] = [
  {
    value: 'image-package',
    label: 'Install an existing image package',
    help:
      'Captures user files and settings, installs the operating system image, sets Windows up and ' +
      'restores the user files and settings (without an image: the user-state groups only).',
  },
  {
    value: 'replace-capture',
    label: 'Replace: capture user state on the old computer',
    help:
      'Request State Store, Capture User State and Release State Store through the state ' +
      'migration point. Deploy it to the source computers of your computer associations.',
  },
  {
    value: 'replace-restore',
    label: 'Replace: restore user state on the new computer',
    help: 'Restores the store of the computer association whose destination this computer is, local accounts included.',
  },
  {
    value: 'refresh',
    label: 'Refresh: capture and restore on the same computer',
    help: 'A local hard-link store in _SMSTSUserStatePath, removed after a successful restore.',
  },
  { value: 'custom', label: 'Create a new custom task sequence' },
];

function CreateWizard({ onClose, onCreated }: { onClose: () => void; onCreated: (id: string) => void }) {
  const packages = useLoad(() => api<Package[]>('GET', '/api/packages'), []);
  const [page, setPage] = useState(0);
  const [template, setTemplate] = useState<Template>('image-package');
  const [info, setInfo] = useState<TsInfo>({
    name: '',
    description: '',
    password: '',
    pkg: '',
    image: '',
    imageIndex: 1,
    hardLinks: false,
  });
  const needsPassword = template === 'replace-restore' || template === 'refresh';
  const [error, setError] = useState<unknown>();
  const usmt = info.pkg || packages.data?.find((p) => p.kind === 'usmt')?.id || '';
  const create = async () => {
    setError(undefined);
    try {
      const { name, description, image, imageIndex, hardLinks, password } = info;
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
        <TemplatePage template={template} setTemplate={setTemplate} />
      ) : (
        <InfoPage
          template={template}
          info={info}
          set={(patch) => setInfo((x) => ({ ...x, ...patch }))}
          usmt={usmt}
          needsPassword={needsPassword}
          packages={packages.data ?? []}
        />
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
          <button type="button" className="primary" disabled={!info.name.trim() || (needsPassword && !info.password)} onClick={create}>
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

function TemplatePage({ template, setTemplate }: { template: Template; setTemplate: (t: Template) => void }) {
  return (
    <fieldset>
      <legend>Create a new task sequence</legend>
      {TEMPLATES.map((t) => (
        <label key={t.value} className="radio">
          <input type="radio" name="tpl" checked={template === t.value} onChange={() => setTemplate(t.value)} />
          {t.label}
          {t.help ? <small>{t.help}</small> : null}
        </label>
      ))}
    </fieldset>
  );
}

function PackageOptions({ packages, kind }: { packages: Package[]; kind: string }) {
  return (
    <>
      {packages
        .filter((p) => p.kind === kind)
        .map((p) => (
          <option key={p.id} value={p.id}>
            {p.name} ({p.id})
          </option>
        ))}
    </>
  );
}

function InfoPage({
  template,
  info,
  set,
  usmt,
  needsPassword,
  packages,
}: {
  template: Template;
  info: TsInfo;
  set: (patch: Partial<TsInfo>) => void;
  usmt: string;
  needsPassword: boolean;
  packages: Package[];
}) {
  return (
    <fieldset>
      <legend>Task sequence information</legend>
      <label>
        Task sequence name
        <input value={info.name} maxLength={100} onChange={(e) => set({ name: e.target.value })} required />
      </label>
      <label>
        Description
        <textarea value={info.description} maxLength={512} onChange={(e) => set({ description: e.target.value })} />
      </label>
      {needsPassword ? (
        <label>
          Password for restored local accounts
          <input type="password" value={info.password} onChange={(e) => set({ password: e.target.value })} required />
        </label>
      ) : null}
      {template !== 'custom' ? (
        <label>
          User state migration tool package
          <select value={usmt} onChange={(e) => set({ pkg: e.target.value })}>
            <PackageOptions packages={packages} kind="usmt" />
          </select>
        </label>
      ) : null}
      {template === 'image-package' ? <ImageOptions info={info} set={set} packages={packages} /> : null}
    </fieldset>
  );
}

function ImageOptions({ info, set, packages }: { info: TsInfo; set: (patch: Partial<TsInfo>) => void; packages: Package[] }) {
  return (
    <>
      <label>
        Image package
        <select value={info.image} onChange={(e) => set({ image: e.target.value })}>
          <option value="">(none: user state only)</option>
          <PackageOptions packages={packages} kind="osimage" />
        </select>
      </label>
      {info.image ? (
        <>
          <label>
            Image index
            <input
              type="number"
              min={1}
              value={info.imageIndex}
              onChange={(e) => set({ imageIndex: Math.max(1, Number(e.target.value) || 1) })}
            />
          </label>
          <label className="check">
            <input type="checkbox" checked={info.hardLinks} onChange={(e) => set({ hardLinks: e.target.checked })} />
            Save user settings and files locally by using links (refresh this computer)
          </label>
        </>
      ) : null}
    </>
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
