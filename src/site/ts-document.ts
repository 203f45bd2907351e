// The task sequence document the site stores as JSON and the console edits: new groups and
// sequences, the wizard template, the condition types of Options › Add Condition, the checks the
// editor shows before save (the site runs the same on save), and walking the tree. The step types
// themselves (labels, limits, defaults) are the domain's one catalog, `STEP_TYPES` in
// src/tasksequence/step-types.ts; `STEP_CATALOG` is its editor view. Pure data and functions,
// nothing HTTP: the console receives the catalogs over REST (src/server/site/routes-catalog.ts).

import {
  editorStepTypes,
  newStep,
  type Condition,
  type ConditionExpression,
  type FieldSpec,
  type Group,
  type PropertyValue,
  type RunIn,
  type SequenceNode,
  type Step,
  type StepSpec,
  type TaskSequence,
} from '../tasksequence/index.ts';

export type { Condition, ConditionExpression, FieldSpec, Group, PropertyValue, RunIn, SequenceNode, Step, StepSpec, TaskSequence };
export { newStep };

/** The editor's view of the step catalog, in Add menu order. */
export const STEP_CATALOG: readonly StepSpec[] = editorStepTypes();

export function stepSpec(type: string): StepSpec | undefined {
  return STEP_CATALOG.find((s) => s.type === type);
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
    ? `<condition><expression type="SMS_TaskSequence_VariableConditionExpression"><variable ` +
      `name="Operator">${condition.operator}</variable><variable ` +
      `name="Value">${condition.value}</variable><variable ` +
      `name="Variable">${condition.variable}</variable></expression></condition>`
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
    raw:
      `<step type="${type}" name="${name}" description="" disable="false" continueOnError="false" runIn="${runIn}" ` +
      `successCodeList="0" retryCount="0" runFromNet="false">${cond}<action>${action}</action></step>`,
  } as Step;
}

/**
 * The "Install an existing image package" template: Capture Files and Settings (Request →
 * Capture → Release, or with hard links Set Local State Location → Capture), and with an image
 * package Install Operating System and Setup Operating System (`installGroups`), then Restore
 * User Files and Settings (Request restore → Restore → Release, or Restore alone from the local
 * store).
 * Capture (with a state migration point) and Restore continue on error so that Release still
 * runs; Apply Operating System Image refuses to wipe after a failed capture anyway.
 */
export function imagePackageTemplate(usmtPackageId: string, options: TemplateOptions = {}): TaskSequence {
  const hardLinks = options.hardLinks === true;
  const captureGroup = newGroup('Capture Files and Settings', captureSteps(usmtPackageId, hardLinks));
  const restoreGroup = newGroup('Restore User Files and Settings', restoreSteps(usmtPackageId, hardLinks));
  if (!options.imagePackageId) return newSequence([captureGroup, restoreGroup]);
  return newSequence([captureGroup, ...installGroups(options.imagePackageId, options.imageIndex ?? 1), restoreGroup]);
}

function captureSteps(usmtPackageId: string, hardLinks: boolean): SequenceNode[] {
  const capture = newStep('SMS_TaskSequence_CaptureUserStateAction', {
    UsmtPackageID: usmtPackageId,
    ...(hardLinks ? { UseHardlinks: true } : {}),
  });
  // With a state migration point, Release must still run after a failed capture; a local store
  // has no Release, and a failed capture must stop the sequence before the volume is wiped.
  capture.continueOnError = !hardLinks;
  if (!hardLinks)
    return [
      newStep('SMS_TaskSequence_RequestStateStoreAction', { RequestType: 'capture' }),
      capture,
      newStep('SMS_TaskSequence_ReleaseStateStoreAction'),
    ];
  // Saved locally with links (a refresh): the store goes to the folder Apply Operating System
  // Image keeps (_SMSTSUserStatePath) and no state migration point is asked for.
  const localStore = Object.assign(
    newStep('SMS_TaskSequence_SetVariableAction', { VariableName: 'OSDStateStorePath', VariableValue: '%_SMSTSUserStatePath%' }),
    { name: 'Set Local State Location' },
  );
  return [localStore, capture];
}

function restoreSteps(usmtPackageId: string, hardLinks: boolean): SequenceNode[] {
  const restore = newStep('SMS_TaskSequence_RestoreUserStateAction', { UsmtRestorePackageID: usmtPackageId });
  restore.continueOnError = true;
  if (hardLinks) return [restore];
  return [
    newStep('SMS_TaskSequence_RequestStateStoreAction', { RequestType: 'restore' }),
    restore,
    newStep('SMS_TaskSequence_ReleaseStateStoreAction'),
  ];
}

/**
 * Install Operating System (Restart in Windows PE, Partition Disk 0 BIOS/UEFI, Apply Operating
 * System, Apply Windows Settings, Apply Network Settings, Apply Device Drivers) and Setup
 * Operating System (Setup Windows and ConfigMgr, Install Updates).
 */
function installGroups(imagePackageId: string, imageIndex: number): Group[] {
  const restartPE = Object.assign(newStep('SMS_TaskSequence_RebootAction', { Target: 'WinPE' }), { name: 'Restart in Windows PE' });
  const apply = Object.assign(
    newStep('SMS_TaskSequence_ApplyOperatingSystemAction', { ImagePackageID: imagePackageId, ImageIndex: imageIndex }),
    { name: 'Apply Operating System' },
  );
  const partition = (firmware: 'BIOS' | 'UEFI') =>
    verbatimStep('SMS_TaskSequence_PartitionDiskAction', `Partition Disk 0 - ${firmware}`, 'osddiskpart.exe', {
      variable: '_SMSTSBootUEFI',
      operator: firmware === 'UEFI' ? 'equals' : 'notEquals',
      value: 'true',
    });
  return [
    newGroup('Install Operating System', [
      restartPE,
      partition('BIOS'),
      partition('UEFI'),
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
  ];
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
  for (const f of spec.fields) if (fieldVisible(f, p)) validateField(f, p[f.property] ?? f.default, err, packageIds);
  validateStepRules(step, p, err);
  return out;
}

/** One visible Properties tab field against its kind and limits. */
function validateField(f: FieldSpec, v: PropertyValue, err: Report, packageIds?: ReadonlySet<string>): void {
  switch (f.kind) {
    case 'integer':
      if (typeof v !== 'number' || !Number.isInteger(v) || v < (f.min ?? -Infinity) || v > (f.max ?? Infinity))
        err(f.property, `${f.label} must be a whole number from ${f.min} to ${f.max}.`);
      return;
    case 'boolean':
      if (typeof v !== 'boolean') err(f.property, `${f.label} must be true or false.`);
      return;
    case 'choice':
      if (!f.choices!.some((c) => c.value === v))
        err(f.property, `${f.label} must be one of: ${f.choices!.map((c) => c.value).join(', ')}.`);
      return;
    case 'list':
      if (!Array.isArray(v)) err(f.property, `${f.label} must be a list of file names.`);
      return;
  }
  const picker = f.kind === 'package' || f.kind === 'image';
  if (typeof v !== 'string') err(f.property, `${f.label} must be text.`);
  else if (f.required && v.trim() === '')
    err(f.property, picker ? `Select the ${f.label.toLowerCase()}; the step cannot run without it.` : `${f.label} is required.`);
  else if (f.maxLength !== undefined && v.length > f.maxLength) err(f.property, `${f.label} can be at most ${f.maxLength} characters.`);
  else if (picker && v && packageIds && !packageIds.has(v)) err(f.property, `Package ${v} does not exist; select an existing package.`);
}

/** Rules that span properties or the step's options. */
function validateStepRules(step: Step, p: Record<string, PropertyValue>, err: Report): void {
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
