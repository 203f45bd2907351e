// Task Sequence Editor: step tree (groups, reorder, enable/disable), Add menu with categories
// (User State: Request State Store, Capture User State, Restore User State, Release State
// Store), Properties and Options tabs, Apply / OK / Cancel. Problems are shown before saving and
// a save against a newer version is refused by the server (409) without losing the edit.
import { useEffect, useMemo, useState } from 'react';
import { api, ApiError, type Package, type TsFull } from '../api.ts';
import { go } from '../App.tsx';
import { ErrorBanner } from '../ui.tsx';
import { choiceLabel, PasswordWithConfirm, Tree, TreeToolbar } from './EditorParts.tsx';
import type {
  Condition,
  ConditionExpression,
  ConditionOperator,
  SequenceNode,
  Step,
  TaskSequence,
} from '../../../src/tasksequence/model.ts';
import {
  ADD_MENU_CATEGORIES,
  EXPRESSION_CATALOG,
  STEP_CATALOG,
  fieldVisible,
  flatten,
  newExpression,
  newGroup,
  newStep,
  nodeAt,
  stepSpec,
  validateDocument,
  type FieldSpec,
  type PropertyValue,
  type TsProblem,
} from '../../../src/server/site/ts-document.ts';

type Path = number[];
const samePath = (a: Path | undefined, b: Path | undefined) => !!a && !!b && a.length === b.length && a.every((x, i) => x === b[i]);

function siblings(doc: TaskSequence, path: Path): SequenceNode[] {
  if (path.length === 1) return doc.children;
  const parent = nodeAt(doc, path.slice(0, -1));
  return parent && parent.kind === 'group' ? parent.children : [];
}

/** `readOnly`: the View command (the tree and both tabs, nothing editable). */
export function EditorPage({ id, readOnly = false }: { id: string; readOnly?: boolean }) {
  const [ts, setTs] = useState<TsFull>();
  const [doc, setDoc] = useState<TaskSequence>();
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [selected, setSelected] = useState<Path>();
  const [tab, setTab] = useState<'properties' | 'options'>('properties');
  const [dirty, setDirty] = useState(false);
  const [error, setError] = useState<unknown>();
  const [saved, setSaved] = useState('');
  const [packages, setPackages] = useState<Package[]>([]);
  const [menu, setMenu] = useState<string | false>(false);
  const [clipboard, setClipboard] = useState<SequenceNode>();
  const [query, setQuery] = useState('');
  const [collapsed, setCollapsed] = useState<Set<string>>(new Set());
  const treeView = {
    query,
    collapsed,
    toggle: (p: Path) =>
      setCollapsed((c) => {
        const next = new Set(c);
        const k = p.join('.');
        if (!next.delete(k)) next.add(k);
        return next;
      }),
  };
  // The engine's own validation (codes FERRY_*), as the server reported it at the last load/save.
  const [serverProblems, setServerProblems] = useState<TsProblem[]>([]);

  const load = async () => {
    const t = await api<TsFull>('GET', `/api/task-sequences/${encodeURIComponent(id)}`);
    setTs(t);
    setDoc(t.document);
    setName(t.name);
    setDescription(t.description);
    setDirty(false);
    setServerProblems(t.problems.filter((p) => p.message.startsWith('FERRY_')));
  };
  useEffect(() => {
    load().catch(setError);
    api<Package[]>('GET', '/api/packages').then(setPackages, setError);
  }, [id]);

  const packageIds = useMemo(() => new Set(packages.map((p) => p.id)), [packages]);
  const problems: TsProblem[] = useMemo(() => (doc ? validateDocument(doc, packageIds) : []), [doc, packageIds]);
  const shown = [...problems, ...serverProblems.filter((p) => !problems.some((q) => q.message === p.message))];
  const errors = problems.filter((p) => p.severity === 'error');

  if (!doc || !ts) return <ErrorBanner error={error} />;

  const edit = (f: (d: TaskSequence) => void) => {
    const next = structuredClone(doc);
    f(next);
    setDoc(next);
    setDirty(true);
    setSaved('');
  };
  const item = selected ? nodeAt(doc, selected) : undefined;

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
        const list = siblings(d, selected);
        const i = selected[selected.length - 1]! + 1;
        list.splice(i, 0, node);
        at = [...selected.slice(0, -1), i];
      }
    });
    setSelected(at!);
    setMenu(false);
    setTab('properties');
  };
  const remove = () =>
    selected &&
    edit((d) => {
      siblings(d, selected).splice(selected[selected.length - 1]!, 1);
      setSelected(undefined);
    });
  const move = (delta: -1 | 1) => {
    if (!selected) return;
    const i = selected[selected.length - 1]!;
    const list = siblings(doc, selected);
    const j = i + delta;
    if (j < 0 || j >= list.length) return;
    edit((d) => {
      const l = siblings(d, selected);
      [l[i], l[j]] = [l[j]!, l[i]!];
    });
    setSelected([...selected.slice(0, -1), j]);
  };
  const update = (f: (n: SequenceNode) => void) => selected && edit((d) => f(nodeAt(d, selected)!));

  const apply = async (close: boolean) => {
    setError(undefined);
    if (errors.length) {
      setError(new ApiError(400, 'FERRY_E_SITE_INVALID', `Fix ${errors.length} problem(s) before saving: ${errors[0]!.message}`, {}));
      setSelected(errors[0]!.path);
      return;
    }
    try {
      const t = await api<TsFull>('PUT', `/api/task-sequences/${encodeURIComponent(id)}`, {
        name,
        description,
        sequence: doc,
        version: ts.version,
      });
      setTs(t);
      setDoc(t.document);
      setDirty(false);
      setServerProblems(t.problems.filter((p) => p.message.startsWith('FERRY_')));
      setSaved(`Saved version ${t.version}.`);
      if (close) go('task-sequences');
    } catch (e) {
      setError(e);
      if (e instanceof ApiError && Array.isArray(e.details.problems)) setServerProblems(e.details.problems as TsProblem[]);
    }
  };

  const problemsAt = (p: Path) => problems.filter((x) => samePath(x.path, p));

  // Keyboard: ↑/↓ select, Alt+↑/↓ move, Delete removes, Ctrl+C / Ctrl+X / Ctrl+V copy, cut, paste.
  const onTreeKey = (e: React.KeyboardEvent) => {
    const order = flatten(doc.children).map((f) => f.path);
    const i = selected ? order.findIndex((p) => samePath(p, selected)) : -1;
    const focusSelected = () => requestAnimationFrame(() => document.querySelector<HTMLElement>('.tree-item.selected')?.focus());
    if ((e.key === 'ArrowDown' || e.key === 'ArrowUp') && !e.altKey) {
      const next = order[Math.min(order.length - 1, Math.max(0, i + (e.key === 'ArrowDown' ? 1 : -1)))];
      if (next) setSelected(next);
      focusSelected();
    } else if ((e.key === 'ArrowDown' || e.key === 'ArrowUp') && e.altKey) {
      move(e.key === 'ArrowDown' ? 1 : -1);
      focusSelected();
    } else if (e.key === 'Delete' && selected) remove();
    else if ((e.ctrlKey || e.metaKey) && e.key === 'c' && item) setClipboard(structuredClone(item));
    else if ((e.ctrlKey || e.metaKey) && e.key === 'x' && item) {
      setClipboard(structuredClone(item));
      remove();
    } else if ((e.ctrlKey || e.metaKey) && e.key === 'v' && clipboard) insert(structuredClone(clipboard));
    else return;
    e.preventDefault();
  };

  return (
    <section className="editor">
      <h1>
        {readOnly ? 'Task Sequence (view)' : 'Task Sequence Editor'} — <span className="ts-name">{ts.name}</span>{' '}
        <small>
          ({ts.id}, version {ts.version})
        </small>
      </h1>
      <div className="toolbar" role="toolbar" aria-label="Editor" hidden={readOnly}>
        <div className="menu-wrap">
          <button type="button" aria-haspopup="menu" aria-expanded={!!menu} onClick={() => setMenu(menu ? false : 'root')}>
            Add ▾
          </button>
          {menu ? (
            <div className="menu" role="menu" onKeyDown={(e) => e.key === 'Escape' && setMenu(false)}>
              <button type="button" role="menuitem" onClick={() => insert(newGroup())}>
                New Group
              </button>
              {ADD_MENU_CATEGORIES.map((cat) => {
                const steps = STEP_CATALOG.filter((s) => s.category === cat);
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
                          <button type="button" key={s.type} role="menuitem" onClick={() => insert(newStep(s.type))}>
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
        <button type="button" disabled={!selected} onClick={remove}>
          Remove
        </button>
        <button type="button" disabled={!item} onClick={() => item && setClipboard(structuredClone(item))} title="Ctrl+C">
          Copy
        </button>
        <button type="button" disabled={!clipboard} onClick={() => clipboard && insert(structuredClone(clipboard))} title="Ctrl+V">
          Paste
        </button>
        <button type="button" disabled={!selected} onClick={() => move(-1)} aria-label="Move Up">
          Move Up
        </button>
        <button type="button" disabled={!selected} onClick={() => move(1)} aria-label="Move Down">
          Move Down
        </button>
      </div>
      {shown.length ? (
        <ul className="problems" aria-label="Problems">
          {shown.map((p, i) => (
            <li key={i} className={p.severity}>
              <button type="button" className="link" onClick={() => setSelected(p.path)}>
                {nodeAt(doc, p.path)?.name ?? '?'}
              </button>
              : {p.message}
            </li>
          ))}
        </ul>
      ) : null}
      <div className="editor-body">
        <div className="tree-pane">
          <label>
            Name
            <input
              aria-label="Task sequence name"
              readOnly={readOnly}
              value={name}
              maxLength={100}
              onChange={(e) => (setName(e.target.value), setDirty(true))}
            />
          </label>
          <label>
            Description
            <input
              aria-label="Task sequence description"
              readOnly={readOnly}
              value={description}
              maxLength={512}
              onChange={(e) => (setDescription(e.target.value), setDirty(true))}
            />
          </label>
          <TreeToolbar nodes={doc.children} query={query} setQuery={setQuery} setCollapsed={setCollapsed} />
          <ul className="tree" role="tree" aria-label="Steps" onKeyDown={readOnly ? undefined : onTreeKey}>
            <Tree
              nodes={doc.children}
              base={[]}
              selected={selected}
              onSelect={setSelected}
              problemsAt={problemsAt}
              parentDisabled={false}
              view={treeView}
            />
          </ul>
        </div>
        <div className="detail-pane">
          {item ? (
            <>
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
                  <PropertiesTab node={item} packages={packages} problems={problemsAt(selected!)} update={update} />
                ) : (
                  <OptionsTab node={item} update={update} />
                )}
              </fieldset>
            </>
          ) : (
            <p className="hint">
              {readOnly
                ? 'Select a step or group to see its properties.'
                : 'Select a step or group, or use Add to insert one. A new step goes into the selected group, or after the selected step.'}
            </p>
          )}
        </div>
      </div>
      <ErrorBanner error={error} />
      {error instanceof ApiError && error.code === 'FERRY_E_SITE_CONFLICT' ? (
        <p className="conflict">
          Your edit is still here.{' '}
          <button type="button" onClick={() => load().catch(setError)}>
            Discard my changes and reload
          </button>
        </p>
      ) : null}
      <div className="buttons sticky" hidden={readOnly}>
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
      {readOnly ? (
        <div className="buttons">
          <button type="button" onClick={() => go('task-sequences', id, 'edit')}>
            Edit
          </button>
          <button type="button" className="primary" onClick={() => go('task-sequences')}>
            Close
          </button>
        </div>
      ) : null}
    </section>
  );
}

function PropertiesTab({
  node,
  packages,
  problems,
  update,
}: {
  node: SequenceNode;
  packages: Package[];
  problems: TsProblem[];
  update: (f: (n: SequenceNode) => void) => void;
}) {
  const spec = node.kind === 'step' ? stepSpec(node.type) : undefined;
  const msg = (prop: string) => problems.find((p) => p.property === prop)?.message;
  const props = node.kind === 'step' && !('unknown' in node) ? (node.properties as unknown as Record<string, PropertyValue>) : {};
  const setProp = (p: string, v: PropertyValue) =>
    update((n) => {
      (n as unknown as { properties: Record<string, PropertyValue> }).properties[p] = v;
    });
  return (
    <div className="form">
      <div className="type">Type: {node.kind === 'group' ? 'Group' : (spec?.label ?? node.type)}</div>
      <Field label="Name" error={msg('name')}>
        <input value={node.name} maxLength={100} onChange={(e) => update((n) => void (n.name = e.target.value))} />
      </Field>
      <Field label="Description" error={msg('description')}>
        <textarea value={node.description} onChange={(e) => update((n) => void (n.description = e.target.value))} />
      </Field>
      {node.kind === 'step' && 'unknown' in node ? (
        <p className="hint">Ferry does not know this step type; it is kept as imported.</p>
      ) : null}
      {spec?.fields
        .filter((f) => fieldVisible(f, props))
        .map((f) => (
          <div key={f.property} className={f.when ? 'sub' : undefined}>
            <PropertyField
              field={f}
              value={props[f.property] ?? f.default}
              stored={f.kind === 'password' && props[`${f.property}Set`] === true}
              packages={packages}
              error={msg(f.property)}
              onChange={(v) => setProp(f.property, v)}
            />
          </div>
        ))}
      {node.kind === 'step' && spec && spec.fields.length === 0 ? (
        <p className="hint">This step has no properties other than its name and description.</p>
      ) : null}
      {node.kind === 'step' && node.type === 'SMS_TaskSequence_RunCommandLineAction' ? (
        <>
          <label className="check">
            <input
              type="checkbox"
              checked={node.timeout !== undefined}
              onChange={(e) => update((n) => void (e.target.checked ? ((n as Step).timeout = 15 * 60) : delete (n as Step).timeout))}
            />
            Time-out (minutes)
          </label>
          {node.timeout !== undefined ? (
            <Field label="Minutes" error={msg('timeout')}>
              <input
                aria-label="Time-out minutes"
                type="number"
                min={1}
                max={999}
                value={node.timeout / 60}
                onChange={(e) => update((n) => void ((n as Step).timeout = Math.round(Number(e.target.value) * 60)))}
              />
            </Field>
          ) : null}
        </>
      ) : null}
    </div>
  );
}

function Field({ label, error, children }: { label: string; error?: string | undefined; children: React.ReactNode }) {
  return (
    <label className={error ? 'invalid' : ''}>
      {label}
      {children}
      {error ? <span className="field-error">{error}</span> : null}
    </label>
  );
}

function PropertyField({
  field: f,
  value,
  stored,
  packages,
  error,
  onChange,
}: {
  field: FieldSpec;
  value: PropertyValue;
  /** A password the site keeps (it never sends it back): an empty field keeps it on save. */
  stored?: boolean;
  packages: Package[];
  error?: string | undefined;
  onChange: (v: PropertyValue) => void;
}) {
  switch (f.kind) {
    case 'boolean':
      return (
        <label className={`check${error ? ' invalid' : ''}`}>
          <input type="checkbox" checked={value === true} onChange={(e) => onChange(e.target.checked)} />
          {f.label}
          {error ? <span className="field-error">{error}</span> : null}
        </label>
      );
    case 'choice':
      return (
        <fieldset className={error ? 'invalid' : ''}>
          <legend>{f.label}</legend>
          {f.choices!.map((c) => (
            <label key={c.value} className="radio">
              <input type="radio" name={f.property} checked={value === c.value} onChange={() => onChange(c.value)} />
              {c.label}
            </label>
          ))}
          {error ? <span className="field-error">{error}</span> : null}
        </fieldset>
      );
    case 'integer':
      return (
        <Field label={f.label} error={error}>
          <input
            aria-label={f.label}
            type="number"
            inputMode="numeric"
            value={typeof value === 'number' && Number.isFinite(value) ? value : ''}
            onChange={(e) => onChange(e.target.value === '' ? Number.NaN : Number(e.target.value))}
          />
        </Field>
      );
    case 'package':
    case 'image': {
      // Image packages (Software Library › Operating System Images) for the image field, the others elsewhere.
      const choices = packages.filter((p) => (p.kind === 'osimage') === (f.kind === 'image'));
      return (
        <Field label={f.label} error={error}>
          <select aria-label={f.label} value={String(value)} onChange={(e) => onChange(e.target.value)}>
            <option value="">(none)</option>
            {choices.map((p) => (
              <option key={p.id} value={p.id}>
                {p.name} ({p.id})
              </option>
            ))}
          </select>
        </Field>
      );
    }
    case 'list':
      return (
        <Field label={`${f.label}${f.help ? ` (${f.help})` : ''}`} error={error}>
          <input
            aria-label={f.label}
            value={Array.isArray(value) ? value.join(', ') : ''}
            onChange={(e) =>
              onChange(
                e.target.value
                  .split(',')
                  .map((s) => s.trim())
                  .filter(Boolean),
              )
            }
          />
        </Field>
      );
    case 'password':
      return <PasswordWithConfirm label={f.label} value={String(value)} stored={stored === true} error={error} onChange={onChange} />;
    default:
      return (
        <Field label={f.label} error={error}>
          <input aria-label={f.label} type="text" value={String(value)} onChange={(e) => onChange(e.target.value)} />
        </Field>
      );
  }
}

function OptionsTab({ node, update }: { node: SequenceNode; update: (f: (n: SequenceNode) => void) => void }) {
  const step = node.kind === 'step' ? (node as Step) : undefined;
  const withSuccessCodes =
    step && (step.type === 'SMS_TaskSequence_RunCommandLineAction' || step.type === 'SMS_TaskSequence_RunPowerShellScriptAction');
  const [codes, setCodes] = useState(
    (
      step?.successCodes ??
      stepSpec(step?.type ?? '')
        ?.successCodes.split(' ')
        .map(Number) ?? [0]
    ).join(' '),
  );
  return (
    <div className="form">
      <label className="check">
        <input type="checkbox" checked={node.disabled} onChange={(e) => update((n) => void (n.disabled = e.target.checked))} />
        Disable this {node.kind}
      </label>
      <label className="check">
        <input
          type="checkbox"
          checked={node.continueOnError}
          onChange={(e) => update((n) => void (n.continueOnError = e.target.checked))}
        />
        Continue on error
      </label>
      {withSuccessCodes ? (
        <label>
          Success codes
          <input
            value={codes}
            onChange={(e) => {
              setCodes(e.target.value);
              const list = e.target.value.trim().split(/\s+/).filter(Boolean).map(Number);
              update((n) => void ((n as Step).successCodes = list));
            }}
          />
        </label>
      ) : null}
      <ConditionBuilder
        condition={node.condition}
        onChange={(c) =>
          update((n) => {
            if (c) n.condition = c;
            else delete n.condition;
          })
        }
      />
    </div>
  );
}

function ConditionBuilder({ condition, onChange }: { condition: Condition | undefined; onChange: (c: Condition | undefined) => void }) {
  const root: ConditionOperator | undefined = condition
    ? condition.kind === 'operator'
      ? condition
      : { kind: 'operator', operator: 'and', operands: [condition] }
    : undefined;
  return (
    <fieldset className="conditions">
      <legend>Conditions</legend>
      {root ? (
        <OperatorNode node={root} onChange={(n) => onChange(n)} onRemove={() => onChange(undefined)} />
      ) : (
        <AddCondition label="Add Condition" onAdd={(c) => onChange({ kind: 'operator', operator: 'and', operands: [c] })} />
      )}
    </fieldset>
  );
}

function AddCondition({ label, onAdd }: { label: string; onAdd: (c: Condition) => void }) {
  return (
    <select
      aria-label={label}
      value=""
      onChange={(e) => {
        const v = e.target.value;
        if (!v) return;
        onAdd(v === 'if' ? { kind: 'operator', operator: 'and', operands: [] } : newExpression(v as 'variable'));
      }}
    >
      <option value="">{label}…</option>
      <option value="if">If statement</option>
      {EXPRESSION_CATALOG.map((e) => (
        <option key={e.kind} value={e.kind}>
          {e.label}
        </option>
      ))}
    </select>
  );
}

function OperatorNode({
  node,
  onChange,
  onRemove,
}: {
  node: ConditionOperator;
  onChange: (n: ConditionOperator) => void;
  onRemove: () => void;
}) {
  const setChild = (i: number, c: Condition | undefined) => {
    const operands = [...node.operands];
    if (c) operands[i] = c;
    else operands.splice(i, 1);
    onChange({ ...node, operands });
  };
  return (
    <div className="cond-op">
      <div className="row">
        <label>
          If
          <select aria-label="If" value={node.operator} onChange={(e) => onChange({ ...node, operator: e.target.value as 'and' })}>
            <option value="and">All conditions are true</option>
            <option value="or">Any condition is true</option>
            <option value="not">None of the conditions are true</option>
          </select>
        </label>
        <button type="button" className="link" onClick={onRemove}>
          Remove
        </button>
      </div>
      <ul>
        {node.operands.map((c, i) => (
          <li key={i}>
            {c.kind === 'operator' ? (
              <OperatorNode node={c} onChange={(n) => setChild(i, n)} onRemove={() => setChild(i, undefined)} />
            ) : (
              <ExpressionNode expr={c} onChange={(n) => setChild(i, n)} onRemove={() => setChild(i, undefined)} />
            )}
          </li>
        ))}
        <li>
          <AddCondition label="Add condition" onAdd={(c) => onChange({ ...node, operands: [...node.operands, c] })} />
        </li>
      </ul>
    </div>
  );
}

function ExpressionNode({
  expr,
  onChange,
  onRemove,
}: {
  expr: ConditionExpression;
  onChange: (e: ConditionExpression) => void;
  onRemove: () => void;
}) {
  const spec = EXPRESSION_CATALOG.find((e) => e.kind === expr.kind);
  if (!spec) return <div className="cond-expr">Condition of type {expr.kind === 'unknown' ? expr.type : expr.kind} (kept as imported)</div>;
  const rec = expr as unknown as Record<string, string | undefined>;
  return (
    <div className="cond-expr">
      <strong>{spec.label}</strong>
      {spec.fields.map((f) => (
        <label key={f.name}>
          {f.label}
          {f.choices ? (
            <select
              aria-label={f.label}
              value={rec[f.name] ?? ''}
              onChange={(e) => onChange({ ...expr, [f.name]: e.target.value } as ConditionExpression)}
            >
              {f.choices.map((c) => (
                <option key={c} value={c}>
                  {choiceLabel(c)}
                </option>
              ))}
            </select>
          ) : (
            <input
              aria-label={f.label}
              value={rec[f.name] ?? ''}
              onChange={(e) => onChange({ ...expr, [f.name]: e.target.value } as ConditionExpression)}
            />
          )}
        </label>
      ))}
      <button type="button" className="link" onClick={onRemove}>
        Remove
      </button>
    </div>
  );
}
