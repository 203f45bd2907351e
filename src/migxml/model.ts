// The parsed form of MigXML files (spec §1–§2). Everything keeps its file and line so that
// decisions and errors can name the rule that caused them.
import type { ObjectType } from './pattern.ts';
import type { ScriptCall } from './script-call.ts';

export type Context = 'User' | 'System' | 'UserAndSystem';
export type ComponentType = 'System' | 'Application' | 'Device' | 'Documents';
export type RoleName = 'Container' | 'Binaries' | 'Settings' | 'Data';

export interface Pos {
  readonly file: string;
  readonly line?: number;
  readonly column?: number;
}

export interface Condition extends Pos {
  readonly kind: 'condition';
  readonly call: ScriptCall;
  readonly negate: boolean;
}

export interface Conditions extends Pos {
  readonly kind: 'conditions';
  readonly operation: 'AND' | 'OR';
  readonly items: readonly (Condition | Conditions)[];
  /** A reference to `<namedElements><conditions name=…>`. */
  readonly ref?: string;
}

export interface PatternItem extends Pos {
  readonly kind: 'pattern';
  readonly type: ObjectType;
  readonly text: string;
}

export interface ScriptItem extends Pos {
  readonly kind: 'script';
  readonly call: ScriptCall;
}

export interface ContentItem extends Pos {
  readonly kind: 'content';
  readonly filter: ScriptCall;
  readonly objectSets: readonly ObjectSet[];
}

export interface ObjectSet extends Pos {
  readonly items: readonly (PatternItem | ScriptItem | ContentItem)[];
  /** All must hold (conditions blocks and bare `<condition>`s are ANDed); false → empty set. */
  readonly conditions: readonly (Condition | Conditions)[];
}

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

export interface RuleElement extends Pos {
  readonly kind: RuleKind;
  /** `filter=` (include/exclude/destinationCleanup) or `script=` (merge/locationModify/contentModify). */
  readonly script?: ScriptCall;
  /** includeAttributes/excludeAttributes: `Security`, `TimeFields`. */
  readonly attributes?: readonly string[];
  readonly objectSets: readonly ObjectSet[];
}

export interface AddedObject extends Pos {
  readonly type: ObjectType;
  readonly location: string | ScriptCall;
  readonly attributes: string;
  readonly bytes?: { readonly text: string; readonly string: boolean; readonly expand: boolean };
}

export interface AddObjects extends Pos {
  readonly objects: readonly AddedObject[];
  readonly conditions: readonly (Condition | Conditions)[];
}

export interface ExternalProcess extends Pos {
  readonly when: string;
  readonly commandLines: readonly string[];
}

export interface Processing extends Pos {
  readonly when: string;
  readonly scripts: readonly ScriptCall[];
}

export interface Rules extends Pos {
  readonly name?: string;
  /** Set when this `<rules name=…/>` outside namedElements refers to a definition. */
  readonly ref?: string;
  readonly context: Context;
  readonly elements: readonly RuleElement[];
  readonly conditions?: Conditions;
  readonly detects: readonly Detects[];
  readonly addObjects: readonly AddObjects[];
  readonly externalProcesses: readonly ExternalProcess[];
  readonly processing: readonly Processing[];
  readonly nested: readonly Rules[];
}

export interface Detect extends Pos {
  readonly name?: string;
  readonly ref?: string;
  readonly context: Context;
  /** ORed. */
  readonly items: readonly (Condition | Conditions | ObjectSet)[];
}

export interface Detects extends Pos {
  readonly name?: string;
  readonly ref?: string;
  readonly context: Context;
  /** ANDed. */
  readonly detects: readonly Detect[];
}

export interface Detection extends Pos {
  readonly name?: string;
  readonly ref?: string;
  readonly context: Context;
  readonly conditions?: Conditions;
}

export interface Variable extends Pos {
  readonly name: string;
  readonly remap: boolean;
  readonly value: { readonly text: string } | { readonly script: ScriptCall } | { readonly objectSet: ObjectSet };
}

export interface Environment extends Pos {
  readonly name?: string;
  readonly ref?: string;
  readonly context: Context;
  readonly conditions: readonly (Condition | Conditions)[];
  readonly variables: readonly Variable[];
}

export interface Role extends Pos {
  readonly role: RoleName;
  readonly environments: readonly Environment[];
  readonly detections: readonly Detection[];
  readonly detects: readonly Detects[];
  readonly rules: readonly Rules[];
  readonly components: readonly Component[];
  readonly roles: readonly Role[];
}

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

export interface NamedElements {
  readonly environments: ReadonlyMap<string, Environment>;
  readonly rules: ReadonlyMap<string, Rules>;
  readonly conditions: ReadonlyMap<string, Conditions>;
  readonly detections: ReadonlyMap<string, Detection>;
  readonly detects: ReadonlyMap<string, Detects>;
  readonly detect: ReadonlyMap<string, Detect>;
}

export interface RuleFile {
  readonly file: string;
  readonly urlid: string;
  /** Top-level components (nested ones hang under their roles). */
  readonly components: readonly Component[];
  readonly named: NamedElements;
  /** Defects the file is processed despite (reported when the rule set is loaded). */
  readonly warnings?: readonly RuleFileWarning[];
}

export interface RuleFileWarning {
  readonly code: 'FERRY_W_MIGXML_ELEMENT_IGNORED';
  readonly message: string;
  readonly file: string;
  readonly line?: number;
  readonly column?: number;
}

/** Lower-cased keys: named elements are referenced case-insensitively. */
export const namedKey = (name: string) => name.toLowerCase();
