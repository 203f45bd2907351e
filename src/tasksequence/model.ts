// The task sequence model: an ordered tree of groups and steps (task-sequence.md §1), each step
// type with typed properties named as the ConfigMgr SDK names them (so the XML `property=` and
// the console labels map one to one). Anything the model does not know is kept verbatim so an
// import → export round trip loses nothing.

/** Where a step may run: Windows PE, the full OS, or both (`runIn=`). */
export type RunIn = 'WinPE' | 'FullOS' | 'WinPEandFullOS';

/** One `<variable name= property= hidden=>` entry of a `<defaultVarList>` or `<globalVarList>`. */
export interface TsVariable {
  name: string;
  property?: string;
  value: string;
  hidden?: boolean;
}

/** An attribute the model does not know, kept in document order. */
export type ExtraAttribute = readonly [name: string, value: string];

// ── conditions (task-sequence.md §2) ─────────────────────────────────────────────────────

/** How a task sequence variable condition compares (`<expression type="SMS_TaskSequence_VariableConditionExpression">`). */
export type VariableOperator =
  | 'exists'
  | 'notExists'
  | 'equals'
  | 'notEquals'
  | 'less'
  | 'lessEqual'
  | 'greater'
  | 'greaterEqual'
  | 'like'
  | 'notLike';
/** The ordering comparisons conditions share (file dates, folder dates, registry values). */
export type CompareOperator = 'equals' | 'notEquals' | 'less' | 'lessEqual' | 'greater' | 'greaterEqual';
/** How a registry condition tests its value: existence or a comparison. */
export type RegistryOperator = 'exists' | 'nonExists' | CompareOperator;

/** `and`, `or`, `not` over nested conditions (`<operator>`). */
export interface ConditionOperator {
  kind: 'operator';
  operator: 'and' | 'or' | 'not';
  operands: Condition[];
  /** True when `<condition>` held several operands without an operator (all must be true). */
  implicit?: boolean;
}

interface ExpressionBase {
  /** `<variable name=…>` fields of the expression the model does not know, in order. */
  extraFields?: ExtraAttribute[];
}

/** A condition on a task sequence variable's value. */
export interface VariableCondition extends ExpressionBase {
  kind: 'variable';
  variable: string;
  /** Operator as written (SDK spelling, case kept); compared case-insensitively. */
  operator: VariableOperator;
  value?: string;
}
/** A WQL query that is true when it returns any object. */
export interface WmiCondition extends ExpressionBase {
  kind: 'wmi';
  namespace: string;
  query: string;
}
/** A file exists, optionally with a version and a date comparison. */
export interface FileCondition extends ExpressionBase {
  kind: 'file';
  path: string;
  version?: string;
  versionOperator?: CompareOperator;
  /** UTC date-time as written in the XML. */
  dateTime?: string;
  dateTimeOperator?: CompareOperator;
}
/** A folder exists, optionally with a date comparison. */
export interface FolderCondition extends ExpressionBase {
  kind: 'folder';
  path: string;
  dateTime?: string;
  dateTimeOperator?: CompareOperator;
}
/** A registry key or value exists or compares to a value. */
export interface RegistryCondition extends ExpressionBase {
  kind: 'registry';
  /** e.g. `HKEY_LOCAL_MACHINE\SOFTWARE\Contoso`. */
  keyPath: string;
  /** The value name (`Value` in the SDK); '' is the default value. */
  valueName: string;
  valueType: string;
  data?: string;
  operator: RegistryOperator;
}
/** An MSI product is installed: any version, or this one. */
export interface SoftwareCondition extends ExpressionBase {
  kind: 'software';
  operator: 'AnyVersion' | 'ThisVersion';
  productCode?: string;
  productName?: string;
  upgradeCode?: string;
  version?: string;
}
/** An expression class the model does not know; kept verbatim. */
export interface UnknownCondition {
  kind: 'unknown';
  type: string;
  fields: ExtraAttribute[];
}

/** One leaf test of a condition tree (`<expression>`); an unknown type is kept for the round trip. */
export type ConditionExpression =
  | VariableCondition
  | WmiCondition
  | FileCondition
  | FolderCondition
  | RegistryCondition
  | SoftwareCondition
  | UnknownCondition;
/** A group's or step's condition: a tree of operators over expressions. */
export type Condition = ConditionOperator | ConditionExpression;

// ── groups and steps ─────────────────────────────────────────────────────────────────────

/** Properties common to groups and steps (`SMS_TaskSequence_Step`, task-sequence.md §1.1). */
export interface NodeCommon {
  name: string;
  description: string;
  /** `disable="true"`: skip completely (and everything inside a group). */
  disabled: boolean;
  continueOnError: boolean;
  condition?: Condition;
  /** Attributes the model does not know, in document order. */
  extraAttributes: ExtraAttribute[];
  /** Child elements the model does not know, serialized verbatim. */
  extraElements: string[];
}

/** A group of steps and groups; disabling or a false condition skips all it holds. */
export interface Group extends NodeCommon {
  kind: 'group';
  /** Editor state (`expand=`); kept for the round trip. */
  expand?: boolean;
  children: SequenceNode[];
}

/** Properties common to all steps (`SMS_TaskSequence_Action`, task-sequence.md §1.2). */
export interface StepCommon extends NodeCommon {
  kind: 'step';
  /** `runIn=`; absent means the step type's default. */
  runIn?: RunIn;
  /** `successCodeList=`; absent means the step type's default (`0`, Run Command Line `0 3010`). */
  successCodes?: number[];
  /** `timeout=` in seconds; the engine stops the step when it runs longer. */
  timeout?: number;
  retryCount?: number;
  runFromNet?: boolean;
  startIn?: string;
  /** `<defaultVarList>` entries the step type does not map to a property. */
  extraVariables: TsVariable[];
  /**
   * The mapped `<defaultVarList>` entries as read: order, presence and `hidden=`. Export follows
   * it (appending variables a changed property now needs); absent means the type's defaults.
   */
  variableLayout?: { name: string; hidden: boolean; property?: string }[];
  /**
   * Run Command Line as MDT writes it: the command is the `<action>` text itself and there is no
   * `CommandLine` variable; export writes it back the same way.
   */
  commandInAction?: boolean;
}

/** Request State Store: reserve a store on a state migration point for capture or restore. */
export interface RequestStateStoreProperties {
  RequestType: 'capture' | 'restore';
  /** 0–30 (SDK). */
  SMPRetryCount: number;
  /** Seconds, 0–600. */
  SMPRetryTime: number;
  FallbackToNAA: boolean;
}
/** Capture User State: run ScanState into the store (OSDStateStorePath). */
export interface CaptureUserStateProperties {
  UsmtPackageID: string;
  Mode: 'Simple' | 'Advanced';
  /** Advanced mode: file names in the USMT package (`/i:` each). */
  ConfigFiles: string[];
  EnableVerboseLogging: boolean;
  SkipEncryptedFiles: boolean;
  FileAccess: 'Normal' | 'VSS';
  ContinueOnLockedFiles: boolean;
  UseHardlinks: boolean;
  OfflineUserState: boolean;
}
/** Restore User State: run LoadState from the store (OSDStateStorePath). */
export interface RestoreUserStateProperties {
  UsmtRestorePackageID: string;
  Mode: 'Simple' | 'Advanced';
  ConfigFiles: string[];
  LocalAccounts: boolean;
  LocalAccountPassword: string;
  ContinueOnRestore: boolean;
  EnableVerboseLogging: boolean;
}
/** Release State Store has no properties: it releases what Request State Store reserved. */
export type ReleaseStateStoreProperties = Record<never, never>;
/** Run Command Line: a command, where and as whom it runs, and the variable its output goes to. */
export interface RunCommandLineProperties {
  CommandLine: string;
  WorkingDirectory: string;
  PackageID: string;
  DisableWow64Redirection: boolean;
  OutputVariableName: string;
  RunAsUser: boolean;
  UserName: string;
  UserPassword: string;
}
/** Restart Computer: into Windows PE or the installed OS, with a message shown first. */
export interface RebootProperties {
  Target: 'WinPE' | 'HD';
  Message: string;
  /** Seconds the notification shows; 0 = no message. */
  MessageTimeout: number;
}
/** Set Task Sequence Variable: one variable and its value. */
export interface SetVariableProperties {
  VariableName: string;
  VariableValue: string;
  DoNotShowVariableValue: boolean;
}

/** Apply Operating System Image from an image package (OS image packages only; no upgrade package). */
export interface ApplyOperatingSystemProperties {
  ImagePackageID: string;
  /** 1-based index of the image in the WIM (`OSDImageIndex`). */
  ImageIndex: number;
  /** Package holding an answer file, and the file's name in it (`OSDConfigFileName`). */
  ConfigFilePackage: string;
  ConfigFileName: string;
  /** Destination: next available partition, a disk and partition, a drive letter, or a variable naming one. */
  Destination: 'NextAvailable' | 'DiskAndPartition' | 'LogicalDrive' | 'Variable';
  DestinationDisk: number;
  DestinationPartition: number;
  DestinationLogicalDrive: string;
  DestinationVariable: string;
  /** Keyboard layered driver for Japanese/Korean keyboards (`OsdLayeredDriver`, 0 = none). */
  LayeredDriver: number;
}
/** Apply Windows Settings: computer, user and organization names, product key, administrator password, time zone. */
export interface ApplyWindowsSettingsProperties {
  RegisteredUserName: string;
  RegisteredOrgName: string;
  ProductKey: string;
  ComputerName: string;
  RandomAdminPassword: boolean;
  AdminPassword: string;
  TimeZone: string;
}
/** Apply Network Settings: join a workgroup or a domain. */
export interface ApplyNetworkSettingsProperties {
  /** Join a workgroup or a domain. */
  JoinType: 'Workgroup' | 'Domain';
  WorkgroupName: string;
  DomainName: string;
  DomainOUName: string;
  DomainUserName: string;
  DomainPassword: string;
}
/** Setup Windows and ConfigMgr: the client package and its installation properties. */
export interface SetupWindowsAndSmsProperties {
  /** The Configuration Manager client package (here: recorded, nothing to install). */
  ClientPackageID: string;
  InstallationProperties: string;
}

/** Each known step type's property shape, by its ConfigMgr class name. */
export interface PropertiesByType {
  SMS_TaskSequence_RequestStateStoreAction: RequestStateStoreProperties;
  SMS_TaskSequence_CaptureUserStateAction: CaptureUserStateProperties;
  SMS_TaskSequence_RestoreUserStateAction: RestoreUserStateProperties;
  SMS_TaskSequence_ReleaseStateStoreAction: ReleaseStateStoreProperties;
  SMS_TaskSequence_RunCommandLineAction: RunCommandLineProperties;
  SMS_TaskSequence_RebootAction: RebootProperties;
  SMS_TaskSequence_SetVariableAction: SetVariableProperties;
  SMS_TaskSequence_ApplyOperatingSystemAction: ApplyOperatingSystemProperties;
  SMS_TaskSequence_ApplyWindowsSettingsAction: ApplyWindowsSettingsProperties;
  SMS_TaskSequence_ApplyNetworkSettingsAction: ApplyNetworkSettingsProperties;
  SMS_TaskSequence_SetupWindowsAndSMSAction: SetupWindowsAndSmsProperties;
}
/** The ConfigMgr step classes Ferry knows and can run. */
export type KnownStepType = keyof PropertiesByType;

/** A step of a known type, with its typed properties. */
export type KnownStep<T extends KnownStepType = KnownStepType> = T extends KnownStepType
  ? StepCommon & {
      type: T;
      properties: PropertiesByType[T];
      /** Property values in the XML that did not parse (the raw variable is kept in extraVariables). */
      invalid?: { property: string; value: string; reason: string }[];
    }
  : never;

/** A step of a type the model does not know: common fields for display, the element verbatim. */
export interface UnknownStep extends StepCommon {
  type: string;
  unknown: true;
  /** The whole `<step>` element as read; written back unchanged. */
  raw: string;
}

/** A step, of a known type or kept as read. */
export type Step = KnownStep | UnknownStep;
/** What a group or a sequence holds: groups and steps. */
export type SequenceNode = Group | Step;

/** A task sequence in ConfigMgr's `<sequence>` model: import and export lose nothing. */
export interface TaskSequence {
  /** `version=` of `<sequence>` (`3.00`, `3.10`). */
  version: string;
  name?: string;
  description?: string;
  children: SequenceNode[];
  /** `<globalVarList>`: sequence-wide values of properties marked Global in the SDK. */
  globalVariables?: TsVariable[];
  extraAttributes: ExtraAttribute[];
  /** Unknown children of `<sequence>` (e.g. `<referenceList>`), verbatim, written first. */
  extraElements: string[];
}

/** True for a group (which has children) rather than a step. */
export const isGroup = (n: SequenceNode): n is Group => n.kind === 'group';
/** True for a step whose type Ferry does not know: kept as read so that export loses nothing. */
export const isUnknownStep = (n: SequenceNode): n is UnknownStep => n.kind === 'step' && 'unknown' in n;
/**
 * True for a known step of this type, narrowing its `properties` to that type's.
 * @example
 * if (isStepOfType(n, 'SMS_TaskSequence_RunCommandLineAction')) run(n.properties.CommandLine);
 */
export function isStepOfType<T extends KnownStepType>(n: SequenceNode, type: T): n is KnownStep<T> {
  return n.kind === 'step' && !('unknown' in n) && n.type === type;
}

/** Every step of the tree in execution (document) order, with its path of indices. */
export function* walkSteps(
  nodes: SequenceNode[],
  path: number[] = [],
): Generator<{ node: SequenceNode; path: number[]; parents: Group[] }> {
  yield* walk(nodes, path, []);
}
function* walk(
  nodes: SequenceNode[],
  path: number[],
  parents: Group[],
): Generator<{ node: SequenceNode; path: number[]; parents: Group[] }> {
  for (let i = 0; i < nodes.length; i++) {
    const node = nodes[i]!;
    const p = [...path, i];
    yield { node, path: p, parents };
    if (node.kind === 'group') yield* walk(node.children, p, [...parents, node]);
  }
}
