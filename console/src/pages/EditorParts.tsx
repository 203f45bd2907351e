// Pieces of the task sequence editor kept out of Editor.tsx: the step tree with collapse/expand
// and search, ConfigMgr's words for condition operators, and a password field with confirmation.
import { useState } from 'react';
import type { SequenceNode, TsProblem } from '../api.ts';
import { type Path, samePath } from '../catalog.ts';

const keyOf = (p: Path) => p.join('.');

/** The operator words ConfigMgr's condition dialogs show, by the identifier the document stores. */
const OPERATOR_WORDS: Record<string, string> = {
  exists: 'exists',
  notExists: 'does not exist',
  equals: 'equals',
  notEquals: 'not equals',
  less: 'less than',
  lessEqual: 'less than or equals',
  greater: 'greater than',
  greaterEqual: 'greater than or equals',
  like: 'like',
  notLike: 'not like',
};
export const choiceLabel = (value: string): string => OPERATOR_WORDS[value] ?? value;

export function PasswordWithConfirm({
  label,
  value,
  stored = false,
  error,
  onChange,
}: {
  label: string;
  value: string;
  /** The site keeps a value it does not send back: leaving the field empty keeps it. */
  stored?: boolean;
  error?: string | undefined;
  onChange: (v: string) => void;
}) {
  // A password already saved counts as confirmed; typing a new one asks for it twice.
  const [confirm, setConfirm] = useState(value);
  const mismatch = confirm !== value;
  return (
    <>
      <label className={mismatch || error ? 'invalid' : ''}>
        {label}
        <input
          aria-label={label}
          type="password"
          autoComplete="new-password"
          placeholder={stored ? '(set — leave empty to keep)' : undefined}
          value={value}
          onChange={(e) => onChange(e.target.value)}
        />
        {error ? <span className="field-error">{error}</span> : null}
      </label>
      <label className={mismatch ? 'invalid' : ''}>
        Confirm {label.charAt(0).toLowerCase() + label.slice(1)}
        <input
          aria-label={`Confirm ${label}`}
          type="password"
          autoComplete="new-password"
          value={confirm}
          onChange={(e) => setConfirm(e.target.value)}
        />
        {mismatch ? <span className="field-error">The passwords do not match.</span> : null}
      </label>
    </>
  );
}

/** Does a node or anything inside it match the search? */
function matches(n: SequenceNode, q: string): boolean {
  if (n.name.toLowerCase().includes(q) || (n.kind === 'step' && n.type.toLowerCase().includes(q))) return true;
  return n.kind === 'group' && n.children.some((c) => matches(c, q));
}

/** Every group's path, for "collapse all". */
export function groupPaths(nodes: readonly SequenceNode[], base: Path = [], out: string[] = []): string[] {
  nodes.forEach((n, i) => {
    if (n.kind !== 'group') return;
    out.push(keyOf([...base, i]));
    groupPaths(n.children, [...base, i], out);
  });
  return out;
}

export interface TreeView {
  query: string;
  collapsed: ReadonlySet<string>;
  toggle: (p: Path) => void;
}

export function TreeToolbar({
  nodes,
  query,
  setQuery,
  setCollapsed,
}: {
  nodes: readonly SequenceNode[];
  query: string;
  setQuery: (q: string) => void;
  setCollapsed: (s: Set<string>) => void;
}) {
  return (
    <div className="tree-toolbar">
      <input type="search" aria-label="Search steps" placeholder="Search steps" value={query} onChange={(e) => setQuery(e.target.value)} />
      <button type="button" className="small" onClick={() => setCollapsed(new Set())} title="Expand every group">
        Expand all
      </button>
      <button type="button" className="small" onClick={() => setCollapsed(new Set(groupPaths(nodes)))} title="Collapse every group">
        Collapse all
      </button>
    </div>
  );
}

export function Tree(props: {
  nodes: SequenceNode[];
  base: Path;
  selected: Path | undefined;
  onSelect: (p: Path) => void;
  problemsAt: (p: Path) => TsProblem[];
  parentDisabled: boolean;
  view: TreeView;
}) {
  const q = props.view.query.trim().toLowerCase();
  return (
    <>
      {props.nodes.map((n, i) => {
        const path = [...props.base, i];
        if (q && !matches(n, q)) return null;
        const disabled = props.parentDisabled || n.disabled;
        const bad = props.problemsAt(path).some((p) => p.severity === 'error');
        // A search shows every group on the way to a match, whatever was collapsed.
        const open = n.kind === 'group' && (q !== '' || !props.view.collapsed.has(keyOf(path)));
        const hit = q !== '' && n.name.toLowerCase().includes(q);
        return (
          <li
            key={keyOf(path)}
            role="treeitem"
            aria-selected={samePath(path, props.selected)}
            aria-expanded={n.kind === 'group' ? open : undefined}
          >
            <span className="tree-row">
              {n.kind === 'group' ? (
                <button
                  type="button"
                  className="twisty"
                  aria-label={open ? `Collapse ${n.name}` : `Expand ${n.name}`}
                  onClick={() => props.view.toggle(path)}
                  disabled={q !== ''}
                >
                  {open ? '▾' : '▸'}
                </button>
              ) : (
                <span className="twisty" aria-hidden="true" />
              )}
              <button
                type="button"
                className={
                  `tree-item ${n.kind}${disabled ? ' disabled' : ''}${samePath(path, props.selected) ? ' selected' : ''}` +
                  `${hit ? ' hit' : ''}`
                }
                onClick={() => props.onSelect(path)}
                title={bad ? 'This step has a problem' : n.description}
              >
                <span className={`icon ${bad ? 'bad' : n.kind}`} aria-hidden="true">
                  {bad ? '✖' : n.kind === 'group' ? '▣' : '•'}
                </span>
                {n.name}
                {bad ? <span className="sr-only"> (has errors)</span> : null}
                {disabled ? <span className="sr-only"> (disabled)</span> : null}
              </button>
            </span>
            {n.kind === 'group' && n.children.length && open ? (
              <ul role="group">
                <Tree {...props} nodes={n.children} base={path} parentDisabled={disabled} />
              </ul>
            ) : null}
          </li>
        );
      })}
    </>
  );
}
