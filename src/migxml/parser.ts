// MigXML parser: a safely loaded DOM (xml-load.ts) → the model (model.ts). Every element is
// checked against what its parent may hold (spec §2); anything else is a coded error naming
// file, line and element. Internal elements of the shipped files are accepted and ignored.
import type { Element } from '@xmldom/xmldom';
import { stat } from 'node:fs/promises';
import { resolve as resolvePath } from 'node:path';
import { FerryError } from '../errors/index.ts';
import type {
  AddedObject,
  AddObjects,
  Component,
  ComponentType,
  Condition,
  Conditions,
  ContentItem,
  Context,
  Detect,
  Detection,
  Detects,
  Environment,
  ExternalProcess,
  NamedElements,
  ObjectSet,
  PatternItem,
  Pos,
  Processing,
  Role,
  RoleName,
  RuleElement,
  RuleFile,
  RuleFileWarning,
  RuleKind,
  Rules,
  ScriptItem,
  Variable,
} from './model.ts';
import { namedKey } from './model.ts';
import type { ObjectType } from './pattern.ts';
import { parseHelper, type ScriptCall, type Slot } from './script-call.ts';
import { attr, childElements, columnOfNode, lineOfNode, loadXmlFile, parseXmlText, textOf, type LoadedXml } from './xml-load.ts';

/** Elements of the shipped files that carry nothing for the engine (spec §1). */
const IGNORED = new Set([
  '_locdefinition',
  '_locdefault',
  '_loctag',
  'paths',
  'path',
  'icon',
  'windowsobjects',
  'plugin',
  'library',
  'supportedcomponents',
]);

class Ctx {
  readonly file: string;
  /** What the file got away with: elements that lack a required child have no effect (General conventions). */
  readonly warnings: RuleFileWarning[] = [];
  constructor(file: string) {
    this.file = file;
  }
  pos(el: Element): Pos {
    const line = lineOfNode(el);
    const column = columnOfNode(el);
    return line === undefined ? { file: this.file } : { file: this.file, line, ...(column ? { column } : {}) };
  }
  /** `file:line:column` of an element, as every message about it starts. */
  where(el: Element): string {
    const line = lineOfNode(el);
    const column = columnOfNode(el);
    return `${this.file}${line ? `:${line}${column ? `:${column}` : ''}` : ''}`;
  }
  /** Position details of an error or warning about an element. */
  details(el: Element): { file: string; line?: number; column?: number } {
    return this.pos(el);
  }
  unknown(el: Element, parent: string): never {
    throw new FerryError(
      'FERRY_E_MIGXML_UNKNOWN_ELEMENT',
      `${this.where(el)}: unknown element <${el.tagName}> inside <${parent}>. ` +
        `Remove it or fix its spelling (element names are case-sensitive).`,
      { details: { ...this.details(el), element: el.tagName, parent } },
    );
  }
  /** A missing required child element: reported, and the element has no effect (General conventions). Returns null. */
  ignored(el: Element, what: string): null {
    this.warnings.push({
      code: 'FERRY_W_MIGXML_ELEMENT_IGNORED',
      message:
        `${this.where(el)}: ${what}, so it has no effect (USMT ignores an element without ` +
        `its required child elements); the rest of the file is processed.`,
      ...this.details(el),
    });
    return null;
  }
  invalid(el: Element, why: string): never {
    throw new FerryError('FERRY_E_MIGXML_INVALID', `${this.where(el)}: <${el.tagName}>: ${why}`, {
      details: { ...this.details(el), element: el.tagName },
    });
  }
  helper(el: Element, text: string, slot: Slot): ScriptCall {
    return parseHelper(text, slot, { ...this.details(el), element: el.tagName });
  }
}

function enumValue<T extends string>(ctx: Ctx, el: Element, name: string, values: readonly T[], dflt?: T): T {
  const raw = attr(el, name);
  if (raw === undefined || raw.trim() === '') {
    if (dflt !== undefined) return dflt;
    return ctx.invalid(el, `the attribute ${name}= is required (one of ${values.join(', ')}).`);
  }
  const v = values.find((x) => x.toLowerCase() === raw.trim().toLowerCase());
  if (!v) return ctx.invalid(el, `${name}="${raw}" is not one of ${values.join(', ')}.`);
  return v;
}

function boolValue(ctx: Ctx, el: Element, name: string, dflt: boolean): boolean {
  const raw = attr(el, name);
  if (raw === undefined || raw.trim() === '') return dflt;
  const v = raw.trim().toLowerCase();
  if (v === 'true' || v === 'yes' || v === '1') return true;
  if (v === 'false' || v === 'no' || v === '0') return false;
  return ctx.invalid(el, `${name}="${raw}" is not a boolean (TRUE/FALSE, Yes/No, 1/0).`);
}

const CONTEXTS = ['User', 'System', 'UserAndSystem'] as const;
const contextOf = (ctx: Ctx, el: Element, dflt: Context = 'UserAndSystem') => enumValue<Context>(ctx, el, 'context', CONTEXTS, dflt);
const OBJECT_TYPES = ['File', 'Registry', 'Ini'] as const;

/** Children of `el`, skipping the internal elements; `accept` maps tag → handler. */
function eachChild(ctx: Ctx, el: Element, accept: Record<string, (c: Element) => void>): void {
  for (const c of childElements(el)) {
    const h = accept[c.tagName];
    if (h) h(c);
    else if (!IGNORED.has(c.tagName.toLowerCase())) ctx.unknown(c, el.tagName);
  }
}

// ── conditions ─────────────────────────────────────────────────────────────────────────────

function parseCondition(ctx: Ctx, el: Element): Condition {
  eachChild(ctx, el, {});
  return {
    kind: 'condition',
    ...ctx.pos(el),
    call: ctx.helper(el, textOf(el), 'condition'),
    negate: boolValue(ctx, el, 'negation', false),
  };
}

function parseConditions(ctx: Ctx, el: Element): Conditions {
  const items: (Condition | Conditions)[] = [];
  eachChild(ctx, el, {
    condition: (c) => items.push(parseCondition(ctx, c)),
    conditions: (c) => items.push(parseConditions(ctx, c)),
  });
  const name = attr(el, 'name');
  return {
    kind: 'conditions',
    ...ctx.pos(el),
    operation: enumValue(ctx, el, 'operation', ['AND', 'OR'] as const, 'AND'),
    items,
    ...(name && items.length === 0 ? { ref: name } : {}),
  };
}

// ── object sets ────────────────────────────────────────────────────────────────────────────

function parseObjectSet(ctx: Ctx, el: Element, scriptSlot: Slot = 'objectSet'): ObjectSet {
  const items: (PatternItem | ScriptItem | ContentItem)[] = [];
  const conditions: (Condition | Conditions)[] = [];
  eachChild(ctx, el, {
    pattern: (c) => {
      const text = textOf(c);
      if (!text) ctx.invalid(c, 'empty pattern.');
      items.push({ kind: 'pattern', ...ctx.pos(c), type: enumValue<ObjectType>(ctx, c, 'type', OBJECT_TYPES), text });
    },
    script: (c) => items.push({ kind: 'script', ...ctx.pos(c), call: ctx.helper(c, textOf(c), scriptSlot) }),
    content: (c) => {
      const filter = attr(c, 'filter');
      if (!filter) ctx.invalid(c, 'the filter= attribute is required.');
      const sets: ObjectSet[] = [];
      eachChild(ctx, c, { objectSet: (o) => sets.push(parseObjectSet(ctx, o)) });
      items.push({ kind: 'content', ...ctx.pos(c), filter: ctx.helper(c, filter!, 'contentFilter'), objectSets: sets });
    },
    conditions: (c) => conditions.push(parseConditions(ctx, c)),
    condition: (c) => conditions.push(parseCondition(ctx, c)),
  });
  return { ...ctx.pos(el), items, conditions };
}

// ── rules ──────────────────────────────────────────────────────────────────────────────────

const RULE_SCRIPT: Partial<Record<RuleKind, { attr: 'filter' | 'script'; slot: Slot; required: boolean }>> = {
  include: { attr: 'filter', slot: 'includeFilter', required: false },
  exclude: { attr: 'filter', slot: 'includeFilter', required: false },
  destinationCleanup: { attr: 'filter', slot: 'includeFilter', required: false },
  merge: { attr: 'script', slot: 'merge', required: true },
  locationModify: { attr: 'script', slot: 'locationModify', required: true },
  contentModify: { attr: 'script', slot: 'contentModify', required: true },
};

function parseRuleElement(ctx: Ctx, el: Element, kind: RuleKind): RuleElement {
  const sets: ObjectSet[] = [];
  eachChild(ctx, el, { objectSet: (c) => sets.push(parseObjectSet(ctx, c)) });
  const s = RULE_SCRIPT[kind];
  let script: ScriptCall | undefined;
  if (s) {
    const raw = attr(el, s.attr);
    if (raw && raw.trim()) script = ctx.helper(el, raw, s.slot);
    else if (s.required) ctx.invalid(el, `the ${s.attr}= attribute is required.`);
  }
  let attributes: string[] | undefined;
  if (kind === 'includeAttributes' || kind === 'excludeAttributes') {
    const raw = attr(el, 'attributes') ?? '';
    attributes = raw
      .split(',')
      .map((a) => a.trim())
      .filter(Boolean);
    const known = ['security', 'timefields'];
    const bad = attributes.find((a) => !known.includes(a.toLowerCase()));
    if (!attributes.length || bad) ctx.invalid(el, `attributes="${raw}" must be Security, TimeFields or Security,TimeFields.`);
  }
  return { kind, ...ctx.pos(el), ...(script ? { script } : {}), ...(attributes ? { attributes } : {}), objectSets: sets };
}

function parseAddObjects(ctx: Ctx, el: Element): AddObjects {
  const objects: AddedObject[] = [];
  const conditions: (Condition | Conditions)[] = [];
  eachChild(ctx, el, {
    object: (o) => {
      let location: string | ScriptCall | undefined;
      let type: ObjectType = 'File';
      let attributes = '';
      let bytes: AddedObject['bytes'];
      eachChild(ctx, o, {
        location: (l) => {
          type = enumValue<ObjectType>(ctx, l, 'type', OBJECT_TYPES);
          const script = childElements(l).find((c) => c.tagName === 'script');
          eachChild(ctx, l, { script: () => undefined });
          location = script ? ctx.helper(script, textOf(script), 'location') : textOf(l);
        },
        attributes: (a) => {
          attributes = textOf(a);
        },
        bytes: (b) => {
          bytes = { text: textOf(b), string: boolValue(ctx, b, 'string', false), expand: boolValue(ctx, b, 'expand', true) };
        },
      });
      if (location === undefined) return ctx.ignored(o, 'this <object> has no <location>');
      objects.push({ ...ctx.pos(o), type, location, attributes, ...(bytes ? { bytes } : {}) });
    },
    conditions: (c) => conditions.push(parseConditions(ctx, c)),
    condition: (c) => conditions.push(parseCondition(ctx, c)),
    script: (c) => {
      ctx.helper(c, textOf(c), 'location');
    },
  });
  return { ...ctx.pos(el), objects, conditions };
}

function parseRules(ctx: Ctx, el: Element, inNamed: boolean): Rules {
  const name = attr(el, 'name');
  const context = contextOf(ctx, el);
  if (name && !inNamed) {
    // A reference: its own children are ignored (spec §2 `rules`).
    return {
      ...ctx.pos(el),
      ref: name,
      context,
      elements: [],
      detects: [],
      addObjects: [],
      externalProcesses: [],
      processing: [],
      nested: [],
    };
  }
  const elements: RuleElement[] = [];
  const detects: Detects[] = [];
  const addObjects: AddObjects[] = [];
  const externalProcesses: ExternalProcess[] = [];
  const processing: Processing[] = [];
  const nested: Rules[] = [];
  let conditions: Conditions | undefined;
  const rule = (kind: RuleKind) => (c: Element) => elements.push(parseRuleElement(ctx, c, kind));
  eachChild(ctx, el, {
    include: rule('include'),
    exclude: rule('exclude'),
    unconditionalExclude: rule('unconditionalExclude'),
    merge: rule('merge'),
    locationModify: rule('locationModify'),
    contentModify: rule('contentModify'),
    destinationCleanup: rule('destinationCleanup'),
    includeAttributes: rule('includeAttributes'),
    excludeAttributes: rule('excludeAttributes'),
    addObjects: (c) => addObjects.push(parseAddObjects(ctx, c)),
    externalProcess: (c) => {
      const when = attr(c, 'when');
      if (!when) ctx.invalid(c, 'the when= attribute is required.');
      const lines: string[] = [];
      eachChild(ctx, c, { commandLine: (l) => lines.push(textOf(l)) });
      externalProcesses.push({ ...ctx.pos(c), when: when!, commandLines: lines });
    },
    processing: (c) => {
      const when = attr(c, 'when');
      if (!when) ctx.invalid(c, 'the when= attribute is required.');
      const scripts: ScriptCall[] = [];
      eachChild(ctx, c, { script: (s) => scripts.push(ctx.helper(s, textOf(s), 'processing')) });
      processing.push({ ...ctx.pos(c), when: when!, scripts });
    },
    conditions: (c) => {
      if (conditions) ctx.invalid(c, 'only one <conditions> is allowed in <rules>.');
      conditions = parseConditions(ctx, c);
    },
    detects: (c) => detects.push(parseDetects(ctx, c, false)),
    rules: (c) => nested.push(parseRules(ctx, c, false)),
  });
  return {
    ...ctx.pos(el),
    ...(name ? { name } : {}),
    context,
    elements,
    ...(conditions ? { conditions } : {}),
    detects,
    addObjects,
    externalProcesses,
    processing,
    nested,
  };
}

// ── detection ──────────────────────────────────────────────────────────────────────────────

function parseDetect(ctx: Ctx, el: Element, inNamed: boolean): Detect {
  const name = attr(el, 'name');
  const items: (Condition | Conditions | ObjectSet)[] = [];
  eachChild(ctx, el, {
    condition: (c) => items.push(parseCondition(ctx, c)),
    conditions: (c) => items.push(parseConditions(ctx, c)),
    objectSet: (c) => items.push(parseObjectSet(ctx, c)),
  });
  const isRef = !!name && !inNamed && items.length === 0;
  return { ...ctx.pos(el), ...(name ? { name } : {}), ...(isRef ? { ref: name } : {}), context: contextOf(ctx, el), items };
}

function parseDetects(ctx: Ctx, el: Element, inNamed: boolean): Detects {
  const name = attr(el, 'name');
  const detects: Detect[] = [];
  eachChild(ctx, el, { detect: (c) => detects.push(parseDetect(ctx, c, false)) });
  const isRef = !!name && !inNamed && detects.length === 0;
  return { ...ctx.pos(el), ...(name ? { name } : {}), ...(isRef ? { ref: name } : {}), context: contextOf(ctx, el), detects };
}

function parseDetection(ctx: Ctx, el: Element, inNamed: boolean): Detection {
  const name = attr(el, 'name');
  let conditions: Conditions | undefined;
  eachChild(ctx, el, {
    conditions: (c) => {
      if (conditions) ctx.invalid(c, 'only one <conditions> is allowed in <detection>.');
      conditions = parseConditions(ctx, c);
    },
  });
  const isRef = !!name && !inNamed && !conditions;
  return {
    ...ctx.pos(el),
    ...(name ? { name } : {}),
    ...(isRef ? { ref: name } : {}),
    context: contextOf(ctx, el),
    ...(conditions ? { conditions } : {}),
  };
}

// ── environment ────────────────────────────────────────────────────────────────────────────

function parseEnvironment(ctx: Ctx, el: Element, inNamed: boolean): Environment {
  const name = attr(el, 'name');
  const variables: Variable[] = [];
  const conditions: (Condition | Conditions)[] = [];
  let written = 0;
  eachChild(ctx, el, {
    variable: (v) => {
      written++;
      const vname = attr(v, 'name');
      if (!vname) ctx.invalid(v, 'the name= attribute is required.');
      let value: Variable['value'] | undefined;
      eachChild(ctx, v, {
        text: (t) => {
          value = { text: textOf(t) };
        },
        script: (s) => {
          value = { script: ctx.helper(s, textOf(s), 'variable') };
        },
        objectSet: (o) => {
          value = { objectSet: parseObjectSet(ctx, o) };
        },
      });
      if (!value) return ctx.ignored(v, 'this <variable> has no <text>, <script> or <objectSet>');
      variables.push({ ...ctx.pos(v), name: vname!, remap: boolValue(ctx, v, 'remap', false), value });
    },
    conditions: (c) => conditions.push(parseConditions(ctx, c)),
  });
  const isRef = !!name && !inNamed && written === 0;
  return { ...ctx.pos(el), ...(name ? { name } : {}), ...(isRef ? { ref: name } : {}), context: contextOf(ctx, el), conditions, variables };
}

// ── components ─────────────────────────────────────────────────────────────────────────────

const ROLES = ['Container', 'Binaries', 'Settings', 'Data'] as const;
const TYPES = ['System', 'Application', 'Device', 'Documents'] as const;

function parseRole(ctx: Ctx, el: Element, urlid: string): Role {
  const role = enumValue<RoleName>(ctx, el, 'role', ROLES);
  const environments: Environment[] = [];
  const detections: Detection[] = [];
  const detects: Detects[] = [];
  const rules: Rules[] = [];
  const components: Component[] = [];
  const roles: Role[] = [];
  eachChild(ctx, el, {
    environment: (c) => environments.push(parseEnvironment(ctx, c, false)),
    detection: (c) => detections.push(parseDetection(ctx, c, false)),
    detects: (c) => detects.push(parseDetects(ctx, c, false)),
    rules: (c) => rules.push(parseRules(ctx, c, false)),
    component: (c) => pushComponent(components, parseComponent(ctx, c, urlid)),
    role: (c) => roles.push(parseRole(ctx, c, urlid)),
    // Rule elements written directly under <role> (the shipped MigApp.xml does this for
    // destinationCleanup): they belong to an implicit <rules>.
    destinationCleanup: (c) =>
      rules.push({
        ...ctx.pos(c),
        context: 'UserAndSystem',
        elements: [parseRuleElement(ctx, c, 'destinationCleanup')],
        detects: [],
        addObjects: [],
        externalProcesses: [],
        processing: [],
        nested: [],
      }),
  });
  return { ...ctx.pos(el), role, environments, detections, detects, rules, components, roles };
}

const pushComponent = (into: Component[], c: Component | null) => void (c && into.push(c));

/**
 * A component, or null for one without a <displayName>: "USMT doesn't fail with an error if the
 * required child elements aren't specified. They must be specified for the parent element to
 * affect the migration" (General conventions) — it is reported and has no effect.
 */
function parseComponent(ctx: Ctx, el: Element, urlid: string): Component | null {
  let displayName = '';
  const environments: Environment[] = [];
  const roles: Role[] = [];
  const extensions: string[] = [];
  eachChild(ctx, el, {
    displayName: (c) => {
      displayName = textOf(c);
    },
    description: () => undefined,
    manufacturer: () => undefined,
    version: () => undefined,
    environment: (c) => environments.push(parseEnvironment(ctx, c, false)),
    role: (c) => roles.push(parseRole(ctx, c, urlid)),
    extensions: (c) => eachChild(ctx, c, { extension: (x) => extensions.push(textOf(x).replace(/^\./, '')) }),
  });
  if (!displayName) return ctx.ignored(el, 'this <component> has no <displayName>');
  const roleName = roles[0]?.role ?? 'Data';
  return {
    ...ctx.pos(el),
    id: `${urlid}/${displayName.toLowerCase()}/${roleName.toLowerCase()}`,
    urlid,
    displayName,
    type: enumValue<ComponentType>(ctx, el, 'type', TYPES),
    context: contextOf(ctx, el),
    defaultSupported: boolValue(ctx, el, 'defaultSupported', true),
    hidden: boolValue(ctx, el, 'hidden', false),
    environments,
    roles,
    extensions,
  };
}

function parseNamed(ctx: Ctx, el: Element, into: { [K in keyof NamedElements]: Map<string, unknown> }): void {
  const put = (map: Map<string, unknown>, c: Element, value: { name?: string | undefined }) => {
    if (!value.name) ctx.invalid(c, 'elements under <namedElements> need a name= attribute.');
    map.set(namedKey(value.name!), value);
  };
  eachChild(ctx, el, {
    environment: (c) => put(into.environments, c, parseEnvironment(ctx, c, true)),
    rules: (c) => put(into.rules, c, parseRules(ctx, c, true)),
    conditions: (c) => {
      const conds = parseConditions(ctx, c);
      put(into.conditions, c, { ...conds, name: attr(c, 'name') });
    },
    detection: (c) => put(into.detections, c, parseDetection(ctx, c, true)),
    detects: (c) => put(into.detects, c, parseDetects(ctx, c, true)),
    detect: (c) => put(into.detect, c, parseDetect(ctx, c, true)),
  });
}

/** Build the model from a loaded document. */
export function parseRuleDocument(xml: LoadedXml): RuleFile {
  const ctx = new Ctx(xml.file);
  const root = xml.root;
  if (root.tagName !== 'migration') {
    const hint = root.tagName === 'Configuration' ? ' This looks like a Config.xml: pass it with /config, not /i.' : '';
    throw new FerryError(
      'FERRY_E_MIGXML_INVALID',
      `${ctx.where(root)}: the root element is <${root.tagName}>, expected <migration>.${hint}`,
      {
        details: { ...ctx.pos(root), element: root.tagName },
      },
    );
  }
  const urlid = attr(root, 'urlid');
  if (!urlid) ctx.invalid(root, 'the urlid= attribute is required.');
  const named = {
    environments: new Map(),
    rules: new Map(),
    conditions: new Map(),
    detections: new Map(),
    detects: new Map(),
    detect: new Map(),
  };
  const components: Component[] = [];
  eachChild(ctx, root, {
    component: (c) => pushComponent(components, parseComponent(ctx, c, urlid!)),
    namedElements: (c) => parseNamed(ctx, c, named),
  });
  return {
    file: xml.file,
    urlid: urlid!,
    components,
    named: named as unknown as NamedElements,
    ...(ctx.warnings.length ? { warnings: ctx.warnings } : {}),
  };
}

/**
 * Parsed files by path, reused while the file is unchanged: the model is immutable, MigApp.xml
 * takes ~150 ms to parse, and callers that load the same `/i` set twice (ScanState's /genconfig)
 * then see the same Component objects.
 */
const parsed = new Map<string, { size: number; mtimeMs: number; rules: RuleFile }>();

/** Load and parse one `/i` file. */
export async function loadRuleFile(file: string): Promise<RuleFile> {
  const key = resolvePath(file);
  const st = await stat(key).catch(() => null);
  const hit = parsed.get(key);
  if (st && hit && hit.size === st.size && hit.mtimeMs === st.mtimeMs) return hit.rules;
  const xml = await loadXmlFile(file, { missingCode: 'FERRY_E_MIGXML_FILE_NOT_FOUND', malformedCode: 'FERRY_E_XML_MALFORMED' });
  const rules = parseRuleDocument(xml);
  if (st) parsed.set(key, { size: st.size, mtimeMs: st.mtimeMs, rules });
  return rules;
}

/** Parse rule XML held in memory (tests, generated rules). */
export function parseRuleText(text: string, file = '<inline>'): RuleFile {
  return parseRuleDocument(parseXmlText(text, file));
}

/** Every component, nested ones included, depth-first in document order. */
export function* allComponents(components: readonly Component[]): Generator<{ component: Component; parent?: Component }> {
  const visit = function* (c: Component, parent?: Component): Generator<{ component: Component; parent?: Component }> {
    yield parent ? { component: c, parent } : { component: c };
    const roles = (r: Role): Role[] => [r, ...r.roles.flatMap(roles)];
    for (const r of c.roles.flatMap(roles)) for (const child of r.components) yield* visit(child, c);
  };
  for (const c of components) yield* visit(c);
}
