// The schema of a task sequence document received over HTTP (the tree the console edits):
// groups and steps, their conditions and properties. The routes' own schemas only see
// `{ children: [...] }` (the tree is recursive); `parseSequenceDocument` checks the whole tree
// against this schema and reports the first problem by its place, e.g.
// `Task sequence: children[0].children[2].timeout must be a whole number.` Property values are
// checked afterwards by the editor's and the engine's validation.
import { Type } from 'typebox';
import { Value } from 'typebox/value';
import { FerryError } from '../errors/index.ts';
import { checkSequenceLimits, TS_LIMITS, type TaskSequence } from '../tasksequence/index.ts';

const Text = Type.String();
const Pairs = Type.Array(Type.Tuple([Type.String(), Type.String()]));

const ConditionOperator = Type.Object({
  kind: Type.Literal('operator'),
  operator: Type.Union([Type.Literal('and'), Type.Literal('or'), Type.Literal('not')]),
  operands: Type.Array(Type.Ref('Condition')),
  implicit: Type.Optional(Type.Boolean()),
});
/** Any other condition: its kind, text fields, and `[name, value]` pairs it does not know. */
const ConditionExpression = Type.Object(
  {
    kind: Type.Union(['variable', 'wmi', 'file', 'folder', 'registry', 'software', 'unknown'].map((k) => Type.Literal(k))),
    extraFields: Type.Optional(Pairs),
    fields: Type.Optional(Pairs),
  },
  { additionalProperties: Text },
);

const NodeCommon = {
  name: Text,
  description: Text,
  disabled: Type.Boolean(),
  continueOnError: Type.Boolean(),
  condition: Type.Optional(Type.Ref('Condition')),
  extraAttributes: Pairs,
  extraElements: Type.Array(Type.String()),
};
const Group = Type.Object({ ...NodeCommon, kind: Type.Literal('group'), children: Type.Array(Type.Ref('Node')) });
const StepCommon = {
  ...NodeCommon,
  kind: Type.Literal('step'),
  type: Type.String({ pattern: '^SMS_TaskSequence_\\w+$' }),
  runIn: Type.Optional(Type.Union([Type.Literal('WinPE'), Type.Literal('FullOS'), Type.Literal('WinPEandFullOS')])),
  successCodes: Type.Optional(Type.Array(Type.Integer())),
  timeout: Type.Optional(Type.Integer()),
  extraVariables: Type.Array(Type.Unknown()),
};
const UnknownStep = Type.Object({ ...StepCommon, unknown: Type.Literal(true), raw: Text });
const KnownStep = Type.Object({
  ...StepCommon,
  properties: Type.Record(Type.String(), Type.Union([Type.String(), Type.Number(), Type.Boolean(), Type.Array(Type.String())])),
});

const NodeKind = Type.Object({ kind: Type.Union([Type.Literal('group'), Type.Literal('step')]) });

/** JSON Schema if/then/else on one property's value: a problem is reported against the shape the item claims. */
const when = (property: string, value: unknown, then: object, otherwise: object): object => ({
  if: { properties: { [property]: { const: value } }, required: [property] },
  then,
  else: otherwise,
});
const byKind = (kind: string, then: object, otherwise: object): object => when('kind', kind, then, otherwise);
const StepSchema = when('unknown', true, UnknownStep, KnownStep);
const DEFS = {
  Condition: Type.Unsafe(byKind('operator', ConditionOperator, ConditionExpression)),
  Node: Type.Unsafe(byKind('group', Group, byKind('step', StepSchema, NodeKind))),
};

/** The task sequence document: the model of src/tasksequence as JSON. */
export const SequenceDocumentSchema = Type.Cyclic(
  {
    ...DEFS,
    Sequence: Type.Object(
      { version: Text, extraAttributes: Pairs, extraElements: Type.Array(Type.String()), children: Type.Array(Type.Ref('Node')) },
      { additionalProperties: true },
    ),
  },
  'Sequence',
);

/** The branch an item is checked against: TypeBox reports a failed if/then/else only as a whole. */
function branchOf(value: unknown, path: string): object {
  const v = (value ?? {}) as { kind?: unknown; unknown?: unknown };
  if (/\/(condition|operands)(\/\d+)?$/.test(path)) return v.kind === 'operator' ? ConditionOperator : ConditionExpression;
  if (v.kind === 'group') return Group;
  if (v.kind === 'step') return v.unknown === true ? UnknownStep : KnownStep;
  return NodeKind;
}

function at(value: unknown, instancePath: string): unknown {
  let v = value;
  for (const part of instancePath.split('/').filter((x) => x !== '')) v = (v as Record<string, unknown>)?.[part];
  return v;
}

type Problem = { instancePath: string; keyword: string; params: object; message: string };

/** The first problem, followed into the branch of each item that failed as a whole. */
function firstProblem(schema: object, value: unknown, base: string): Problem | undefined {
  const errors = Value.Errors(DEFS, schema as never, value);
  const inner = errors.find((x) => x.keyword !== 'if');
  // A value that matches none of a union's members is reported as the union, not its first member.
  const union = inner && errors.find((x) => x.keyword === 'anyOf' && inner.instancePath.startsWith(x.instancePath));
  const e = union ?? inner ?? errors[0];
  if (!e) return undefined;
  if (e.keyword !== 'if') return { ...e, instancePath: base + e.instancePath };
  const path = base + e.instancePath;
  const item = at(value, e.instancePath);
  return firstProblem(branchOf(item, path), item, path) ?? { ...e, instancePath: path };
}

/** Words for what each JSON Schema keyword asks, in the console's language. */
function describe(e: { keyword: string; params: object; message: string }, where: string): string {
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'required':
      return `needs ${(p.requiredProperties as string[] | undefined)?.join(', ') ?? 'more fields'}`;
    case 'type': {
      const t = String(p.type);
      if (t === 'string') return 'must be text';
      if (t === 'boolean') return 'must be true or false';
      if (t === 'integer') return where.endsWith('timeout') ? 'must be whole seconds' : 'must be a whole number';
      if (t === 'array')
        return where.endsWith('Attributes') || where.endsWith('Fields') || where.endsWith('fields')
          ? 'must be a list of [name, value] pairs'
          : 'must be a list';
      if (t === 'object') return 'must be an object';
      return `must be of type ${t}`;
    }
    case 'pattern':
      return where.endsWith('.type') ? 'must be an SMS_TaskSequence_* step class' : `must match ${String(p.pattern)}`;
    case 'const':
      return `must be ${JSON.stringify(p.allowedValue)}`;
    case 'enum':
      return `must be one of ${(p.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
    case 'anyOf':
      if (where.includes('.properties.')) return 'must be text, a number, true/false or a list of text';
      if (where.endsWith('.kind')) return where.includes('condition') ? 'is not a known condition type' : 'must be "group" or "step"';
      if (where.endsWith('.runIn')) return 'must be WinPE, FullOS or WinPEandFullOS';
      if (where.endsWith('.operator')) return 'has an operator other than and/or/not';
      return 'is not one of the allowed values';
    default:
      return e.message;
  }
}

/** `/children/0/timeout` → `children[0].timeout`. */
function place(instancePath: string): string {
  const parts = instancePath.split('/').filter((x) => x !== '');
  let out = 'sequence';
  for (const part of parts)
    out = /^\d+$/.test(part) ? `${out}[${part}]` : out === 'sequence' && part === 'children' ? 'children' : `${out}.${part}`;
  return out;
}

function fail(where: string, what: string): never {
  throw new FerryError('FERRY_E_SITE_INVALID', `Task sequence: ${where} ${what}.`, { details: { where } });
}

/** How deeply groups and conditions nest, without recursion (a hostile body can nest deeply). */
function nesting(doc: unknown): number {
  let deepest = 0;
  const stack: [unknown, number][] = [[doc, 0]];
  while (stack.length) {
    const [v, depth] = stack.pop()!;
    deepest = Math.max(deepest, depth);
    if (deepest > TS_LIMITS.maxDepth + 1) return deepest;
    if (typeof v !== 'object' || v === null) continue;
    const o = v as { children?: unknown; operands?: unknown; condition?: unknown };
    for (const list of [o.children, o.operands]) if (Array.isArray(list)) for (const x of list) stack.push([x, depth + 1]);
    if (o.condition !== undefined) stack.push([o.condition, depth + 1]);
  }
  return deepest;
}

/**
 * Check a task sequence document received over HTTP against `SequenceDocumentSchema` and the
 * task sequence limits; returns it typed, or throws FERRY_E_SITE_INVALID naming the first
 * problem's place in the tree.
 */
export function parseSequenceDocument(doc: unknown): TaskSequence {
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc) || !Array.isArray((doc as { children?: unknown }).children))
    fail('sequence', 'must be an object with a children array');
  if (nesting(doc) > TS_LIMITS.maxDepth + 1) fail('sequence', 'nests groups or conditions too deeply');
  const first = firstProblem(SequenceDocumentSchema, doc, '');
  if (first) {
    const where = place(first.instancePath);
    fail(where, describe(first, where));
  }
  // The same limits as import and export, so what is saved can always be exported and imported.
  checkSequenceLimits(doc as TaskSequence, 'Task sequence');
  return doc as TaskSequence;
}
