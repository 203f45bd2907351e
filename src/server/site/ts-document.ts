// What the Task Sequence Editor offers over the task sequence model (src/tasksequence/model.ts,
// which the site stores as JSON and the console edits): the Add menu catalog, each step's
// Properties tab fields with labels, defaults and validation messages, the condition types of
// Options › Add Condition, and the wizard template. Pure data and functions, no Node imports:
// the console bundles this file.

import type {
  Condition,
  ConditionExpression,
  Group,
  KnownStep,
  RunIn,
  SequenceNode,
  Step,
  TaskSequence,
} from '../../tasksequence/index.ts';

export type { Condition, ConditionExpression, Group, RunIn, SequenceNode, Step, TaskSequence };
export type PropertyValue = string | number | boolean | string[];

// ── step catalog ────────────────────────────────────────────────────────────────────────────

export type FieldKind = 'text' | 'password' | 'integer' | 'boolean' | 'choice' | 'package' | 'image' | 'list';

export interface FieldSpec {
  property: string;
  label: string;
  kind: FieldKind;
  default: PropertyValue;
  choices?: { value: string; label: string }[];
  min?: number;
  max?: number;
  /** Max length for text. */
  maxLength?: number;
  required?: boolean;
  /** For `package`: which kind of package the picker lists (default usmt). */
  packageKind?: 'usmt' | 'osimage';
  /** Shown only when another property has one of these values. */
  when?: { property: string; equals: PropertyValue[] };
  help?: string;
}

export interface StepSpec {
  type: string;
  label: string;
  category: 'General' | 'User State' | 'Images' | 'Settings';
  runIn: RunIn;
  successCodes: string;
  fields: FieldSpec[];
}

export const ADD_MENU_CATEGORIES = ['General', 'Disks', 'User State', 'Images', 'Drivers', 'Settings', 'Software'] as const;

export const STEP_CATALOG: StepSpec[] = [
  {
    type: 'SMS_TaskSequence_RunCommandLineAction',
    label: 'Run Command Line',
    category: 'General',
    runIn: 'WinPEandFullOS',
    successCodes: '0 3010',
    fields: [
      { property: 'CommandLine', label: 'Command line', kind: 'text', default: '', required: true, maxLength: 32000 },
      { property: 'OutputVariableName', label: 'Output to task sequence variable', kind: 'text', default: '', maxLength: 256 },
      { property: 'DisableWow64Redirection', label: 'Disable 64-bit file system redirection', kind: 'boolean', default: false },
      { property: 'WorkingDirectory', label: 'Start in', kind: 'text', default: '', maxLength: 127 },
      { property: 'PackageID', label: 'Package', kind: 'package', default: '' },
      { property: 'RunAsUser', label: 'Run this step as the following account', kind: 'boolean', default: false },
      { property: 'UserName', label: 'Account', kind: 'text', default: '', when: { property: 'RunAsUser', equals: [true] } },
      { property: 'UserPassword', label: 'Password', kind: 'password', default: '', when: { property: 'RunAsUser', equals: [true] } },
    ],
  },
  {
    type: 'SMS_TaskSequence_SetVariableAction',
    label: 'Set Task Sequence Variable',
    category: 'General',
    runIn: 'WinPEandFullOS',
    successCodes: '0',
    fields: [
      { property: 'VariableName', label: 'Task sequence variable', kind: 'text', default: '', required: true, maxLength: 256 },
      { property: 'VariableValue', label: 'Value', kind: 'text', default: '', maxLength: 4001 },
      { property: 'DoNotShowVariableValue', label: 'Do not display this value', kind: 'boolean', default: false },
    ],
  },
  {
    type: 'SMS_TaskSequence_RebootAction',
    label: 'Restart Computer',
    category: 'General',
    runIn: 'WinPEandFullOS',
    successCodes: '0',
    fields: [
      {
        property: 'Target',
        label: 'Restart into',
        kind: 'choice',
        default: 'HD',
        choices: [
          { value: 'WinPE', label: 'The boot image assigned to this task sequence' },
          { value: 'HD', label: 'The currently installed default operating system' },
        ],
      },
      { property: 'Message', label: 'Notification message', kind: 'text', default: '', maxLength: 512 },
      { property: 'MessageTimeout', label: 'Message display time-out (seconds)', kind: 'integer', default: 60, min: 0, max: 86400 },
    ],
  },
  {
    type: 'SMS_TaskSequence_RequestStateStoreAction',
    label: 'Request State Store',
    category: 'User State',
    runIn: 'WinPEandFullOS',
    successCodes: '0',
    fields: [
      {
        property: 'RequestType',
        label: 'Request type',
        kind: 'choice',
        default: 'capture',
        required: true,
        choices: [
          { value: 'capture', label: 'Capture state from the computer' },
          { value: 'restore', label: 'Restore state from another computer' },
        ],
      },
      { property: 'SMPRetryCount', label: 'Number of retries', kind: 'integer', default: 3, min: 0, max: 30 },
      { property: 'SMPRetryTime', label: 'Retry delay (in seconds)', kind: 'integer', default: 10, min: 0, max: 600 },
      {
        property: 'FallbackToNAA',
        label: 'If computer account fails to connect to a state store, use the Network Access account',
        kind: 'boolean',
        default: false,
      },
    ],
  },
  {
    type: 'SMS_TaskSequence_CaptureUserStateAction',
    label: 'Capture User State',
    category: 'User State',
    runIn: 'WinPEandFullOS',
    successCodes: '0',
    fields: [
      { property: 'UsmtPackageID', label: 'User state migration tool package', kind: 'package', default: '', required: true },
      {
        property: 'Mode',
        label: 'User profiles',
        kind: 'choice',
        default: 'Simple',
        choices: [
          { value: 'Simple', label: 'Capture all user profiles by using standard options' },
          { value: 'Advanced', label: 'Customize how user profiles are captured' },
        ],
      },
      {
        property: 'ConfigFiles',
        label: 'Files',
        kind: 'list',
        default: [],
        when: { property: 'Mode', equals: ['Advanced'] },
        help: 'e.g. miguser.xml, migsys.xml, migapp.xml',
      },
      { property: 'EnableVerboseLogging', label: 'Enable verbose logging', kind: 'boolean', default: false },
      { property: 'SkipEncryptedFiles', label: 'Skip files using encrypted file system', kind: 'boolean', default: false },
      {
        property: 'FileAccess',
        label: 'File access',
        kind: 'choice',
        default: 'Normal',
        choices: [
          { value: 'Normal', label: 'Copy by using file system access' },
          { value: 'VSS', label: 'Capture by using Volume Copy Shadow Services (VSS)' },
        ],
      },
      {
        property: 'ContinueOnLockedFiles',
        label: 'Continue if some files cannot be captured',
        kind: 'boolean',
        default: true,
        when: { property: 'FileAccess', equals: ['Normal'] },
      },
      {
        property: 'UseHardlinks',
        label: 'Capture locally by using links instead of by copying files',
        kind: 'boolean',
        default: false,
        when: { property: 'FileAccess', equals: ['Normal'] },
      },
      {
        property: 'OfflineUserState',
        label: 'Capture in off-line mode (Windows PE only)',
        kind: 'boolean',
        default: false,
        when: { property: 'FileAccess', equals: ['Normal'] },
      },
    ],
  },
  {
    type: 'SMS_TaskSequence_RestoreUserStateAction',
    label: 'Restore User State',
    category: 'User State',
    runIn: 'FullOS',
    successCodes: '0',
    fields: [
      { property: 'UsmtRestorePackageID', label: 'User state migration tool package', kind: 'package', default: '', required: true },
      {
        property: 'Mode',
        label: 'User profiles',
        kind: 'choice',
        default: 'Simple',
        choices: [
          { value: 'Simple', label: 'Restore all captured user profiles with standard options' },
          { value: 'Advanced', label: 'Customize how user profiles are restored' },
        ],
      },
      {
        property: 'ConfigFiles',
        label: 'Files',
        kind: 'list',
        default: [],
        when: { property: 'Mode', equals: ['Advanced'] },
        help: 'e.g. miguser.xml, migsys.xml, migapp.xml',
      },
      { property: 'LocalAccounts', label: 'Restore local computer user profiles', kind: 'boolean', default: false },
      {
        property: 'LocalAccountPassword',
        label: 'Password',
        kind: 'password',
        default: '',
        when: { property: 'LocalAccounts', equals: [true] },
      },
      { property: 'ContinueOnRestore', label: 'Continue if some files cannot be restored', kind: 'boolean', default: true },
      { property: 'EnableVerboseLogging', label: 'Enable verbose logging', kind: 'boolean', default: false },
    ],
  },
  {
    type: 'SMS_TaskSequence_ReleaseStateStoreAction',
    label: 'Release State Store',
    category: 'User State',
    runIn: 'WinPEandFullOS',
    successCodes: '0',
    fields: [],
  },
  {
    type: 'SMS_TaskSequence_ApplyOperatingSystemAction',
    label: 'Apply Operating System Image',
    category: 'Images',
    runIn: 'WinPE',
    successCodes: '0',
    fields: [
      { property: 'ImagePackageID', label: 'Image package', kind: 'image', default: '', required: true },
      { property: 'ImageIndex', label: 'Image', kind: 'integer', default: 1, min: 1, max: 999 },
      { property: 'ConfigFilePackage', label: 'Answer file package', kind: 'package', default: '' },
      { property: 'ConfigFileName', label: 'Answer file name', kind: 'text', default: '', maxLength: 255, help: 'e.g. unattend.xml' },
      {
        property: 'Destination',
        label: 'Destination',
        kind: 'choice',
        default: 'NextAvailable',
        choices: [
          { value: 'NextAvailable', label: 'Next available partition' },
          { value: 'DiskAndPartition', label: 'Specific disk and partition' },
          { value: 'LogicalDrive', label: 'Specific logical drive letter' },
          { value: 'Variable', label: 'Logical drive letter stored in a variable' },
        ],
      },
      {
        property: 'DestinationDisk',
        label: 'Disk',
        kind: 'integer',
        default: 0,
        min: 0,
        max: 99,
        when: { property: 'Destination', equals: ['DiskAndPartition'] },
      },
      {
        property: 'DestinationPartition',
        label: 'Partition',
        kind: 'integer',
        default: 1,
        min: 1,
        max: 99,
        when: { property: 'Destination', equals: ['DiskAndPartition'] },
      },
      {
        property: 'DestinationLogicalDrive',
        label: 'Drive letter',
        kind: 'text',
        default: '',
        maxLength: 3,
        when: { property: 'Destination', equals: ['LogicalDrive'] },
      },
      {
        property: 'DestinationVariable',
        label: 'Variable name',
        kind: 'text',
        default: '',
        maxLength: 256,
        when: { property: 'Destination', equals: ['Variable'] },
      },
      {
        property: 'LayeredDriver',
        label: 'Keyboard layered driver',
        kind: 'integer',
        default: 0,
        min: 0,
        max: 6,
        help: '0 = do not specify, 6 = Japanese 106/109-key',
      },
    ],
  },
  {
    type: 'SMS_TaskSequence_SetupWindowsAndSMSAction',
    label: 'Setup Windows and ConfigMgr',
    category: 'Images',
    runIn: 'WinPE',
    successCodes: '0',
    fields: [
      { property: 'ClientPackageID', label: 'Package', kind: 'package', default: '' },
      { property: 'InstallationProperties', label: 'Installation properties', kind: 'text', default: '', maxLength: 4000 },
    ],
  },
  {
    type: 'SMS_TaskSequence_ApplyWindowsSettingsAction',
    label: 'Apply Windows Settings',
    category: 'Settings',
    runIn: 'WinPE',
    successCodes: '0',
    fields: [
      { property: 'RegisteredUserName', label: 'User name', kind: 'text', default: 'User', maxLength: 255 },
      { property: 'RegisteredOrgName', label: 'Organization name', kind: 'text', default: '', maxLength: 255 },
      { property: 'ProductKey', label: 'Product key', kind: 'password', default: '', maxLength: 255 },
      { property: 'ComputerName', label: 'Computer name (empty: keep the current name)', kind: 'text', default: '', maxLength: 15 },
      {
        property: 'RandomAdminPassword',
        label: 'Randomly generate the local administrator password and disable the account',
        kind: 'boolean',
        default: true,
      },
      {
        property: 'AdminPassword',
        label: 'Password',
        kind: 'password',
        default: '',
        maxLength: 255,
        when: { property: 'RandomAdminPassword', equals: [false] },
      },
      { property: 'TimeZone', label: 'Time zone', kind: 'text', default: '', maxLength: 255, help: 'e.g. W. Europe Standard Time' },
    ],
  },
  {
    type: 'SMS_TaskSequence_ApplyNetworkSettingsAction',
    label: 'Apply Network Settings',
    category: 'Settings',
    runIn: 'WinPE',
    successCodes: '0',
    fields: [
      {
        property: 'JoinType',
        label: 'Join',
        kind: 'choice',
        default: 'Workgroup',
        choices: [
          { value: 'Workgroup', label: 'Join a workgroup' },
          { value: 'Domain', label: 'Join a domain' },
        ],
      },
      {
        property: 'WorkgroupName',
        label: 'Workgroup',
        kind: 'text',
        default: 'WORKGROUP',
        maxLength: 15,
        when: { property: 'JoinType', equals: ['Workgroup'] },
      },
      {
        property: 'DomainName',
        label: 'Domain',
        kind: 'text',
        default: '',
        maxLength: 255,
        when: { property: 'JoinType', equals: ['Domain'] },
      },
      {
        property: 'DomainOUName',
        label: 'Domain OU',
        kind: 'text',
        default: '',
        maxLength: 255,
        when: { property: 'JoinType', equals: ['Domain'] },
      },
      {
        property: 'DomainUserName',
        label: 'Account',
        kind: 'text',
        default: '',
        maxLength: 255,
        when: { property: 'JoinType', equals: ['Domain'] },
      },
      {
        property: 'DomainPassword',
        label: 'Password',
        kind: 'password',
        default: '',
        maxLength: 255,
        when: { property: 'JoinType', equals: ['Domain'] },
      },
    ],
  },
];

export const IMAGES_MENU = ['Apply Operating System Image', 'Setup Windows and ConfigMgr'];

export const USER_STATE_MENU = ['Request State Store', 'Capture User State', 'Restore User State', 'Release State Store'];

export function stepSpec(type: string): StepSpec | undefined {
  return STEP_CATALOG.find((s) => s.type === type);
}

export function defaultProperties(spec: StepSpec): Record<string, PropertyValue> {
  return Object.fromEntries(spec.fields.map((f) => [f.property, Array.isArray(f.default) ? [...f.default] : f.default]));
}

export function newStep(type: string, overrides: Partial<Record<string, PropertyValue>> = {}): KnownStep {
  const spec = stepSpec(type);
  if (!spec) throw new Error(`unknown step type ${type}`);
  const properties = defaultProperties(spec);
  for (const [k, v] of Object.entries(overrides)) if (v !== undefined) properties[k] = v;
  return {
    kind: 'step',
    type,
    name: spec.label,
    description: '',
    disabled: false,
    continueOnError: false,
    runIn: spec.runIn,
    successCodes: spec.successCodes.split(' ').map(Number),
    extraAttributes: [],
    extraElements: [],
    extraVariables: [],
    properties,
  } as unknown as KnownStep;
}

export function newGroup(name = 'New Group', children: SequenceNode[] = []): Group {
  return {
    kind: 'group',
    name,
    description: '',
    disabled: false,
    continueOnError: false,
    extraAttributes: [],
    extraElements: [],
    children,
  };
}

export function newSequence(children: SequenceNode[] = []): TaskSequence {
  return { version: '3.10', children, extraAttributes: [], extraElements: [] };
}

export interface TemplateOptions {
  /** The operating system image package; without one the template holds the user-state part only. */
  imagePackageId?: string;
  imageIndex?: number;
  /** Capture locally by using links (a refresh keeps the store on the volume). */
  hardLinks?: boolean;
}

/** A step of a type the editor does not offer (hardware only): kept verbatim, skipped when run. */
function verbatimStep(
  type: string,
  name: string,
  action: string,
  condition?: { variable: string; operator: 'equals' | 'notEquals'; value: string },
  runIn: RunIn = 'WinPE',
): Step {
  const cond = condition
    ? `<condition><expression type="SMS_TaskSequence_VariableConditionExpression"><variable name="Operator">${condition.operator}</variable><variable name="Value">${condition.value}</variable><variable name="Variable">${condition.variable}</variable></expression></condition>`
    : '';
  return {
    kind: 'step',
    type,
    name,
    description: '',
    disabled: false,
    continueOnError: false,
    runIn,
    extraAttributes: [],
    extraElements: [],
    extraVariables: [],
    ...(condition
      ? { condition: { kind: 'variable', variable: condition.variable, operator: condition.operator, value: condition.value } }
      : {}),
    unknown: true,
    raw: `<step type="${type}" name="${name}" description="" disable="false" continueOnError="false" runIn="${runIn}" successCodeList="0" retryCount="0" runFromNet="false">${cond}<action>${action}</action></step>`,
  } as Step;
}

/**
 * The "Install an existing image package" template: Capture Files and Settings (Request →
 * Capture → Release, or with hard links Set Local State Location → Capture), and with an image package Install Operating System (Restart in Windows
 * PE, Partition Disk 0 BIOS/UEFI, Apply Operating System, Apply Windows Settings, Apply Network
 * Settings, Apply Device Drivers) and Setup Operating System (Setup Windows and ConfigMgr,
 * Install Updates), then Restore User Files and Settings (Request restore → Restore → Release,
 * or Restore alone from the local store).
 * Capture (with a state migration point) and Restore continue on error so that Release still
 * runs; Apply Operating System Image refuses to wipe after a failed capture anyway.
 */
export function imagePackageTemplate(usmtPackageId: string, options: TemplateOptions = {}): TaskSequence {
  const capture = newStep('SMS_TaskSequence_CaptureUserStateAction', {
    UsmtPackageID: usmtPackageId,
    ...(options.hardLinks ? { UseHardlinks: true } : {}),
  });
  // With a state migration point, Release must still run after a failed capture; a local store
  // has no Release, and a failed capture must stop the sequence before the volume is wiped.
  capture.continueOnError = !options.hardLinks;
  const restore = newStep('SMS_TaskSequence_RestoreUserStateAction', { UsmtRestorePackageID: usmtPackageId });
  restore.continueOnError = true;
  // Saved locally with links (a refresh): the store goes to the folder Apply Operating System
  // Image keeps (_SMSTSUserStatePath) and no state migration point is asked for.
  const localStore = Object.assign(
    newStep('SMS_TaskSequence_SetVariableAction', { VariableName: 'OSDStateStorePath', VariableValue: '%_SMSTSUserStatePath%' }),
    { name: 'Set Local State Location' },
  );
  const captureGroup = newGroup(
    'Capture Files and Settings',
    options.hardLinks
      ? [localStore, capture]
      : [
          newStep('SMS_TaskSequence_RequestStateStoreAction', { RequestType: 'capture' }),
          capture,
          newStep('SMS_TaskSequence_ReleaseStateStoreAction'),
        ],
  );
  const restoreGroup = newGroup(
    'Restore User Files and Settings',
    options.hardLinks
      ? [restore]
      : [
          newStep('SMS_TaskSequence_RequestStateStoreAction', { RequestType: 'restore' }),
          restore,
          newStep('SMS_TaskSequence_ReleaseStateStoreAction'),
        ],
  );
  if (!options.imagePackageId) return newSequence([captureGroup, restoreGroup]);
  const restartPE = Object.assign(newStep('SMS_TaskSequence_RebootAction', { Target: 'WinPE' }), { name: 'Restart in Windows PE' });
  const apply = Object.assign(
    newStep('SMS_TaskSequence_ApplyOperatingSystemAction', { ImagePackageID: options.imagePackageId, ImageIndex: options.imageIndex ?? 1 }),
    { name: 'Apply Operating System' },
  );
  return newSequence([
    captureGroup,
    newGroup('Install Operating System', [
      restartPE,
      verbatimStep('SMS_TaskSequence_PartitionDiskAction', 'Partition Disk 0 - BIOS', 'osddiskpart.exe', {
        variable: '_SMSTSBootUEFI',
        operator: 'notEquals',
        value: 'true',
      }),
      verbatimStep('SMS_TaskSequence_PartitionDiskAction', 'Partition Disk 0 - UEFI', 'osddiskpart.exe', {
        variable: '_SMSTSBootUEFI',
        operator: 'equals',
        value: 'true',
      }),
      apply,
      newStep('SMS_TaskSequence_ApplyWindowsSettingsAction'),
      newStep('SMS_TaskSequence_ApplyNetworkSettingsAction'),
      verbatimStep('SMS_TaskSequence_AutoApplyAction', 'Apply Device Drivers', 'osdautoapplydrivers.exe'),
    ]),
    newGroup('Setup Operating System', [
      newStep('SMS_TaskSequence_SetupWindowsAndSMSAction'),
      verbatimStep(
        'SMS_TaskSequence_InstallUpdateAction',
        'Install Updates',
        'smsswd.exe /run: %windir%\\system32\\cscript.exe %windir%\\ccm\\OSD\\installupdates.vbs',
        undefined,
        'FullOS',
      ),
    ]),
    restoreGroup,
  ]);
}

// ── condition catalog (Options › Add Condition) ───────────────────────────────────────────

export interface ExpressionSpec {
  kind: Exclude<ConditionExpression['kind'], 'unknown'>;
  label: string;
  /** Keys of the model's expression object, first one required. */
  fields: { name: string; label: string; choices?: string[] }[];
}

const COMPARE = ['equals', 'notEquals', 'less', 'lessEqual', 'greater', 'greaterEqual'];
export const EXPRESSION_CATALOG: ExpressionSpec[] = [
  {
    kind: 'variable',
    label: 'Task Sequence Variable',
    fields: [
      { name: 'variable', label: 'Variable' },
      { name: 'operator', label: 'Condition', choices: ['exists', 'notExists', ...COMPARE, 'like', 'notLike'] },
      { name: 'value', label: 'Value' },
    ],
  },
  {
    kind: 'file',
    label: 'File Properties',
    fields: [
      { name: 'path', label: 'Path' },
      { name: 'version', label: 'Version' },
      { name: 'versionOperator', label: 'Version condition', choices: COMPARE },
      { name: 'dateTime', label: 'Timestamp (UTC)' },
      { name: 'dateTimeOperator', label: 'Timestamp condition', choices: COMPARE },
    ],
  },
  {
    kind: 'folder',
    label: 'Folder Properties',
    fields: [
      { name: 'path', label: 'Path' },
      { name: 'dateTime', label: 'Timestamp (UTC)' },
      { name: 'dateTimeOperator', label: 'Timestamp condition', choices: COMPARE },
    ],
  },
  {
    kind: 'registry',
    label: 'Registry Setting',
    fields: [
      { name: 'keyPath', label: 'Key' },
      { name: 'valueName', label: 'Value name' },
      {
        name: 'valueType',
        label: 'Value type',
        choices: ['REG_SZ', 'REG_EXPAND_SZ', 'REG_MULTI_SZ', 'REG_DWORD', 'REG_QWORD', 'REG_BINARY', 'REG_NONE'],
      },
      { name: 'operator', label: 'Condition', choices: ['exists', 'nonExists', ...COMPARE] },
      { name: 'data', label: 'Value data' },
    ],
  },
  {
    kind: 'wmi',
    label: 'Query WMI',
    fields: [
      { name: 'namespace', label: 'WMI namespace' },
      { name: 'query', label: 'WQL query' },
    ],
  },
  {
    kind: 'software',
    label: 'Installed Software',
    fields: [
      { name: 'operator', label: 'Match', choices: ['AnyVersion', 'ThisVersion'] },
      { name: 'productCode', label: 'Product code' },
      { name: 'upgradeCode', label: 'Upgrade code' },
      { name: 'productName', label: 'Product name' },
      { name: 'version', label: 'Version' },
    ],
  },
];

export function newExpression(kind: ExpressionSpec['kind']): ConditionExpression {
  const spec = EXPRESSION_CATALOG.find((e) => e.kind === kind)!;
  const expr: Record<string, string> = { kind };
  for (const f of spec.fields) expr[f.name] = f.choices ? f.choices[0]! : '';
  if (kind === 'registry') expr.operator = 'exists';
  if (kind === 'variable') expr.operator = 'equals';
  return expr as unknown as ConditionExpression;
}

// ── validation (the messages the editor shows before save; the server checks the same) ──

export interface TsProblem {
  /** Index path of the item in the tree (`[0, 2]` = third child of the first group). */
  path: number[];
  property?: string;
  severity: 'error' | 'warning';
  message: string;
}

const VARIABLE_NAME = /^[A-Za-z][A-Za-z0-9_-]{0,255}$/;

export function fieldVisible(f: FieldSpec, props: Record<string, unknown>): boolean {
  return !f.when || f.when.equals.some((v) => v === props[f.when!.property]);
}

type Report = (property: string | undefined, message: string) => void;

/** Property problems of one step, with the messages the Properties tab shows. */
export function validateStep(step: Step, packageIds?: ReadonlySet<string>): Omit<TsProblem, 'path'>[] {
  const out: Omit<TsProblem, 'path'>[] = [];
  const err: Report = (property, message) => out.push({ severity: 'error', message, ...(property ? { property } : {}) });
  validateItem(step, err);
  const spec = stepSpec(step.type);
  if (!spec || 'unknown' in step) return out;
  const p = step.properties as unknown as Record<string, PropertyValue>;
  for (const f of spec.fields) {
    if (!fieldVisible(f, p)) continue;
    const v = p[f.property] ?? f.default;
    switch (f.kind) {
      case 'integer':
        if (typeof v !== 'number' || !Number.isInteger(v) || v < (f.min ?? -Infinity) || v > (f.max ?? Infinity))
          err(f.property, `${f.label} must be a whole number from ${f.min} to ${f.max}.`);
        break;
      case 'boolean':
        if (typeof v !== 'boolean') err(f.property, `${f.label} must be true or false.`);
        break;
      case 'choice':
        if (!f.choices!.some((c) => c.value === v))
          err(f.property, `${f.label} must be one of: ${f.choices!.map((c) => c.value).join(', ')}.`);
        break;
      case 'list':
        if (!Array.isArray(v)) err(f.property, `${f.label} must be a list of file names.`);
        break;
      default:
        if (typeof v !== 'string') err(f.property, `${f.label} must be text.`);
        else if (f.required && v.trim() === '')
          err(
            f.property,
            f.kind === 'package' || f.kind === 'image'
              ? `Select the ${f.label.toLowerCase()}; the step cannot run without it.`
              : `${f.label} is required.`,
          );
        else if (f.maxLength !== undefined && v.length > f.maxLength)
          err(f.property, `${f.label} can be at most ${f.maxLength} characters.`);
        else if ((f.kind === 'package' || f.kind === 'image') && v && packageIds && !packageIds.has(v))
          err(f.property, `Package ${v} does not exist; select an existing package.`);
    }
  }
  if (p.Mode === 'Advanced') {
    const files = Array.isArray(p.ConfigFiles) ? p.ConfigFiles : [];
    if (files.length === 0)
      err('ConfigFiles', 'Add at least one configuration file (for example miguser.xml) or choose the standard options.');
    if (files.some((f) => f.toLowerCase() === 'config.xml'))
      err('ConfigFiles', 'config.xml cannot be chosen here; pass it with OSDMigrateAdditionalCaptureOptions instead.');
  }
  if (step.type === 'SMS_TaskSequence_CaptureUserStateAction' && p.FileAccess === 'VSS' && p.UseHardlinks === true)
    err('UseHardlinks', 'Hard links and VSS cannot be combined.');
  if (
    step.type === 'SMS_TaskSequence_RestoreUserStateAction' &&
    p.LocalAccounts === true &&
    !p.LocalAccountPassword &&
    p.LocalAccountPasswordSet !== true
  )
    err('LocalAccountPassword', 'Enter the password for restored local accounts.');
  if (step.type === 'SMS_TaskSequence_SetVariableAction' && typeof p.VariableName === 'string' && p.VariableName !== '') {
    if (p.VariableName.startsWith('_')) err('VariableName', 'Variables that start with "_" are read-only and cannot be set.');
    else if (!VARIABLE_NAME.test(p.VariableName))
      err('VariableName', 'A variable name starts with a letter and holds only letters, digits, "_" and "-".');
  }
  if (step.successCodes && !step.successCodes.every((c) => Number.isInteger(c)))
    err('successCodes', 'Success codes are whole numbers separated by spaces.');
  if (step.timeout !== undefined && (!Number.isInteger(step.timeout) || step.timeout < 60 || step.timeout > 999 * 60))
    err('timeout', 'Time-out must be from 1 to 999 minutes.');
  return out;
}

function validateItem(item: SequenceNode, err: Report): void {
  if (item.name.trim() === '') err('name', 'Name is required.');
  else if (item.name.length > 50) err('name', 'Name can be at most 50 characters.');
  if (item.description.length > 256) err('description', 'Description can be at most 256 characters.');
  if (item.condition) validateCondition(item.condition, err);
}

function validateCondition(c: Condition, err: Report): void {
  if (c.kind === 'operator') {
    if (c.operator === 'not' && c.operands.length > 1) err('condition', 'A "not" statement holds exactly one condition.');
    for (const child of c.operands) validateCondition(child, err);
    return;
  }
  const spec = EXPRESSION_CATALOG.find((e) => e.kind === c.kind);
  if (!spec) return;
  const first = spec.fields[0]!;
  const v = (c as unknown as Record<string, unknown>)[first.name];
  if (typeof v !== 'string' || !v.trim()) err('condition', `${spec.label} condition: ${first.label} is required.`);
}

/** Every property problem in the sequence (disabled items are not checked, as in the console). */
export function validateDocument(doc: TaskSequence, packageIds?: ReadonlySet<string>): TsProblem[] {
  const problems: TsProblem[] = [];
  for (const f of flatten(doc.children)) {
    const report: Report = (property, message) =>
      problems.push({ path: f.path, severity: 'error', message, ...(property ? { property } : {}) });
    if (f.node.kind === 'group') validateItem(f.node, report);
    else if (!f.disabled) for (const p of validateStep(f.node, packageIds)) problems.push({ path: f.path, ...p });
  }
  return problems;
}

export function flatten(
  nodes: SequenceNode[],
  base: number[] = [],
  parentDisabled = false,
): { node: SequenceNode; path: number[]; disabled: boolean }[] {
  return nodes.flatMap((n, i) => {
    const path = [...base, i];
    const disabled = parentDisabled || n.disabled;
    return [{ node: n, path, disabled }, ...(n.kind === 'group' ? flatten(n.children, path, disabled) : [])];
  });
}

export function nodeAt(doc: TaskSequence, path: number[]): SequenceNode | undefined {
  let list = doc.children;
  let node: SequenceNode | undefined;
  for (const i of path) {
    node = list[i];
    if (!node) return undefined;
    list = node.kind === 'group' ? node.children : [];
  }
  return node;
}

export function countSteps(nodes: SequenceNode[]): number {
  return nodes.reduce((n, x) => n + (x.kind === 'group' ? countSteps(x.children) : 1), 0);
}
