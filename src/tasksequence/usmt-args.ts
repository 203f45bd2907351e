// The ScanState / LoadState command lines Capture and Restore User State build from the step's
// properties and the task sequence variables (user-state-steps.md §2.1 and §3), as pure
// functions. Variables win over the step's own properties because the engine injects the
// properties as variables before the step runs and a value the administrator set earlier stays.
//
// Host adaptation: on Linux the Windows installation is always the volume under `--root`, so
// both tools also get `/offlinewindir:<root>/Windows` (Ferry's LoadState takes it as the target).
import type { KnownStep } from './model.ts';
import { splitArguments } from './command-line.ts';

/** Read access to task sequence variables (OSDMigrateAdditionalCaptureOptions and the like). */
export interface VariableReader {
  get(name: string): string | undefined;
}

/** A USMT package as a step sees it. */
export interface UsmtPackage {
  id: string;
  /** Host folder holding the package's XML files (for the built-in package: the bundled defaults, when installed). */
  dir?: string;
  /** Declared USMT version, e.g. `10.0`; hard links, off-line and VSS need 4.0 or later. */
  usmtVersion: string;
  /** Migration XML file names the package holds. */
  files: string[];
  builtin: boolean;
}

/** How Capture User State writes the store: compressed, uncompressed, or hard links (a local store). */
export type StoreType = 'compressed' | 'uncompressed' | 'hardlink';

/** What the USMT command line of a Capture/Restore User State step is built from besides the step's properties. */
export interface UsmtArgContext {
  /** Host path of the store folder (StorePath). */
  storePath: string;
  /** Host path of the task sequence log folder (ScanState.log / LoadState.log go there). */
  logDir: string;
  /** Host path of the volume's Windows folder. */
  windowsDir?: string;
  /** Store key (state migration point grant); Capture encrypts, Restore decrypts with it. */
  key?: string;
  /** Restore: what the store on disk is (Restore finds out from the store itself). */
  store?: { type: StoreType; encrypted: boolean };
}

export const SIMPLE_MODE_FILES = ['MigUser.xml', 'MigApp.xml'];

const bool = (vars: VariableReader, name: string, fallback: boolean): boolean => {
  const v = vars.get(name);
  return v === undefined ? fallback : v.trim().toLowerCase() === 'true';
};

export function usmtVersionAtLeast(version: string, major: number): boolean {
  const n = Number.parseFloat(version);
  return Number.isNaN(n) ? true : n >= major;
}

/** The `/i:` files of a step: Simple mode = MigUser.xml + MigApp.xml; Advanced = its list. */
export function migrationFiles(mode: string, configFiles: string[], pkg: UsmtPackage): string[] {
  const names = mode.toLowerCase() === 'advanced' ? configFiles : SIMPLE_MODE_FILES;
  return names.map((name) => {
    const held = pkg.files.find((f) => f.toLowerCase() === name.toLowerCase()) ?? name;
    return pkg.dir ? `${pkg.dir.replace(/\/+$/, '')}/${held}` : held;
  });
}

function configFilesFrom(vars: VariableReader, fallback: string[]): string[] {
  const v = vars.get('OSDMigrateConfigFiles');
  return v === undefined
    ? fallback
    : v
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s !== '');
}

/** ScanState arguments for Capture User State. */
export function buildScanStateArgs(
  step: KnownStep<'SMS_TaskSequence_CaptureUserStateAction'>,
  vars: VariableReader,
  pkg: UsmtPackage,
  ctx: UsmtArgContext,
): string[] {
  const p = step.properties;
  const modern = usmtVersionAtLeast(pkg.usmtVersion, 4);
  const mode = vars.get('OSDMigrateMode') ?? p.Mode;
  const hardlinks = modern && bool(vars, '_OSDMigrateUseHardlinks', p.UseHardlinks);
  const offline = modern && bool(vars, '_OSDMigrateOfflineUserState', p.OfflineUserState);
  const vss = modern && !hardlinks && (vars.get('OSDMigrateFileAccess') ?? p.FileAccess).toLowerCase() === 'vss';
  const skipEfs = bool(vars, 'OSDMigrateSkipEncryptedFiles', p.SkipEncryptedFiles);
  const args = [ctx.storePath];
  for (const f of migrationFiles(mode, configFilesFrom(vars, p.ConfigFiles), pkg)) args.push(`/i:${f}`);
  args.push('/o');
  if (bool(vars, 'OSDMigrateEnableVerboseLogging', p.EnableVerboseLogging)) args.push('/v:5');
  if (hardlinks) args.push('/hardlink', '/nocompress');
  if (skipEfs) args.push('/efs:skip');
  else if (hardlinks) args.push('/efs:hardlink');
  if (vss) args.push('/vsc');
  if (ctx.key !== undefined && !hardlinks) args.push('/encrypt:AES_256', `/key:${ctx.key}`);
  if (bool(vars, 'OSDMigrateContinueOnLockedFiles', p.ContinueOnLockedFiles)) args.push('/c');
  args.push(`/l:${ctx.logDir}/ScanState.log`, `/progress:${ctx.logDir}/ScanStateProgress.log`);
  if (ctx.windowsDir !== undefined) args.push(`/offlinewindir:${ctx.windowsDir}`);
  else if (offline) args.push('/offlinewindir:C:\\Windows');
  args.push(...splitArguments(vars.get('OSDMigrateAdditionalCaptureOptions') ?? ''));
  return args;
}

/** LoadState arguments for Restore User State. */
export function buildLoadStateArgs(
  step: KnownStep<'SMS_TaskSequence_RestoreUserStateAction'>,
  vars: VariableReader,
  pkg: UsmtPackage,
  ctx: UsmtArgContext,
): string[] {
  const p = step.properties;
  const mode = vars.get('OSDMigrateMode') ?? p.Mode;
  const args = [ctx.storePath];
  for (const f of migrationFiles(mode, configFilesFrom(vars, p.ConfigFiles), pkg)) args.push(`/i:${f}`);
  if (bool(vars, 'OSDMigrateEnableVerboseLogging', p.EnableVerboseLogging)) args.push('/v:5');
  if (bool(vars, 'OSDMigrateContinueOnRestore', p.ContinueOnRestore)) args.push('/c');
  if (bool(vars, 'OSDMigrateLocalAccounts', p.LocalAccounts)) {
    const password = vars.get('OSDMigrateLocalAccountPassword') ?? p.LocalAccountPassword;
    args.push(password ? `/lac:${password}` : '/lac', '/lae');
  }
  const store = ctx.store ?? { type: 'compressed', encrypted: ctx.key !== undefined };
  if (store.type === 'hardlink') args.push('/hardlink', '/nocompress');
  else if (store.type === 'uncompressed') args.push('/nocompress');
  if (store.encrypted && ctx.key !== undefined) args.push('/decrypt:AES_256', `/key:${ctx.key}`);
  args.push(`/l:${ctx.logDir}/LoadState.log`, `/progress:${ctx.logDir}/LoadStateProgress.log`);
  if (ctx.windowsDir !== undefined) args.push(`/offlinewindir:${ctx.windowsDir}`);
  args.push(...splitArguments(vars.get('OSDMigrateAdditionalRestoreOptions') ?? ''));
  return args;
}

/** The command line as logged: secrets (`/key:`, `/lac:`) masked. */
export function displayUsmtArgs(tool: string, args: readonly string[]): string {
  return [tool, ...args.map((a) => a.replace(/^(\/(?:key|lac|keyfile)):.*$/i, '$1:********'))]
    .map((a) => (/\s/.test(a) ? `"${a}"` : a))
    .join(' ');
}
