// The task sequence model: an ordered tree of groups and steps (task-sequence.md §1), each step
// type with typed properties named as the ConfigMgr SDK names them (so the XML `property=` and
// the console labels map one to one). Anything the model does not know is kept verbatim so an
// import → export round trip loses nothing.

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
export type CompareOperator = 'equals' | 'notEquals' | 'less' | 'lessEqual' | 'greater' | 'greaterEqual';
export type RegistryOperator = 'exists' | 'nonExists' | CompareOperator;

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

export interface VariableCondition extends ExpressionBase {
  kind: 'variable';
  variable: string;
  /** Operator as written (SDK spelling, case kept); compared case-insensitively. */
  operator: VariableOperator;
  value?: string;
}
export interface WmiCondition extends ExpressionBase {
  kind: 'wmi';
  namespace: string;
  query: string;
}
export interface FileCondition extends ExpressionBase {
  kind: 'file';
  path: string;
  version?: string;
  versionOperator?: CompareOperator;
  /** UTC date-time as written in the XML. */
  dateTime?: string;
  dateTimeOperator?: CompareOperator;
}
export interface FolderCondition extends ExpressionBase {
  kind: 'folder';
  path: string;
  dateTime?: string;
  dateTimeOperator?: CompareOperator;
}
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

export type ConditionExpression =
  | VariableCondition
  | WmiCondition
  | FileCondition
  | FolderCondition
  | RegistryCondition
  | SoftwareCondition
  | UnknownCondition;
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

export interface RequestStateStoreProperties {
  RequestType: 'capture' | 'restore';
  /** 0–30 (SDK). */
  SMPRetryCount: number;
  /** Seconds, 0–600. */
  SMPRetryTime: number;
  FallbackToNAA: boolean;
}
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
export interface RestoreUserStateProperties {
  UsmtRestorePackageID: string;
  Mode: 'Simple' | 'Advanced';
  ConfigFiles: string[];
  LocalAccounts: boolean;
  LocalAccountPassword: string;
  ContinueOnRestore: boolean;
  EnableVerboseLogging: boolean;
}
export type ReleaseStateStoreProperties = Record<never, never>;
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
export interface RebootProperties {
  Target: 'WinPE' | 'HD';
  Message: string;
  /** Seconds the notification shows; 0 = no message. */
  MessageTimeout: number;
}
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
export interface ApplyWindowsSettingsProperties {
  RegisteredUserName: string;
  RegisteredOrgName: string;
  ProductKey: string;
  ComputerName: string;
  RandomAdminPassword: boolean;
  AdminPassword: string;
  TimeZone: string;
}
export interface ApplyNetworkSettingsProperties {
  /** Join a workgroup or a domain. */
  JoinType: 'Workgroup' | 'Domain';
  WorkgroupName: string;
  DomainName: string;
  DomainOUName: string;
  DomainUserName: string;
  DomainPassword: string;
}
export interface SetupWindowsAndSmsProperties {
  /** The Configuration Manager client package (here: recorded, nothing to install). */
  ClientPackageID: string;
  InstallationProperties: string;
}

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
export type KnownStepType = keyof PropertiesByType;

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

export type Step = KnownStep | UnknownStep;
export type SequenceNode = Group | Step;

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

export const isGroup = (n: SequenceNode): n is Group => n.kind === 'group';
export const isUnknownStep = (n: SequenceNode): n is UnknownStep => n.kind === 'step' && 'unknown' in n;
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
