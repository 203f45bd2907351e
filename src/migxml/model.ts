// The parsed form of MigXML files (spec §1–§2). Everything keeps its file and line so that
// decisions and errors can name the rule that caused them.
import type { ObjectType } from './pattern.ts';
import type { ScriptCall } from './script-call.ts';

/** Which passes a component or rule applies in: user passes, the System pass, or both. */
export type Context = 'User' | 'System' | 'UserAndSystem';
/** The `type=` of a `<component>`. */
export type ComponentType = 'System' | 'Application' | 'Device' | 'Documents';
/** The `role=` of a `<role>`. */
export type RoleName = 'Container' | 'Binaries' | 'Settings' | 'Data';

/** Where an element was written: decisions and errors name the rule that caused them. */
export interface Pos {
  readonly file: string;
  readonly line?: number;
  readonly column?: number;
}

/** A `<condition>`: a helper call, possibly negated. */
export interface Condition extends Pos {
  readonly kind: 'condition';
  readonly call: ScriptCall;
  readonly negate: boolean;
}

/** A `<conditions>` block: its items ANDed or ORed, or a reference to a named one. */
export interface Conditions extends Pos {
  readonly kind: 'conditions';
  readonly operation: 'AND' | 'OR';
  readonly items: readonly (Condition | Conditions)[];
  /** A reference to `<namedElements><conditions name=…>`. */
  readonly ref?: string;
}

/** A `<pattern>` of an object set. */
export interface PatternItem extends Pos {
  readonly kind: 'pattern';
  readonly type: ObjectType;
  readonly text: string;
}

/** A `<script>` of an object set: a helper call that yields patterns. */
export interface ScriptItem extends Pos {
  readonly kind: 'script';
  readonly call: ScriptCall;
}

/** A `<content filter=…>`: objects named by the contents of the files its object sets match. */
export interface ContentItem extends Pos {
  readonly kind: 'content';
  readonly filter: ScriptCall;
  readonly objectSets: readonly ObjectSet[];
}

/** An `<objectSet>`: patterns, scripts and content items, under conditions. */
export interface ObjectSet extends Pos {
  readonly items: readonly (PatternItem | ScriptItem | ContentItem)[];
  /** All must hold (conditions blocks and bare `<condition>`s are ANDed); false → empty set. */
  readonly conditions: readonly (Condition | Conditions)[];
}

/** The rule elements inside `<rules>`. */
export type RuleKind =
  | 'include'
  | 'exclude'
  | 'unconditionalExclude'
  | 'merge'
  | 'locationModify'
  | 'contentModify'
  | 'destinationCleanup'
  | 'includeAttributes'
  | 'excludeAttributes';

/** One rule element (`<include>`, `<merge>`, `<locationModify>`…) with its object sets. */
export interface RuleElement extends Pos {
  readonly kind: RuleKind;
  /** `filter=` (include/exclude/destinationCleanup) or `script=` (merge/locationModify/contentModify). */
  readonly script?: ScriptCall;
  /** includeAttributes/excludeAttributes: `Security`, `TimeFields`. */
  readonly attributes?: readonly string[];
  readonly objectSets: readonly ObjectSet[];
}

/** An `<object>` of `<addObjects>`: a registry value emulated as if it existed on the source. */
export interface AddedObject extends Pos {
  readonly type: ObjectType;
  readonly location: string | ScriptCall;
  readonly attributes: string;
  readonly bytes?: { readonly text: string; readonly string: boolean; readonly expand: boolean };
}

/** An `<addObjects>` block, under conditions. */
export interface AddObjects extends Pos {
  readonly objects: readonly AddedObject[];
  readonly conditions: readonly (Condition | Conditions)[];
}

/** An `<externalProcess>`: command lines to run before or after the scan or apply. */
export interface ExternalProcess extends Pos {
  readonly when: string;
  readonly commandLines: readonly string[];
}

/** A `<processing>`: helper scripts to run before or after the scan or apply. */
export interface Processing extends Pos {
  readonly when: string;
  readonly scripts: readonly ScriptCall[];
}

/** What a named element (`<namedElements>`) and a reference to one share: its name or the name it refers to, and its context. */
export interface NamedInContext extends Pos {
  readonly name?: string;
  /** Set when this element refers to a named definition. */
  readonly ref?: string;
  readonly context: Context;
}

/** A `<rules>` block: rule elements, detects and added objects in one context, possibly a named one. */
export interface Rules extends NamedInContext {
  /** Set when this `<rules name=…/>` outside namedElements refers to a definition. */
  readonly ref?: string;
  readonly elements: readonly RuleElement[];
  readonly conditions?: Conditions;
  readonly detects: readonly Detects[];
  readonly addObjects: readonly AddObjects[];
  readonly externalProcesses: readonly ExternalProcess[];
  readonly processing: readonly Processing[];
  readonly nested: readonly Rules[];
}

/** A `<detect>`: true when any of its conditions or object sets holds. */
export interface Detect extends NamedInContext {
  /** ORed. */
  readonly items: readonly (Condition | Conditions | ObjectSet)[];
}

/** A `<detects>` block: true when all its detects hold. */
export interface Detects extends NamedInContext {
  /** ANDed. */
  readonly detects: readonly Detect[];
}

/** A `<detection>`: a named condition block deciding whether a component is present. */
export interface Detection extends NamedInContext {
  readonly conditions?: Conditions;
}

/** A `<variable>` of an environment: a text, a script result or an object set, optionally remapped. */
export interface Variable extends Pos {
  readonly name: string;
  readonly remap: boolean;
  readonly value: { readonly text: string } | { readonly script: ScriptCall } | { readonly objectSet: ObjectSet };
}

/** An `<environment>`: variables defined under conditions for a component. */
export interface Environment extends NamedInContext {
  readonly conditions: readonly (Condition | Conditions)[];
  readonly variables: readonly Variable[];
}

/** A `<role>` of a component: its environments, detection, rules and nested components. */
export interface Role extends Pos {
  readonly role: RoleName;
  readonly environments: readonly Environment[];
  readonly detections: readonly Detection[];
  readonly detects: readonly Detects[];
  readonly rules: readonly Rules[];
  readonly components: readonly Component[];
  readonly roles: readonly Role[];
}

/** A `<component>`: what Config.xml turns on or off, with its roles and rules. */
export interface Component extends Pos {
  /** Config.xml ID: `<urlid>/<displayName lower-cased>/<role lower-cased>` (spec §7). */
  readonly id: string;
  readonly urlid: string;
  readonly displayName: string;
  readonly type: ComponentType;
  readonly context: Context;
  readonly defaultSupported: boolean;
  readonly hidden: boolean;
  readonly environments: readonly Environment[];
  readonly roles: readonly Role[];
  /** `<extension>doc</extension>` entries (≡ GenerateDrivePatterns("* [*.doc]","Fixed") includes). */
  readonly extensions: readonly string[];
}

/** The `<namedElements>` of a file, by lower-cased name, for references to resolve. */
export interface NamedElements {
  readonly environments: ReadonlyMap<string, Environment>;
  readonly rules: ReadonlyMap<string, Rules>;
  readonly conditions: ReadonlyMap<string, Conditions>;
  readonly detections: ReadonlyMap<string, Detection>;
  readonly detects: ReadonlyMap<string, Detects>;
  readonly detect: ReadonlyMap<string, Detect>;
}

/** A parsed MigXML file: its components, named elements and the defects it was accepted despite. */
export interface RuleFile {
  readonly file: string;
  readonly urlid: string;
  /** Top-level components (nested ones hang under their roles). */
  readonly components: readonly Component[];
  readonly named: NamedElements;
  /** Defects the file is processed despite (reported when the rule set is loaded). */
  readonly warnings?: readonly RuleFileWarning[];
}

/** A defect a rule file is processed despite (an ignored element), reported when the rule set is loaded. */
export interface RuleFileWarning {
  readonly code: 'FERRY_W_MIGXML_ELEMENT_IGNORED';
  readonly message: string;
  readonly file: string;
  readonly line?: number;
  readonly column?: number;
}

/** Lower-cased keys: named elements are referenced case-insensitively. */
export const namedKey = (name: string) => name.toLowerCase();
