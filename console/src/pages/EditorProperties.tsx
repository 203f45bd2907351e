// The Properties tab: name and description, then each field the catalog gives for the step
// type (shown only when its `when` holds), and Run Command Line's time-out.
import type { Package, SequenceNode, Step, TsProblem } from '../api.ts';
import { type Catalog, type FieldSpec, fieldVisible, type PropertyValue, stepInfo } from '../catalog.ts';
import { PasswordWithConfirm } from './EditorParts.tsx';

export function PropertiesTab({
  node,
  catalog,
  packages,
  problems,
  update,
}: {
  node: SequenceNode;
  catalog: Catalog;
  packages: Package[];
  problems: TsProblem[];
  update: (f: (n: SequenceNode) => void) => void;
}) {
  const spec = node.kind === 'step' ? stepInfo(catalog, node.type) : undefined;
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
