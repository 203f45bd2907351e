// Rule evaluation (spec §6): one System pass and one pass per selected user; per pass the
// detected components with their expanded include/exclude/unconditionalExclude rules; then a
// single streaming walk of only the folders some include can reach, deciding every object with
// the specificity algorithm of §6.4. Nothing holds the tree: objects are decided as the walk
// yields them.
import { FerryError } from '../errors/index.ts';
import { EventStream } from '../events/index.ts';
import { decodeValueData } from '../registry/index.ts';
import type { RegValue } from '../registry/index.ts';
import type { Profile, VolumeEntry, WindowsVolume } from '../volume/index.ts';
import {
  DEFAULT_OS_VERSION,
  contentFilter,
  evaluateCondition,
  regDataString,
  objectSetScript,
  registryObjects,
  scanFilter,
  variableScript,
  type ApplyFilterState,
  type HelperScope,
  type MachineInfo,
} from './helpers.ts';
import { iniKey, iniLocation, iniSettings, readIniFile, splitIniLocation } from './ini.ts';
import { patternMatcher, type Matcher } from './matcher.ts';
import type {
  AddedObject,
  Component,
  Condition,
  Conditions,
  Context,
  Detection,
  Detects,
  Environment,
  ObjectSet,
  Pos,
  Role,
  RuleFile,
  RuleKind,
  Rules,
} from './model.ts';
import { namedKey } from './model.ts';
import {
  compareSpecificity,
  compilePattern,
  objectKey,
  pathSegments,
  splitLocation,
  type ObjectType,
  type Specificity,
} from './pattern.ts';
import { closeMounts, openMachineMounts, openUserMount, RegistryView, type HiveOpener, type RegistryMount } from './registry-view.ts';
import { destinationOf, type RelocationEnv } from './relocate.ts';
import type { ScriptCall } from './script-call.ts';
import { expand, VarScope } from './variables.ts';

/** The rule that decided an object, as explain/plan print it. */
export interface RuleRef {
  readonly file: string;
  readonly component: string;
  readonly kind: RuleKind;
  readonly pattern: string;
  readonly line?: number;
}

/** One rule pattern compiled for a pass: its matcher, where it was written, and its filter or script. */
export interface ActiveRule {
  readonly matcher: Matcher;
  readonly ref: RuleRef;
  /** include/exclude filter. */
  readonly filter?: ScriptCall;
  /** merge / locationModify / contentModify script. */
  readonly script?: ScriptCall;
  /** includeAttributes / excludeAttributes: `Security`, `TimeFields`. */
  readonly attributes?: readonly string[];
}

/** A component detected in a pass, with its variables and its rules expanded for that pass. */
export interface ActiveComponent {
  readonly component: Component;
  readonly vars: VarScope;
  readonly rules: Record<RuleKind, ActiveRule[]>;
  /** `<variable remap="TRUE">`: objects under the variable's source value follow it to its destination value. */
  readonly remaps: { readonly name: string; readonly source: string }[];
}

/** One evaluation pass: the System pass, or one per selected user with that user's variables and registry. */
export interface Pass {
  readonly index: number;
  /** Absent for the System pass. */
  readonly user?: Profile;
  readonly label: string;
  readonly vars: VarScope;
  readonly registry: RegistryView;
  readonly components: readonly ActiveComponent[];
  /** `<addObjects>` of the active rules: registry values emulated as if they existed on the source. */
  readonly added: readonly { readonly location: string; readonly value: RegValue }[];
}

/** A pass and component whose rule includes an object; an object can be included by several. */
export interface PassInclusion {
  readonly pass: Pass;
  readonly component: ActiveComponent;
  readonly rule: RuleRef;
}

/** What the rules decide for one object: included, excluded or untouched, and which rule won (spec §6.4). */
export interface Decision {
  readonly decision: 'include' | 'exclude' | 'none';
  /** The winning include, or the exclude/unconditionalExclude that removed it. */
  readonly rule: RuleRef | null;
  /** Why an object is excluded without a rule (a profile not migrated, the store's folder). */
  readonly reason?: string;
  /** Every pass/component that includes the object (the first is the primary one). */
  readonly inclusions: readonly PassInclusion[];
}

/** One object that migrates, as the walk yields it. ScanState stores it once. */
export interface DecidedObject {
  readonly kind: 'file' | 'dir' | 'registry' | 'ini';
  /** Windows path for files and folders; the encoded location `C:\x.ini|Section[Setting]` of an INI setting. */
  readonly winPath?: string;
  /** Encoded registry location (`HKCU\Software\X [V]`, or the key alone). */
  readonly regLocation?: string;
  readonly entry?: VolumeEntry;
  readonly value?: RegValue;
  /** An INI setting as read from its file (`file` is the Windows path). */
  readonly ini?: { readonly file: string; readonly section: string; readonly key: string; readonly value: string };
  /** The user of the primary pass (absent when only the System pass includes it). */
  readonly user?: Profile;
  readonly component: string;
  readonly rule: RuleRef;
  /** Windows path / registry location after locationModify of the primary pass. */
  readonly destination: string;
  readonly inclusions: readonly PassInclusion[];
}

/** What the rule engine evaluates: the volume, the rule files, the selected users and how to read their hives. */
export interface EngineOptions {
  readonly volume: WindowsVolume;
  readonly files: readonly RuleFile[];
  /** Users to process (after /ui /ue /uel selection). */
  readonly users: readonly Profile[];
  readonly events?: EventStream;
  /** Hive reader; without it registry objects are absent. */
  readonly openHive?: HiveOpener;
  /** Components switched off by Config.xml (`migrate="no"`). */
  readonly isDisabled?: (component: Component) => boolean;
  /** LoadState ignores detection (§6.2). */
  readonly phase?: 'scan' | 'apply';
  /** Folders never collected, e.g. a store on the source volume (§6.3 step 5). Windows paths. */
  readonly excludedPaths?: readonly string[];
  /**
   * Profile folders of the volume's users that are not migrated (/ue, /ui, /uel): nothing in them
   * is collected, whichever pass's pattern reaches them (`%ProfilesFolder%\* [*.doc]`,
   * GenerateUserPatterns). "A user who is not migrated has none of their files migrated."
   */
  readonly unmigratedProfiles?: readonly string[];
}

const RULE_KINDS: readonly RuleKind[] = [
  'include',
  'exclude',
  'unconditionalExclude',
  'merge',
  'locationModify',
  'contentModify',
  'destinationCleanup',
  'includeAttributes',
  'excludeAttributes',
];

const emptyRules = (): Record<RuleKind, ActiveRule[]> =>
  Object.fromEntries(RULE_KINDS.map((k) => [k, []])) as unknown as Record<RuleKind, ActiveRule[]>;

// ── index of rules by literal path prefix ─────────────────────────────────────────────────

const ROLE_INCLUDE = 0;
const ROLE_EXCLUDE = 1;
const ROLE_UNCONDITIONAL = 2;

interface IndexEntry {
  readonly pass: number;
  readonly comp: number;
  readonly role: number;
  readonly rule: ActiveRule;
}

interface IndexNode {
  readonly children: Map<string, IndexNode>;
  /** Include rules, apart: every decision looks at them first, and most objects stop there. */
  readonly includes: IndexEntry[];
  /** Exclude and unconditionalExclude rules, in the order they were added. */
  readonly excludes: IndexEntry[];
}

const newNode = (): IndexNode => ({ children: new Map(), includes: [], excludes: [] });

class RuleIndex {
  readonly root = newNode();
  size = 0;

  add(e: IndexEntry): void {
    let n = this.root;
    for (const seg of e.rule.matcher.prefix) {
      let c = n.children.get(seg);
      if (!c) n.children.set(seg, (c = newNode()));
      n = c;
    }
    (e.role === ROLE_INCLUDE ? n.includes : n.excludes).push(e);
    this.size++;
  }

  /** Index nodes along `node` (each holds entries whose prefix is a prefix of `node`), into `out`. */
  candidates(node: readonly string[], out: IndexNode[]): number {
    let count = 0;
    let n: IndexNode | undefined = this.root;
    for (let i = 0; n; i++) {
      if (n.includes.length || n.excludes.length) out[count++] = n;
      if (i >= node.length) break;
      n = n.children.get(node[i]!);
    }
    return count;
  }

  /**
   * Could anything inside `dir` be included? Decides which folders the walk enters: a folder is
   * skipped when no include can reach inside it, or when every include that can is beaten, in
   * its own component, by an exclude covering the whole folder (MigUser's `%CSIDL_WINDOWS%\* [*]`
   * against `C:\* [*.doc]`), or an unconditionalExclude covers it.
   */
  mayEnter(dir: readonly string[]): boolean {
    const along = this.#along;
    along.length = 0;
    let n: IndexNode | undefined = this.root;
    for (let i = 0; n; i++) {
      along.push(n);
      if (i >= dir.length) {
        // Includes rooted deeper than `dir` exist: enter.
        if (n.children.size > 0) return true;
        break;
      }
      n = n.children.get(dir[i]!);
    }
    const covering = (e: IndexEntry) =>
      !e.rule.filter || ALWAYS_TRUE_AT_SCAN.has(e.rule.filter.name) ? e.rule.matcher.coversBelow(dir) : null;
    for (const node of along) for (const e of node.excludes) if (e.role === ROLE_UNCONDITIONAL && covering(e)) return false;
    const beaten = (inc: IndexEntry): boolean => {
      const max = inc.rule.matcher.maxSpecificityBelow(dir);
      for (const node of along) {
        for (const e of node.excludes) {
          if (e.role !== ROLE_EXCLUDE || e.pass !== inc.pass || e.comp !== inc.comp) continue;
          const spec = covering(e);
          if (spec && compareSpecificity(spec, max) >= 0) return true;
        }
      }
      return false;
    };
    // Enter at the first include that reaches inside and is not beaten (most folders: the first).
    for (const node of along) for (const e of node.includes) if (e.rule.matcher.mayMatchBelow(dir) && !beaten(e)) return true;
    return false;
  }

  /** Scratch for mayEnter (index nodes along a folder's path). */
  readonly #along: IndexNode[] = [];
}

const LINK_RELEVANT: ApplyFilterState = { linkRelevant: true };

/** Filters that are TRUE for every object at ScanState (so they never stop an exclude from applying). */
const ALWAYS_TRUE_AT_SCAN = new Set(['IgnoreIrrelevantLinks', 'NeverRestore', 'SameRegContent']);

// ── the engine ────────────────────────────────────────────────────────────────────────────

const contextApplies = (ctx: Context, system: boolean) => ctx === 'UserAndSystem' || (system ? ctx === 'System' : ctx === 'User');

/** Effective context of a nested element in a component (§6.1): wider behaves as the component's; outside it, absent. */
function effectiveContext(component: Context, element: Context): Context | null {
  if (element === 'UserAndSystem' || element === component) return component;
  if (component === 'UserAndSystem') return element;
  return null;
}

/**
 * Evaluates MigXML rules over a volume: for each pass (a user or the machine) it decides what is
 * collected or applied, and where it lands (precedence per spec/migxml.md).
 * @example
 * const engine = await RuleEngine.create({ volume, files: ruleFiles, users, events, phase: 'scan' });
 * for (const pass of engine.passes) { ... } // each pass's decisions drive ScanState/LoadState
 */
export class RuleEngine {
  readonly volume: WindowsVolume;
  readonly passes: Pass[] = [];
  readonly machine: MachineInfo;
  readonly events: EventStream;
  readonly #files: readonly RuleFile[];
  readonly #options: EngineOptions;
  readonly #fileIndex = new RuleIndex();
  readonly #regIndex = new RuleIndex();
  readonly #iniIndex = new RuleIndex();
  readonly #mounts: RegistryMount[] = [];
  #registryWarned = false;
  /** Objects seen and included by objects(), for progress and benchmarks. */
  readonly stats = { walked: 0, included: 0 };
  readonly #scratch: IndexNode[] = [];
  /** Components present in at least one pass (detection TRUE or absent): what /genconfig lists. */
  readonly detected = new Set<Component>();
  readonly #unresolvedWarned = new Set<string>();

  private constructor(options: EngineOptions, machine: MachineInfo) {
    this.volume = options.volume;
    this.#files = options.files;
    this.#options = options;
    this.machine = machine;
    this.events = options.events ?? new EventStream();
  }

  /** Prepare every pass: variables, detection, rules expanded and indexed. */
  static async create(options: EngineOptions): Promise<RuleEngine> {
    const { volume } = options;
    const machineMounts = options.openHive ? await openMachineMounts(volume, options.openHive) : [];
    const machineView = new RegistryView(machineMounts);
    const engine = new RuleEngine(options, await readMachineInfo(volume, machineView));
    engine.#mounts.push(...machineMounts);

    const systemVars = new VarScope(undefined, await volume.systemEnv());
    const userScopes: { profile: Profile; vars: VarScope; registry: RegistryView }[] = [];
    for (const profile of options.users) {
      const userMounts = options.openHive ? openUserMount(profile, options.openHive) : [];
      engine.#mounts.push(...userMounts);
      userScopes.push({
        profile,
        vars: new VarScope(undefined, await volume.userEnv(profile)),
        registry: new RegistryView([...machineMounts, ...userMounts]),
      });
    }
    const users = userScopes.map(({ profile, vars }) => ({ profile, vars }));
    const specs = [
      { vars: systemVars, registry: machineView } as { profile?: Profile; vars: VarScope; registry: RegistryView },
      ...userScopes,
    ];
    for (const spec of specs) {
      const pass: Pass = {
        index: engine.passes.length,
        ...(spec.profile ? { user: spec.profile } : {}),
        label: spec.profile ? `${spec.profile.domain}\\${spec.profile.userName}` : 'System',
        vars: spec.vars,
        registry: spec.registry,
        components: [],
        added: [],
      };
      const scope = (vars: VarScope): HelperScope => ({
        volume,
        vars,
        systemContext: !spec.profile,
        machine: engine.machine,
        registry: spec.registry,
        onRegistryUse: () => engine.#registryUsed(spec.registry),
        ...(spec.profile ? { user: spec.profile } : {}),
        users,
        systemVars,
      });
      const builder = new PassBuilder(engine, pass, scope);
      for (const file of options.files) for (const c of file.components) await builder.component(file, c, pass.vars);
      engine.passes.push(pass);
    }
    engine.#buildIndex();
    return engine;
  }

  #registryUsed(view: RegistryView): void {
    if (view.available || this.#registryWarned) return;
    this.#registryWarned = true;
    // The volume model already reported missing machine hives (FERRY_W_REGISTRY_UNAVAILABLE) when it opened.
    if ((this.volume as { registry?: { available?: boolean } }).registry?.available === false) return;
    this.events.warn(
      'FERRY_W_REGISTRY_UNAVAILABLE',
      'Registry hives are not readable on this volume: registry conditions are FALSE and registry objects are absent.',
    );
  }

  warnUnresolved(name: string, pattern: string): void {
    const key = name.toUpperCase();
    if (this.#unresolvedWarned.has(key)) return;
    this.#unresolvedWarned.add(key);
    this.events.warn(
      'FERRY_W_MIGXML_UNRESOLVED_VARIABLE',
      `%${name}% has no value; patterns using it match nothing (first seen in "${pattern}").`,
    );
  }

  namedLookup<K extends 'environments' | 'rules' | 'conditions' | 'detections' | 'detects' | 'detect'>(
    file: RuleFile,
    kind: K,
    name: string,
    at?: Pos,
  ) {
    const key = namedKey(name);
    const own = file.named[kind].get(key);
    if (own) return own as NonNullable<ReturnType<RuleFile['named'][K]['get']>>;
    for (const f of this.#files) {
      const v = f.named[kind].get(key);
      if (v) return v as NonNullable<ReturnType<RuleFile['named'][K]['get']>>;
    }
    const where = at?.line ? `${at.file}:${at.line}${at.column ? `:${at.column}` : ''}` : file.file;
    throw new FerryError(
      'FERRY_E_MIGXML_INVALID',
      `${where}: <${kind}> named "${name}" is referenced but not defined under <namedElements>.`,
      { details: { file: file.file, name, ...(at?.line ? { line: at.line } : {}), ...(at?.column ? { column: at.column } : {}) } },
    );
  }

  get phase(): 'scan' | 'apply' {
    return this.#options.phase ?? 'scan';
  }

  isDisabled(c: Component): boolean {
    return this.#options.isDisabled?.(c) ?? false;
  }

  #buildIndex(): void {
    for (const pass of this.passes) {
      pass.components.forEach((ac, comp) => {
        const roles: [RuleKind, number][] = [
          ['include', ROLE_INCLUDE],
          ['exclude', ROLE_EXCLUDE],
          ['unconditionalExclude', ROLE_UNCONDITIONAL],
        ];
        for (const [kind, role] of roles) {
          for (const rule of ac.rules[kind]) {
            this.#indexOf(rule.matcher.type).add({ pass: pass.index, comp, role, rule });
          }
        }
      });
    }
  }

  #indexOf(type: ObjectType): RuleIndex {
    return type === 'Registry' ? this.#regIndex : type === 'Ini' ? this.#iniIndex : this.#fileIndex;
  }

  /**
   * Decide one object. `node`/`leaf` are lower-cased segments (see fileKey / registryKey);
   * `onlyPass` restricts to one pass (HKCU objects belong to their user's pass); `content` is the
   * string form of a registry value, for CompareStringContent filters; `filters` is what the
   * include/exclude filters see at LoadState (default in the apply phase: the shortcut is
   * relevant), null for ScanState's view.
   */
  decideKey(
    type: ObjectType,
    node: readonly string[],
    leaf: string | null,
    entry?: VolumeEntry,
    onlyPass?: number,
    content: string | null = null,
    filters: ApplyFilterState | null = this.phase === 'apply' ? LINK_RELEVANT : null,
  ): Decision {
    const apply = filters ?? undefined;
    const index = this.#indexOf(type);
    // Best include and exclude per (pass, component); few per object, so a flat list.
    const best: { inc: ActiveRule; incSpec: Specificity; exc?: ActiveRule; excSpec?: Specificity; pass: number; comp: number }[] = [];
    const nodes = this.#scratch;
    const n = index.candidates(node, nodes);
    // Includes first: excludes only matter for components that include the object.
    for (let ni = 0; ni < n; ni++) {
      for (const e of nodes[ni]!.includes) {
        if (onlyPass !== undefined && e.pass !== onlyPass) continue;
        if (!e.rule.matcher.matches(node, leaf, entry)) continue;
        if (e.rule.filter && !scanFilter(e.rule.filter, entry, content, apply)) continue;
        const spec = e.rule.matcher.specificity(node, leaf);
        let b: (typeof best)[number] | undefined;
        for (const x of best) if (x.pass === e.pass && x.comp === e.comp) b = x;
        if (!b) best.push({ inc: e.rule, incSpec: spec, pass: e.pass, comp: e.comp });
        else if (compareSpecificity(spec, b.incSpec) > 0) {
          b.inc = e.rule;
          b.incSpec = spec;
        }
      }
    }
    if (!best.length) return NONE;
    let unconditional: ActiveRule | undefined;
    for (let ni = 0; ni < n; ni++) {
      for (const e of nodes[ni]!.excludes) {
        if (onlyPass !== undefined && e.pass !== onlyPass) continue;
        if (e.role === ROLE_UNCONDITIONAL) {
          if (!unconditional && e.rule.matcher.matches(node, leaf, entry)) unconditional = e.rule;
          continue;
        }
        let b: (typeof best)[number] | undefined;
        for (const x of best) if (x.pass === e.pass && x.comp === e.comp) b = x;
        if (!b || !e.rule.matcher.matches(node, leaf, entry)) continue;
        if (e.rule.filter && !scanFilter(e.rule.filter, entry, content, apply)) continue;
        const spec = e.rule.matcher.specificity(node, leaf);
        if (!b.exc || compareSpecificity(spec, b.excSpec!) > 0) {
          b.exc = e.rule;
          b.excSpec = spec;
        }
      }
    }
    const inclusions: PassInclusion[] = [];
    let excludedBy: ActiveRule | undefined;
    for (const b of best) {
      // Ties go to the exclude (§6.3 step 2).
      if (b.exc && compareSpecificity(b.incSpec, b.excSpec!) <= 0) {
        excludedBy ??= b.exc;
        continue;
      }
      const pass = this.passes[b.pass]!;
      inclusions.push({ pass, component: pass.components[b.comp]!, rule: b.inc.ref });
    }
    if (inclusions.length && unconditional) return { decision: 'exclude', rule: unconditional.ref, inclusions: [] };
    if (inclusions.length) {
      inclusions.sort((a, b) => primaryRank(a, node) - primaryRank(b, node) || a.pass.index - b.pass.index);
      return { decision: 'include', rule: inclusions[0]!.rule, inclusions };
    }
    if (excludedBy) return { decision: 'exclude', rule: excludedBy.ref, inclusions: [] };
    return NONE;
  }

  /**
   * Why an object that nothing includes is still excluded, for explain: the unconditionalExclude
   * that matches it, else the most specific matching exclude. Migration never needs this (an
   * object without an include does not migrate either way); an administrator asking does.
   */
  #excludingRule(
    type: ObjectType,
    node: readonly string[],
    leaf: string | null,
    entry?: VolumeEntry,
    onlyPass?: number,
  ): ActiveRule | undefined {
    const index = this.#indexOf(type);
    const nodes: IndexNode[] = [];
    const n = index.candidates(node, nodes);
    let found: ActiveRule | undefined;
    let foundSpec: Specificity | undefined;
    for (let ni = 0; ni < n; ni++) {
      for (const e of nodes[ni]!.excludes) {
        if (onlyPass !== undefined && e.pass !== onlyPass) continue;
        if (!e.rule.matcher.matches(node, leaf, entry)) continue;
        if (e.role === ROLE_UNCONDITIONAL) return e.rule;
        const spec = e.rule.matcher.specificity(node, leaf);
        if (!foundSpec || compareSpecificity(spec, foundSpec) > 0) {
          found = e.rule;
          foundSpec = spec;
        }
      }
    }
    return found;
  }

  #explained(
    d: Decision,
    type: ObjectType,
    node: readonly string[],
    leaf: string | null,
    entry?: VolumeEntry,
    onlyPass?: number,
  ): Decision {
    if (d.decision !== 'none') return d;
    const rule = this.#excludingRule(type, node, leaf, entry, onlyPass);
    return rule ? { decision: 'exclude', rule: rule.ref, inclusions: [] } : d;
  }

  /** Destination of an object for one inclusion: the most specific locationModify of that component. */
  destinationFor(path: string, isContainer: boolean, inc: PassInclusion, type: ObjectType = 'File'): string {
    // Split the path only for components that relocate (most have no locationModify).
    let key: { node: string[]; leaf: string | null } | undefined;
    let bestRule: ActiveRule | undefined;
    let bestSpec: Specificity | undefined;
    for (const r of inc.component.rules.locationModify) {
      if (r.matcher.type !== type) continue;
      key ??= objectKeyOf(type, path, isContainer);
      if (!r.matcher.matches(key.node, key.leaf)) continue;
      const s = r.matcher.specificity(key.node, key.leaf);
      if (!bestSpec || compareSpecificity(s, bestSpec) > 0) {
        bestRule = r;
        bestSpec = s;
      }
    }
    const env: RelocationEnv = { source: inc.pass.vars, destination: inc.pass.vars };
    const ini = type === 'Ini' ? splitIniLocation(path) : null;
    if (ini) return iniLocation(destinationOf(ini.file, false, bestRule?.script, env, inc.component.remaps), ini.section, ini.key);
    if (type === 'Registry') {
      if (!bestRule?.script) return path;
      const { node, leaf } = splitLocation(path);
      const moved = destinationOf(leaf === null ? node : `${node}\\${leaf}`, leaf === null, bestRule.script, env);
      if (leaf === null) return moved;
      const i = moved.lastIndexOf('\\');
      return `${moved.slice(0, i)} [${moved.slice(i + 1)}]`;
    }
    return destinationOf(path, isContainer, bestRule?.script, env, inc.component.remaps);
  }

  /**
   * Every place an object is applied (§6.7): the destination of its primary inclusion, plus the
   * destination given by another component's matching locationModify, when that differs.
   */
  destinationsFor(path: string, isContainer: boolean, inc: PassInclusion, type: ObjectType = 'File'): string[] {
    return this.placementsFor(path, isContainer, inc, type).map((p) => p.dest);
  }

  /**
   * destinationsFor with the pass each destination belongs to (a user pass's reroute lands in
   * that user's folders). Files: the other components of the inclusion's pass and of the passes
   * beside it (System with every user pass, a user pass with System), since "another component"
   * may have another context; registry objects: the same pass only (HKCU is per user).
   */
  placementsFor(
    path: string,
    isContainer: boolean,
    inc: PassInclusion,
    type: ObjectType = 'File',
  ): { dest: string; inclusion: PassInclusion }[] {
    const out = [{ dest: this.destinationFor(path, isContainer, inc, type), inclusion: inc }];
    const passes = type !== 'File' ? [inc.pass] : inc.pass.user ? [inc.pass, this.passes[0]!] : this.passes;
    let key: { node: string[]; leaf: string | null } | undefined;
    for (const pass of passes) {
      for (const other of pass.components) {
        if (other === inc.component || !other.rules.locationModify.length) continue;
        key ??= objectKeyOf(type, path, isContainer);
        const k = key;
        if (!other.rules.locationModify.some((r) => r.matcher.type === type && r.matcher.matches(k.node, k.leaf))) continue;
        const d = this.destinationFor(path, isContainer, { ...inc, pass, component: other }, type);
        if (!out.some((x) => x.dest.toLowerCase() === d.toLowerCase())) out.push({ dest: d, inclusion: { ...inc, pass } });
      }
    }
    return out;
  }

  /**
   * Every place LoadState writes a file or folder (§6.7), as explain and plan show it: the
   * destination of each including component, and of another component's locationModify.
   */
  allDestinations(path: string, isContainer: boolean, inclusions: readonly PassInclusion[]): string[] {
    const out: string[] = [];
    for (const inc of inclusions)
      for (const d of this.destinationsFor(path, isContainer, inc)) if (!out.some((x) => x.toLowerCase() === d.toLowerCase())) out.push(d);
    return out;
  }

  /** The most specific merge script that applies to an object of a component (§6.6). */
  mergeScriptFor(path: string, isContainer: boolean, component: ActiveComponent, type: ObjectType = 'File'): ScriptCall | undefined {
    const key = objectKeyOf(type, path, isContainer);
    let best: ActiveRule | undefined;
    let bestSpec: Specificity | undefined;
    for (const r of component.rules.merge) {
      if (r.matcher.type !== type || !r.matcher.matches(key.node, key.leaf)) continue;
      const s = r.matcher.specificity(key.node, key.leaf);
      if (!bestSpec || compareSpecificity(s, bestSpec) > 0) {
        best = r;
        bestSpec = s;
      }
    }
    return best?.script;
  }

  /**
   * Which metadata travels with an object (includeAttributes / excludeAttributes, §2): per kind
   * (Security, TimeFields) the most specific matching rule of the component wins, an exclude on a
   * tie; without a rule everything migrates.
   */
  metadataFor(
    path: string,
    isContainer: boolean,
    component: ActiveComponent,
    type: ObjectType = 'File',
  ): { security: boolean; timeFields: boolean } {
    const key = objectKeyOf(type, path, isContainer);
    const keep = (attribute: string): boolean => {
      let inc: Specificity | undefined;
      let exc: Specificity | undefined;
      for (const kind of ['includeAttributes', 'excludeAttributes'] as const) {
        for (const r of component.rules[kind]) {
          if (
            r.matcher.type !== type ||
            !r.attributes?.some((a) => a.toLowerCase() === attribute) ||
            !r.matcher.matches(key.node, key.leaf)
          )
            continue;
          const sp = r.matcher.specificity(key.node, key.leaf);
          if (kind === 'includeAttributes') inc = !inc || compareSpecificity(sp, inc) > 0 ? sp : inc;
          else exc = !exc || compareSpecificity(sp, exc) > 0 ? sp : exc;
        }
      }
      return !exc || (!!inc && compareSpecificity(inc, exc) > 0);
    };
    return { security: keep('security'), timeFields: keep('timefields') };
  }

  /** Decide a Windows path or registry location as given on the explain command line. */
  async explain(target: string): Promise<{ decision: Decision; destination: string | null; destinations?: string[] }> {
    if (splitIniLocation(target)) {
      const key = iniKey(target);
      const d = this.#explained(this.decideKey('Ini', key.node, key.leaf), 'Ini', key.node, key.leaf);
      return {
        decision: d,
        destination: d.decision === 'include' ? this.destinationFor(target.trim(), false, d.inclusions[0]!, 'Ini') : null,
      };
    }
    if (/^(hkcu|hklm|hkey_current_user|hkey_local_machine)(\\|$)/i.test(target.trim())) {
      const { node, leaf } = splitLocation(target);
      const key = registryKey(target);
      for (const pass of this.passes) this.#registryUsed(pass.registry);
      let fallback: Decision | undefined;
      for (const pass of this.passes) {
        if (/^(hkcu|hkey_current_user)/i.test(node) && !pass.user) continue;
        // Filters such as CompareStringContent look at the value's data, as ScanState's walk gives it.
        const content = leaf === null ? null : this.#registryContent(pass, node, leaf);
        const d = this.#explained(
          this.decideKey('Registry', key.node, key.leaf, undefined, pass.index, content),
          'Registry',
          key.node,
          key.leaf,
          undefined,
          pass.index,
        );
        if (d.decision === 'include')
          return { decision: d, destination: this.destinationFor(target, leaf === null, d.inclusions[0]!, 'Registry') };
        if (!fallback || (fallback.decision === 'none' && d.decision === 'exclude')) fallback = d;
      }
      return { decision: fallback ?? { decision: 'none', rule: null, inclusions: [] }, destination: null };
    }
    const path = target.trim().replace(/\\+$/, (m) => (/^[A-Za-z]:\\$/.test(target.trim()) ? m : ''));
    const entry = (await this.volume.stat(path)) ?? undefined;
    const isContainer = entry ? entry.kind === 'dir' : /\\$/.test(target.trim());
    const key = fileKey(path, isContainer);
    const segs = isContainer ? key.node : [...key.node, key.leaf!];
    const root = this.#excludedRoots().find((x) => x.segs.length <= segs.length && x.segs.every((s, i) => segs[i] === s));
    if (root) return { decision: { decision: 'exclude', rule: null, reason: root.reason, inclusions: [] }, destination: null };
    const d = this.#explained(this.decideKey('File', key.node, key.leaf, entry), 'File', key.node, key.leaf, entry);
    if (d.decision !== 'include') return { decision: d, destination: null };
    const destinations = this.allDestinations(path, isContainer, d.inclusions);
    return { decision: d, destination: destinations[0]!, ...(destinations.length > 1 ? { destinations } : {}) };
  }

  /** Folders nothing is collected from, with the reason explain gives. */
  #excludedRoots(): { segs: string[]; reason: string }[] {
    return [
      ...(this.#options.excludedPaths ?? []).map((p) => ({ segs: pathSegments(p), reason: `${p} is excluded from collection` })),
      ...(this.#options.unmigratedProfiles ?? []).map((p) => ({
        segs: pathSegments(p),
        reason: `${p} is the profile of a user who is not migrated (/ue, /ui, /uel)`,
      })),
    ];
  }

  /** The string form of a registry value in a pass (or emulated by its `<addObjects>`), null when absent. */
  #registryContent(pass: Pass, keyPath: string, valueName: string): string | null {
    const value = pass.registry.available ? pass.registry.value(keyPath, valueName) : null;
    if (value) return regDataString(value.data);
    const location = `${keyPath} [${valueName}]`.toLowerCase();
    const added = pass.added.find((a) => a.location.toLowerCase() === location);
    return added ? regDataString(added.value.data) : null;
  }

  /** Folders the walk starts from: the literal roots of every File include, minimized. */
  walkRoots(): string[][] {
    const roots: string[][] = [];
    for (const pass of this.passes) {
      for (const ac of pass.components) {
        for (const r of ac.rules.include) {
          if (r.matcher.type !== 'File') continue;
          const rs = r.matcher.roots ?? [r.matcher.prefix];
          for (const root of rs) roots.push(root.length ? [...root] : [this.volume.systemDrive.toLowerCase()]);
        }
      }
    }
    roots.sort((a, b) => a.length - b.length);
    const out: string[][] = [];
    for (const r of roots) if (!out.some((o) => o.length <= r.length && o.every((s, i) => r[i] === s))) out.push(r);
    return out;
  }

  /** Every object that migrates: files and folders (one streaming walk), then registry objects. */
  async *objects(): AsyncGenerator<DecidedObject> {
    const excluded = this.#excludedRoots().map((x) => x.segs);
    const isExcluded = (segs: readonly string[]) => excluded.some((x) => x.length <= segs.length && x.every((s, i) => segs[i] === s));
    // Folders on the walk's current branch with their segments (the walk is depth first): an
    // entry's key is its folder's segments plus its own lower-cased name, so no path is split
    // whole, and the key of a folder is computed once for both deciding and entering it.
    const branch: { winPath: string; segs: string[] }[] = [];
    const keyOf = (winPath: string, isContainer: boolean): { node: string[]; leaf: string | null } => {
      const cut = winPath.lastIndexOf('\\');
      const parent = winPath.slice(0, cut);
      while (branch.length && branch[branch.length - 1]!.winPath !== parent) branch.pop();
      const top = branch[branch.length - 1];
      if (!top || cut === winPath.length - 1) return fileKey(winPath, isContainer);
      const name = winPath.slice(cut + 1).toLowerCase();
      if (!isContainer) return { node: top.segs, leaf: name };
      const segs = [...top.segs, name];
      return { node: segs, leaf: null };
    };
    for (const root of this.walkRoots()) {
      const rootPath = root.length === 1 ? `${root[0]!.toUpperCase()}\\` : root.join('\\');
      if (!(await this.volume.stat(rootPath))) continue;
      branch.length = 0;
      // The synchronous walk: each step is a cheap system call, and this generator's own yield
      // is where the consumer awaits; a second async layer per entry would only add overhead.
      const walk = this.volume.walkSync(rootPath, {
        enterDir: (d) => {
          const top = branch[branch.length - 1];
          const segs = top?.winPath === d.winPath ? top.segs : pathSegments(d.winPath);
          return !isExcluded(segs) && this.#fileIndex.mayEnter(segs);
        },
        onError: (winPath, err) => this.events.warn(isCoded(err) ? err.code : 'FERRY_E_IO', `Skipped ${winPath}: ${err.message}`, winPath),
      });
      for (const entry of walk) {
        if (++this.stats.walked % 4096 === 0)
          this.events.emit({ type: 'progress', phase: 'rules', done: this.stats.walked, current: entry.winPath });
        if (entry.kind === 'symlink') continue;
        const isContainer = entry.kind === 'dir';
        const key = keyOf(entry.winPath, isContainer);
        if (isContainer) branch.push({ winPath: entry.winPath, segs: key.node });
        if (excluded.length && isExcluded(isContainer ? key.node : [...key.node, key.leaf!])) continue;
        const d = this.decideKey('File', key.node, key.leaf, entry);
        if (d.decision !== 'include') {
          if (d.decision === 'exclude')
            this.#reportExcluded(
              isContainer ? 'dir' : 'file',
              entry.winPath,
              d.rule,
              this.#ownerOf(key.node),
              isContainer ? 0 : entry.size,
            );
          continue;
        }
        this.stats.included++;
        const primary = d.inclusions[0]!;
        yield {
          kind: isContainer ? 'dir' : 'file',
          winPath: entry.winPath,
          entry,
          ...(primary.pass.user ? { user: primary.pass.user } : {}),
          component: primary.component.component.displayName,
          rule: primary.rule,
          destination: this.destinationFor(entry.winPath, isContainer, primary),
          inclusions: d.inclusions,
        };
      }
    }
    yield* this.#registryObjects();
    yield* this.#iniObjects();
  }

  /**
   * INI settings: every file an Ini include names is read once; each of its settings is decided
   * against all passes (a file is not a user's, as HKCU is: the pass of the profile holding it is
   * the primary one). Wildcards may stand in the section and setting, not in the file's path.
   */
  async *#iniObjects(): AsyncGenerator<DecidedObject> {
    const files = new Map<string, string>();
    for (const pass of this.passes) {
      for (const ac of pass.components) {
        for (const r of ac.rules.include) {
          const loc = r.matcher.type === 'Ini' ? splitIniLocation(r.matcher.text) : null;
          if (loc && !loc.file.includes('*')) files.set(loc.file.toLowerCase(), loc.file);
        }
      }
    }
    for (const file of files.values()) {
      const host = await this.volume.resolve(file);
      const doc = host ? await readIniFile(host) : null;
      if (!doc) continue;
      for (const s of iniSettings(doc)) {
        const location = iniLocation(file, s.section, s.key);
        const key = iniKey(location);
        const d = this.decideKey('Ini', key.node, key.leaf, undefined, undefined, s.value);
        if (d.decision !== 'include') {
          if (d.decision === 'exclude') this.#reportExcluded('ini', location, d.rule, this.#ownerOf(pathSegments(file)));
          continue;
        }
        const primary = d.inclusions[0]!;
        yield {
          kind: 'ini',
          winPath: location,
          ini: { file, section: s.section, key: s.key, value: s.value },
          ...(primary.pass.user ? { user: primary.pass.user } : {}),
          component: primary.component.component.displayName,
          rule: primary.rule,
          destination: this.destinationFor(location, false, primary, 'Ini'),
          inclusions: d.inclusions,
        };
      }
    }
  }

  *#registryObjects(): Generator<DecidedObject> {
    const seenMachine = new Set<string>();
    for (const pass of this.passes) {
      const seen = new Set<string>();
      const decide = (location: string, value: RegValue | null): DecidedObject | null => {
        const lower = location.toLowerCase();
        const machine = !lower.startsWith('hkcu');
        if ((machine ? seenMachine : seen).has(lower)) return null;
        (machine ? seenMachine : seen).add(lower);
        const key = registryKey(location);
        const d = this.decideKey(
          'Registry',
          key.node,
          key.leaf,
          undefined,
          machine ? undefined : pass.index,
          value ? regDataString(value.data) : null,
        );
        if (d.decision !== 'include') {
          if (d.decision === 'exclude') this.#reportExcluded('registry', location, d.rule, machine ? undefined : pass.user);
          return null;
        }
        const primary = d.inclusions[0]!;
        return {
          kind: 'registry',
          regLocation: location,
          ...(value ? { value } : {}),
          ...(primary.pass.user ? { user: primary.pass.user } : {}),
          component: primary.component.component.displayName,
          rule: primary.rule,
          destination: this.destinationFor(location, !value, primary, 'Registry'),
          inclusions: d.inclusions,
        };
      };
      if (!pass.registry.available) {
        if (pass.components.some((c) => c.rules.include.some((r) => r.matcher.type === 'Registry'))) this.#registryUsed(pass.registry);
      } else {
        for (const ac of pass.components) {
          for (const r of ac.rules.include) {
            if (r.matcher.type !== 'Registry') continue;
            for (const { keyPath, value } of registryObjects(pass.registry, compilePattern('Registry', r.matcher.text))) {
              const o = decide(value ? `${keyPath} [${value.name}]` : keyPath, value);
              if (o) yield o;
            }
          }
        }
      }
      for (const a of pass.added) {
        const o = decide(a.location, a.value);
        if (o) yield o;
      }
    }
  }

  /** The user whose profile folder holds a path (the user an excluded object belongs to). */
  #ownerOf(node: readonly string[]): Profile | undefined {
    this.#profileSegs ??= this.#options.users.map((p) => ({ p, segs: pathSegments(p.profilePath) }));
    return this.#profileSegs.find(({ segs }) => segs.length <= node.length && segs.every((s, i) => node[i] === s))?.p;
  }

  #profileSegs: { p: Profile; segs: string[] }[] | undefined;

  /** An object a rule excluded, for the migration report (an `object` event; nothing else reads it). */
  #reportExcluded(
    kind: 'file' | 'dir' | 'registry' | 'ini',
    object: string,
    rule: RuleRef | null,
    user: Profile | undefined,
    bytes?: number,
  ): void {
    this.events.emit({
      type: 'object',
      outcome: 'notMigrated',
      kind,
      object,
      reason: 'excludedByRule',
      ...(user ? { user: `${user.domain}\\${user.userName}` } : {}),
      ...(bytes ? { bytes } : {}),
      ...(rule ? { detail: ruleText(rule) } : {}),
    });
  }

  close(): void {
    closeMounts(this.#mounts);
    this.#mounts.length = 0;
  }
}

/** A rule as a report names it: `<exclude> %CSIDL_WINDOWS%\* [*] (Component, MigUser.xml:12)`. */
export function ruleText(rule: RuleRef): string {
  const file = rule.file.split(/[\\/]/).pop() ?? rule.file;
  return `<${rule.kind}> ${rule.pattern} (${rule.component}, ${file}${rule.line ? `:${rule.line}` : ''})`;
}

const NONE: Decision = Object.freeze({ decision: 'none', rule: null, inclusions: [] });

const isCoded = (err: Error): err is FerryError => err instanceof FerryError;

/** Prefer the pass of the user whose profile holds the object, then user passes, then System. */
function primaryRank(inc: PassInclusion, node: readonly string[]): number {
  const user = inc.pass.user;
  if (!user) return 2;
  const p = pathSegments(user.profilePath);
  return p.every((s, i) => node[i] === s) ? 0 : 1;
}

/** Lower-cased node segments and leaf of a file or folder path (the form decideKey takes). */
export const fileKey = objectKey;

function objectKeyOf(type: ObjectType, path: string, isContainer: boolean): { node: string[]; leaf: string | null } {
  return type === 'Registry' ? registryKey(path) : type === 'Ini' ? iniKey(path) : fileKey(path, isContainer);
}

/** Lower-cased node segments and value name of a registry location (the form decideKey takes). */
export function registryKey(location: string): { node: string[]; leaf: string | null } {
  const { node, leaf } = splitLocation(location);
  return { node: pathSegments(node), leaf: leaf === null ? null : leaf.toLowerCase() };
}

async function readMachineInfo(volume: WindowsVolume, registry: RegistryView): Promise<MachineInfo> {
  const is64Bit = volume.is64Bit;
  let version: number[] = [...DEFAULT_OS_VERSION];
  let sp = '';
  const cv = registry.key('HKLM\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion');
  if (cv) {
    const num = (name: string) => {
      const v = cv.value(name)?.data;
      return typeof v === 'number' ? v : typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : undefined;
    };
    const major = num('CurrentMajorVersionNumber');
    const minor = num('CurrentMinorVersionNumber');
    const build = num('CurrentBuildNumber') ?? num('CurrentBuild');
    if (major !== undefined && build !== undefined) version = [major, minor ?? 0, build];
    else {
      const cur = cv.value('CurrentVersion')?.data;
      if (typeof cur === 'string' && build !== undefined) version = [...cur.split('.').map(Number), build];
    }
    const csd = cv.value('CSDVersion')?.data;
    if (typeof csd === 'string') sp = csd;
  }
  return { osVersion: version, osVersionText: `${version.join('.')}.${sp}`, is64Bit };
}

// ── building one pass ─────────────────────────────────────────────────────────────────────

class PassBuilder {
  readonly #engine: RuleEngine;
  readonly #pass: Pass;
  readonly #scope: (vars: VarScope) => HelperScope;
  readonly #system: boolean;
  #remaps: { name: string; source: string }[] = [];

  constructor(engine: RuleEngine, pass: Pass, scope: (vars: VarScope) => HelperScope) {
    this.#engine = engine;
    this.#pass = pass;
    this.#scope = scope;
    this.#system = !pass.user;
  }

  async component(file: RuleFile, c: Component, parentVars: VarScope): Promise<void> {
    if (this.#engine.isDisabled(c) || !contextApplies(c.context, this.#system)) return;
    const vars = parentVars.child();
    const active: ActiveComponent = { component: c, vars, rules: emptyRules(), remaps: [] };
    this.#remaps = active.remaps;
    for (const env of c.environments) await this.#environment(file, c, env, vars);
    const children: Component[] = [];
    const visitRole = async (role: Role, roleVars: VarScope): Promise<void> => {
      for (const env of role.environments) await this.#environment(file, c, env, roleVars);
      if (this.#engine.phase === 'scan' && !(await this.#detected(file, c, role, roleVars))) return;
      this.#engine.detected.add(c);
      for (const rules of role.rules) await this.#rules(file, c, rules, active, roleVars);
      for (const nested of role.roles) await visitRole(nested, roleVars);
      children.push(...role.components);
    };
    for (const role of c.roles) await visitRole(role, vars);
    for (const ext of c.extensions) {
      const text = `${this.#engine.volume.systemDrive}\\* [*.${ext}]`;
      active.rules.include.push({
        matcher: patternMatcher(compilePattern('File', text)),
        ref: { file: file.file, component: c.displayName, kind: 'include', pattern: text, ...(c.line ? { line: c.line } : {}) },
      });
    }
    if (RULE_KINDS.some((k) => active.rules[k].length)) (this.#pass.components as ActiveComponent[]).push(active);
    for (const child of children) await this.component(file, child, vars);
  }

  async #environment(file: RuleFile, c: Component, env: Environment, vars: VarScope): Promise<void> {
    const def = env.ref ? this.#engine.namedLookup(file, 'environments', env.ref, env) : env;
    const ctx = effectiveContext(c.context, def.context);
    if (!ctx || !contextApplies(ctx, this.#system)) return;
    if (!(await this.#all(file, def.conditions, vars))) return;
    for (const v of def.variables) {
      let value: string | null = null;
      if ('text' in v.value) value = v.value.text;
      else if ('script' in v.value) value = await variableScript(v.value.script, this.#scope(vars));
      else {
        const ms = await this.#objectSet(file, c, v.value.objectSet, vars, 'include');
        for (const m of ms) {
          const { node, leaf } = splitLocation(m.text);
          if (m.type === 'File' && (await this.#engine.volume.stat(leaf ? `${node}\\${leaf}` : node))) {
            value = leaf ? `${node}\\${leaf}` : node;
            break;
          }
        }
      }
      if (value === null) continue;
      vars.set(v.name, value);
      if (v.remap) this.#remaps.push({ name: v.name, source: expand(value, vars).text });
    }
  }

  async #detected(file: RuleFile, c: Component, role: Role, vars: VarScope): Promise<boolean> {
    const applies = (ctx: Context) => {
      const eff = effectiveContext(c.context, ctx);
      return !!eff && contextApplies(eff, this.#system);
    };
    const detections = role.detections
      .map((d) => (d.ref ? this.#engine.namedLookup(file, 'detections', d.ref, d) : d) as Detection)
      .filter((d) => applies(d.context));
    const detects = role.detects
      .map((d) => (d.ref ? this.#engine.namedLookup(file, 'detects', d.ref, d) : d) as Detects)
      .filter((d) => applies(d.context));
    if (!detections.length && !detects.length) return true;
    for (const d of detections) if (!d.conditions || (await this.#conditions(file, d.conditions, vars))) return true;
    for (const d of detects) if (await this.#detects(file, c, d, vars)) return true;
    return false;
  }

  async #detects(file: RuleFile, c: Component, d: Detects, vars: VarScope): Promise<boolean> {
    for (const one of d.detects) {
      const det = one.ref ? this.#engine.namedLookup(file, 'detect', one.ref, one) : one;
      let any = det.items.length === 0;
      for (const item of det.items) {
        if ('kind' in item && (item.kind === 'condition' || item.kind === 'conditions')) {
          if (await this.#one(file, item, vars)) any = true;
        } else if (await this.#objectSetNonEmpty(file, c, item as ObjectSet, vars)) any = true;
        if (any) break;
      }
      if (!any) return false;
    }
    return true;
  }

  async #objectSetNonEmpty(file: RuleFile, c: Component, set: ObjectSet, vars: VarScope): Promise<boolean> {
    const ms = await this.#objectSet(file, c, set, vars, 'include');
    const scope = this.#scope(vars);
    for (const m of ms) {
      const text = `MigXmlHelper.DoesObjectExist("${m.type}", "${m.text}")`;
      if (await evaluateCondition({ prefix: 'MigXmlHelper', name: 'DoesObjectExist', args: [m.type, m.text], text }, scope)) return true;
    }
    return false;
  }

  async #rules(file: RuleFile, c: Component, rules: Rules, active: ActiveComponent, vars: VarScope): Promise<void> {
    const def = rules.ref ? this.#engine.namedLookup(file, 'rules', rules.ref, rules) : rules;
    const ctx = effectiveContext(c.context, rules.ref ? rules.context : def.context);
    if (!ctx || !contextApplies(ctx, this.#system)) return;
    if (def.conditions && !(await this.#conditions(file, def.conditions, vars))) return;
    if (def.detects.length) {
      let ok = false;
      for (const d of def.detects)
        if (await this.#detects(file, c, d.ref ? this.#engine.namedLookup(file, 'detects', d.ref, d) : d, vars)) ok = true;
      if (!ok) return;
    }
    for (const el of def.elements) {
      for (const set of el.objectSets) {
        for (const m of await this.#objectSet(file, c, set, vars, el.kind)) {
          active.rules[el.kind].push({
            matcher: m,
            ref: { file: file.file, component: c.displayName, kind: el.kind, pattern: m.text, ...(el.line ? { line: el.line } : {}) },
            ...(el.script && (el.kind === 'include' || el.kind === 'exclude' || el.kind === 'destinationCleanup')
              ? { filter: el.script }
              : {}),
            ...(el.script && !(el.kind === 'include' || el.kind === 'exclude' || el.kind === 'destinationCleanup')
              ? { script: el.script }
              : {}),
            ...(el.attributes ? { attributes: el.attributes } : {}),
          });
        }
      }
    }
    for (const add of def.addObjects) {
      if (!(await this.#all(file, add.conditions, vars))) continue;
      for (const obj of add.objects) {
        const added = await addedRegistryValue(obj, this.#scope(vars));
        if (added) (this.#pass.added as { location: string; value: RegValue }[]).push(added);
      }
    }
    for (const nested of def.nested) await this.#rules(file, c, nested, active, vars);
  }

  async #objectSet(file: RuleFile, c: Component, set: ObjectSet, vars: VarScope, kind: RuleKind): Promise<Matcher[]> {
    if (!(await this.#all(file, set.conditions, vars))) return [];
    const out: Matcher[] = [];
    const addText = (type: ObjectType, raw: string) => {
      const e = expand(raw, vars);
      if (e.unresolved.length) {
        for (const n of e.unresolved) this.#engine.warnUnresolved(n, raw);
        return;
      }
      out.push(patternMatcher(compilePattern(type, e.text)));
    };
    for (const item of set.items) {
      if (item.kind === 'pattern') addText(item.type, item.text);
      else if (item.kind === 'script') {
        const produced = await objectSetScript(item.call, this.#scope(vars));
        for (const p of produced) {
          if ('matches' in p) out.push(p);
          else addText(p.type, p.text);
        }
      } else {
        const scope = this.#scope(vars);
        for (const inner of item.objectSets) {
          for (const m of await this.#objectSet(file, c, inner, vars, kind)) {
            if (m.type !== 'Registry') continue;
            scope.onRegistryUse();
            for (const { value } of registryObjects(scope.registry, compilePattern('Registry', m.text))) {
              if (!value) continue;
              for (const text of await contentFilter(item.filter, value.data, scope)) addText('File', text);
            }
          }
        }
      }
    }
    return out;
  }

  async #all(file: RuleFile, items: readonly (Condition | Conditions)[], vars: VarScope): Promise<boolean> {
    for (const item of items) if (!(await this.#one(file, item, vars))) return false;
    return true;
  }

  async #one(file: RuleFile, item: Condition | Conditions, vars: VarScope): Promise<boolean> {
    if (item.kind === 'conditions') return this.#conditions(file, item, vars);
    const r = await evaluateCondition(item.call, this.#scope(vars));
    return item.negate ? !r : r;
  }

  async #conditions(file: RuleFile, conds: Conditions, vars: VarScope): Promise<boolean> {
    const def = conds.ref ? this.#engine.namedLookup(file, 'conditions', conds.ref, conds) : conds;
    if (def.operation === 'OR') {
      for (const item of def.items) if (await this.#one(file, item, vars)) return true;
      return def.items.length === 0;
    }
    return this.#all(file, def.items, vars);
  }
}

const ADDED_TYPES: Record<string, number> = {
  none: 0,
  string: 1,
  reg_sz: 1,
  expandstring: 2,
  reg_expand_sz: 2,
  binary: 3,
  reg_binary: 3,
  dword: 4,
  reg_dword: 4,
};

/** An `<addObjects><object>` of type Registry as a value (file objects are not emulated). */
async function addedRegistryValue(obj: AddedObject, scope: HelperScope): Promise<{ location: string; value: RegValue } | null> {
  if (obj.type !== 'Registry') return null;
  const raw = typeof obj.location === 'string' ? obj.location : await variableScript(obj.location, scope);
  if (!raw) return null;
  const loc = expand(raw, scope.vars);
  if (loc.unresolved.length) return null;
  const { node, leaf } = splitLocation(loc.text);
  if (leaf === null) return null;
  const type = ADDED_TYPES[obj.attributes.trim().toLowerCase()] ?? 1;
  let bytes: Buffer;
  if (!obj.bytes) bytes = Buffer.alloc(0);
  else if (obj.bytes.string) {
    const text = obj.bytes.expand ? expand(obj.bytes.text, scope.vars).text : obj.bytes.text;
    bytes = Buffer.from(`${text}\0`, 'utf16le');
  } else bytes = Buffer.from(obj.bytes.text.replace(/\s+/g, ''), 'hex');
  return { location: `${node} [${leaf}]`, value: { name: leaf, type, raw: bytes, data: decodeValueData(type, bytes) } };
}
