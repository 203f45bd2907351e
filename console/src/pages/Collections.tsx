// Assets and Compliance › Device Collections: direct members, a name rule, collection variables.
import { useState } from 'react';
import { api, type Collection, type SiteComputer, type Variable } from '../api.ts';
import { type Column, ListPage, ListTable, useSelection } from '../list.tsx';
import { Dialog, ErrorBanner, useAction, useLoad } from '../ui.tsx';
import { VariablesEditor } from './Variables.tsx';

const COLUMNS: Column<Collection>[] = [
  { header: 'Name', cell: (c) => c.name },
  { header: 'Collection ID', cell: (c) => c.id },
  { header: 'Rule (name matches)', cell: (c) => c.rule.namePattern },
  { header: 'Members', cell: (c) => c.members.length },
];

export function CollectionsPage() {
  const list = useLoad(() => api<Collection[]>('GET', '/api/collections'), []);
  const computers = useLoad(() => api<SiteComputer[]>('GET', '/api/computers'), []);
  const { selected, setSelected, sel } = useSelection(list.data);
  const [creating, setCreating] = useState(false);
  const { error, act } = useAction(list.reload);
  const save = (c: Collection, patch: Partial<Collection>) =>
    act(() => {
      const next = { ...c, ...patch };
      return api('PUT', `/api/collections/${encodeURIComponent(c.id)}`, {
        name: next.name,
        description: next.description,
        rule: next.rule,
        members: next.directMembers,
        variables: next.variables,
      });
    });
  const actions = (
    <>
      <button type="button" onClick={() => setCreating(true)}>
        Create Device Collection
      </button>
      <button
        type="button"
        className="danger"
        disabled={!sel}
        onClick={() =>
          sel && confirm(`Delete collection ${sel.name}?`) && act(() => api('DELETE', `/api/collections/${encodeURIComponent(sel.id)}`))
        }
      >
        Delete
      </button>
    </>
  );
  return (
    <ListPage title="Device Collections" actions={actions} error={error ?? list.error}>
      <ListTable rows={list.data} columns={COLUMNS} selected={selected} onSelect={setSelected} />
      {sel ? <CollectionDetails sel={sel} computers={computers.data ?? []} save={(patch) => save(sel, patch)} /> : null}
      {creating ? (
        <CreateCollection
          computers={computers.data ?? []}
          onClose={() => setCreating(false)}
          onCreated={(id) => {
            setCreating(false);
            setSelected(id);
            list.reload();
          }}
        />
      ) : null}
    </ListPage>
  );
}

function CollectionDetails({
  sel,
  computers,
  save,
}: {
  sel: Collection;
  computers: SiteComputer[];
  save: (patch: Partial<Collection>) => void;
}) {
  const nameOf = (id: string) => computers.find((c) => c.id === id)?.name ?? id;
  return (
    <div className="panel">
      <h2>{sel.name}</h2>
      <p>{sel.description}</p>
      <h3>Membership</h3>
      <label>
        Query rule: computer name matches (wildcards * and ?; empty = none)
        <input
          key={sel.id}
          defaultValue={sel.rule.namePattern}
          onBlur={(e) => e.target.value !== sel.rule.namePattern && save({ rule: { namePattern: e.target.value } })}
        />
      </label>
      <fieldset>
        <legend>Direct members</legend>
        {computers.map((c) => (
          <label key={c.id} className="check">
            <input
              type="checkbox"
              checked={sel.directMembers.includes(c.id)}
              onChange={(e) =>
                save({ directMembers: e.target.checked ? [...sel.directMembers, c.id] : sel.directMembers.filter((m) => m !== c.id) })
              }
            />
            {c.name}
          </label>
        ))}
      </fieldset>
      <p>Members now: {sel.members.map(nameOf).join(', ') || 'none'}</p>
      <h3>Collection variables</h3>
      <VariablesEditor key={sel.id} initial={sel.variables} onSave={(v: Variable[]) => save({ variables: v })} />
    </div>
  );
}

function CreateCollection({
  computers,
  onClose,
  onCreated,
}: {
  computers: SiteComputer[];
  onClose: () => void;
  onCreated: (id: string) => void;
}) {
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [pattern, setPattern] = useState('');
  const [members, setMembers] = useState<string[]>([]);
  const [error, setError] = useState<unknown>();
  return (
    <Dialog title="Create Device Collection" onClose={onClose}>
      <label>
        Name
        <input value={name} onChange={(e) => setName(e.target.value)} />
      </label>
      <label>
        Comment
        <input value={description} onChange={(e) => setDescription(e.target.value)} />
      </label>
      <label>
        Query rule: computer name matches (optional)
        <input value={pattern} onChange={(e) => setPattern(e.target.value)} />
      </label>
      <fieldset>
        <legend>Direct members</legend>
        {computers.map((c) => (
          <label key={c.id} className="check">
            <input
              type="checkbox"
              checked={members.includes(c.id)}
              onChange={(e) => setMembers(e.target.checked ? [...members, c.id] : members.filter((m) => m !== c.id))}
            />
            {c.name}
          </label>
        ))}
      </fieldset>
      <ErrorBanner error={error} />
      <div className="buttons">
        <button
          type="button"
          className="primary"
          disabled={!name.trim()}
          onClick={async () => {
            try {
              const c = await api<Collection>('POST', '/api/collections', { name, description, rule: { namePattern: pattern }, members });
              onCreated(c.id);
            } catch (e) {
              setError(e);
            }
          }}
        >
          Create
        </button>
        <button type="button" onClick={onClose}>
          Cancel
        </button>
      </div>
    </Dialog>
  );
}
