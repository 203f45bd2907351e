// What each known step type is: its XML `type=`, default environment and success codes, the
// property ↔ `<defaultVarList>` variable mapping (user-state-steps.md tables, task-sequence.md
// §5 and §7), the client command line in `<action>`, and how typed values are read and written.
import type { KnownStepType, PropertiesByType, RunIn, TsVariable } from './model.ts';

export type PropType =
  | { kind: 'string'; maxLength?: number }
  | { kind: 'bool' }
  | { kind: 'int'; min: number; max: number }
  | { kind: 'enum'; values: readonly string[] }
  | { kind: 'list' };

export interface PropSpec {
  /** SDK property name (XML `property=`, key in `properties`). */
  property: string;
  /** Task sequence variable the value is injected as while the step runs. */
  variable: string;
  type: PropType;
  /** Exported with `hidden="true"` by the console. */
  hidden?: boolean;
  /** Write the variable only when this says so (default: always). */
  emitWhen?: (props: Record<string, unknown>) => boolean;
}

export interface StepTypeSpec<T extends KnownStepType = KnownStepType> {
  type: T;
  /** Editor name, also the default step name. */
  label: string;
  defaultRunIn: RunIn;
  defaultSuccessCodes: number[];
  props: PropSpec[];
  defaults(): PropertiesByType[T];
  /** The `<action>` client command line for these properties. */
  action(props: PropertiesByType[T]): string;
  /** Fill properties that only the `<action>` text carries (exports without a defaultVarList). */
  fromAction?(action: string, props: PropertiesByType[T], present: Set<string>): void;
}

const bool = { kind: 'bool' } as const;
const str = (maxLength?: number): PropType => (maxLength === undefined ? { kind: 'string' } : { kind: 'string', maxLength });
const nonEmpty = (p: string) => (props: Record<string, unknown>) => {
  const v = props[p];
  return Array.isArray(v) ? v.length > 0 : v !== '' && v !== false && v !== undefined;
};

const requestStateStore: StepTypeSpec<'SMS_TaskSequence_RequestStateStoreAction'> = {
  type: 'SMS_TaskSequence_RequestStateStoreAction',
  label: 'Request State Store',
  defaultRunIn: 'FullOS',
  defaultSuccessCodes: [0],
  props: [
    { property: 'FallbackToNAA', variable: 'OSDStateFallbackToNAA', type: bool },
    { property: 'RequestType', variable: 'OSDStateRequestType', type: { kind: 'enum', values: ['capture', 'restore'] }, hidden: true },
    { property: 'SMPRetryCount', variable: 'OSDStateSMPRetryCount', type: { kind: 'int', min: 0, max: 30 }, hidden: true },
    { property: 'SMPRetryTime', variable: 'OSDStateSMPRetryTime', type: { kind: 'int', min: 0, max: 600 }, hidden: true },
  ],
  defaults: () => ({ RequestType: 'capture', SMPRetryCount: 3, SMPRetryTime: 10, FallbackToNAA: false }),
  action: (p) => `osdsmpclient.exe /${p.RequestType}`,
  fromAction(action, props, present) {
    const m = /\/(capture|restore)\b/i.exec(action);
    if (m && !present.has('RequestType')) props.RequestType = m[1]!.toLowerCase() as 'capture' | 'restore';
  },
};

const captureUserState: StepTypeSpec<'SMS_TaskSequence_CaptureUserStateAction'> = {
  type: 'SMS_TaskSequence_CaptureUserStateAction',
  label: 'Capture User State',
  defaultRunIn: 'FullOS',
  defaultSuccessCodes: [0],
  props: [
    { property: 'ConfigFiles', variable: 'OSDMigrateConfigFiles', type: { kind: 'list' }, emitWhen: nonEmpty('ConfigFiles') },
    { property: 'ContinueOnLockedFiles', variable: 'OSDMigrateContinueOnLockedFiles', type: bool },
    { property: 'EnableVerboseLogging', variable: 'OSDMigrateEnableVerboseLogging', type: bool },
    { property: 'FileAccess', variable: 'OSDMigrateFileAccess', type: { kind: 'enum', values: ['Normal', 'VSS'] } },
    { property: 'Mode', variable: 'OSDMigrateMode', type: { kind: 'enum', values: ['Simple', 'Advanced'] } },
    { property: 'OfflineUserState', variable: '_OSDMigrateOfflineUserState', type: bool },
    { property: 'SkipEncryptedFiles', variable: 'OSDMigrateSkipEncryptedFiles', type: bool },
    { property: 'UseHardlinks', variable: '_OSDMigrateUseHardlinks', type: bool },
    { property: 'UsmtPackageID', variable: '_OSDMigrateUsmtPackageID', type: str() },
  ],
  defaults: () => ({
    UsmtPackageID: '',
    Mode: 'Simple',
    ConfigFiles: [],
    EnableVerboseLogging: false,
    SkipEncryptedFiles: false,
    FileAccess: 'Normal',
    ContinueOnLockedFiles: true,
    UseHardlinks: false,
    OfflineUserState: false,
  }),
  action: () =>
    'osdmigrateuserstate.exe /collect /continueOnError:%OSDMigrateContinueOnLockedFiles% /skipefs:%OSDMigrateSkipEncryptedFiles%',
};

const restoreUserState: StepTypeSpec<'SMS_TaskSequence_RestoreUserStateAction'> = {
  type: 'SMS_TaskSequence_RestoreUserStateAction',
  label: 'Restore User State',
  defaultRunIn: 'FullOS',
  defaultSuccessCodes: [0],
  props: [
    { property: 'ConfigFiles', variable: 'OSDMigrateConfigFiles', type: { kind: 'list' }, emitWhen: nonEmpty('ConfigFiles') },
    { property: 'ContinueOnRestore', variable: 'OSDMigrateContinueOnRestore', type: bool },
    { property: 'EnableVerboseLogging', variable: 'OSDMigrateEnableVerboseLogging', type: bool },
    {
      property: 'LocalAccountPassword',
      variable: 'OSDMigrateLocalAccountPassword',
      type: str(),
      hidden: true,
      emitWhen: nonEmpty('LocalAccountPassword'),
    },
    { property: 'LocalAccounts', variable: 'OSDMigrateLocalAccounts', type: bool },
    { property: 'Mode', variable: 'OSDMigrateMode', type: { kind: 'enum', values: ['Simple', 'Advanced'] } },
    { property: 'UsmtRestorePackageID', variable: '_OSDMigrateUsmtRestorePackageID', type: str() },
  ],
  defaults: () => ({
    UsmtRestorePackageID: '',
    Mode: 'Simple',
    ConfigFiles: [],
    LocalAccounts: false,
    LocalAccountPassword: '',
    ContinueOnRestore: true,
    EnableVerboseLogging: false,
  }),
  action: () => 'osdmigrateuserstate.exe /apply /continueOnError:%OSDMigrateContinueOnRestore%',
};

const releaseStateStore: StepTypeSpec<'SMS_TaskSequence_ReleaseStateStoreAction'> = {
  type: 'SMS_TaskSequence_ReleaseStateStoreAction',
  label: 'Release State Store',
  defaultRunIn: 'FullOS',
  defaultSuccessCodes: [0],
  props: [],
  defaults: () => ({}),
  action: () => 'osdsmpclient.exe /release',
};

const runCommandLine: StepTypeSpec<'SMS_TaskSequence_RunCommandLineAction'> = {
  type: 'SMS_TaskSequence_RunCommandLineAction',
  label: 'Run Command Line',
  defaultRunIn: 'WinPEandFullOS',
  defaultSuccessCodes: [0, 3010],
  props: [
    { property: 'CommandLine', variable: 'CommandLine', type: str(32000), hidden: true },
    {
      property: 'DisableWow64Redirection',
      variable: 'SMSTSDisableWow64Redirection',
      type: bool,
      emitWhen: nonEmpty('DisableWow64Redirection'),
    },
    {
      property: 'OutputVariableName',
      variable: 'SMSTSRunCommandLineOutputVariableName',
      type: str(256),
      emitWhen: nonEmpty('OutputVariableName'),
    },
    { property: 'PackageID', variable: 'PackageID', type: str(), emitWhen: nonEmpty('PackageID') },
    { property: 'RunAsUser', variable: '_SMSTSRunCommandLineAsUser', type: bool, emitWhen: nonEmpty('RunAsUser') },
    { property: 'UserName', variable: 'SMSTSRunCommandLineUserName', type: str(), emitWhen: nonEmpty('UserName') },
    {
      property: 'UserPassword',
      variable: 'SMSTSRunCommandLineUserPassword',
      type: str(),
      hidden: true,
      emitWhen: nonEmpty('UserPassword'),
    },
    { property: 'WorkingDirectory', variable: 'WorkingDirectory', type: str(255), emitWhen: nonEmpty('WorkingDirectory') },
  ],
  defaults: () => ({
    CommandLine: '',
    WorkingDirectory: '',
    PackageID: '',
    DisableWow64Redirection: false,
    OutputVariableName: '',
    RunAsUser: false,
    UserName: '',
    UserPassword: '',
  }),
  action: (p) => `smsswd.exe /run:${p.PackageID} ${p.CommandLine}`,
  fromAction(action, props, present) {
    const m = /^\s*smsswd(?:\.exe)?\s+\/run:(\S*)\s?([\s\S]*)$/i.exec(action);
    if (!m) return;
    if (!present.has('PackageID')) props.PackageID = m[1]!;
    if (!present.has('CommandLine')) props.CommandLine = m[2]!;
  },
};

const reboot: StepTypeSpec<'SMS_TaskSequence_RebootAction'> = {
  type: 'SMS_TaskSequence_RebootAction',
  label: 'Restart Computer',
  defaultRunIn: 'WinPEandFullOS',
  defaultSuccessCodes: [0],
  props: [
    { property: 'Message', variable: 'SMSRebootMessage', type: str(512), emitWhen: nonEmpty('Message') },
    { property: 'MessageTimeout', variable: 'SMSRebootTimeout', type: { kind: 'int', min: 0, max: 2_147_483_647 } },
    { property: 'Target', variable: 'SMSRebootTarget', type: { kind: 'enum', values: ['WinPE', 'HD'] }, hidden: true },
  ],
  defaults: () => ({ Target: 'HD', Message: '', MessageTimeout: 60 }),
  action: (p) => `smsboot.exe /target:${p.Target}`,
  fromAction(action, props, present) {
    const m = /\/target:(WinPE|HD)\b/i.exec(action);
    if (m && !present.has('Target')) props.Target = m[1]!.toLowerCase() === 'hd' ? 'HD' : 'WinPE';
  },
};

const setVariable: StepTypeSpec<'SMS_TaskSequence_SetVariableAction'> = {
  type: 'SMS_TaskSequence_SetVariableAction',
  label: 'Set Task Sequence Variable',
  defaultRunIn: 'WinPEandFullOS',
  defaultSuccessCodes: [0],
  props: [
    { property: 'DoNotShowVariableValue', variable: 'DoNotShowVariableValue', type: bool, hidden: true },
    { property: 'VariableName', variable: 'VariableName', type: str(256), hidden: true },
    { property: 'VariableValue', variable: 'VariableValue', type: str(4001), hidden: true },
  ],
  defaults: () => ({ VariableName: '', VariableValue: '', DoNotShowVariableValue: false }),
  action: (p) =>
    `tsenv.exe "${p.VariableName}=${p.DoNotShowVariableValue ? '' : p.VariableValue}" /hiddenflag:${p.DoNotShowVariableValue ? 'True' : 'False'}`,
  fromAction(action, props, present) {
    const m = /^\s*tsenv(?:\.exe)?\s+"([^"=]*)=([\s\S]*)"(?:\s+\/hiddenflag:(\w+))?\s*$/i.exec(action);
    if (!m) return;
    if (!present.has('VariableName')) props.VariableName = m[1]!;
    if (!present.has('VariableValue')) props.VariableValue = m[2]!;
    if (!present.has('DoNotShowVariableValue') && m[3]) props.DoNotShowVariableValue = m[3].toLowerCase() === 'true';
  },
};

// ── operating system deployment (task sequence steps: Images, Settings) ────────────────────

const applyOperatingSystem: StepTypeSpec<'SMS_TaskSequence_ApplyOperatingSystemAction'> = {
  type: 'SMS_TaskSequence_ApplyOperatingSystemAction',
  label: 'Apply Operating System Image',
  defaultRunIn: 'WinPE',
  defaultSuccessCodes: [0],
  props: [
    { property: 'ImageIndex', variable: 'OSDImageIndex', type: { kind: 'int', min: 1, max: 999 } },
    { property: 'ConfigFileName', variable: 'OSDConfigFileName', type: str(255), emitWhen: nonEmpty('ConfigFileName') },
    {
      property: 'LayeredDriver',
      variable: 'OsdLayeredDriver',
      type: { kind: 'int', min: 0, max: 6 },
      emitWhen: (p) => p.LayeredDriver !== 0,
    },
  ],
  defaults: () => ({
    ImagePackageID: '',
    ImageIndex: 1,
    ConfigFilePackage: '',
    ConfigFileName: '',
    Destination: 'NextAvailable',
    DestinationDisk: 0,
    DestinationPartition: 1,
    DestinationLogicalDrive: '',
    DestinationVariable: '',
    LayeredDriver: 0,
  }),
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
};

const applyWindowsSettings: StepTypeSpec<'SMS_TaskSequence_ApplyWindowsSettingsAction'> = {
  type: 'SMS_TaskSequence_ApplyWindowsSettingsAction',
  label: 'Apply Windows Settings',
  defaultRunIn: 'WinPE',
  defaultSuccessCodes: [0],
  props: [
    { property: 'RegisteredUserName', variable: 'OSDRegisteredUserName', type: str(255) },
    { property: 'RegisteredOrgName', variable: 'OSDRegisteredOrgName', type: str(255), emitWhen: nonEmpty('RegisteredOrgName') },
    { property: 'ProductKey', variable: 'OSDProductKey', type: str(255), emitWhen: nonEmpty('ProductKey') },
    { property: 'ComputerName', variable: 'OSDComputerName', type: str(15), emitWhen: nonEmpty('ComputerName') },
    { property: 'RandomAdminPassword', variable: 'OSDRandomAdminPassword', type: bool },
    { property: 'AdminPassword', variable: 'OSDLocalAdminPassword', type: str(255), hidden: true, emitWhen: nonEmpty('AdminPassword') },
    { property: 'TimeZone', variable: 'OSDTimeZone', type: str(255), emitWhen: nonEmpty('TimeZone') },
  ],
  defaults: () => ({
    RegisteredUserName: 'User',
    RegisteredOrgName: '',
    ProductKey: '',
    ComputerName: '',
    RandomAdminPassword: true,
    AdminPassword: '',
    TimeZone: '',
  }),
  action: () => 'osdwinsettings.exe /config',
};

const applyNetworkSettings: StepTypeSpec<'SMS_TaskSequence_ApplyNetworkSettingsAction'> = {
  type: 'SMS_TaskSequence_ApplyNetworkSettingsAction',
  label: 'Apply Network Settings',
  defaultRunIn: 'WinPE',
  defaultSuccessCodes: [0],
  props: [
    { property: 'JoinType', variable: 'OSDJoinType', type: { kind: 'enum', values: ['Workgroup', 'Domain'] } },
    { property: 'WorkgroupName', variable: 'OSDWorkgroupName', type: str(15), emitWhen: nonEmpty('WorkgroupName') },
    { property: 'DomainName', variable: 'OSDDomainName', type: str(255), emitWhen: nonEmpty('DomainName') },
    { property: 'DomainOUName', variable: 'OSDDomainOUName', type: str(255), emitWhen: nonEmpty('DomainOUName') },
    { property: 'DomainUserName', variable: 'OSDJoinAccount', type: str(255), emitWhen: nonEmpty('DomainUserName') },
    { property: 'DomainPassword', variable: 'OSDJoinPassword', type: str(255), hidden: true, emitWhen: nonEmpty('DomainPassword') },
  ],
  defaults: () => ({
    JoinType: 'Workgroup',
    WorkgroupName: 'WORKGROUP',
    DomainName: '',
    DomainOUName: '',
    DomainUserName: '',
    DomainPassword: '',
  }),
  action: () => 'osdnetsettings.exe configure',
};

const setupWindowsAndSms: StepTypeSpec<'SMS_TaskSequence_SetupWindowsAndSMSAction'> = {
  type: 'SMS_TaskSequence_SetupWindowsAndSMSAction',
  label: 'Setup Windows and ConfigMgr',
  defaultRunIn: 'WinPE',
  defaultSuccessCodes: [0],
  props: [
    {
      property: 'InstallationProperties',
      variable: 'SMSClientInstallProperties',
      type: str(4000),
      emitWhen: nonEmpty('InstallationProperties'),
    },
  ],
  defaults: () => ({ ClientPackageID: '', InstallationProperties: '' }),
  action: (p) => `OSDSetupWindows.exe /client:${p.ClientPackageID}`,
  fromAction(action, props) {
    const m = /\/client:(\S*)/i.exec(action);
    if (m) props.ClientPackageID = m[1]!;
  },
};

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

export function stepTypeSpec(type: string): StepTypeSpec | undefined {
  return Object.hasOwn(STEP_TYPES, type) ? (STEP_TYPES[type as KnownStepType] as StepTypeSpec) : undefined;
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
