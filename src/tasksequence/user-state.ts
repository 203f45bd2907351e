// The four user-state steps (user-state-steps.md). Local mode needs no site: OSDStateStorePath
// names a local folder (a drive path in the volume, or a host path), Request/Release only check
// it, Capture runs ScanState into it and Restore runs LoadState from it. With a state migration
// point (an SmpPortFactory), Request reserves a store, Capture encrypts with the store's key
// and uploads, Restore downloads and decrypts, Release tells the SMP the outcome.
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { FerryError } from '../errors/index.ts';
import type { EventStream } from '../events/index.ts';
import { isDriveRoot, isNetworkPath, toHostPath, type TaskSequenceComputer } from './computer.ts';
import type { KnownStep } from './model.ts';
import type { PackageResolver, SmpPortFactory, UsmtRunner } from './ports.ts';
import type { EngineState } from './state.ts';
import { probeStore } from './store-probe.ts';
import { buildLoadStateArgs, buildScanStateArgs, displayUsmtArgs, type UsmtPackage } from './usmt-args.ts';
import type { TsEnvironment } from './variables.ts';

/** HRESULT E_FAIL: the return code of a step the engine itself fails (no process exit code). */
export const E_FAIL = -2147467259;

export interface UserStateContext {
  env: TsEnvironment;
  computer: TaskSequenceComputer;
  packages: PackageResolver;
  usmt: UsmtRunner;
  smp?: SmpPortFactory;
  state: EngineState;
  stateDir: string;
  logDir: string;
  events: EventStream;
  log: (type: 1 | 2 | 3, component: string, message: string) => void;
  /** Persist the state now (after an SMP grant, so a crash does not lose it). */
  save: () => void;
}

export interface UserStateResult {
  exitCode: number;
  /** Success despite a non-zero code (USMT 3 with continue-if-some-files-fail). */
  succeeded?: boolean;
  /** Variables the step leaves set after its own action variables are removed. */
  outputs?: Record<string, string>;
  error?: FerryError;
}

const fail = (err: FerryError, exitCode = E_FAIL): UserStateResult => ({ exitCode, error: err });

/** A thrown error as the step's failure: a FerryError as it is, anything else as FERRY_E_INTERNAL naming what failed. */
const failWith = (err: unknown, what: string): UserStateResult =>
  fail(err instanceof FerryError ? err : new FerryError('FERRY_E_INTERNAL', `${what} failed: ${(err as Error).message}`, { cause: err }));

/** The SMP client for transfers and Release: 3 retries 10 s apart, no fallback to the network access account. */
const transferClient = (factory: SmpPortFactory, events: EventStream) =>
  factory({ retryCount: 3, retryDelaySeconds: 10, fallbackToNaa: false, events });

/** A store path this computer can use without a state migration point. */
export function isLocalStorePath(path: string | undefined): path is string {
  return path !== undefined && path.trim() !== '' && !isNetworkPath(path) && !/^[a-z][a-z0-9+.-]*:\/\//i.test(path);
}

function int(env: TsEnvironment, name: string, fallback: number): number {
  const n = Number(env.get(name));
  return Number.isFinite(n) && n >= 0 ? n : fallback;
}

export async function requestStateStore(
  step: KnownStep<'SMS_TaskSequence_RequestStateStoreAction'>,
  ctx: UserStateContext,
): Promise<UserStateResult> {
  const p = step.properties;
  const requestType = (ctx.env.get('OSDStateRequestType') ?? p.RequestType).toLowerCase() === 'restore' ? 'restore' : 'capture';
  const storePath = ctx.env.get('OSDStateStorePath');
  if (isLocalStorePath(storePath)) {
    if (isDriveRoot(storePath))
      return fail(new FerryError('FERRY_E_TS_STORE_PATH_ROOT', `OSDStateStorePath ${storePath} is a drive root; use a subfolder.`));
    if (requestType === 'restore') {
      const host = toHostPath(ctx.computer.root, storePath);
      if (host === null || !(await probeStore(host))) {
        return fail(
          new FerryError(
            'FERRY_E_TS_STORE_NOT_FOUND',
            `Request State Store (restore): there is no migration store at ${storePath} on this computer. For a ` +
              `refresh, run Capture User State into it first on this same computer; for a replace (old computer → ` +
              `new computer), create a computer association (Assets and Compliance › User State Migration › Create ` +
              `Computer Association) and restore through the state migration point.`,
            { details: { storePath } },
          ),
        );
      }
    }
    ctx.log(
      1,
      'OSDSmpClient',
      `Local state store ${storePath} is used; no state migration point is needed for the ${requestType} request.`,
    );
    return { exitCode: 0 };
  }
  if (!ctx.smp) {
    return fail(
      new FerryError(
        'FERRY_E_TS_NO_STATE_MIGRATION_POINT',
        `Request State Store (${requestType}): no state migration point is configured and OSDStateStorePath names no ` +
          `local store. Run from a site with a state migration point, or set OSDStateStorePath to a local folder.`,
      ),
    );
  }
  const client = ctx.smp({
    retryCount: int(ctx.env, 'OSDStateSMPRetryCount', p.SMPRetryCount),
    retryDelaySeconds: int(ctx.env, 'OSDStateSMPRetryTime', p.SMPRetryTime),
    fallbackToNaa: (ctx.env.get('OSDStateFallbackToNAA') ?? String(p.FallbackToNAA)).toLowerCase() === 'true',
    events: ctx.events,
  });
  try {
    const grant = requestType === 'capture' ? await client.requestCapture() : await client.requestRestore();
    ctx.state.smp = {
      grant: { storeId: grant.storeId, kind: grant.kind, location: grant.location, key: grant.key },
      stagingDir: join(ctx.stateDir, 'smp', grant.storeId, grant.kind),
    };
    ctx.env.set('OSDStateStorePath', grant.location);
    ctx.save();
    ctx.log(1, 'OSDSmpClient', `State migration point granted the ${requestType} request: store ${grant.storeId} at ${grant.location}.`);
    return { exitCode: 0 };
  } catch (err) {
    return failWith(err, 'Request State Store');
  }
}

export async function releaseStateStore(ctx: UserStateContext): Promise<UserStateResult> {
  if (ctx.env.get('_SMSTSLastActionSucceeded') === 'false') {
    return fail(
      new FerryError(
        'FERRY_E_TS_RELEASE_AFTER_FAILED_STEP',
        `Release State Store refused: the step before it ` +
          `(${ctx.env.get('_SMSTSLastActionName') ?? 'unknown'}) failed ` +
          `with ${ctx.env.get('_SMSTSLastActionRetCode') ?? '?'}.`,
      ),
    );
  }
  const smp = ctx.state.smp;
  if (smp && ctx.smp) {
    const client = transferClient(ctx.smp, ctx.events);
    try {
      const report =
        smp.grant.kind === 'restore' ? { verified: smp.restoreSucceeded === true, manifestDigest: smp.manifestDigest ?? '' } : undefined;
      await client.release(smp.grant, report);
      ctx.log(1, 'OSDSmpClient', `Released ${smp.grant.kind} store ${smp.grant.storeId}.`);
      rmSync(smp.stagingDir, { recursive: true, force: true });
      delete ctx.state.smp;
      return { exitCode: 0 };
    } catch (err) {
      return failWith(err, 'Release State Store');
    }
  }
  if (isLocalStorePath(ctx.env.get('OSDStateStorePath'))) {
    ctx.log(1, 'OSDSmpClient', 'Local state store in use; there is nothing to release.');
    return { exitCode: 0 };
  }
  return fail(
    new FerryError(
      'FERRY_E_TS_NO_STATE_MIGRATION_POINT',
      'Release State Store: no state migration point is configured and no store was requested.',
    ),
  );
}

/** Where the USMT tool reads/writes the store on this host, and with which key. */
function storeLocation(ctx: UserStateContext, kind: 'capture' | 'restore'): { host: string; key?: string; smp: boolean } | FerryError {
  const storePath = ctx.env.get('OSDStateStorePath');
  if (storePath === undefined || storePath.trim() === '') {
    return new FerryError(
      'FERRY_E_TS_STORE_PATH_MISSING',
      'OSDStateStorePath is not set: add Request State Store before this step, or set OSDStateStorePath to a local folder.',
    );
  }
  const smp = ctx.state.smp;
  if (smp && smp.grant.location === storePath) {
    if (smp.grant.kind !== kind) {
      return new FerryError(
        'FERRY_E_TS_STORE_PATH_MISSING',
        `The state migration point store ${smp.grant.storeId} was requested for ${smp.grant.kind}, not ${kind}.`,
      );
    }
    return { host: smp.stagingDir, key: smp.grant.key, smp: true };
  }
  if (isDriveRoot(storePath))
    return new FerryError('FERRY_E_TS_STORE_PATH_ROOT', `OSDStateStorePath ${storePath} is a drive root; use a subfolder.`);
  const host = isLocalStorePath(storePath) ? toHostPath(ctx.computer.root, storePath) : null;
  if (host === null) {
    return new FerryError(
      'FERRY_E_TS_STORE_PATH_MISSING',
      `OSDStateStorePath ${storePath} names no location reachable from this computer; use a local folder or a state migration point.`,
    );
  }
  return { host, smp: false };
}

function usmtOutcome(tool: string, code: number, continueOption: boolean, ctx: UserStateContext, component: string): UserStateResult {
  if (code === 0) return { exitCode: 0 };
  if (code === 3 && continueOption) {
    ctx.log(2, component, `${tool} returned 3: some files could not be processed and were skipped (continue option on). See ${tool}.log.`);
    ctx.events.warn('FERRY_W_USMT_ERRORS_SKIPPED', `${tool} skipped at least one file (return code 3).`);
    return { exitCode: 3, succeeded: true };
  }
  return {
    exitCode: code,
    error: new FerryError('FERRY_E_TS_USMT_FAILED', `${tool} returned ${code}; see ${tool}.log in ${ctx.logDir}.`, {
      details: { tool, code },
    }),
  };
}

function usablePackage(pkg: UsmtPackage | undefined, id: string): UsmtPackage | FerryError {
  if (!pkg)
    return new FerryError('FERRY_E_TS_PACKAGE_NOT_FOUND', `USMT package ${id} is not available; map it with --package ${id}=DIR.`, {
      details: { id },
    });
  if (pkg.builtin && pkg.dir === undefined) {
    return new FerryError(
      'FERRY_E_TS_PACKAGE_NOT_FOUND',
      `USMT package ${id} resolves to Ferry's built-in engine, but its default migration XML files are not ` +
        `installed (src/usmt/xml, or FERRY_USMT_XML_DIR). Map the package to a folder with --package ${id}=DIR.`,
      { details: { id } },
    );
  }
  return pkg;
}

/** Where a Capture or Restore step's store is and the USMT package it runs, or why it cannot run. */
function storeAndPackage(
  ctx: UserStateContext,
  kind: 'capture' | 'restore',
  pkgId: string,
): { loc: Exclude<ReturnType<typeof storeLocation>, FerryError>; pkg: UsmtPackage } | FerryError {
  const loc = storeLocation(ctx, kind);
  if (loc instanceof FerryError) return loc;
  const pkg = usablePackage(ctx.packages.usmt(pkgId), pkgId);
  return pkg instanceof FerryError ? pkg : { loc, pkg };
}

function usmtEnv(ctx: UserStateContext): Record<string, string> {
  const work = join(ctx.stateDir, 'usmt-work');
  mkdirSync(work, { recursive: true });
  return { USMT_WORKING_DIR: work };
}

export async function captureUserState(
  step: KnownStep<'SMS_TaskSequence_CaptureUserStateAction'>,
  ctx: UserStateContext,
): Promise<UserStateResult> {
  const found = storeAndPackage(ctx, 'capture', ctx.env.get('_OSDMigrateUsmtPackageID') ?? step.properties.UsmtPackageID);
  if (found instanceof FerryError) return fail(found);
  const { loc, pkg } = found;
  const windowsDir = toHostPath(ctx.computer.root, 'C:\\Windows') ?? join(ctx.computer.root, 'Windows');
  const args = buildScanStateArgs(step, ctx.env, pkg, {
    storePath: loc.host,
    logDir: ctx.logDir,
    windowsDir,
    ...(loc.key === undefined ? {} : { key: loc.key }),
  });
  ctx.log(1, 'OSDMigrateUserState', `Command line: ${displayUsmtArgs('scanstate.exe', args)}`);
  mkdirSync(loc.host, { recursive: true });
  const code = await ctx.usmt.scanstate(args, { cwd: pkg.dir ?? ctx.logDir, env: usmtEnv(ctx), events: ctx.events });
  const continueOn =
    (ctx.env.get('OSDMigrateContinueOnLockedFiles') ?? String(step.properties.ContinueOnLockedFiles)).toLowerCase() === 'true';
  const outcome = usmtOutcome('ScanState', code, continueOn, ctx, 'OSDMigrateUserState');
  if (outcome.error) return outcome;
  // Later steps (Partition Disk, the clean-up after a failed restore) test it, so it outlives the step.
  const outputs = { _OSDMigrateUseHardlinks: ctx.env.get('_OSDMigrateUseHardlinks') ?? String(step.properties.UseHardlinks) };
  if (!loc.smp) ctx.state.localStore = { path: ctx.env.get('OSDStateStorePath')!, host: loc.host, restored: false };
  if (loc.smp && ctx.smp && ctx.state.smp) {
    const client = transferClient(ctx.smp, ctx.events);
    try {
      const r = await client.upload(loc.host, ctx.state.smp.grant.location, ctx.events);
      ctx.state.smp.manifestDigest = r.manifestDigest;
      ctx.log(1, 'OSDMigrateUserState', `Store uploaded to ${ctx.state.smp.grant.location}.`);
    } catch (err) {
      return failWith(err, 'Uploading the store');
    }
  }
  return { ...outcome, outputs };
}

export async function restoreUserState(
  step: KnownStep<'SMS_TaskSequence_RestoreUserStateAction'>,
  ctx: UserStateContext,
): Promise<UserStateResult> {
  const found = storeAndPackage(ctx, 'restore', ctx.env.get('_OSDMigrateUsmtRestorePackageID') ?? step.properties.UsmtRestorePackageID);
  if (found instanceof FerryError) return fail(found);
  const { loc, pkg } = found;
  if (loc.smp && ctx.smp && ctx.state.smp) {
    const client = transferClient(ctx.smp, ctx.events);
    try {
      const r = await client.download(ctx.state.smp.grant.location, loc.host, ctx.events);
      ctx.state.smp.manifestDigest = r.manifestDigest;
      ctx.save();
    } catch (err) {
      return failWith(err, 'Downloading the store');
    }
  }
  const probe = await probeStore(loc.host);
  if (!probe)
    return fail(
      new FerryError('FERRY_E_TS_STORE_NOT_FOUND', `No complete migration store at ${ctx.env.get('OSDStateStorePath')} (${loc.host}).`, {
        details: { host: loc.host },
      }),
    );
  ctx.log(
    1,
    'OSDMigrateUserState',
    `Store at ${ctx.env.get('OSDStateStorePath')} is ${probe.type}${probe.encrypted ? ', encrypted' : ''}.`,
  );
  const windowsDir = toHostPath(ctx.computer.root, 'C:\\Windows') ?? join(ctx.computer.root, 'Windows');
  const args = buildLoadStateArgs(step, ctx.env, pkg, {
    storePath: loc.host,
    logDir: ctx.logDir,
    windowsDir,
    store: { type: probe.type, encrypted: probe.encrypted },
    ...(loc.key === undefined ? {} : { key: loc.key }),
  });
  ctx.log(1, 'OSDMigrateUserState', `Command line: ${displayUsmtArgs('loadstate.exe', args)}`);
  const code = await ctx.usmt.loadstate(args, { cwd: pkg.dir ?? ctx.logDir, env: usmtEnv(ctx), events: ctx.events });
  const continueOn = (ctx.env.get('OSDMigrateContinueOnRestore') ?? String(step.properties.ContinueOnRestore)).toLowerCase() === 'true';
  const outcome = usmtOutcome('LoadState', code, continueOn, ctx, 'OSDMigrateUserState');
  if (ctx.state.smp && loc.smp) ctx.state.smp.restoreSucceeded = outcome.error === undefined;
  // A local store whose restore succeeded is removed when the whole sequence succeeds.
  if (!loc.smp) ctx.state.localStore = { path: ctx.env.get('OSDStateStorePath')!, host: loc.host, restored: outcome.error === undefined };
  return outcome;
}
