// Human-readable rendering of a task sequence for `ferry ts show`: every group and step with
// type, name, enabled, continue on error, conditions and variables. Secret values are masked.
import type { Condition, SequenceNode, TaskSequence, TsVariable } from './model.ts';
import { propertyVariables, stepTypeSpec, type StepTypeSpec } from './step-types.ts';

const SECRET_RE = /password/i;

/** A condition as one line of text, as `ferry ts show` prints it. */
export function describeCondition(c: Condition): string {
  if (c.kind === 'operator') {
    const inner = c.operands.map(describeCondition);
    const word = c.operator === 'and' ? 'all of' : c.operator === 'or' ? 'any of' : 'none of';
    return c.implicit ? inner.join(' and ') : `${word} (${inner.join('; ')})`;
  }
  switch (c.kind) {
    case 'variable':
      return `variable ${c.variable} ${c.operator}${c.value !== undefined && !/exists/i.test(c.operator) ? ` "${c.value}"` : ''}`;
    case 'wmi':
      return `WMI ${c.namespace}: ${c.query}`;
    case 'file':
      return (
        `file ${c.path} ` +
        (`exists${c.version ? `, version ${c.versionOperator ?? 'equals'} ${c.version}` : ''}` +
          `${c.dateTime ? `, date ${c.dateTimeOperator ?? 'equals'} ${c.dateTime}` : ''}`)
      );
    case 'folder':
      return `folder ${c.path} exists${c.dateTime ? `, date ${c.dateTimeOperator ?? 'equals'} ${c.dateTime}` : ''}`;
    case 'registry':
      return (
        `registry ${c.keyPath} ` +
        `[${c.valueName}] ${c.operator}${c.data !== undefined && !/exists/i.test(c.operator) ? ` "${c.data}"` : ''} ` +
        `(${c.valueType})`
      );
    case 'software':
      return `installed software ${c.operator} ${c.productName ?? c.productCode ?? c.upgradeCode ?? ''}`.trim();
    case 'unknown':
      return `${c.type} (${c.fields.map(([k, v]) => `${k}=${v}`).join(', ')})`;
  }
}

/** The variables a step carries (its `<defaultVarList>`), secret values masked. */
export function stepVariables(node: SequenceNode): TsVariable[] {
  if (node.kind !== 'step') return [];
  if ('unknown' in node) return node.extraVariables;
  const spec = stepTypeSpec(node.type) as StepTypeSpec;
  const vars = [
    ...propertyVariables(spec, node.properties as unknown as Record<string, unknown>, node.variableLayout),
    ...node.extraVariables,
  ];
  return vars.map((v) => (SECRET_RE.test(v.name) && v.value !== '' ? { ...v, value: '********' } : v));
}

/** A task sequence as text for `ferry ts show`: every group and step with its type, settings, conditions and variables; secrets masked. */
export function describeSequence(seq: TaskSequence): string {
  const lines: string[] = [];
  lines.push(`Task sequence${seq.name ? ` "${seq.name}"` : ''} (version ${seq.version})`);
  const walk = (nodes: SequenceNode[], ind: string, prefix: string, parentDisabled: boolean) => {
    nodes.forEach((n, i) => {
      const id = prefix === '' ? String(i + 1) : `${prefix}.${i + 1}`;
      const enabled = !n.disabled && !parentDisabled;
      const flags = [
        enabled ? 'enabled' : n.disabled ? 'disabled' : 'disabled by its group',
        n.continueOnError ? 'continue on error' : 'stop on error',
      ];
      if (n.kind === 'group') {
        lines.push(`${ind}${id} [group] ${n.name}  (${flags.join(', ')})`);
      } else {
        const spec = stepTypeSpec(n.type);
        const label = spec ? spec.label : `unknown type ${n.type}`;
        const runIn = n.runIn ?? spec?.defaultRunIn;
        lines.push(
          `${ind}${id} [${label}] ${n.name}  ` +
            (`(${flags.join(', ')}${runIn ? `, runs in ${runIn}` : ''}` +
              `${n.successCodes ? `, success codes ${n.successCodes.join(' ')}` : ''}` +
              `${n.timeout !== undefined ? `, time-out ${n.timeout} s` : ''})`),
        );
      }
      if (n.description) lines.push(`${ind}    description: ${n.description}`);
      if (n.condition) lines.push(`${ind}    if ${describeCondition(n.condition)}`);
      for (const v of stepVariables(n)) lines.push(`${ind}    ${v.name} = ${v.value}`);
      if (n.kind === 'group') walk(n.children, ind + '  ', id, !enabled);
    });
  };
  walk(seq.children, '  ', '', false);
  for (const v of seq.globalVariables ?? []) lines.push(`  global ${v.name} = ${v.value}`);
  return lines.join('\n');
}

/** The model for `--json`, with secret property values masked. */
export function maskSecrets<T>(value: T): T {
  return JSON.parse(JSON.stringify(value), (key, v: unknown) => {
    if (typeof v === 'string' && v !== '' && SECRET_RE.test(key)) return '********';
    // `{ name, value }` variables (defaultVarList entries kept verbatim).
    if (v && typeof v === 'object' && 'name' in v && 'value' in v && SECRET_RE.test(String(v.name)) && v.value !== '')
      return { ...v, value: '********' };
    return v;
  }) as T;
}
