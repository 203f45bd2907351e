// ConfigMgr task sequence XML (task-sequence.md §7) ↔ the model. Import tolerates unknown
// attributes and elements and any child order; export writes the console's shapes. For any XML
// x: parse(serialize(parse(x))) equals parse(x) — the model keeps what it does not know verbatim.
import { XMLSerializer, type Element as XElement } from '@xmldom/xmldom';
import { parseXmlRefusingDtd } from '../text/index.ts';
import { FerryError } from '../errors/index.ts';
import type {
  CompareOperator,
  Condition,
  ConditionExpression,
  ExtraAttribute,
  Group,
  KnownStep,
  RegistryOperator,
  RunIn,
  SequenceNode,
  Step,
  StepCommon,
  TaskSequence,
  TsVariable,
  VariableOperator,
} from './model.ts';
import { parsePropValue, propertyVariables, stepTypeSpec, type StepTypeSpec } from './step-types.ts';

// ── safe XML parsing ─────────────────────────────────────────────────────────────────────

const MAX_XML_CHARS = 64 * 1024 * 1024;

/**
 * Parse XML text refusing DTDs and entity declarations (billion-laughs, external entities) in the
 * parser itself, and anything not well-formed, with a coded error naming the source and line.
 */
export function parseXmlDocument(text: string, source: string): XElement {
  if (text.length > MAX_XML_CHARS) {
    throw new FerryError('FERRY_E_XML_MALFORMED', `${source}: the XML is larger than ${MAX_XML_CHARS} characters; refusing to parse it.`, {
      details: { source },
    });
  }
  const parsed = parseXmlRefusingDtd(text.replace(/^\uFEFF/, ''));
  if (!parsed.ok) {
    const { line, column } = parsed;
    const at = line ? `:${line}${column ? `:${column}` : ''}` : '';
    throw new FerryError(
      'FERRY_E_XML_MALFORMED',
      parsed.dtd
        ? `${source}${at}: the XML declares a DTD or entities, which Ferry refuses ` +
            `for safety. Remove the <!DOCTYPE>/<!ENTITY> declarations.`
        : `${source}${at}: the XML is not well-formed: ${parsed.message.replace(/\s+/g, ' ').trim()}`,
      { details: { source, ...(line ? { line } : {}), ...(column ? { column } : {}) } },
    );
  }
  const root = parsed.doc.documentElement;
  if (!root)
    throw new FerryError('FERRY_E_XML_MALFORMED', `${source}: the XML is not well-formed: no root element`, { details: { source } });
  return root;
}

const elements = (el: XElement): XElement[] => {
  const out: XElement[] = [];
  for (let n = el.firstChild; n; n = n.nextSibling) if (n.nodeType === 1) out.push(n as XElement);
  return out;
};
const local = (el: XElement): string => el.localName ?? el.nodeName;
function serializeElement(el: XElement): string {
  try {
    return new XMLSerializer().serializeToString(el);
  } catch (err) {
    if (!(err instanceof RangeError)) throw err;
    throw new FerryError('FERRY_E_XML_MALFORMED', `<${el.nodeName}> is nested too deeply to keep; refusing the file.`, { cause: err });
  }
}

function attributes(el: XElement): ExtraAttribute[] {
  const out: ExtraAttribute[] = [];
  for (let i = 0; i < el.attributes.length; i++) {
    const a = el.attributes.item(i)!;
    out.push([a.name, a.value]);
  }
  return out;
}

function invalid(message: string, details: Record<string, unknown>): FerryError {
  return new FerryError('FERRY_E_TS_PROPERTY_INVALID', message, { details });
}

// ── import ───────────────────────────────────────────────────────────────────────────────

/** Parse the text of a `<sequence>` document. */
export function parseSequenceXml(text: string, source = 'task sequence'): TaskSequence {
  const root = parseXmlDocument(text, source);
  return parseSequenceElement(root, source);
}

/** Groups and condition operators nest at most this deep (the editor never comes close). */
export const MAX_NESTING = 256;

function checkDepth(at: string, source: string): void {
  if (at.split('/').length > MAX_NESTING) {
    throw new FerryError(
      'FERRY_E_XML_MALFORMED',
      `${source}: groups or conditions are nested deeper than ${MAX_NESTING} levels at ${at.slice(0, 80)}…; refusing the file.`,
      { details: { source } },
    );
  }
}

export function parseSequenceElement(root: XElement, source: string): TaskSequence {
  if (local(root) !== 'sequence') {
    throw new FerryError('FERRY_E_TS_INPUT_UNRECOGNIZED', `${source}: the root element is <${local(root)}>, not <sequence>.`, {
      details: { source },
    });
  }
  const seq: TaskSequence = { version: '3.00', children: [], extraAttributes: [], extraElements: [] };
  for (const [name, value] of attributes(root)) {
    if (name === 'version') seq.version = value;
    else if (name === 'name') seq.name = value;
    else if (name === 'description') seq.description = value;
    else seq.extraAttributes.push([name, value]);
  }
  const ctx = { source, path: 'sequence' };
  for (const child of elements(root)) {
    const n = local(child);
    if (n === 'group' || n === 'step') seq.children.push(parseNode(child, `${ctx.path}/${seq.children.length}`, source));
    else if (n === 'globalVarList') seq.globalVariables = [...(seq.globalVariables ?? []), ...parseVarList(child)];
    else seq.extraElements.push(serializeElement(child));
  }
  return seq;
}

function parseBool(value: string): boolean {
  return value.trim().toLowerCase() === 'true';
}

function parseCommon(
  el: XElement,
  at: string,
  source: string,
  known: Set<string>,
): Omit<StepCommon, 'kind' | 'extraVariables'> & { attrs: Map<string, string> } {
  const attrs = new Map<string, string>();
  const extraAttributes: ExtraAttribute[] = [];
  for (const [name, value] of attributes(el)) {
    if (known.has(name)) attrs.set(name, value);
    else extraAttributes.push([name, value]);
  }
  const common: Omit<StepCommon, 'kind' | 'extraVariables'> & { attrs: Map<string, string> } = {
    name: attrs.get('name') ?? '',
    description: attrs.get('description') ?? '',
    disabled: parseBool(attrs.get('disable') ?? 'false'),
    continueOnError: parseBool(attrs.get('continueOnError') ?? 'false'),
    extraAttributes,
    extraElements: [],
    attrs,
  };
  const cond = elements(el).filter((c) => local(c) === 'condition');
  if (cond.length > 0) {
    const condition = parseConditionElement(cond[0]!, `${at}/condition`, source);
    if (condition) common.condition = condition;
  }
  return common;
}

const GROUP_ATTRS = new Set(['name', 'description', 'disable', 'continueOnError', 'expand']);
const STEP_ATTRS = new Set([
  'type',
  'name',
  'description',
  'disable',
  'continueOnError',
  'runIn',
  'successCodeList',
  'timeout',
  'retryCount',
  'runFromNet',
  'startIn',
]);
const RUN_IN: readonly RunIn[] = ['WinPE', 'FullOS', 'WinPEandFullOS'];

function parseNode(el: XElement, at: string, source: string): SequenceNode {
  checkDepth(at, source);
  if (local(el) === 'group') {
    const { attrs, ...common } = parseCommon(el, at, source, GROUP_ATTRS);
    const group: Group = { kind: 'group', ...common, children: [] };
    if (attrs.has('expand')) group.expand = parseBool(attrs.get('expand')!);
    for (const child of elements(el)) {
      const n = local(child);
      if (n === 'group' || n === 'step') group.children.push(parseNode(child, `${at}/${group.children.length}`, source));
      else if (n !== 'condition') group.extraElements.push(serializeElement(child));
    }
    return group;
  }
  return parseStep(el, at, source);
}

function parseIntAttr(value: string, what: string, at: string, source: string): number {
  if (!/^\s*\d+\s*$/.test(value))
    throw invalid(`${source}: ${at}: ${what}="${value}" is not a whole number.`, { source, at, attribute: what, value });
  return Number(value);
}

function parseCodeList(value: string, what: string, at: string, source: string): number[] {
  const parts = value
    .trim()
    .split(/\s+/)
    .filter((s) => s !== '');
  return parts.map((p) => {
    if (!/^-?\d+$/.test(p))
      throw invalid(`${source}: ${at}: ${what} "${value}" must be exit codes separated by spaces.`, { source, at, attribute: what, value });
    return Number(p);
  });
}

function parseStep(el: XElement, at: string, source: string): Step {
  const { attrs, ...common } = parseCommon(el, at, source, STEP_ATTRS);
  const type = attrs.get('type') ?? '';
  const base: StepCommon = { kind: 'step', ...common, extraVariables: [] };
  const runIn = attrs.get('runIn');
  if (runIn !== undefined) {
    const hit = RUN_IN.find((r) => r.toLowerCase() === runIn.toLowerCase());
    if (!hit)
      throw invalid(`${source}: ${at}: runIn="${runIn}" must be WinPE, FullOS or WinPEandFullOS.`, {
        source,
        at,
        attribute: 'runIn',
        value: runIn,
      });
    base.runIn = hit;
  }
  // An empty list means the type's default, as an absent one does.
  if (attrs.has('successCodeList') && attrs.get('successCodeList')!.trim() !== '')
    base.successCodes = parseCodeList(attrs.get('successCodeList')!, 'successCodeList', at, source);
  if (attrs.has('timeout')) base.timeout = parseIntAttr(attrs.get('timeout')!, 'timeout', at, source);
  if (attrs.has('retryCount')) base.retryCount = parseIntAttr(attrs.get('retryCount')!, 'retryCount', at, source);
  if (attrs.has('runFromNet')) base.runFromNet = parseBool(attrs.get('runFromNet')!);
  if (attrs.has('startIn')) base.startIn = attrs.get('startIn')!;

  const spec = stepTypeSpec(type);
  if (!spec) return { ...base, type, unknown: true, raw: serializeElement(el) };

  const props = spec.defaults() as unknown as Record<string, unknown>;
  const present = new Set<string>();
  const badValues: { property: string; value: string; reason: string }[] = [];
  let action = '';
  let layout: { name: string; hidden: boolean; property?: string }[] | undefined;
  for (const child of elements(el)) {
    const n = local(child);
    if (n === 'condition') continue;
    if (n === 'action') action = child.textContent ?? '';
    else if (n === 'defaultVarList') {
      layout ??= [];
      for (const v of parseVarList(child)) {
        const p = spec.props.find(
          (ps) => (v.property ?? '').toLowerCase() === ps.property.toLowerCase() || v.name.toLowerCase() === ps.variable.toLowerCase(),
        );
        if (!p) {
          if (
            type === 'SMS_TaskSequence_RunCommandLineAction' &&
            (v.property ?? v.name).toLowerCase() === 'successcodes' &&
            /^[\s\d-]*$/.test(v.value)
          ) {
            base.successCodes ??= parseCodeList(v.value, 'SuccessCodes', at, source);
          } else base.extraVariables.push(v);
          continue;
        }
        const parsed = parsePropValue(p, v.value);
        if ('error' in parsed) {
          badValues.push({ property: p.property, value: v.value, reason: parsed.error });
          base.extraVariables.push(v);
        } else {
          props[p.property] = parsed.value;
          present.add(p.property);
          // The property is kept only when the name is not the type's own variable (MDT's `RunAsUser`).
          layout.push({
            name: v.name,
            hidden: v.hidden === true,
            ...(v.name.toLowerCase() === p.variable.toLowerCase() ? {} : { property: p.property }),
          });
        }
      }
    } else base.extraElements.push(serializeElement(child));
  }
  spec.fromAction?.(action, props as never, present);
  const step = { ...base, type, properties: props } as unknown as KnownStep;
  // MDT keeps a Run Command Line's command in <action> alone, with no CommandLine variable.
  if (
    type === 'SMS_TaskSequence_RunCommandLineAction' &&
    !present.has('CommandLine') &&
    action.trim() !== '' &&
    !/^\s*smsswd(?:\.exe)?\s+\/run:/i.test(action)
  ) {
    props.CommandLine = action;
    step.commandInAction = true;
  }
  // The layout is what export will write (as read, plus what the properties need), so a
  // re-import of the export yields the same model.
  step.variableLayout = propertyVariables(spec, props, layout, skippedVariables(step)).map((v) => ({
    name: v.name,
    hidden: v.hidden === true,
    ...(v.property !== undefined && spec.props.find((ps) => ps.property === v.property)!.variable.toLowerCase() !== v.name.toLowerCase()
      ? { property: v.property }
      : {}),
  }));
  if (badValues.length > 0) step.invalid = badValues;
  return step;
}

/** Variables export must not write from the properties: kept-verbatim ones and an MDT command. */
function skippedVariables(step: Step): Set<string> {
  const skip = extraVariableKeys(step.extraVariables);
  if (step.commandInAction) skip.add('commandline');
  return skip;
}

/** Names and properties of kept-verbatim variables: the typed property is not written again. */
function extraVariableKeys(vars: TsVariable[]): Set<string> {
  return new Set(vars.flatMap((v) => [v.name.toLowerCase(), (v.property ?? v.name).toLowerCase()]));
}

function parseVarList(el: XElement): TsVariable[] {
  const out: TsVariable[] = [];
  for (const v of elements(el)) {
    if (local(v) !== 'variable') continue;
    const tv: TsVariable = { name: v.getAttribute('name') ?? '', value: v.textContent ?? '' };
    if (v.hasAttribute('property')) tv.property = v.getAttribute('property')!;
    if (v.hasAttribute('hidden')) tv.hidden = parseBool(v.getAttribute('hidden')!);
    out.push(tv);
  }
  return out;
}

// ── conditions ───────────────────────────────────────────────────────────────────────────

const VARIABLE_OPS: readonly VariableOperator[] = [
  'exists',
  'notExists',
  'equals',
  'notEquals',
  'less',
  'lessEqual',
  'greater',
  'greaterEqual',
  'like',
  'notLike',
];
const COMPARE_OPS: readonly CompareOperator[] = ['equals', 'notEquals', 'less', 'lessEqual', 'greater', 'greaterEqual'];
const REGISTRY_OPS: readonly RegistryOperator[] = ['exists', 'nonExists', ...COMPARE_OPS];

function pickOp<T extends string>(ops: readonly T[], value: string, what: string, at: string, source: string): T {
  const hit = ops.find((o) => o.toLowerCase() === value.trim().toLowerCase());
  if (!hit) throw invalid(`${source}: ${at}: ${what} "${value}" must be one of ${ops.join(', ')}.`, { source, at, value });
  return hit;
}

export const EXPRESSION_TYPES = {
  variable: 'SMS_TaskSequence_VariableConditionExpression',
  wmi: 'SMS_TaskSequence_WMIConditionExpression',
  file: 'SMS_TaskSequence_FileConditionExpression',
  folder: 'SMS_TaskSequence_FolderConditionExpression',
  registry: 'SMS_TaskSequence_RegistryConditionExpression',
  software: 'SMS_TaskSequence_SoftwareConditionExpression',
} as const;

/** Each expression kind's `<variable name=…>` fields and the model property each fills, in the order they are written. */
const EXPRESSION_FIELDS = {
  variable: [
    ['Variable', 'variable'],
    ['Operator', 'operator'],
    ['Value', 'value'],
  ],
  wmi: [
    ['Namespace', 'namespace'],
    ['Query', 'query'],
  ],
  file: [
    ['Path', 'path'],
    ['Version', 'version'],
    ['VersionOperator', 'versionOperator'],
    ['DateTime', 'dateTime'],
    ['DateTimeOperator', 'dateTimeOperator'],
  ],
  folder: [
    ['Path', 'path'],
    ['DateTime', 'dateTime'],
    ['DateTimeOperator', 'dateTimeOperator'],
  ],
  registry: [
    ['KeyPath', 'keyPath'],
    ['Value', 'valueName'],
    ['Type', 'valueType'],
    ['Data', 'data'],
    ['Operator', 'operator'],
  ],
  software: [
    ['Operator', 'operator'],
    ['ProductCode', 'productCode'],
    ['ProductName', 'productName'],
    ['UpgradeCode', 'upgradeCode'],
    ['Version', 'version'],
  ],
} as const satisfies {
  [K in keyof typeof EXPRESSION_TYPES]: readonly (readonly [string, keyof Extract<ConditionExpression, { kind: K }>])[];
};
const fieldNames = (kind: keyof typeof EXPRESSION_FIELDS): string[] => EXPRESSION_FIELDS[kind].map(([name]) => name);

function parseConditionElement(el: XElement, at: string, source: string): Condition | undefined {
  const operands = elements(el)
    .filter((c) => local(c) === 'operator' || local(c) === 'expression')
    .map((c, i) => parseOperand(c, `${at}/${i}`, source));
  if (operands.length === 0) return undefined;
  if (operands.length === 1) return operands[0];
  return { kind: 'operator', operator: 'and', operands, implicit: true };
}

function parseOperand(el: XElement, at: string, source: string): Condition {
  checkDepth(at, source);
  if (local(el) === 'operator') {
    const type = el.getAttribute('type') ?? '';
    const operator = pickOp(['and', 'or', 'not'] as const, type, 'operator type', at, source);
    const operands = elements(el)
      .filter((c) => local(c) === 'operator' || local(c) === 'expression')
      .map((c, i) => parseOperand(c, `${at}/${i}`, source));
    return { kind: 'operator', operator, operands };
  }
  const type = el.getAttribute('type') ?? '';
  const fields: ExtraAttribute[] = elements(el)
    .filter((c) => local(c) === 'variable')
    .map((v) => [v.getAttribute('name') ?? '', v.textContent ?? ''] as const);
  const take = (known: string[]) => {
    const map = new Map<string, string>();
    const extra: ExtraAttribute[] = [];
    for (const [k, v] of fields) {
      const hit = known.find((n) => n.toLowerCase() === k.toLowerCase());
      if (hit && !map.has(hit)) map.set(hit, v);
      else extra.push([k, v]);
    }
    return { map, extra };
  };
  const withExtra = <T extends ConditionExpression>(expr: T, extra: ExtraAttribute[]): T =>
    extra.length > 0 ? { ...expr, extraFields: extra } : expr;
  switch (type) {
    case EXPRESSION_TYPES.variable: {
      const { map, extra } = take(fieldNames('variable'));
      const expr: ConditionExpression = {
        kind: 'variable',
        variable: map.get('Variable') ?? '',
        operator: pickOp(VARIABLE_OPS, map.get('Operator') ?? '', 'variable condition operator', at, source),
      };
      if (map.has('Value')) expr.value = map.get('Value')!;
      return withExtra(expr, extra);
    }
    case EXPRESSION_TYPES.wmi: {
      const { map, extra } = take(fieldNames('wmi'));
      return withExtra({ kind: 'wmi', namespace: map.get('Namespace') ?? 'root\\cimv2', query: map.get('Query') ?? '' }, extra);
    }
    case EXPRESSION_TYPES.file:
    case EXPRESSION_TYPES.folder: {
      const isFile = type === EXPRESSION_TYPES.file;
      const { map, extra } = take(fieldNames(isFile ? 'file' : 'folder'));
      const expr = { kind: isFile ? 'file' : 'folder', path: map.get('Path') ?? '' } as ConditionExpression & { kind: 'file' | 'folder' };
      if (isFile && map.has('Version')) (expr as { version?: string }).version = map.get('Version')!;
      if (isFile && map.has('VersionOperator'))
        (expr as { versionOperator?: CompareOperator }).versionOperator = pickOp(
          COMPARE_OPS,
          map.get('VersionOperator')!,
          'version operator',
          at,
          source,
        );
      if (map.has('DateTime')) expr.dateTime = map.get('DateTime')!;
      if (map.has('DateTimeOperator'))
        expr.dateTimeOperator = pickOp(COMPARE_OPS, map.get('DateTimeOperator')!, 'date operator', at, source);
      return withExtra(expr, extra);
    }
    case EXPRESSION_TYPES.registry: {
      const { map, extra } = take(fieldNames('registry'));
      const expr: ConditionExpression = {
        kind: 'registry',
        keyPath: map.get('KeyPath') ?? '',
        valueName: map.get('Value') ?? '',
        valueType: map.get('Type') ?? 'REG_SZ',
        operator: pickOp(REGISTRY_OPS, map.get('Operator') ?? '', 'registry operator', at, source),
      };
      if (map.has('Data')) expr.data = map.get('Data')!;
      return withExtra(expr, extra);
    }
    case EXPRESSION_TYPES.software: {
      const { map, extra } = take(fieldNames('software'));
      const expr: ConditionExpression = {
        kind: 'software',
        operator: pickOp(['AnyVersion', 'ThisVersion'] as const, map.get('Operator') ?? '', 'software operator', at, source),
      };
      for (const [k, f] of EXPRESSION_FIELDS.software) if (f !== 'operator' && map.has(k)) expr[f] = map.get(k)!;
      return withExtra(expr, extra);
    }
    default:
      return { kind: 'unknown', type, fields };
  }
}

// ── export ───────────────────────────────────────────────────────────────────────────────

const escAttr = (s: string): string =>
  s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/\t/g, '&#9;')
    .replace(/\n/g, '&#10;')
    .replace(/\r/g, '&#13;');
const escText = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\r/g, '&#13;');

function openTag(name: string, attrs: ExtraAttribute[], selfClose = false): string {
  return `<${name}${attrs.map(([k, v]) => ` ${k}="${escAttr(v)}"`).join('')}${selfClose ? ' />' : '>'}`;
}

/** Write a sequence as ConfigMgr task sequence XML. */
export function serializeSequenceXml(seq: TaskSequence): string {
  const out: string[] = ['<?xml version="1.0" encoding="utf-8"?>'];
  const attrs: ExtraAttribute[] = [['version', seq.version]];
  if (seq.name !== undefined) attrs.push(['name', seq.name]);
  if (seq.description !== undefined) attrs.push(['description', seq.description]);
  out.push(openTag('sequence', [...attrs, ...seq.extraAttributes]));
  for (const e of seq.extraElements) out.push(`  ${e}`);
  for (const n of seq.children) writeNode(n, out, '  ');
  if (seq.globalVariables) writeVarList('globalVarList', seq.globalVariables, out, '  ');
  out.push('</sequence>');
  return out.join('\n') + '\n';
}

function commonAttrs(n: SequenceNode): ExtraAttribute[] {
  return [
    ['name', n.name],
    ['description', n.description],
    ['disable', String(n.disabled)],
    ['continueOnError', String(n.continueOnError)],
  ];
}

function writeNode(n: SequenceNode, out: string[], ind: string): void {
  if (n.kind === 'group') {
    const attrs = commonAttrs(n);
    if (n.expand !== undefined) attrs.push(['expand', String(n.expand)]);
    out.push(ind + openTag('group', [...attrs, ...n.extraAttributes]));
    if (n.condition) writeCondition(n.condition, out, ind + '  ');
    for (const e of n.extraElements) out.push(`${ind}  ${e}`);
    for (const c of n.children) writeNode(c, out, ind + '  ');
    out.push(`${ind}</group>`);
    return;
  }
  if ('unknown' in n) {
    out.push(ind + n.raw);
    return;
  }
  const spec = stepTypeSpec(n.type) as StepTypeSpec;
  const attrs: ExtraAttribute[] = [['type', n.type], ...commonAttrs(n)];
  if (n.runIn !== undefined) attrs.push(['runIn', n.runIn]);
  if (n.successCodes !== undefined) attrs.push(['successCodeList', n.successCodes.join(' ')]);
  if (n.timeout !== undefined) attrs.push(['timeout', String(n.timeout)]);
  if (n.retryCount !== undefined) attrs.push(['retryCount', String(n.retryCount)]);
  if (n.runFromNet !== undefined) attrs.push(['runFromNet', String(n.runFromNet)]);
  if (n.startIn !== undefined) attrs.push(['startIn', n.startIn]);
  out.push(ind + openTag('step', [...attrs, ...n.extraAttributes]));
  if (n.condition) writeCondition(n.condition, out, ind + '  ');
  const action =
    n.commandInAction && n.type === 'SMS_TaskSequence_RunCommandLineAction' ? n.properties.CommandLine : spec.action(n.properties as never);
  out.push(`${ind}  <action>${escText(action)}</action>`);
  const vars = propertyVariables(spec, n.properties as unknown as Record<string, unknown>, n.variableLayout, skippedVariables(n));
  if (n.type === 'SMS_TaskSequence_RunCommandLineAction' && n.successCodes !== undefined && !n.commandInAction) {
    vars.push({ name: 'SuccessCodes', property: 'SuccessCodes', value: n.successCodes.join(' '), hidden: true });
  }
  writeVarList('defaultVarList', [...vars, ...n.extraVariables], out, ind + '  ');
  for (const e of n.extraElements) out.push(`${ind}  ${e}`);
  out.push(`${ind}</step>`);
}

function writeVarList(tag: string, vars: TsVariable[], out: string[], ind: string): void {
  if (vars.length === 0) {
    out.push(`${ind}<${tag} />`);
    return;
  }
  out.push(`${ind}<${tag}>`);
  for (const v of vars) {
    const attrs: ExtraAttribute[] = [['name', v.name]];
    if (v.property !== undefined) attrs.push(['property', v.property]);
    if (v.hidden !== undefined) attrs.push(['hidden', String(v.hidden)]);
    out.push(`${ind}  ${openTag('variable', attrs)}${escText(v.value)}</variable>`);
  }
  out.push(`${ind}</${tag}>`);
}

function writeCondition(c: Condition, out: string[], ind: string): void {
  out.push(`${ind}<condition>`);
  if (c.kind === 'operator' && c.implicit) for (const o of c.operands) writeOperand(o, out, ind + '  ');
  else writeOperand(c, out, ind + '  ');
  out.push(`${ind}</condition>`);
}

function expressionFields(c: ConditionExpression): { type: string; fields: ExtraAttribute[] } {
  if (c.kind === 'unknown') return { type: c.type, fields: c.fields };
  const f: ExtraAttribute[] = [];
  for (const [name, prop] of EXPRESSION_FIELDS[c.kind]) {
    const v = (c as unknown as Record<string, string | undefined>)[prop];
    if (v !== undefined) f.push([name, v]);
  }
  return { type: EXPRESSION_TYPES[c.kind], fields: [...f, ...(c.extraFields ?? [])] };
}

function writeOperand(c: Condition, out: string[], ind: string): void {
  if (c.kind === 'operator') {
    out.push(`${ind}<operator type="${c.operator}">`);
    for (const o of c.operands) writeOperand(o, out, ind + '  ');
    out.push(`${ind}</operator>`);
    return;
  }
  const { type, fields } = expressionFields(c);
  out.push(`${ind}<expression type="${escAttr(type)}">`);
  for (const [k, v] of fields) out.push(`${ind}  <variable name="${escAttr(k)}">${escText(v)}</variable>`);
  out.push(`${ind}</expression>`);
}
