// The one step catalog: for each known step type its XML `type=`, label and Add menu place,
// default environment and success codes, and each property once — value type and limits,
// default, the `<defaultVarList>` variable it travels as (user-state-steps.md tables,
// task-sequence.md §5 and §7) and how the editor's Properties tab shows it — plus the client
// command line in `<action>` and how typed values are read and written. The engine, the XML
// reader/writer, the site's document checks and (over REST) the console all read this table.
import { FerryError } from '../errors/index.ts';
import type { KnownStep, KnownStepType, PropertiesByType, RunIn, TsVariable } from './model.ts';

/** A property's value type and the SDK's limits on it. */
export type PropType =
  | { kind: 'string'; maxLength?: number }
  | { kind: 'bool' }
  | { kind: 'int'; min: number; max: number }
  | { kind: 'enum'; values: readonly string[] }
  | { kind: 'list' };

/** A property value as the model holds it. */
export type PropertyValue = string | number | boolean | string[];

/** The editor's Add menu categories, in menu order (empty ones are shown disabled). */
export const ADD_MENU_CATEGORIES = ['General', 'Disks', 'User State', 'Images', 'Drivers', 'Settings', 'Software'] as const;
export type AddMenuCategory = (typeof ADD_MENU_CATEGORIES)[number];

/** One property of a step type: what it holds, where it travels and how the editor shows it. */
export interface PropertyDef {
  /** SDK property name (XML `property=`, key in `properties`). */
  property: string;
  type: PropType;
  /** The value of a new step and of a step read from XML that does not set it. */
  default: PropertyValue;
  /**
   * Task sequence variable the value is injected as while the step runs; absent when only the
   * `<action>` command line carries it (e.g. the image package of Apply Operating System).
   */
  variable?: string;
  /** Exported with `hidden="true"`. */
  hidden?: boolean;
  /** Write the variable only when this says so (default: always). */
  emitWhen?: (props: Record<string, unknown>) => boolean;
  /** Properties tab label. */
  label: string;
  /** An input other than the type's own: masked text, or a package picker (usmt or osimage). */
  input?: 'password' | 'package' | 'image';
  /** Properties tab labels of an enum's values, keyed by value. */
  choices?: Readonly<Record<string, string>>;
  /** The editor refuses an empty value. */
  required?: boolean;
  /** Shown only when another property has one of these values. */
  when?: { property: string; equals: PropertyValue[] };
  help?: string;
  /** A tighter limit the console puts on the value than the SDK's `type` (reason beside the value). */
  editorMaxLength?: number;
  editorMax?: number;
}

/** A property as the engine maps it: a `<defaultVarList>` variable. */
export type PropSpec = PropertyDef & { variable: string };

/** The catalog entry of one step type. */
export interface StepTypeSpec<T extends KnownStepType = KnownStepType> {
  type: T;
  /** Editor name, also the default step name. */
  label: string;
  /** Place in the editor's Add menu (the SDK's `ActionCategory` qualifier). */
  addMenu: { category: AddMenuCategory; order: number };
  /** Environment of a step read from XML without `runIn=`: the SDK class's `SupportedEnvironment`. */
  defaultRunIn: RunIn;
  /** Environment of a step the editor adds, when it differs from `defaultRunIn` (reason beside the value). */
  newStepRunIn?: RunIn;
  defaultSuccessCodes: number[];
  /** Every property, in Properties tab order. */
  properties: PropertyDef[];
  /** The variable-mapped properties, in the order a new step writes its `<defaultVarList>`. */
  props: PropSpec[];
  defaults(): PropertiesByType[T];
  /** The `<action>` client command line for these properties. */
  action(props: PropertiesByType[T]): string;
  /** Fill properties that only the `<action>` text carries (exports without a defaultVarList). */
  fromAction?(action: string, props: PropertiesByType[T], present: Set<string>): void;
}

type StepTypeDef<T extends KnownStepType> = Omit<StepTypeSpec<T>, 'props' | 'defaults'> & {
  /**
   * ConfigMgr writes this step's `<defaultVarList>` sorted by property name (a real console
   * export, user-state-steps.md); without it the variables follow the Properties tab order.
   */
  variablesByName?: true;
};

function define<T extends KnownStepType>(def: StepTypeDef<T>): StepTypeSpec<T> {
  const { variablesByName, ...spec } = def;
  const props = spec.properties.filter((p): p is PropSpec => p.variable !== undefined);
  if (variablesByName) props.sort((a, b) => (a.property < b.property ? -1 : 1));
  const copy = (v: PropertyValue) => (Array.isArray(v) ? [...v] : v);
  const defaults = () => Object.fromEntries(spec.properties.map((p) => [p.property, copy(p.default)])) as unknown as PropertiesByType[T];
  return { ...spec, props, defaults };
}

const bool = { kind: 'bool' } as const;
const list = { kind: 'list' } as const;
const str = (maxLength?: number): PropType => (maxLength === undefined ? { kind: 'string' } : { kind: 'string', maxLength });
const int = (min: number, max: number): PropType => ({ kind: 'int', min, max });
/** An enum property: its values, in order, with the Properties tab label of each. */
const choice = (choices: Readonly<Record<string, string>>) => ({
  type: { kind: 'enum', values: Object.keys(choices) } as PropType,
  choices,
});
const nonEmpty = (p: string) => (props: Record<string, unknown>) => {
  const v = props[p];
  return Array.isArray(v) ? v.length > 0 : v !== '' && v !== false && v !== undefined;
};

// The environment a new user-state step gets in the editor differs from the engine's default for
// a step read without `runIn=`: a real console export shows Request, Capture and Release as
// `WinPEandFullOS` (user-state-steps.md, so offline capture in Windows PE works), while the SDK
// classes of all four declare `FullOS` (task-sequence.md §1), which is what an XML without the
// attribute means. Restore User State is `FullOS` in both.
const USER_STATE_NEW_STEP_RUN_IN: RunIn = 'WinPEandFullOS';

const USMT_PACKAGE = { label: 'User state migration tool package', input: 'package', required: true } as const;
const CONFIG_FILES = {
  property: 'ConfigFiles',
  variable: 'OSDMigrateConfigFiles',
  type: list,
  default: [],
  emitWhen: nonEmpty('ConfigFiles'),
  label: 'Files',
  when: { property: 'Mode', equals: ['Advanced'] },
  help: 'e.g. miguser.xml, migsys.xml, migapp.xml',
} satisfies PropertyDef;
const VERBOSE = {
  property: 'EnableVerboseLogging',
  variable: 'OSDMigrateEnableVerboseLogging',
  type: bool,
  default: false,
  label: 'Enable verbose logging',
} satisfies PropertyDef;
const whenNormalAccess = { property: 'FileAccess', equals: ['Normal'] };

const runCommandLine = define({
  type: 'SMS_TaskSequence_RunCommandLineAction',
  label: 'Run Command Line',
  addMenu: { category: 'General', order: 1 },
  defaultRunIn: 'WinPEandFullOS',
  defaultSuccessCodes: [0, 3010],
  variablesByName: true,
  properties: [
    {
      property: 'CommandLine',
      variable: 'CommandLine',
      type: str(32000),
      default: '',
      hidden: true,
      label: 'Command line',
      required: true,
    },
    {
      property: 'OutputVariableName',
      variable: 'SMSTSRunCommandLineOutputVariableName',
      type: str(256),
      default: '',
      emitWhen: nonEmpty('OutputVariableName'),
      label: 'Output to task sequence variable',
    },
    {
      property: 'DisableWow64Redirection',
      variable: 'SMSTSDisableWow64Redirection',
      type: bool,
      default: false,
      emitWhen: nonEmpty('DisableWow64Redirection'),
      label: 'Disable 64-bit file system redirection',
    },
    {
      property: 'WorkingDirectory',
      variable: 'WorkingDirectory',
      type: str(255),
      default: '',
      emitWhen: nonEmpty('WorkingDirectory'),
      label: 'Start in',
      // The console's Start in box takes 127 characters; the SDK property and variable 255
      // (task-sequence.md §5.2), so an imported longer path still reads and runs.
      editorMaxLength: 127,
    },
    {
      property: 'PackageID',
      variable: 'PackageID',
      type: str(),
      default: '',
      emitWhen: nonEmpty('PackageID'),
      label: 'Package',
      input: 'package',
    },
    {
      property: 'RunAsUser',
      variable: '_SMSTSRunCommandLineAsUser',
      type: bool,
      default: false,
      emitWhen: nonEmpty('RunAsUser'),
      label: 'Run this step as the following account',
    },
    {
      property: 'UserName',
      variable: 'SMSTSRunCommandLineUserName',
      type: str(),
      default: '',
      emitWhen: nonEmpty('UserName'),
      label: 'Account',
      when: { property: 'RunAsUser', equals: [true] },
    },
    {
      property: 'UserPassword',
      variable: 'SMSTSRunCommandLineUserPassword',
      type: str(),
      default: '',
      hidden: true,
      emitWhen: nonEmpty('UserPassword'),
      label: 'Password',
      input: 'password',
      when: { property: 'RunAsUser', equals: [true] },
    },
  ],
  action: (p) => `smsswd.exe /run:${p.PackageID} ${p.CommandLine}`,
  fromAction(action, props, present) {
    const m = /^\s*smsswd(?:\.exe)?\s+\/run:(\S*)\s?([\s\S]*)$/i.exec(action);
    if (!m) return;
    if (!present.has('PackageID')) props.PackageID = m[1]!;
    if (!present.has('CommandLine')) props.CommandLine = m[2]!;
  },
});

const setVariable = define({
  type: 'SMS_TaskSequence_SetVariableAction',
  label: 'Set Task Sequence Variable',
  addMenu: { category: 'General', order: 2 },
  defaultRunIn: 'WinPEandFullOS',
  defaultSuccessCodes: [0],
  variablesByName: true,
  properties: [
    {
      property: 'VariableName',
      variable: 'VariableName',
      type: str(256),
      default: '',
      hidden: true,
      label: 'Task sequence variable',
      required: true,
    },
    { property: 'VariableValue', variable: 'VariableValue', type: str(4001), default: '', hidden: true, label: 'Value' },
    {
      property: 'DoNotShowVariableValue',
      variable: 'DoNotShowVariableValue',
      type: bool,
      default: false,
      hidden: true,
      label: 'Do not display this value',
    },
  ],
  action: (p) =>
    `tsenv.exe ` +
    `"${p.VariableName}=${p.DoNotShowVariableValue ? '' : p.VariableValue}" ` +
    `/hiddenflag:${p.DoNotShowVariableValue ? 'True' : 'False'}`,
  fromAction(action, props, present) {
    const m = /^\s*tsenv(?:\.exe)?\s+"([^"=]*)=([\s\S]*)"(?:\s+\/hiddenflag:(\w+))?\s*$/i.exec(action);
    if (!m) return;
    if (!present.has('VariableName')) props.VariableName = m[1]!;
    if (!present.has('VariableValue')) props.VariableValue = m[2]!;
    if (!present.has('DoNotShowVariableValue') && m[3]) props.DoNotShowVariableValue = m[3].toLowerCase() === 'true';
  },
});

const reboot = define({
  type: 'SMS_TaskSequence_RebootAction',
  label: 'Restart Computer',
  addMenu: { category: 'General', order: 3 },
  defaultRunIn: 'WinPEandFullOS',
  defaultSuccessCodes: [0],
  variablesByName: true,
  properties: [
    {
      property: 'Target',
      variable: 'SMSRebootTarget',
      ...choice({
        WinPE: 'The boot image assigned to this task sequence',
        HD: 'The currently installed default operating system',
      }),
      default: 'HD',
      hidden: true,
      label: 'Restart into',
    },
    {
      property: 'Message',
      variable: 'SMSRebootMessage',
      type: str(512),
      default: '',
      emitWhen: nonEmpty('Message'),
      label: 'Notification message',
    },
    {
      property: 'MessageTimeout',
      variable: 'SMSRebootTimeout',
      type: int(0, 2_147_483_647),
      default: 60,
      label: 'Message display time-out (seconds)',
      // The SDK property is any 32-bit count of seconds; the console offers at most a day.
      editorMax: 86400,
    },
  ],
  action: (p) => `smsboot.exe /target:${p.Target}`,
  fromAction(action, props, present) {
    const m = /\/target:(WinPE|HD)\b/i.exec(action);
    if (m && !present.has('Target')) props.Target = m[1]!.toLowerCase() === 'hd' ? 'HD' : 'WinPE';
  },
});

const requestStateStore = define({
  type: 'SMS_TaskSequence_RequestStateStoreAction',
  label: 'Request State Store',
  addMenu: { category: 'User State', order: 1 },
  defaultRunIn: 'FullOS',
  newStepRunIn: USER_STATE_NEW_STEP_RUN_IN,
  defaultSuccessCodes: [0],
  variablesByName: true,
  properties: [
    {
      property: 'RequestType',
      variable: 'OSDStateRequestType',
      ...choice({ capture: 'Capture state from the computer', restore: 'Restore state from another computer' }),
      default: 'capture',
      hidden: true,
      label: 'Request type',
      required: true,
    },
    {
      property: 'SMPRetryCount',
      variable: 'OSDStateSMPRetryCount',
      type: int(0, 30),
      default: 3,
      hidden: true,
      label: 'Number of retries',
    },
    {
      property: 'SMPRetryTime',
      variable: 'OSDStateSMPRetryTime',
      type: int(0, 600),
      default: 10,
      hidden: true,
      label: 'Retry delay (in seconds)',
    },
    {
      property: 'FallbackToNAA',
      variable: 'OSDStateFallbackToNAA',
      type: bool,
      default: false,
      label: 'If computer account fails to connect to a state store, use the Network Access account',
    },
  ],
  action: (p) => `osdsmpclient.exe /${p.RequestType}`,
  fromAction(action, props, present) {
    const m = /\/(capture|restore)\b/i.exec(action);
    if (m && !present.has('RequestType')) props.RequestType = m[1]!.toLowerCase() as 'capture' | 'restore';
  },
});

const captureUserState = define({
  type: 'SMS_TaskSequence_CaptureUserStateAction',
  label: 'Capture User State',
  addMenu: { category: 'User State', order: 2 },
  defaultRunIn: 'FullOS',
  newStepRunIn: USER_STATE_NEW_STEP_RUN_IN,
  defaultSuccessCodes: [0],
  variablesByName: true,
  properties: [
    { property: 'UsmtPackageID', variable: '_OSDMigrateUsmtPackageID', type: str(), default: '', ...USMT_PACKAGE },
    {
      property: 'Mode',
      variable: 'OSDMigrateMode',
      ...choice({ Simple: 'Capture all user profiles by using standard options', Advanced: 'Customize how user profiles are captured' }),
      default: 'Simple',
      label: 'User profiles',
    },
    CONFIG_FILES,
    VERBOSE,
    {
      property: 'SkipEncryptedFiles',
      variable: 'OSDMigrateSkipEncryptedFiles',
      type: bool,
      default: false,
      label: 'Skip files using encrypted file system',
    },
    {
      property: 'FileAccess',
      variable: 'OSDMigrateFileAccess',
      ...choice({ Normal: 'Copy by using file system access', VSS: 'Capture by using Volume Copy Shadow Services (VSS)' }),
      default: 'Normal',
      label: 'File access',
    },
    {
      property: 'ContinueOnLockedFiles',
      variable: 'OSDMigrateContinueOnLockedFiles',
      type: bool,
      default: true,
      label: 'Continue if some files cannot be captured',
      when: whenNormalAccess,
    },
    {
      property: 'UseHardlinks',
      variable: '_OSDMigrateUseHardlinks',
      type: bool,
      default: false,
      label: 'Capture locally by using links instead of by copying files',
      when: whenNormalAccess,
    },
    {
      property: 'OfflineUserState',
      variable: '_OSDMigrateOfflineUserState',
      type: bool,
      default: false,
      label: 'Capture in off-line mode (Windows PE only)',
      when: whenNormalAccess,
    },
  ],
  action: () =>
    'osdmigrateuserstate.exe /collect /continueOnError:%OSDMigrateContinueOnLockedFiles% /skipefs:%OSDMigrateSkipEncryptedFiles%',
});

const restoreUserState = define({
  type: 'SMS_TaskSequence_RestoreUserStateAction',
  label: 'Restore User State',
  addMenu: { category: 'User State', order: 3 },
  defaultRunIn: 'FullOS',
  defaultSuccessCodes: [0],
  variablesByName: true,
  properties: [
    { property: 'UsmtRestorePackageID', variable: '_OSDMigrateUsmtRestorePackageID', type: str(), default: '', ...USMT_PACKAGE },
    {
      property: 'Mode',
      variable: 'OSDMigrateMode',
      ...choice({
        Simple: 'Restore all captured user profiles with standard options',
        Advanced: 'Customize how user profiles are restored',
      }),
      default: 'Simple',
      label: 'User profiles',
    },
    CONFIG_FILES,
    {
      property: 'LocalAccounts',
      variable: 'OSDMigrateLocalAccounts',
      type: bool,
      default: false,
      label: 'Restore local computer user profiles',
    },
    {
      property: 'LocalAccountPassword',
      variable: 'OSDMigrateLocalAccountPassword',
      type: str(),
      default: '',
      hidden: true,
      emitWhen: nonEmpty('LocalAccountPassword'),
      label: 'Password',
      input: 'password',
      when: { property: 'LocalAccounts', equals: [true] },
    },
    {
      property: 'ContinueOnRestore',
      variable: 'OSDMigrateContinueOnRestore',
      type: bool,
      default: true,
      label: 'Continue if some files cannot be restored',
    },
    VERBOSE,
  ],
  action: () => 'osdmigrateuserstate.exe /apply /continueOnError:%OSDMigrateContinueOnRestore%',
});

const releaseStateStore = define({
  type: 'SMS_TaskSequence_ReleaseStateStoreAction',
  label: 'Release State Store',
  addMenu: { category: 'User State', order: 4 },
  defaultRunIn: 'FullOS',
  newStepRunIn: USER_STATE_NEW_STEP_RUN_IN,
  defaultSuccessCodes: [0],
  properties: [],
  action: () => 'osdsmpclient.exe /release',
});

// ── operating system deployment (task sequence steps: Images, Settings) ────────────────────

const whenDestination = (d: string) => ({ property: 'Destination', equals: [d] });

const applyOperatingSystem = define({
  type: 'SMS_TaskSequence_ApplyOperatingSystemAction',
  label: 'Apply Operating System Image',
  addMenu: { category: 'Images', order: 1 },
  defaultRunIn: 'WinPE',
  defaultSuccessCodes: [0],
  properties: [
    { property: 'ImagePackageID', type: str(), default: '', label: 'Image package', input: 'image', required: true },
    { property: 'ImageIndex', variable: 'OSDImageIndex', type: int(1, 999), default: 1, label: 'Image' },
    { property: 'ConfigFilePackage', type: str(), default: '', label: 'Answer file package', input: 'package' },
    {
      property: 'ConfigFileName',
      variable: 'OSDConfigFileName',
      type: str(255),
      default: '',
      emitWhen: nonEmpty('ConfigFileName'),
      label: 'Answer file name',
      help: 'e.g. unattend.xml',
    },
    {
      property: 'Destination',
      ...choice({
        NextAvailable: 'Next available partition',
        DiskAndPartition: 'Specific disk and partition',
        LogicalDrive: 'Specific logical drive letter',
        Variable: 'Logical drive letter stored in a variable',
      }),
      default: 'NextAvailable',
      label: 'Destination',
    },
    { property: 'DestinationDisk', type: int(0, 99), default: 0, label: 'Disk', when: whenDestination('DiskAndPartition') },
    { property: 'DestinationPartition', type: int(1, 99), default: 1, label: 'Partition', when: whenDestination('DiskAndPartition') },
    { property: 'DestinationLogicalDrive', type: str(3), default: '', label: 'Drive letter', when: whenDestination('LogicalDrive') },
    { property: 'DestinationVariable', type: str(256), default: '', label: 'Variable name', when: whenDestination('Variable') },
    {
      property: 'LayeredDriver',
      variable: 'OsdLayeredDriver',
      type: int(0, 6),
      default: 0,
      emitWhen: (p) => p.LayeredDriver !== 0,
      label: 'Keyboard layered driver',
      help: '0 = do not specify, 6 = Japanese 106/109-key',
    },
  ],
  // The destination travels in the command line only (no action variable names it).
  action(p) {
    const target =
      p.Destination === 'DiskAndPartition'
        ? ` /target:${p.DestinationDisk},${p.DestinationPartition}`
        : p.Destination === 'LogicalDrive'
          ? ` /target:${p.DestinationLogicalDrive}`
          : p.Destination === 'Variable'
            ? ` /target:%${p.DestinationVariable}%`
            : '';
    const config = p.ConfigFilePackage ? ` "/config:${p.ConfigFilePackage},%OSDConfigFileName%"` : '';
    return `OSDApplyOS.exe /image:${p.ImagePackageID},%OSDImageIndex%${config}${target} /runfromnet:False`;
  },
  fromAction(action, props) {
    const image = /\/image:([^,\s"]*)/i.exec(action);
    if (image) props.ImagePackageID = image[1]!;
    const config = /\/config:([^,\s"]*)/i.exec(action);
    if (config) props.ConfigFilePackage = config[1]!;
    const target = /\/target:("?)([^\s"]+)\1/i.exec(action)?.[2];
    if (target === undefined) return;
    let m: RegExpExecArray | null;
    if ((m = /^(\d+),(\d+)$/.exec(target)))
      Object.assign(props, { Destination: 'DiskAndPartition', DestinationDisk: Number(m[1]), DestinationPartition: Number(m[2]) });
    else if ((m = /^%([^%]+)%$/.exec(target))) Object.assign(props, { Destination: 'Variable', DestinationVariable: m[1]! });
    else Object.assign(props, { Destination: 'LogicalDrive', DestinationLogicalDrive: target });
  },
});

const setupWindowsAndSms = define({
  type: 'SMS_TaskSequence_SetupWindowsAndSMSAction',
  label: 'Setup Windows and ConfigMgr',
  addMenu: { category: 'Images', order: 2 },
  defaultRunIn: 'WinPE',
  defaultSuccessCodes: [0],
  properties: [
    { property: 'ClientPackageID', type: str(), default: '', label: 'Package', input: 'package' },
    {
      property: 'InstallationProperties',
      variable: 'SMSClientInstallProperties',
      type: str(4000),
      default: '',
      emitWhen: nonEmpty('InstallationProperties'),
      label: 'Installation properties',
    },
  ],
  action: (p) => `OSDSetupWindows.exe /client:${p.ClientPackageID}`,
  fromAction(action, props) {
    const m = /\/client:(\S*)/i.exec(action);
    if (m) props.ClientPackageID = m[1]!;
  },
});

const applyWindowsSettings = define({
  type: 'SMS_TaskSequence_ApplyWindowsSettingsAction',
  label: 'Apply Windows Settings',
  addMenu: { category: 'Settings', order: 1 },
  defaultRunIn: 'WinPE',
  defaultSuccessCodes: [0],
  properties: [
    { property: 'RegisteredUserName', variable: 'OSDRegisteredUserName', type: str(255), default: 'User', label: 'User name' },
    {
      property: 'RegisteredOrgName',
      variable: 'OSDRegisteredOrgName',
      type: str(255),
      default: '',
      emitWhen: nonEmpty('RegisteredOrgName'),
      label: 'Organization name',
    },
    {
      property: 'ProductKey',
      variable: 'OSDProductKey',
      type: str(255),
      default: '',
      emitWhen: nonEmpty('ProductKey'),
      label: 'Product key',
      input: 'password',
    },
    {
      property: 'ComputerName',
      variable: 'OSDComputerName',
      type: str(15),
      default: '',
      emitWhen: nonEmpty('ComputerName'),
      label: 'Computer name (empty: keep the current name)',
    },
    {
      property: 'RandomAdminPassword',
      variable: 'OSDRandomAdminPassword',
      type: bool,
      default: true,
      label: 'Randomly generate the local administrator password and disable the account',
    },
    {
      property: 'AdminPassword',
      variable: 'OSDLocalAdminPassword',
      type: str(255),
      default: '',
      hidden: true,
      emitWhen: nonEmpty('AdminPassword'),
      label: 'Password',
      input: 'password',
      when: { property: 'RandomAdminPassword', equals: [false] },
    },
    {
      property: 'TimeZone',
      variable: 'OSDTimeZone',
      type: str(255),
      default: '',
      emitWhen: nonEmpty('TimeZone'),
      label: 'Time zone',
      help: 'e.g. W. Europe Standard Time',
    },
  ],
  action: () => 'osdwinsettings.exe /config',
});

const whenDomain = { property: 'JoinType', equals: ['Domain'] };

const applyNetworkSettings = define({
  type: 'SMS_TaskSequence_ApplyNetworkSettingsAction',
  label: 'Apply Network Settings',
  addMenu: { category: 'Settings', order: 2 },
  defaultRunIn: 'WinPE',
  defaultSuccessCodes: [0],
  properties: [
    {
      property: 'JoinType',
      variable: 'OSDJoinType',
      ...choice({ Workgroup: 'Join a workgroup', Domain: 'Join a domain' }),
      default: 'Workgroup',
      label: 'Join',
    },
    {
      property: 'WorkgroupName',
      variable: 'OSDWorkgroupName',
      type: str(15),
      default: 'WORKGROUP',
      emitWhen: nonEmpty('WorkgroupName'),
      label: 'Workgroup',
      when: { property: 'JoinType', equals: ['Workgroup'] },
    },
    {
      property: 'DomainName',
      variable: 'OSDDomainName',
      type: str(255),
      default: '',
      emitWhen: nonEmpty('DomainName'),
      label: 'Domain',
      when: whenDomain,
    },
    {
      property: 'DomainOUName',
      variable: 'OSDDomainOUName',
      type: str(255),
      default: '',
      emitWhen: nonEmpty('DomainOUName'),
      label: 'Domain OU',
      when: whenDomain,
    },
    {
      property: 'DomainUserName',
      variable: 'OSDJoinAccount',
      type: str(255),
      default: '',
      emitWhen: nonEmpty('DomainUserName'),
      label: 'Account',
      when: whenDomain,
    },
    {
      property: 'DomainPassword',
      variable: 'OSDJoinPassword',
      type: str(255),
      default: '',
      hidden: true,
      emitWhen: nonEmpty('DomainPassword'),
      label: 'Password',
      input: 'password',
      when: whenDomain,
    },
  ],
  action: () => 'osdnetsettings.exe configure',
});

/** Every known step type by its XML `type=`. */
export const STEP_TYPES: { readonly [T in KnownStepType]: StepTypeSpec<T> } = {
  SMS_TaskSequence_RequestStateStoreAction: requestStateStore,
  SMS_TaskSequence_CaptureUserStateAction: captureUserState,
  SMS_TaskSequence_RestoreUserStateAction: restoreUserState,
  SMS_TaskSequence_ReleaseStateStoreAction: releaseStateStore,
  SMS_TaskSequence_RunCommandLineAction: runCommandLine,
  SMS_TaskSequence_RebootAction: reboot,
  SMS_TaskSequence_SetVariableAction: setVariable,
  SMS_TaskSequence_ApplyOperatingSystemAction: applyOperatingSystem,
  SMS_TaskSequence_ApplyWindowsSettingsAction: applyWindowsSettings,
  SMS_TaskSequence_ApplyNetworkSettingsAction: applyNetworkSettings,
  SMS_TaskSequence_SetupWindowsAndSMSAction: setupWindowsAndSms,
};

/** The catalog entry of a step type, or undefined for a type Ferry does not know. */
export function stepTypeSpec(type: string): StepTypeSpec | undefined {
  return Object.hasOwn(STEP_TYPES, type) ? (STEP_TYPES[type as KnownStepType] as StepTypeSpec) : undefined;
}

// ── the editor's view of the catalog (served to the console as JSON) ───────────────────────

/** How the Properties tab edits a property. */
export type FieldKind = 'text' | 'password' | 'integer' | 'boolean' | 'choice' | 'package' | 'image' | 'list';

/** One Properties tab field: plain data, so the site can serve it to the console. */
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
  /** Shown only when another property has one of these values. */
  when?: { property: string; equals: PropertyValue[] };
  help?: string;
}

/** A step type as the editor offers it: Add menu place, a new step's defaults, its fields. */
export interface StepSpec {
  type: KnownStepType;
  label: string;
  category: AddMenuCategory;
  /** The environment of a new step (`newStepRunIn`, else `defaultRunIn`). */
  runIn: RunIn;
  successCodes: number[];
  fields: FieldSpec[];
}

const FIELD_KIND: Record<PropType['kind'], FieldKind> = { string: 'text', bool: 'boolean', int: 'integer', enum: 'choice', list: 'list' };

function fieldSpec(p: PropertyDef): FieldSpec {
  const t = p.type;
  const maxLength = p.editorMaxLength ?? (t.kind === 'string' ? t.maxLength : undefined);
  return {
    property: p.property,
    label: p.label,
    kind: p.input ?? FIELD_KIND[t.kind],
    default: Array.isArray(p.default) ? [...p.default] : p.default,
    ...(p.choices ? { choices: Object.entries(p.choices).map(([value, label]) => ({ value, label })) } : {}),
    ...(t.kind === 'int' ? { min: t.min, max: p.editorMax ?? t.max } : {}),
    ...(maxLength !== undefined ? { maxLength } : {}),
    ...(p.required ? { required: true } : {}),
    ...(p.when ? { when: p.when } : {}),
    ...(p.help ? { help: p.help } : {}),
  };
}

/**
 * The step types the editor offers, in Add menu order (category, then place in it).
 *
 * @example
 * editorStepTypes().filter((s) => s.category === 'User State').map((s) => s.label)
 * // ['Request State Store', 'Capture User State', 'Restore User State', 'Release State Store']
 */
export function editorStepTypes(): StepSpec[] {
  const place = (s: StepTypeSpec) => ADD_MENU_CATEGORIES.indexOf(s.addMenu.category) * 100 + s.addMenu.order;
  return (Object.values(STEP_TYPES) as StepTypeSpec[])
    .sort((a, b) => place(a) - place(b))
    .map((s) => ({
      type: s.type,
      label: s.label,
      category: s.addMenu.category,
      runIn: s.newStepRunIn ?? s.defaultRunIn,
      successCodes: [...s.defaultSuccessCodes],
      fields: s.properties.map(fieldSpec),
    }));
}

/**
 * A new step of a known type as the editor adds it: named after its type, in the editor's
 * environment for a new step, with the default properties and `overrides` on top.
 *
 * @example
 * newStep('SMS_TaskSequence_RequestStateStoreAction', { RequestType: 'restore' })
 */
export function newStep(type: string, overrides: Partial<Record<string, PropertyValue>> = {}): KnownStep {
  const spec = stepTypeSpec(type);
  if (!spec)
    throw new FerryError(
      'FERRY_E_TS_STEP_UNSUPPORTED',
      `Step type ${type} is not one the editor offers; pick a type from the step catalog.`,
    );
  const properties = spec.defaults() as unknown as Record<string, PropertyValue>;
  for (const [k, v] of Object.entries(overrides)) if (v !== undefined) properties[k] = v;
  return {
    kind: 'step',
    type: spec.type,
    name: spec.label,
    description: '',
    disabled: false,
    continueOnError: false,
    runIn: spec.newStepRunIn ?? spec.defaultRunIn,
    successCodes: [...spec.defaultSuccessCodes],
    extraAttributes: [],
    extraElements: [],
    extraVariables: [],
    properties,
  } as unknown as KnownStep;
}

/** Parse one property value from its XML text; a string reason when it does not fit. */
export function parsePropValue(spec: PropSpec, text: string): { value: unknown } | { error: string } {
  const t = spec.type;
  switch (t.kind) {
    case 'string':
      if (t.maxLength !== undefined && text.length > t.maxLength) return { error: `longer than ${t.maxLength} characters` };
      return { value: text };
    case 'bool': {
      const v = text.trim().toLowerCase();
      if (v === 'true') return { value: true };
      if (v === 'false') return { value: false };
      return { error: 'expected true or false' };
    }
    case 'int': {
      if (!/^\s*\d+\s*$/.test(text)) return { error: `expected a whole number ${t.min}–${t.max}` };
      const n = Number(text);
      if (n < t.min || n > t.max) return { error: `out of range ${t.min}–${t.max}` };
      return { value: n };
    }
    case 'enum': {
      const hit = t.values.find((v) => v.toLowerCase() === text.trim().toLowerCase());
      return hit === undefined ? { error: `expected one of ${t.values.join(', ')}` } : { value: hit };
    }
    case 'list':
      return {
        value: text
          .split(',')
          .map((s) => s.trim())
          .filter((s) => s !== ''),
      };
  }
}

/**
 * Why a property value held in a document (JSON from the site, a saved state) does not fit its
 * type, or null. Documents do not only come from our own parser, so a missing or mistyped value
 * must become a validation error instead of a crash further on.
 */
export function propValueProblem(spec: PropSpec, value: unknown): string | null {
  const t = spec.type;
  if (value === undefined || value === null) return 'is missing';
  switch (t.kind) {
    case 'string':
      if (typeof value !== 'string') return 'must be text';
      return t.maxLength !== undefined && value.length > t.maxLength ? `is longer than ${t.maxLength} characters` : null;
    case 'bool':
      return typeof value === 'boolean' ? null : 'must be true or false';
    case 'int':
      return Number.isInteger(value) && (value as number) >= t.min && (value as number) <= t.max
        ? null
        : `must be a whole number ${t.min}–${t.max}`;
    case 'enum':
      return typeof value === 'string' && t.values.includes(value) ? null : `must be one of ${t.values.join(', ')}`;
    case 'list':
      return Array.isArray(value) && value.every((v) => typeof v === 'string') ? null : 'must be a list of names';
  }
}

/** A property value as its XML text (the inverse of `parsePropValue`). */
export function formatPropValue(spec: PropSpec, value: unknown): string {
  if (spec.type.kind === 'list') return (value as string[]).join(',');
  if (spec.type.kind === 'bool') return value ? 'true' : 'false';
  return String(value);
}

/**
 * The mapped `<defaultVarList>` entries a step of this type writes for these properties: in the
 * order (and with the `hidden=` flags) of `layout` when given, then any others the properties
 * now need; variables named in `skip` (kept verbatim elsewhere) are left out.
 */
export function propertyVariables(
  spec: StepTypeSpec,
  props: Record<string, unknown>,
  layout?: readonly { name: string; hidden: boolean; property?: string }[],
  skip: ReadonlySet<string> = new Set(),
): TsVariable[] {
  const byName = new Map(spec.props.map((p) => [p.variable.toLowerCase(), p]));
  const out: TsVariable[] = [];
  const done = new Set<string>();
  const byProperty = new Map(spec.props.map((p) => [p.property.toLowerCase(), p]));
  // `name` is the variable name as read: MDT writes e.g. `RunAsUser` for the RunAsUser property.
  const push = (p: PropSpec, hidden: boolean, name = p.variable) => {
    const key = p.variable.toLowerCase();
    if (done.has(key) || skip.has(key) || skip.has(p.property.toLowerCase())) return;
    done.add(key);
    out.push({ name, property: p.property, value: formatPropValue(p, props[p.property]), ...(hidden ? { hidden: true } : {}) });
  };
  for (const l of layout ?? []) {
    const p = byName.get(l.name.toLowerCase()) ?? byProperty.get((l.property ?? '').toLowerCase());
    if (p) push(p, l.hidden, l.name);
  }
  for (const p of spec.props) if (p.emitWhen ? p.emitWhen(props) : true) push(p, p.hidden === true);
  return out;
}
