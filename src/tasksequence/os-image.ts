// Apply Operating System Image, Setup Windows and ConfigMgr (the restart boundary into the new
// OS), and the refresh wipe. As Microsoft's "Task sequence steps" page documents the step: it
// deletes all content on the target volume except the folder named by `_SMSTSUserStatePath`
// (where the local state store lives; a hard-link store keeps its links), extracts the image
// with wimlib, prepares the answer file (a generated one merged with the one the step names)
// and sets `OSDTargetSystemDrive`. Ferry also keeps its own working folder and a local store
// that OSDStateStorePath names on the volume. Every check happens before anything is deleted.
import { spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { FerryError } from '../errors/index.ts';
import type { EventStream } from '../events/index.ts';
import { isDriveRoot, toHostPath, type TaskSequenceComputer } from './computer.ts';
import type { KnownStep } from './model.ts';
import type { ImageSource, PackageResolver } from './ports.ts';
import type { EngineState } from './state.ts';
import { mergeUnattend, UNATTEND_PATH, unattendArchitecture } from './unattend.ts';
import { isLocalStorePath, type UserStateResult } from './user-state.ts';
import type { TsEnvironment } from './variables.ts';
import { wimApply, wimImage } from './wimlib.ts';

/** `_SMSTSUserStatePath` when the engine did not set it (ConfigMgr's folder in its working folder). */
export const DEFAULT_USER_STATE_PATH = 'C:\\_SMSTaskSequence\\UserState';
/** The task sequence working folder (`_SMSTSMDataPath`). */
export const DEFAULT_WORKING_FOLDER = 'C:\\_SMSTaskSequence';

export interface OsImageContext {
  env: TsEnvironment;
  computer: TaskSequenceComputer;
  packages: PackageResolver;
  /** Fetches an image package's WIM (the agent: from the site); else the package resolver's path. */
  images?: ImageSource;
  state: EngineState;
  stateDir: string;
  logDir: string;
  events: EventStream;
  log: (type: 1 | 2 | 3, component: string, message: string) => void;
  /** Steps that failed earlier in this run (continue on error let the sequence go on). */
  failedSteps?: () => { name: string; type: string }[];
}

const C = 'ApplyOperatingSystem';
const fail = (error: FerryError): UserStateResult => ({ exitCode: 1, error });

export async function applyOperatingSystem(
  step: KnownStep<'SMS_TaskSequence_ApplyOperatingSystemAction'>,
  ctx: OsImageContext,
): Promise<UserStateResult> {
  const p = step.properties;
  try {
    // 1. Everything that can be wrong is found before the wipe.
    if (!p.ImagePackageID)
      throw new FerryError(
        'FERRY_E_TS_PROPERTY_INVALID',
        `"${step.name}" names no operating system image package; select one in the step's properties.`,
      );
    const wim = await resolveImage(p.ImagePackageID, ctx);
    const index = Number(ctx.env.get('OSDImageIndex') ?? p.ImageIndex);
    const image = await wimImage(wim, index);
    const drive = targetDrive(step, ctx.env);
    const answer = suppliedAnswerFile(step, ctx);
    const root = checkedRoot(ctx.computer.root);
    refuseAfterFailedCapture(ctx);
    ctx.log(1, C, `Applying image ${index} ("${image.name}"${image.edition ? `, ${image.edition}` : ''}) of ${wim} to ${drive} (${root}).`);

    // 2. The wipe.
    const keep = keptPaths(ctx, root);
    const removed = wipeVolume(root, keep);
    ctx.log(
      1,
      C,
      `Deleted ${removed.length} item(s) from ${drive}\\ and kept ${keep.map((k) => windowsPath(root, k)).join(', ') || 'nothing'}.`,
    );
    for (const r of removed.slice(0, 200)) ctx.log(1, C, `Deleted ${windowsPath(root, r)}`);
    if (removed.length > 200) ctx.log(1, C, `… and ${removed.length - 200} more.`);

    // 3. The image.
    const device = ctx.state.computer.device;
    if (device) await applyToNtfsDevice(wim, index, device, root, ctx);
    else await wimApply(wim, index, root, (line) => ctx.log(1, C, `wimapply: ${line}`));

    // 4. The answer file, where Windows setup looks for it.
    const unattend = toHostPath(root, UNATTEND_PATH)!;
    mkdirSync(join(unattend, '..'), { recursive: true });
    writeFileSync(unattend, mergeUnattend(answer?.text, unattendArchitecture(image.architecture)));
    ctx.log(1, C, `Wrote the answer file ${UNATTEND_PATH}${answer ? ` (merged with ${answer.name})` : ''}.`);
    ctx.log(1, C, `The operating system image was applied; OSDTargetSystemDrive=${drive}.`);
    return { exitCode: 0, outputs: { OSDTargetSystemDrive: drive } };
  } catch (err) {
    return fail(
      err instanceof FerryError
        ? err
        : new FerryError('FERRY_E_OSIMAGE_APPLY_FAILED', `Apply Operating System Image failed: ${(err as Error).message}`, { cause: err }),
    );
  }
}

async function resolveImage(id: string, ctx: OsImageContext): Promise<string> {
  const path = ctx.images ? await ctx.images(id, ctx.events) : ctx.packages.image(id);
  if (path === undefined) {
    throw new FerryError(
      'FERRY_E_OSIMAGE_NOT_FOUND',
      `Operating system image package ${id} is not available on this computer; map it ` +
        `with --package ${id}=/path/install.wim or register it in the site.`,
      { details: { id } },
    );
  }
  return path;
}

/**
 * User data first: when Capture User State failed earlier in this sequence (continue on error
 * let it go on), the volume is not wiped — its profiles are the only copy of the user state.
 */
function refuseAfterFailedCapture(ctx: OsImageContext): void {
  if ((ctx.env.get('OSDApplyAfterFailedCapture') ?? '').toLowerCase() === 'true') return;
  const failed = ctx.failedSteps?.().find((s) => s.type === 'SMS_TaskSequence_CaptureUserStateAction');
  if (failed) {
    throw new FerryError(
      'FERRY_E_OSIMAGE_CAPTURE_FAILED',
      `Capture User State ("${failed.name}") failed earlier in this sequence, so the volume still holds ` +
        `the only copy of the user state; nothing was deleted. Fix the capture (see ScanState.log) and run ` +
        `the sequence again, or set OSDApplyAfterFailedCapture=true to wipe anyway.`,
      {
        details: { step: failed.name },
      },
    );
  }
}

/** The drive the step targets; only the task sequence's own volume (C:) may be wiped. */
function targetDrive(step: KnownStep<'SMS_TaskSequence_ApplyOperatingSystemAction'>, env: TsEnvironment): string {
  const p = step.properties;
  let letter: string | undefined;
  let what: string;
  switch (p.Destination) {
    case 'DiskAndPartition':
      what = `disk ${p.DestinationDisk}, partition ${p.DestinationPartition}`;
      if (p.DestinationDisk === 0 && p.DestinationPartition === 1) letter = 'C:';
      break;
    case 'LogicalDrive':
      what = `drive ${p.DestinationLogicalDrive}`;
      letter = p.DestinationLogicalDrive;
      break;
    case 'Variable':
      what = `the drive in variable ${p.DestinationVariable}`;
      letter = env.get(p.DestinationVariable);
      if (letter === undefined)
        throw new FerryError(
          'FERRY_E_OSIMAGE_TARGET_REFUSED',
          `"${step.name}": variable ${p.DestinationVariable} that should name the destination drive is not set.`,
        );
      break;
    default:
      what = 'the next available partition';
      letter = 'C:';
  }
  const norm = /^\s*([A-Za-z]):?\\?\s*$/.exec(letter ?? '')?.[1]?.toUpperCase();
  if (norm !== 'C') {
    throw new FerryError(
      'FERRY_E_OSIMAGE_TARGET_REFUSED',
      `"${step.name}" targets ${what}, which is not this task sequence's volume (C:, the volume under ` +
        `--root); nothing was deleted. Target the next available partition, disk 0 partition 1, or C:.`,
      {
        details: { destination: p.Destination },
      },
    );
  }
  return 'C:';
}

/** The volume root; the host's own root or home folder is never a volume to wipe. */
function checkedRoot(root: string): string {
  const r = resolve(root);
  if (r === sep || r === resolve(process.env.HOME ?? sep) || !existsSync(r) || !statSync(r).isDirectory()) {
    throw new FerryError(
      'FERRY_E_OSIMAGE_TARGET_REFUSED',
      `The volume root ${r} is not a Windows volume Ferry may wipe; give --root the mounted volume. Nothing was deleted.`,
      { details: { root: r } },
    );
  }
  return r;
}

function suppliedAnswerFile(
  step: KnownStep<'SMS_TaskSequence_ApplyOperatingSystemAction'>,
  ctx: OsImageContext,
): { name: string; text: string } | undefined {
  const pkg = step.properties.ConfigFilePackage;
  if (!pkg) return undefined;
  const name = ctx.env.get('OSDConfigFileName') ?? step.properties.ConfigFileName;
  const dir = ctx.packages.folder(pkg);
  const file = dir && name ? join(dir, name) : undefined;
  if (!file || !existsSync(file)) {
    throw new FerryError(
      'FERRY_E_OSIMAGE_ANSWER_FILE_MISSING',
      `The answer file ${name || '(no name)'} of package ${pkg} is not ` +
        `available${dir ? ` in ${dir}` : ''}; set OSDConfigFileName to a file of that ` +
        `package.`,
      { details: { pkg, name } },
    );
  }
  return { name, text: readFileSync(file, 'utf8') };
}

function isInside(path: string, dir: string): boolean {
  const rel = relative(dir, path);
  return rel === '' || (!rel.startsWith('..') && !rel.startsWith(sep) && rel !== '..');
}

function windowsPath(root: string, host: string): string {
  const rel = relative(root, host);
  return rel.startsWith('..') ? host : `C:\\${rel.split(sep).join('\\')}`;
}

/** What the wipe keeps: `_SMSTSUserStatePath`, the working folder, a local store, the state and log folders. */
function keptPaths(ctx: OsImageContext, root: string): string[] {
  const out = new Set<string>();
  const add = (winOrHost: string | undefined) => {
    if (!winOrHost || isDriveRoot(winOrHost)) return;
    const host = toHostPath(root, winOrHost);
    if (host !== null && isInside(resolve(host), root) && resolve(host) !== root) out.add(resolve(host));
  };
  add(ctx.env.get('_SMSTSUserStatePath') ?? DEFAULT_USER_STATE_PATH);
  add(ctx.env.get('_SMSTSMDataPath') ?? DEFAULT_WORKING_FOLDER);
  const store = ctx.env.get('OSDStateStorePath');
  if (isLocalStorePath(store)) add(store);
  add(ctx.stateDir);
  add(ctx.logDir);
  return [...out].sort();
}

/** Delete everything under `root` except the `keep` paths (and the folders leading to them). */
export function wipeVolume(root: string, keep: string[]): string[] {
  const removed: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (keep.includes(path)) continue;
      const st = lstatSync(path);
      if (st.isDirectory() && keep.some((k) => isInside(k, path))) {
        walk(path);
        continue;
      }
      rmSync(path, { recursive: true, force: true });
      removed.push(path);
    }
  };
  walk(root);
  return removed;
}

/** NTFS mode: wimlib writes the volume itself, so the mount is taken away while it runs. */
async function applyToNtfsDevice(wim: string, index: number, device: string, root: string, ctx: OsImageContext): Promise<void> {
  // Nothing may be written to the volume while it is unmounted: wimlib's lines wait.
  const lines: string[] = [];
  unmount(root);
  const applied = await wimApply(wim, index, device, (line) => lines.push(line)).then(
    () => undefined,
    (err: unknown) => err,
  );
  const m = spawnSync('ntfs-3g', [device, root], { encoding: 'utf8' });
  if (m.status !== 0) {
    throw new FerryError(
      'FERRY_E_OSIMAGE_APPLY_FAILED',
      `The NTFS volume ${device} could not be mounted again on ${root}: ${(m.stderr || m.error?.message || '').trim()}`,
      { details: { device, root } },
    );
  }
  for (const l of lines) ctx.log(1, C, `wimapply: ${l}`);
  if (applied !== undefined) throw applied;
  ctx.log(1, C, `Applied in wimlib's NTFS mode to ${device} and mounted it again on ${root}.`);
}

function unmount(root: string): void {
  for (const [cmd, args] of [
    ['umount', [root]],
    ['fusermount', ['-u', root]],
  ] as const) {
    const r = spawnSync(cmd, [...args], { encoding: 'utf8' });
    if (r.status === 0) return;
  }
  throw new FerryError(
    'FERRY_E_OSIMAGE_APPLY_FAILED',
    `The NTFS volume mounted on ${root} could not be unmounted for wimlib's NTFS mode ` +
      `(is a file on it open?); the volume was wiped but no image was applied.`,
    { details: { root } },
  );
}

/** Setup Windows and ConfigMgr: the image must be there; the computer restarts into it. */
export function setupWindows(
  step: KnownStep<'SMS_TaskSequence_SetupWindowsAndSMSAction'>,
  ctx: OsImageContext,
): UserStateResult & { restart?: 'HD' } {
  const windows = toHostPath(ctx.computer.root, 'C:\\Windows\\System32');
  if (windows === null || !existsSync(windows)) {
    return fail(
      new FerryError(
        'FERRY_E_OSIMAGE_NOT_APPLIED',
        `"${step.name}": there is no Windows installation on C: (no ` +
          `C:\\Windows\\System32); run Apply Operating System Image before this step.`,
      ),
    );
  }
  const unattend = toHostPath(ctx.computer.root, UNATTEND_PATH);
  ctx.log(
    1,
    'OSDSetupWindows',
    `Windows setup will ` +
      `use ${unattend && existsSync(unattend) ? UNATTEND_PATH : 'no answer file'}; the ` +
      `Configuration Manager ` +
      `client${step.properties.ClientPackageID ? ` (package ${step.properties.ClientPackageID})` : ''} ` +
      `is not installed on this platform.`,
  );
  ctx.log(1, 'OSDSetupWindows', 'Restarting into the new operating system; the task sequence continues there (_SMSTSInWinPE=false).');
  return { exitCode: 0, restart: 'HD' };
}
