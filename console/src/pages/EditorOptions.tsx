// The Options tab: disable, continue on error, success codes, and the condition builder (If
// statements and the condition types the catalog lists).
import { useState } from 'react';
import type { Condition, ConditionExpression, ConditionOperator, SequenceNode, Step } from '../api.ts';
import { type Catalog, type ConditionTypeInfo, stepInfo } from '../catalog.ts';
import { choiceLabel } from './EditorParts.tsx';

export function OptionsTab({
  node,
  catalog,
  update,
}: {
  node: SequenceNode;
  catalog: Catalog;
  update: (f: (n: SequenceNode) => void) => void;
}) {
  const step = node.kind === 'step' ? (node as Step) : undefined;
  const withSuccessCodes =
    step && (step.type === 'SMS_TaskSequence_RunCommandLineAction' || step.type === 'SMS_TaskSequence_RunPowerShellScriptAction');
  const [codes, setCodes] = useState((step?.successCodes ?? stepInfo(catalog, step?.type ?? '')?.successCodes ?? [0]).join(' '));
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
        conditions={catalog.conditions}
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

function ConditionBuilder({
  conditions,
  condition,
  onChange,
}: {
  conditions: ConditionTypeInfo[];
  condition: Condition | undefined;
  onChange: (c: Condition | undefined) => void;
}) {
  const root: ConditionOperator | undefined = condition
    ? condition.kind === 'operator'
      ? condition
      : { kind: 'operator', operator: 'and', operands: [condition] }
    : undefined;
  return (
    <fieldset className="conditions">
      <legend>Conditions</legend>
      {root ? (
        <OperatorNode conditions={conditions} node={root} onChange={(n) => onChange(n)} onRemove={() => onChange(undefined)} />
      ) : (
        <AddCondition
          conditions={conditions}
          label="Add Condition"
          onAdd={(c) => onChange({ kind: 'operator', operator: 'and', operands: [c] })}
        />
      )}
    </fieldset>
  );
}

function AddCondition({ conditions, label, onAdd }: { conditions: ConditionTypeInfo[]; label: string; onAdd: (c: Condition) => void }) {
  return (
    <select
      aria-label={label}
      value=""
      onChange={(e) => {
        const v = e.target.value;
        if (!v) return;
        const type = conditions.find((e) => e.kind === v);
        if (v === 'if') onAdd({ kind: 'operator', operator: 'and', operands: [] });
        else if (type) onAdd(structuredClone(type.newExpression));
      }}
    >
      <option value="">{label}…</option>
      <option value="if">If statement</option>
      {conditions.map((e) => (
        <option key={e.kind} value={e.kind}>
          {e.label}
        </option>
      ))}
    </select>
  );
}

function OperatorNode({
  conditions,
  node,
  onChange,
  onRemove,
}: {
  conditions: ConditionTypeInfo[];
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
              <OperatorNode conditions={conditions} node={c} onChange={(n) => setChild(i, n)} onRemove={() => setChild(i, undefined)} />
            ) : (
              <ExpressionNode conditions={conditions} expr={c} onChange={(n) => setChild(i, n)} onRemove={() => setChild(i, undefined)} />
            )}
          </li>
        ))}
        <li>
          <AddCondition
            conditions={conditions}
            label="Add condition"
            onAdd={(c) => onChange({ ...node, operands: [...node.operands, c] })}
          />
        </li>
      </ul>
    </div>
  );
}

function ExpressionNode({
  conditions,
  expr,
  onChange,
  onRemove,
}: {
  conditions: ConditionTypeInfo[];
  expr: ConditionExpression;
  onChange: (e: ConditionExpression) => void;
  onRemove: () => void;
}) {
  const spec = conditions.find((e) => e.kind === expr.kind);
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
