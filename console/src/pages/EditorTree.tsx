// Editing the step tree: insert, remove, move, copy and paste (buttons and keys), the toolbar
// with the Add menu built from the server's catalog, and the list of problems.
import { useState } from 'react';
import type { SequenceNode, TaskSequence, TsProblem } from '../api.ts';
import { type Catalog, flatten, nodeAt, type Path, samePath, siblings } from '../catalog.ts';

export type TreeEditing = ReturnType<typeof useTreeEditing>;

export function useTreeEditing(
  doc: TaskSequence | undefined,
  edit: (f: (d: TaskSequence) => void) => void,
  selected: Path | undefined,
  setSelected: (p: Path | undefined) => void,
  onInsert: () => void,
) {
  const [clipboard, setClipboard] = useState<SequenceNode>();
  // A step goes into the selected group (at its end) or after the selected step; a group goes
  // after the selected item; with nothing selected, at the end of the sequence.
  const insert = (node: SequenceNode) => {
    let at: Path;
    edit((d) => {
      const target = selected ? nodeAt(d, selected) : undefined;
      if (!selected || !target) {
        d.children.push(node);
        at = [d.children.length - 1];
      } else if (target.kind === 'group' && node.kind === 'step') {
        target.children.push(node);
        at = [...selected, target.children.length - 1];
      } else {
        const i = selected[selected.length - 1]! + 1;
        siblings(d, selected).splice(i, 0, node);
        at = [...selected.slice(0, -1), i];
      }
    });
    setSelected(at!);
    onInsert();
  };
  const remove = () =>
    selected &&
    edit((d) => {
      siblings(d, selected).splice(selected[selected.length - 1]!, 1);
      setSelected(undefined);
    });
  const move = (delta: -1 | 1) => {
    if (!selected || !doc) return;
    const i = selected[selected.length - 1]!;
    const j = i + delta;
    if (j < 0 || j >= siblings(doc, selected).length) return;
    edit((d) => {
      const l = siblings(d, selected);
      [l[i], l[j]] = [l[j]!, l[i]!];
    });
    setSelected([...selected.slice(0, -1), j]);
  };
  const copy = (item: SequenceNode | undefined) => item && setClipboard(structuredClone(item));
  const paste = () => clipboard && insert(structuredClone(clipboard));

  // Keyboard: ↑/↓ select, Alt+↑/↓ move, Delete removes, Ctrl+C / Ctrl+X / Ctrl+V copy, cut, paste.
  const onKey = (e: React.KeyboardEvent) => {
    if (!doc) return;
    const order = flatten(doc.children).map((f) => f.path);
    const i = selected ? order.findIndex((p) => samePath(p, selected)) : -1;
    const item = selected ? nodeAt(doc, selected) : undefined;
    const focusSelected = () => requestAnimationFrame(() => document.querySelector<HTMLElement>('.tree-item.selected')?.focus());
    const ctrl = e.ctrlKey || e.metaKey;
    if ((e.key === 'ArrowDown' || e.key === 'ArrowUp') && !e.altKey) {
      const next = order[Math.min(order.length - 1, Math.max(0, i + (e.key === 'ArrowDown' ? 1 : -1)))];
      if (next) setSelected(next);
      focusSelected();
    } else if ((e.key === 'ArrowDown' || e.key === 'ArrowUp') && e.altKey) {
      move(e.key === 'ArrowDown' ? 1 : -1);
      focusSelected();
    } else if (e.key === 'Delete' && selected) remove();
    else if (ctrl && e.key === 'c' && item) copy(item);
    else if (ctrl && e.key === 'x' && item) {
      copy(item);
      remove();
    } else if (ctrl && e.key === 'v' && clipboard) paste();
    else return;
    e.preventDefault();
  };
  return { insert, remove, move, copy, paste, canPaste: clipboard !== undefined, onKey };
}

export function EditorToolbar({
  catalog,
  tree,
  selected,
  item,
  hidden,
}: {
  catalog: Catalog;
  tree: TreeEditing;
  selected: Path | undefined;
  item: SequenceNode | undefined;
  hidden: boolean;
}) {
  return (
    <div className="toolbar" role="toolbar" aria-label="Editor" hidden={hidden}>
      <AddMenu catalog={catalog} insert={tree.insert} />
      <button type="button" disabled={!selected} onClick={tree.remove}>
        Remove
      </button>
      <button type="button" disabled={!item} onClick={() => tree.copy(item)} title="Ctrl+C">
        Copy
      </button>
      <button type="button" disabled={!tree.canPaste} onClick={tree.paste} title="Ctrl+V">
        Paste
      </button>
      <button type="button" disabled={!selected} onClick={() => tree.move(-1)} aria-label="Move Up">
        Move Up
      </button>
      <button type="button" disabled={!selected} onClick={() => tree.move(1)} aria-label="Move Down">
        Move Down
      </button>
    </div>
  );
}

function AddMenu({ catalog, insert }: { catalog: Catalog; insert: (n: SequenceNode) => void }) {
  const [menu, setMenu] = useState<string | false>(false);
  const add = (n: SequenceNode) => {
    insert(structuredClone(n));
    setMenu(false);
  };
  return (
    <div className="menu-wrap">
      <button type="button" aria-haspopup="menu" aria-expanded={!!menu} onClick={() => setMenu(menu ? false : 'root')}>
        Add ▾
      </button>
      {menu ? (
        <div className="menu" role="menu" onKeyDown={(e) => e.key === 'Escape' && setMenu(false)}>
          <button type="button" role="menuitem" onClick={() => add(catalog.newGroup)}>
            New Group
          </button>
          {catalog.categories.map((cat) => {
            const steps = catalog.stepTypes.filter((s) => s.category === cat);
            return (
              <div key={cat} className="submenu-wrap" onMouseEnter={() => steps.length && setMenu(cat)}>
                <button
                  type="button"
                  role="menuitem"
                  aria-haspopup="menu"
                  aria-expanded={menu === cat}
                  disabled={!steps.length}
                  onClick={() => setMenu(cat)}
                >
                  {cat} ▸
                </button>
                {menu === cat ? (
                  <div className="menu submenu" role="menu" aria-label={cat}>
                    {steps.map((s) => (
                      <button type="button" key={s.type} role="menuitem" onClick={() => add(s.newStep)}>
                        {s.label}
                      </button>
                    ))}
                  </div>
                ) : null}
              </div>
            );
          })}
        </div>
      ) : null}
    </div>
  );
}

export function ProblemList({ doc, problems, onSelect }: { doc: TaskSequence; problems: TsProblem[]; onSelect: (p: Path) => void }) {
  if (!problems.length) return null;
  return (
    <ul className="problems" aria-label="Problems">
      {problems.map((p, i) => (
        <li key={i} className={p.severity}>
          <button type="button" className="link" onClick={() => onSelect(p.path)}>
            {nodeAt(doc, p.path)?.name ?? '?'}
          </button>
          : {p.message}
        </li>
      ))}
    </ul>
  );
}
