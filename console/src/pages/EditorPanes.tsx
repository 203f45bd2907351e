// The editor's two panes: the tree (name, description, search, collapse) and the selected
// item's Properties and Options tabs.
import { useState } from 'react';
import type { Package, SequenceNode, TaskSequence, TsProblem } from '../api.ts';
import type { Catalog, Path } from '../catalog.ts';
import { Tree, TreeToolbar } from './EditorParts.tsx';
import { OptionsTab } from './EditorOptions.tsx';
import { PropertiesTab } from './EditorProperties.tsx';

interface DocFields {
  name: string;
  description: string;
  setName: (v: string) => void;
  setDescription: (v: string) => void;
}

export function TreePane({
  doc,
  fields,
  readOnly,
  selected,
  onSelect,
  problemsAt,
  onKey,
}: {
  doc: TaskSequence;
  fields: DocFields;
  readOnly: boolean;
  selected: Path | undefined;
  onSelect: (p: Path) => void;
  problemsAt: (p: Path) => TsProblem[];
  onKey: (e: React.KeyboardEvent) => void;
}) {
  const [query, setQuery] = useState('');
  const [collapsed, setCollapsed] = useState<Set<string>>(new Set());
  const toggle = (p: Path) =>
    setCollapsed((c) => {
      const next = new Set(c);
      const k = p.join('.');
      if (!next.delete(k)) next.add(k);
      return next;
    });
  return (
    <div className="tree-pane">
      <label>
        Name
        <input
          aria-label="Task sequence name"
          readOnly={readOnly}
          value={fields.name}
          maxLength={100}
          onChange={(e) => fields.setName(e.target.value)}
        />
      </label>
      <label>
        Description
        <input
          aria-label="Task sequence description"
          readOnly={readOnly}
          value={fields.description}
          maxLength={512}
          onChange={(e) => fields.setDescription(e.target.value)}
        />
      </label>
      <TreeToolbar nodes={doc.children} query={query} setQuery={setQuery} setCollapsed={setCollapsed} />
      <ul className="tree" role="tree" aria-label="Steps" onKeyDown={readOnly ? undefined : onKey}>
        <Tree
          nodes={doc.children}
          base={[]}
          selected={selected}
          onSelect={onSelect}
          problemsAt={problemsAt}
          parentDisabled={false}
          view={{ query, collapsed, toggle }}
        />
      </ul>
    </div>
  );
}

export function DetailPane({
  item,
  catalog,
  tab,
  setTab,
  readOnly,
  packages,
  problems,
  update,
}: {
  item: SequenceNode | undefined;
  catalog: Catalog;
  tab: 'properties' | 'options';
  setTab: (t: 'properties' | 'options') => void;
  readOnly: boolean;
  packages: Package[];
  problems: TsProblem[];
  update: (f: (n: SequenceNode) => void) => void;
}) {
  if (!item)
    return (
      <div className="detail-pane">
        <p className="hint">
          {readOnly
            ? 'Select a step or group to see its properties.'
            : 'Select a step or group, or use Add to insert one. A new step goes into the selected group, or after the selected step.'}
        </p>
      </div>
    );
  return (
    <div className="detail-pane">
      <div className="tabs" role="tablist">
        <button type="button" role="tab" aria-selected={tab === 'properties'} onClick={() => setTab('properties')}>
          Properties
        </button>
        <button type="button" role="tab" aria-selected={tab === 'options'} onClick={() => setTab('options')}>
          Options
        </button>
      </div>
      <fieldset role="tabpanel" className="tabpanel" disabled={readOnly}>
        {tab === 'properties' ? (
          <PropertiesTab node={item} catalog={catalog} packages={packages} problems={problems} update={update} />
        ) : (
          <OptionsTab node={item} catalog={catalog} update={update} />
        )}
      </fieldset>
    </div>
  );
}
