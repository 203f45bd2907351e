// Task Sequence Editor: step tree (groups, reorder, enable/disable), Add menu with categories
// (User State: Request State Store, Capture User State, Restore User State, Release State
// Store), Properties and Options tabs, Apply / OK / Cancel. Problems are shown before saving and
// a save against a newer version is refused by the server (409) without losing the edit. The
// step catalog and the checks come from the server (`GET /api/step-types`, `POST
// /api/task-sequences/validate`).
import { useEffect, useState } from 'react';
import { api, ApiError, type Package, type SequenceNode, type TaskSequence, type TsFull, type TsProblem } from '../api.ts';
import { go } from '../route.ts';
import { checkDocument, nodeAt, type Path, samePath, useCatalog } from '../catalog.ts';
import { ErrorBanner } from '../ui.tsx';
import { EditorToolbar, ProblemList, useTreeEditing } from './EditorTree.tsx';
import { DetailPane, TreePane } from './EditorPanes.tsx';

/** The open task sequence: load, edit, the problems of the current edit, save. */
function useTsDocument(id: string) {
  const [ts, setTs] = useState<TsFull>();
  const [doc, setDoc] = useState<TaskSequence>();
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [dirty, setDirty] = useState(false);
  const [error, setError] = useState<unknown>();
  const [saved, setSaved] = useState('');
  const [packages, setPackages] = useState<Package[]>([]);
  const [problems, setProblems] = useState<TsProblem[]>([]);
  // The engine's own validation (codes FERRY_*), as the server reported it at the last load/save.
  const [serverProblems, setServerProblems] = useState<TsProblem[]>([]);

  const loaded = (t: TsFull) => {
    setTs(t);
    setDoc(t.document);
    setDirty(false);
    setServerProblems(t.problems.filter((p) => p.message.startsWith('FERRY_')));
  };
  const load = async () => {
    const t = await api<TsFull>('GET', `/api/task-sequences/${encodeURIComponent(id)}`);
    loaded(t);
    setName(t.name);
    setDescription(t.description);
  };
  useEffect(() => {
    load().catch(setError);
    api<Package[]>('GET', '/api/packages').then(setPackages, setError);
  }, [id]);
  useEffect(() => {
    if (!doc) return;
    let current = true;
    checkDocument(doc).then((p) => current && setProblems(p), setError);
    return () => void (current = false);
    // Packages arriving can settle a missing-package problem: check again.
  }, [doc, packages]);

  const edit = (f: (d: TaskSequence) => void) => {
    if (!doc) return;
    const next = structuredClone(doc);
    f(next);
    setDoc(next);
    setDirty(true);
    setSaved('');
  };
  /** Save (after checking the edit as it is now); false when problems or the server refused. */
  const save = async (onProblem: (p: TsProblem) => void): Promise<boolean> => {
    if (!doc || !ts) return false;
    setError(undefined);
    try {
      const errors = (await checkDocument(doc)).filter((p) => p.severity === 'error');
      if (errors.length) {
        setError(new ApiError(400, 'FERRY_E_SITE_INVALID', `Fix ${errors.length} problem(s) before saving: ${errors[0]!.message}`, {}));
        onProblem(errors[0]!);
        return false;
      }
      const body = { name, description, sequence: doc, version: ts.version };
      const t = await api<TsFull>('PUT', `/api/task-sequences/${encodeURIComponent(id)}`, body);
      loaded(t);
      setSaved(`Saved version ${t.version}.`);
      return true;
    } catch (e) {
      setError(e);
      if (e instanceof ApiError && Array.isArray(e.details.problems)) setServerProblems(e.details.problems as TsProblem[]);
      return false;
    }
  };
  const shown = [...problems, ...serverProblems.filter((p) => !problems.some((q) => q.message === p.message))];
  const fields = {
    name,
    description,
    setName: (v: string) => (setName(v), setDirty(true)),
    setDescription: (v: string) => (setDescription(v), setDirty(true)),
  };
  return { ts, doc, fields, dirty, error, setError, saved, packages, problems, shown, load, edit, save };
}

/** `readOnly`: the View command (the tree and both tabs, nothing editable). */
export function EditorPage({ id, readOnly = false }: { id: string; readOnly?: boolean }) {
  const d = useTsDocument(id);
  const catalog = useCatalog(d.setError);
  const [selected, setSelected] = useState<Path>();
  const [tab, setTab] = useState<'properties' | 'options'>('properties');
  const tree = useTreeEditing(d.doc, d.edit, selected, setSelected, () => setTab('properties'));
  if (!d.doc || !d.ts || !catalog) return <ErrorBanner error={d.error} />;
  const { doc, ts } = d;
  const item = selected ? nodeAt(doc, selected) : undefined;
  const update = (f: (n: SequenceNode) => void) => selected && d.edit((x) => f(nodeAt(x, selected)!));
  const problemsAt = (p: Path) => d.problems.filter((x) => samePath(x.path, p));
  const apply = async (close: boolean) => {
    if ((await d.save((p) => setSelected(p.path))) && close) go('task-sequences');
  };
  return (
    <section className="editor">
      <h1>
        {readOnly ? 'Task Sequence (view)' : 'Task Sequence Editor'} — <span className="ts-name">{ts.name}</span>{' '}
        <small>
          ({ts.id}, version {ts.version})
        </small>
      </h1>
      <EditorToolbar catalog={catalog} tree={tree} selected={selected} item={item} hidden={readOnly} />
      <ProblemList doc={doc} problems={d.shown} onSelect={setSelected} />
      <div className="editor-body">
        <TreePane
          doc={doc}
          fields={d.fields}
          readOnly={readOnly}
          selected={selected}
          onSelect={setSelected}
          problemsAt={problemsAt}
          onKey={tree.onKey}
        />
        <DetailPane
          item={item}
          catalog={catalog}
          tab={tab}
          setTab={setTab}
          readOnly={readOnly}
          packages={d.packages}
          problems={selected ? problemsAt(selected) : []}
          update={update}
        />
      </div>
      <ErrorBanner error={d.error} />
      {d.error instanceof ApiError && d.error.code === 'FERRY_E_SITE_CONFLICT' ? (
        <p className="conflict">
          Your edit is still here.{' '}
          <button type="button" onClick={() => d.load().catch(d.setError)}>
            Discard my changes and reload
          </button>
        </p>
      ) : null}
      <EditorButtons id={id} readOnly={readOnly} saved={d.saved} dirty={d.dirty} apply={apply} />
    </section>
  );
}

function EditorButtons({
  id,
  readOnly,
  saved,
  dirty,
  apply,
}: {
  id: string;
  readOnly: boolean;
  saved: string;
  dirty: boolean;
  apply: (close: boolean) => void;
}) {
  if (readOnly)
    return (
      <div className="buttons">
        <button type="button" onClick={() => go('task-sequences', id, 'edit')}>
          Edit
        </button>
        <button type="button" className="primary" onClick={() => go('task-sequences')}>
          Close
        </button>
      </div>
    );
  return (
    <div className="buttons sticky">
      <span className="status" role="status">
        {saved}
        {dirty ? ' Unsaved changes.' : ''}
      </span>
      <button type="button" className="primary" onClick={() => apply(true)}>
        OK
      </button>
      <button type="button" onClick={() => (!dirty || confirm('Discard unsaved changes?')) && go('task-sequences')}>
        Cancel
      </button>
      <button type="button" onClick={() => apply(false)}>
        Apply
      </button>
    </div>
  );
}
