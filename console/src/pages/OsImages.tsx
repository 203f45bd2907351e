// Software Library › Operating Systems › Operating System Images: image packages (a WIM on the
// site, registered by its path or uploaded) with the images `wiminfo` reads from each.
import { useState } from 'react';
import { api, type OsImage } from '../api.ts';
import { type Column, ListPage, ListTable, useSelection } from '../list.tsx';
import { Dialog, ErrorBanner, useAction, useLoad } from '../ui.tsx';

const size = (n: number) =>
  n >= 1024 ** 3 ? `${(n / 1024 ** 3).toFixed(2)} GB` : n >= 1024 ** 2 ? `${(n / 1024 ** 2).toFixed(1)} MB` : `${Math.ceil(n / 1024)} KB`;

const COLUMNS: Column<OsImage>[] = [
  { header: 'Name', cell: (p) => p.name },
  { header: 'Package ID', cell: (p) => p.id },
  { header: 'Images', cell: (p) => (p.error ? <span className="error-text">{p.error}</span> : p.images.length) },
  { header: 'Size', cell: (p) => (p.size ? size(p.size) : '—') },
  { header: 'Source', cell: (p) => p.path },
];

export function OsImagesPage() {
  const list = useLoad(() => api<OsImage[]>('GET', '/api/os-images'), []);
  const { selected, setSelected, sel } = useSelection(list.data);
  const [adding, setAdding] = useState(false);
  const { error, act } = useAction(list.reload);
  const actions = (
    <>
      <button type="button" onClick={() => setAdding(true)}>
        Add Operating System Image
      </button>
      <button
        type="button"
        className="danger"
        disabled={!sel}
        onClick={() =>
          sel && confirm(`Delete image package ${sel.name}?`) && act(() => api('DELETE', `/api/os-images/${encodeURIComponent(sel.id)}`))
        }
      >
        Delete
      </button>
    </>
  );
  return (
    <ListPage title="Operating System Images" actions={actions} error={error ?? list.error}>
      <ListTable rows={list.data} columns={COLUMNS} selected={selected} onSelect={setSelected} />
      {sel ? <ImageDetails sel={sel} /> : null}
      {adding ? (
        <AddImage
          onClose={() => setAdding(false)}
          onAdded={(id) => {
            setAdding(false);
            setSelected(id);
            list.reload();
          }}
        />
      ) : null}
    </ListPage>
  );
}

function ImageDetails({ sel }: { sel: OsImage }) {
  return (
    <div className="panel">
      <h2>{sel.name}</h2>
      <p>{sel.description}</p>
      <table className="grid" aria-label="Images">
        <thead>
          <tr>
            <th>Index</th>
            <th>Name</th>
            <th>Edition</th>
            <th>Architecture</th>
            <th>Size</th>
          </tr>
        </thead>
        <tbody>
          {sel.images.map((i) => (
            <tr key={i.index}>
              <td>{i.index}</td>
              <td>{i.name}</td>
              <td>{i.edition || '—'}</td>
              <td>{i.architecture || '—'}</td>
              <td>{size(i.size)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <p>SHA-256 {sel.sha256}</p>
    </div>
  );
}

function AddImage({ onClose, onAdded }: { onClose: () => void; onAdded: (id: string) => void }) {
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [path, setPath] = useState('');
  const [file, setFile] = useState<File>();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const add = async () => {
    setBusy(true);
    setError(undefined);
    try {
      let added: OsImage;
      if (file) {
        const q = new URLSearchParams({ name, ...(description ? { description } : {}) });
        added = await api<OsImage>('PUT', `/api/os-images/upload?${q}`, file);
      } else {
        added = await api<OsImage>('POST', '/api/os-images', { name, path, ...(description ? { description } : {}) });
      }
      onAdded(added.id);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Dialog title="Add Operating System Image" onClose={onClose}>
      <label>
        Name
        <input value={name} onChange={(e) => setName(e.target.value)} />
      </label>
      <label>
        Description
        <input value={description} onChange={(e) => setDescription(e.target.value)} />
      </label>
      <label>
        Path of the image file (.wim) on the site server
        <input value={path} disabled={!!file} onChange={(e) => setPath(e.target.value)} placeholder="/srv/images/install.wim" />
      </label>
      <label>
        Or upload an image file
        <input type="file" accept=".wim" onChange={(e) => setFile(e.target.files?.[0])} />
      </label>
      <ErrorBanner error={error} />
      <div className="buttons">
        <button type="button" className="primary" disabled={busy || !name.trim() || (!file && !path.trim())} onClick={add}>
          {busy ? 'Reading the image…' : 'Add'}
        </button>
        <button type="button" onClick={onClose}>
          Cancel
        </button>
      </div>
    </Dialog>
  );
}
