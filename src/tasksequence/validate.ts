// Validation of a task sequence: errors refuse save and run, warnings are reported and never
// block (issue 5 "Validation"; user-state-steps.md rules). `ts show` and `ts convert` never
// validate; `ts validate` and `ts run` do.
import type { Code } from '../errors/index.ts';
import { isDriveRoot, isNetworkPath } from './computer.ts';
import {
  isStepOfType,
  isUnknownStep,
  walkSteps,
  type Condition,
  type Group,
  type KnownStep,
  type SequenceNode,
  type Step,
  type TaskSequence,
} from './model.ts';
import type { PackageResolver } from './ports.ts';
import { HARDWARE_ONLY_STEPS } from './platform-skip.ts';
import { propValueProblem, stepTypeSpec } from './step-types.ts';
import { usmtVersionAtLeast } from './usmt-args.ts';
import { checkVariableName } from './variables.ts';
import type { FerryError } from '../errors/index.ts';

/** One finding of `validateSequence`: an error (refuses save and run) or a warning (reported only). */
export interface ValidationIssue {
  severity: 'error' | 'warning';
  code: Code;
  message: string;
  /** Name of the step or group concerned. */
  step?: string;
  /** Index path of the step (`0.2`). */
  path?: string;
}

/** What `validateSequence` may check beyond the sequence itself, and for which purpose. */
export interface ValidateOptions {
  /** Resolves USMT package ids (config files held, USMT version); without it those checks are skipped. */
  packages?: PackageResolver;
  /** Variables the computer starts with (collection/device/deployment). */
  variables?: Record<string, string>;
  /**
   * `save` (default: save, convert, import) keeps a step type Ferry cannot run as a warning, so
   * real exports import; `run` (deploy, run) makes it an error.
   */
  purpose?: 'save' | 'run';
}

const get = (vars: Record<string, string> | undefined, name: string): string | undefined => {
  if (!vars) return undefined;
  const k = Object.keys(vars).find((x) => x.toLowerCase() === name.toLowerCase());
  return k === undefined ? undefined : vars[k];
};

/** True when the condition (an and-chain) requires `_SMSTSInWinPE` to be false. */
function requiresFullOs(c: Condition | undefined): boolean {
  if (!c) return false;
  if (c.kind === 'operator') return c.operator === 'and' && c.operands.some(requiresFullOs);
  return (
    c.kind === 'variable' &&
    c.variable.toLowerCase() === '_smstsinwinpe' &&
    c.operator === 'equals' &&
    (c.value ?? '').toLowerCase() === 'false'
  );
}

type Add = (severity: 'error' | 'warning', code: Code, message: string, node?: SequenceNode, path?: number[]) => void;
type StepEntry = { node: Step; path: number[]; parents: Group[] };
type StorePath = { value: string; node?: SequenceNode; path?: number[] };
/** What the whole sequence says about the state store, read by the per-step checks. */
type StoreFacts = { hasRequest: boolean; networkStore: boolean };

/**
 * Check a task sequence against the step catalog and limits: the errors and warnings found, in
 * sequence order. Errors refuse save and run; warnings never block.
 *
 * @example
 * const issues = validateSequence(seq, { purpose: 'run', packages: localPackages(dir) });
 * if (hasErrors(issues)) for (const i of issues) console.error(i.code, i.step, i.message);
 */
export function validateSequence(seq: TaskSequence, options: ValidateOptions = {}): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const add: Add = (severity, code, message, node, path) =>
    issues.push({ severity, code, message, ...(node ? { step: node.name } : {}), ...(path ? { path: path.join('.') } : {}) });

  const all = [...walkSteps(seq.children)];
  const steps = all.filter((e): e is typeof e & { node: Step } => e.node.kind === 'step');
  const enabled = steps.filter((e) => !e.node.disabled && !e.parents.some((g: Group) => g.disabled));

  const startPath = get(options.variables, 'OSDStateStorePath');
  const storePaths = literalStorePaths(enabled, startPath);
  checkStorePathRoots(storePaths, add);
  const store: StoreFacts = {
    hasRequest: enabled.some((e) => isStepOfType(e.node, 'SMS_TaskSequence_RequestStateStoreAction')),
    networkStore: storePaths.some((sp) => isNetworkPath(sp.value)),
  };
  for (const e of steps) checkStep(e, store, options, add);
  checkStorePathBeforeUse(enabled, startPath, add);
  checkRestoreLocalAccounts(enabled, add);
  checkStateStoreRelease(enabled, add);
  return issues;
}

/** Literal OSDStateStorePath values: from the starting variables and Set Task Sequence Variable steps. */
function literalStorePaths(enabled: StepEntry[], startPath: string | undefined): StorePath[] {
  const storePaths: StorePath[] = [];
  if (startPath !== undefined) storePaths.push({ value: startPath });
  for (const e of enabled) {
    if (
      isStepOfType(e.node, 'SMS_TaskSequence_SetVariableAction') &&
      e.node.properties.VariableName.toLowerCase() === 'osdstatestorepath'
    ) {
      storePaths.push({ value: e.node.properties.VariableValue, node: e.node, path: e.path });
    }
  }
  return storePaths;
}

function checkStorePathRoots(storePaths: StorePath[], add: Add): void {
  for (const sp of storePaths) {
    if (!sp.value.includes('%') && !isNetworkPath(sp.value) && isDriveRoot(sp.value)) {
      add(
        'error',
        'FERRY_E_TS_STORE_PATH_ROOT',
        `OSDStateStorePath "${sp.value}" is a drive root; a local state store must be a folder or subfolder (e.g. C:\\UserState).`,
        sp.node,
        sp.path,
      );
    }
  }
}

/** The checks of one step, enabled or not, in the order its issues are reported. */
function checkStep(e: StepEntry, store: StoreFacts, options: ValidateOptions, add: Add): void {
  const n = e.node;
  if (isUnknownStep(n)) {
    checkUnknownStep(n, e, options, add);
    return;
  }
  if (!checkStepShape(n, e.path, add)) return;
  if (n.name.length === 0 || n.name.length > 100)
    add('error', 'FERRY_E_TS_PROPERTY_INVALID', `The step name must be 1–100 characters (it is ${n.name.length}).`, n, e.path);
  if (n.description.length > 255) add('error', 'FERRY_E_TS_PROPERTY_INVALID', 'The description is longer than 255 characters.', n, e.path);
  checkCapture(n, e, store, add);
  if (isStepOfType(n, 'SMS_TaskSequence_ApplyOperatingSystemAction') && !n.properties.ImagePackageID) {
    add(
      'error',
      'FERRY_E_TS_PROPERTY_INVALID',
      'Apply Operating System Image needs an operating system image package (/image: in its command line).',
      n,
      e.path,
    );
  }
  if (isStepOfType(n, 'SMS_TaskSequence_RestoreUserStateAction') && !n.properties.UsmtRestorePackageID) {
    add('error', 'FERRY_E_TS_PROPERTY_INVALID', 'Restore User State needs a USMT package (UsmtRestorePackageID).', n, e.path);
  }
  checkUsmtPackage(n, e.path, options.packages, add);
  checkVariableSteps(n, e.path, add);
}

/** A step type Ferry does not know: a warning on save, an error when it would run. */
function checkUnknownStep(n: Step, e: StepEntry, options: ValidateOptions, add: Add): void {
  // Hardware-only steps are not unknown: they are skipped for this platform when reached.
  if (HARDWARE_ONLY_STEPS[n.type] !== undefined) return;
  const off = n.disabled || e.parents.some((g: Group) => g.disabled);
  if (options.purpose === 'run' && !off)
    add(
      'error',
      'FERRY_E_TS_STEP_UNSUPPORTED',
      `Step type ${n.type || '(none)'} cannot run in Ferry; disable or remove the step before deploying or running the sequence.`,
      n,
      e.path,
    );
  else
    add(
      'warning',
      'FERRY_W_TS_UNKNOWN_STEP_TYPE',
      `Step type ${n.type || '(none)'} is not known to Ferry; it is kept for export and fails if it runs.`,
      n,
      e.path,
    );
}

/**
 * The checks after this one read typed properties: a document whose properties are missing or of
 * the wrong type gets an error per property instead (and not a TypeError from deep inside).
 * False when the properties do not have their catalog shape.
 */
function checkStepShape(n: KnownStep, path: number[], add: Add): boolean {
  for (const bad of n.invalid ?? []) {
    add('error', 'FERRY_E_TS_PROPERTY_INVALID', `${bad.property} = "${bad.value}": ${bad.reason}.`, n, path);
  }
  const props = (n.properties ?? {}) as Record<string, unknown>;
  const shape = stepTypeSpec(n.type)!
    .props.map((p) => [p.property, propValueProblem(p, props[p.property])] as const)
    .filter(([, why]) => why !== null);
  for (const [property, why] of shape) add('error', 'FERRY_E_TS_PROPERTY_INVALID', `${property} ${why}.`, n, path);
  return shape.length === 0;
}

/** Capture User State: its package, hard links only to a local store, off-line only in Windows PE. */
function checkCapture(n: KnownStep, e: StepEntry, store: StoreFacts, add: Add): void {
  if (!isStepOfType(n, 'SMS_TaskSequence_CaptureUserStateAction')) return;
  const runIn = n.runIn ?? stepTypeSpec(n.type)!.defaultRunIn;
  const p = n.properties;
  if (!p.UsmtPackageID) add('error', 'FERRY_E_TS_PROPERTY_INVALID', 'Capture User State needs a USMT package (UsmtPackageID).', n, e.path);
  if (p.UseHardlinks && (store.hasRequest || store.networkStore)) {
    add(
      'error',
      'FERRY_E_TS_HARDLINK_NETWORK_STORE',
      'Capture User State uses hard links, but the store is on a state migration point or ' +
        'a network share; hard links need a local store on the same computer.',
      n,
      e.path,
    );
  }
  if (
    p.OfflineUserState &&
    (runIn === 'FullOS' || requiresFullOs(n.condition) || e.parents.some((g: Group) => requiresFullOs(g.condition)))
  ) {
    add(
      'error',
      'FERRY_E_TS_OFFLINE_OUTSIDE_WINPE',
      'Capture in off-line mode runs only in Windows PE, but this step runs only in the full operating system.',
      n,
      e.path,
    );
  }
}

/** Capture/Restore against their USMT package (when a resolver is given): config files held, USMT version. */
function checkUsmtPackage(n: KnownStep, path: number[], packages: PackageResolver | undefined, add: Add): void {
  if (!isStepOfType(n, 'SMS_TaskSequence_CaptureUserStateAction') && !isStepOfType(n, 'SMS_TaskSequence_RestoreUserStateAction')) return;
  const p = n.properties;
  const id = 'UsmtPackageID' in p ? p.UsmtPackageID : p.UsmtRestorePackageID;
  const pkg = id && packages ? packages.usmt(id) : undefined;
  if (!pkg) return;
  if (p.Mode === 'Advanced') {
    for (const f of p.ConfigFiles) {
      if (!pkg.files.some((h) => h.toLowerCase() === f.toLowerCase())) {
        add(
          'error',
          'FERRY_E_TS_CONFIG_FILE_NOT_IN_PACKAGE',
          `Configuration file ${f} is not in USMT package ${id} (it ` +
            `holds ${pkg.files.join(', ') || 'no XML files'}); USMT would fail with 28.`,
          n,
          path,
        );
      }
    }
  }
  if (!usmtVersionAtLeast(pkg.usmtVersion, 4) && isStepOfType(n, 'SMS_TaskSequence_CaptureUserStateAction')) {
    const q = n.properties;
    const set = [q.UseHardlinks && 'hard links', q.OfflineUserState && 'off-line capture', q.FileAccess === 'VSS' && 'VSS'].filter(Boolean);
    if (set.length > 0)
      add(
        'warning',
        'FERRY_W_TS_SETTING_IGNORED_OLD_USMT',
        `${set.join(', ')} need USMT 4.0 or later; package ${id} is USMT ${pkg.usmtVersion}, so they are ignored.`,
        n,
        path,
      );
  }
}

/** Run Command Line (its command and output variable) and Set Task Sequence Variable (the name). */
function checkVariableSteps(n: KnownStep, path: number[], add: Add): void {
  if (isStepOfType(n, 'SMS_TaskSequence_RunCommandLineAction')) {
    if (n.properties.CommandLine.trim() === '')
      add('error', 'FERRY_E_TS_PROPERTY_INVALID', 'Run Command Line needs a command line.', n, path);
    const out = n.properties.OutputVariableName;
    if (out !== '') {
      try {
        checkVariableName(out);
      } catch (err) {
        add('error', 'FERRY_E_TS_VARIABLE_INVALID', `Output to task sequence variable: ${(err as FerryError).message}`, n, path);
      }
    }
  }
  if (isStepOfType(n, 'SMS_TaskSequence_SetVariableAction')) {
    try {
      checkVariableName(n.properties.VariableName);
    } catch (err) {
      add('error', 'FERRY_E_TS_VARIABLE_INVALID', (err as FerryError).message, n, path);
    }
  }
}

/**
 * Capture/Restore need OSDStateStorePath: a Request State Store or a step that sets it, before
 * them. A mistyped property was reported by the step checks; here it reads as empty.
 */
function checkStorePathBeforeUse(enabled: StepEntry[], startPath: string | undefined, add: Add): void {
  const text = (v: unknown): string => (typeof v === 'string' ? v : '');
  let storeKnown = startPath !== undefined && startPath.trim() !== '';
  for (const e of enabled) {
    const n = e.node;
    if (isStepOfType(n, 'SMS_TaskSequence_RequestStateStoreAction')) storeKnown = true;
    else if (
      isStepOfType(n, 'SMS_TaskSequence_SetVariableAction') &&
      text(n.properties.VariableName).toLowerCase() === 'osdstatestorepath' &&
      text(n.properties.VariableValue).trim() !== ''
    )
      storeKnown = true;
    else if (
      isStepOfType(n, 'SMS_TaskSequence_RunCommandLineAction') &&
      text(n.properties.OutputVariableName).toLowerCase() === 'osdstatestorepath'
    )
      storeKnown = true;
    else if (
      (isStepOfType(n, 'SMS_TaskSequence_CaptureUserStateAction') || isStepOfType(n, 'SMS_TaskSequence_RestoreUserStateAction')) &&
      !storeKnown
    ) {
      const what = isStepOfType(n, 'SMS_TaskSequence_CaptureUserStateAction') ? 'capture into' : 'restore from';
      add(
        'error',
        'FERRY_E_TS_STORE_PATH_MISSING',
        `Nothing before this step says where to ${what}: add Request State Store before it (state migration point), or a Set ` +
          `Task Sequence Variable step that sets OSDStateStorePath to a local folder (e.g. %_SMSTSUserStatePath%).`,
        n,
        e.path,
      );
    }
  }
}

/** Capture-all with a restore that does not restore local accounts. */
function checkRestoreLocalAccounts(enabled: StepEntry[], add: Add): void {
  const captureAll = enabled.find(
    (e) => isStepOfType(e.node, 'SMS_TaskSequence_CaptureUserStateAction') && e.node.properties.Mode === 'Simple',
  );
  if (!captureAll) return;
  for (const e of enabled) {
    if (isStepOfType(e.node, 'SMS_TaskSequence_RestoreUserStateAction') && !e.node.properties.LocalAccounts) {
      add(
        'warning',
        'FERRY_W_TS_RESTORE_WITHOUT_LOCAL_ACCOUNTS',
        `"${captureAll.node.name}" captures all user profiles but this step does not restore local ` +
          `computer user profiles; it fails if the store holds local accounts (USMT 14).`,
        e.node,
        e.path,
      );
    }
  }
}

/** Release State Store: the step before it must succeed; every Request needs a Release after it. */
function checkStateStoreRelease(enabled: StepEntry[], add: Add): void {
  for (let i = 0; i < enabled.length; i++) {
    const e = enabled[i]!;
    if (isStepOfType(e.node, 'SMS_TaskSequence_ReleaseStateStoreAction') && i > 0 && enabled[i - 1]!.node.continueOnError) {
      const prev = enabled[i - 1]!.node;
      add(
        'warning',
        'FERRY_W_TS_CONTINUE_BEFORE_RELEASE',
        `"${prev.name}" runs right before Release State Store with "Continue on error"; if it ` +
          `fails, Release State Store refuses to run and the store stays reserved.`,
        e.node,
        e.path,
      );
    }
    if (
      isStepOfType(e.node, 'SMS_TaskSequence_RequestStateStoreAction') &&
      !enabled.slice(i + 1).some((x) => isStepOfType(x.node, 'SMS_TaskSequence_ReleaseStateStoreAction'))
    ) {
      add(
        'warning',
        'FERRY_W_TS_REQUEST_WITHOUT_RELEASE',
        'Request State Store has no Release State Store after it; the store stays reserved on the state migration point.',
        e.node,
        e.path,
      );
    }
  }
}

/** True when any issue is an error, i.e. the sequence may not be saved or run. */
export const hasErrors = (issues: ValidationIssue[]): boolean => issues.some((i) => i.severity === 'error');
