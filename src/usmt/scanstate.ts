// ScanState on an offline Windows volume: select users, evaluate the `/i` rules, and stream every
// decided object into the store (or only count them for `/p`, or write Config.xml for
// `/genconfig`). Unreadable source files follow `/c` and Config.xml's <ErrorControl>: skipped and
// listed (return code 3), or the capture stops with a resumable store (return code 61).
import { closeSync, openSync, writeSync } from 'node:fs';
import { lstat, writeFile } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';
import { FerryError, isFerryError } from '../errors/index.ts';
import type { FerryEvent } from '../events/index.ts';
import { errorRuleFor, generateConfig } from '../migxml/index.ts';
import { openPlanning, type Planning } from '../migxml/index.ts';
import { loadRuleSet } from '../migxml/index.ts';
import { currentPlatform } from '../platform/index.ts';
import { regTypeName } from '../registry/index.ts';
import { createStore, inspectStore, readKeyFile, type StoreSummary, type StoreUser, type StoreWriter } from '../store/index.ts';
import { FileAttr, type Profile } from '../volume/index.ts';
import type { RunContext } from './cli-runner.ts';
import { EstimateCounter, estimateText, estimateXml, writeEstimate } from './estimate.ts';
import { offlineWindowsDir } from './offline-source.ts';
import type { ScanStateOptions } from './scanstate-options.ts';
import { USMT_SUCCESS, USMT_WOULD_HAVE_FAILED, usmtError } from './usmt-error.ts';
import { locateRuleFile } from './default-rules.ts';
import { FERRY_VERSION } from '../version.ts';
import { PlanSpool, type PlannedEntry, type PlannedObject } from './plan-spool.ts';

/** A source object that could not be read and was skipped (`/c` or a non-fatal ErrorControl rule). */
export interface SkippedObject {
  readonly winPath: string;
  readonly code: string;
  readonly message: string;
}

export interface ScanStateResult {
  readonly exitCode: number;
  readonly mode: ScanStateOptions['mode'];
  readonly users: readonly string[];
  readonly files: number;
  readonly dirs: number;
  readonly registry: number;
  readonly bytes: number;
  readonly skipped: readonly SkippedObject[];
  /** The finished store (capture mode). */
  readonly store?: StoreSummary;
}

/** What LoadState needs to know about each captured user, kept in the store's trailer. */
export interface CapturedUser {
  readonly name: string;
  readonly domain: string;
  readonly isLocal: boolean;
  readonly sid?: string;
  readonly profilePath: string;
  /** NTUSER.DAT's modification time on the source, for LoadState's `/uel`. */
  readonly ntuserMtimeMs?: number;
}

const WIN32 = { EACCES: 5, EPERM: 5, ENOENT: 2, EBUSY: 32 } as Record<string, number>;

/** ScanState: capture the selected users' state from a volume into a store (USMT return codes in the result). */
export async function scanState(options: ScanStateOptions, ctx: RunContext): Promise<ScanStateResult> {
  const { log, progress } = ctx;
  const platform = currentPlatform();
  if (options.vsc) await platform.createSnapshot(options.storePath ?? 'the system volume');
  if (options.localOnly)
    log?.info('/localonly: an offline volume has only the drives mapped for it; every mapped drive is treated as fixed.');
  if (!options.offline) {
    throw usmtError(
      'FERRY_E_USMT_OFFLINE_REQUIRED',
      'Use /offline to run gather on this platform: ScanState reads an offline ' +
        "Windows volume here; add /offlinewindir:<the volume's Windows folder>.",
    );
  }
  const windowsDir = await offlineWindowsDir(options.offline, ctx.cwd);
  log?.info(`Offline Windows directory: ${windowsDir}`);

  const keyText = options.encryption ? await keyOf(options.encryption.keySource) : undefined;
  const storeDir = options.storePath === undefined ? undefined : resolve(options.storePath);

  progress?.write('PHASE', 'Initializing');
  const planning = await openPlanningForUsmt(options, windowsDir, ctx);
  const { volume, engine, users } = planning;
  try {
    const all = await volume.profiles();
    const selected = new Set(users.map((u) => u.sid ?? `${u.domain}\\${u.userName}`));
    for (const p of all) {
      const included = selected.has(p.sid ?? `${p.domain}\\${p.userName}`);
      progress?.write('detectedUser', `${p.domain}\\${p.userName}`);
      progress?.write('includedInMigration', included ? 'Yes' : 'No');
      log?.info(`User ${p.domain}\\${p.userName} (${p.profilePath}): ${included ? 'included' : 'excluded by /ui /ue /uel'}`);
    }

    if (options.mode === 'genconfig') {
      const present = new Set(engine.passes.flatMap((p) => p.components.map((c) => c.component)));
      const target = resolve(options.generatePath!);
      if (!options.overwrite && (await exists(target))) {
        throw usmtError(
          'FERRY_E_INVALID_ARGUMENT',
          `File argument is invalid for /genconfig: ${target} already exists; specify /o to overwrite it.`,
        );
      }
      const xml = generateConfig(await loadRuleSet(options.ruleFiles.map((f) => locateRuleFile(f, ctx.cwd))), (c) => present.has(c));
      try {
        await writeFile(target, xml);
      } catch (err) {
        throw usmtError(
          'FERRY_E_INVALID_ARGUMENT',
          `File argument is invalid for /genconfig: cannot write ${target} (${(err as NodeJS.ErrnoException).code ?? String(err)}).`,
        );
      }
      log?.info(`Wrote ${target}`);
      return { exitCode: USMT_SUCCESS, mode: 'genconfig', users: users.map(label), files: 0, dirs: 0, registry: 0, bytes: 0, skipped: [] };
    }

    return await collect(options, ctx, planning, storeDir!, keyText);
  } finally {
    engine.close();
    volume.close();
  }
}

async function openPlanningForUsmt(options: ScanStateOptions, windowsDir: string, ctx: RunContext): Promise<Planning> {
  try {
    return await openPlanning({
      windowsDir,
      ruleFiles: options.ruleFiles.map((f) => locateRuleFile(f, ctx.cwd)),
      ...(options.configFile ? { config: resolve(options.configFile) } : {}),
      selection: options.users,
      events: ctx.events,
    });
  } catch (err) {
    // A rule file that is not XML is "Script file is invalid for /i" (28), not a generic XML error.
    if (isFerryError(err, 'FERRY_E_XML_MALFORMED') || isFerryError(err, 'FERRY_E_IO')) {
      const file = String(err.details.file ?? '');
      if (options.ruleFiles.some((f) => locateRuleFile(f) === file)) {
        throw new FerryError('FERRY_E_MIGXML_FILE_NOT_FOUND', `Script file is invalid for /i: ${err.message}`, {
          cause: err,
          details: err.details,
        });
      }
    }
    throw err;
  }
}

async function collect(
  options: ScanStateOptions,
  ctx: RunContext,
  planning: Planning,
  storeDir: string,
  keyText: string | undefined,
): Promise<ScanStateResult> {
  const { events, progress } = ctx;
  const { volume, engine, config } = planning;
  const estimate = options.mode === 'estimate';
  const skipped: SkippedObject[] = [];
  const counts = { files: 0, dirs: 0, registry: 0, ini: 0, bytes: 0 };
  const counter = new EstimateCounter();
  const storeUsers = new Map<Profile, StoreUser>();
  const storeUser = (p: Profile): StoreUser => {
    let u = storeUsers.get(p);
    if (!u) storeUsers.set(p, (u = { name: p.userName, domain: p.domain, ...(p.sid ? { sid: p.sid } : {}) }));
    return u;
  };
  const listFd = options.listFile === undefined ? undefined : openListFile(options.listFile);
  ctx.report?.note({ computer: volume.computerName });

  const writer = estimate ? undefined : await openWriter(options, ctx, storeDir, keyText, volume.computerName);

  // Folders the walk could not read arrive as warnings from the rule engine; they are source
  // errors like an unreadable file.
  const walkErrors: SkippedObject[] = [];
  let watchWalk = true;
  const stopWatchingWalk = () => (watchWalk = false);
  const detach = events.on((e: FerryEvent) => {
    if (watchWalk && e.type === 'warning' && (e.code === 'FERRY_E_ACCESS_DENIED' || e.code === 'FERRY_E_IO') && e.path)
      walkErrors.push({ winPath: e.path, code: e.code, message: e.message });
  });

  const excluded = [
    storeDir,
    ...[options.logFile, options.progressFile, options.listFile].filter((f): f is string => f !== undefined).map((f) => resolve(f)),
  ];
  const isExcluded = (hostPath: string) => excluded.some((x) => hostPath === x || hostPath.startsWith(x + sep));

  const sourceFailure = sourceFailureHandler(options, ctx, config, skipped, writer);
  const walkFailures = async () => {
    if (walkErrors.length === 0) return;
    for (const w of walkErrors.splice(0))
      await sourceFailure(w.winPath, new FerryError(w.code as 'FERRY_E_ACCESS_DENIED' | 'FERRY_E_IO', w.message));
  };

  // A capture first decides what it will store (USMT's Scanning phase), so that progress can be
  // reported as a percentage; unreadable folders are met (and handled) here, before any writing.
  // Collecting then stores that plan: the volume is walked and the rules run once.
  const planned = { files: 0, bytes: 0, shared: new SharedInodes() };
  const plan = estimate ? undefined : new PlanSpool(storeDir);
  if (plan) {
    try {
      Object.assign(planned, await scanPlan(engine, ctx, isExcluded, walkFailures, options.storeKind !== 'hardlink', plan));
    } catch (err) {
      plan.close();
      detach();
      if (listFd !== undefined) closeSync(listFd);
      throw err;
    }
    stopWatchingWalk();
  }
  events.phase(estimate ? 'Estimating' : 'Collecting', 'start');
  progress?.write('PHASE', estimate ? 'Estimating' : 'Collecting');
  progress?.percent(0);
  const inFlight = writer?.type === 'hardlink' ? [] : null;
  const run: CollectRun = {
    options,
    ctx,
    estimate,
    writer,
    counts,
    counter,
    planned,
    storeUser,
    isExcluded,
    sourceFailure,
    listFd,
    inFlight,
  };
  let collectingUser: string | undefined;
  try {
    for await (const obj of plan ? plan.read() : engine.objects()) {
      await walkFailures();
      const who = obj.user ? label(obj.user) : 'This Computer';
      if (who !== collectingUser) {
        await settleFiles(run);
        collectingUser = who;
        progress?.write('collectingUser', who);
      }
      if (obj.kind === 'registry' || obj.kind === 'ini') await settleFiles(run);
      if (obj.kind === 'registry') await captureRegistry(run, obj);
      else if (obj.kind === 'ini') await captureIni(run, obj);
      else await captureFileOrDir(run, obj);
    }
    await settleFiles(run);
    await walkFailures();
  } catch (err) {
    await writer?.abort();
    events.phase(estimate ? 'Estimating' : 'Collecting', 'end', false);
    throw err;
  } finally {
    plan?.close();
    detach();
    if (listFd !== undefined) closeSync(listFd);
  }
  events.phase(estimate ? 'Estimating' : 'Collecting', 'end', true);

  return finishCapture(options, ctx, planning, storeDir, writer, counts, counter, skipped, planned.shared);
}

/** What each collected object needs while `collect` runs. */
interface CollectRun {
  readonly options: ScanStateOptions;
  readonly ctx: RunContext;
  readonly estimate: boolean;
  readonly writer: StoreWriter | undefined;
  readonly counts: { files: number; dirs: number; registry: number; ini: number; bytes: number };
  readonly counter: EstimateCounter;
  readonly planned: { files: number; bytes: number; shared: SharedInodes };
  readonly storeUser: (p: Profile) => StoreUser;
  readonly isExcluded: (hostPath: string) => boolean;
  readonly sourceFailure: ReturnType<typeof sourceFailureHandler>;
  readonly listFd: number | undefined;
  /** Hard-link stores: files given to the store, not yet settled (settleFile); null: each is settled at once. */
  readonly inFlight: FileInFlight[] | null;
}

/** A registry key or value: into the store as a typed value. */
async function captureRegistry(run: CollectRun, obj: PlannedObject): Promise<void> {
  run.counts.registry++;
  if (!obj.regLocation) return;
  if (run.writer) await run.writer.addRegistry(registryMeta(obj, obj.user ? run.storeUser(obj.user) : undefined));
  run.ctx.events.emit({
    type: 'object',
    outcome: 'captured',
    kind: 'registry',
    object: obj.regLocation,
    ...(obj.user ? { user: label(obj.user) } : {}),
  });
}

/** An INI setting (MigXML `type="Ini"`): into the store as its text. */
async function captureIni(run: CollectRun, obj: PlannedObject): Promise<void> {
  run.counts.ini++;
  if (run.writer && obj.ini)
    await run.writer.addIni({
      kind: 'ini',
      winPath: obj.winPath!,
      ...obj.ini,
      ...(obj.user ? { user: run.storeUser(obj.user) } : {}),
      component: obj.component,
    });
  run.ctx.log?.object(`${run.estimate ? 'Counted' : 'Stored'} ${obj.winPath} [${obj.component}]`);
  run.ctx.events.emit({
    type: 'object',
    outcome: 'captured',
    kind: 'ini',
    object: obj.winPath!,
    ...(obj.user ? { user: label(obj.user) } : {}),
  });
}

/** A folder or file: stored (or counted, /estimate), a source read error handled as /c says. */
async function captureFileOrDir(run: CollectRun, obj: PlannedObject): Promise<void> {
  const { options, ctx, estimate, writer, counts } = run;
  const entry = obj.entry!;
  if (run.isExcluded(entry.hostPath)) return;
  const meta = {
    kind: obj.kind as 'file' | 'dir',
    winPath: entry.winPath,
    ...(obj.user ? { user: run.storeUser(obj.user) } : {}),
    component: obj.component,
    ...entryTimes(entry),
  };
  if (obj.kind === 'dir') {
    counts.dirs++;
    await writer?.addDirectory(meta);
    return;
  }
  if (entry.attributes & FileAttr.ENCRYPTED) {
    // Its outcome is reported after the files before it.
    await settleFiles(run);
    if (!(await efsCaptured(options, ctx, writer, entry, obj.user))) return;
  }
  if (estimate) {
    run.counter.add(entry.size);
    fileCaptured(run, obj, entry);
    return;
  }
  const adding = writer!.addFile(meta, entry.hostPath);
  if (run.inFlight === null) return settleFile(run, { obj, entry, adding });
  // Settled (counted, reported, or handled as a source error) in order, FILES_IN_FLIGHT calls later.
  adding.catch(() => undefined);
  run.inFlight.push({ obj, entry, adding });
  while (run.inFlight.length > FILES_IN_FLIGHT) await settleFile(run, run.inFlight.shift()!);
}

/** Files a hard-link capture keeps in flight: the store links them on its own thread meanwhile. */
const FILES_IN_FLIGHT = 1024;

/** A file given to the store and not yet settled. */
interface FileInFlight {
  readonly obj: PlannedObject;
  readonly entry: PlannedEntry;
  readonly adding: Promise<unknown>;
}

/** Settle every file in flight, in order (before anything else is reported). */
async function settleFiles(run: CollectRun): Promise<void> {
  if (!run.inFlight) return;
  while (run.inFlight.length > 0) await settleFile(run, run.inFlight.shift()!);
}

/** Once the store has the file: counted and reported, or a source read error handled as /c says. */
async function settleFile(run: CollectRun, f: FileInFlight): Promise<void> {
  try {
    await f.adding;
  } catch (err) {
    if (isSourceReadError(err)) {
      await run.sourceFailure(f.entry.winPath, err, f.obj.user, f.entry.size);
      return;
    }
    throw err;
  }
  fileCaptured(run, f.obj, f.entry);
}

function fileCaptured(run: CollectRun, obj: PlannedObject, entry: PlannedEntry): void {
  run.counts.files++;
  run.counts.bytes += entry.size;
  run.planned.shared.captured(entry);
  reportCapturedFile(run, obj, entry);
}

/** The list file line, log line, object event and progress of one captured file. */
function reportCapturedFile(run: CollectRun, obj: PlannedObject, entry: { winPath: string; size: number }): void {
  const { ctx, estimate, counts, planned } = run;
  if (run.listFd !== undefined) writeSync(run.listFd, `${entry.winPath}\r\n`);
  ctx.log?.object(`${estimate ? 'Counted' : 'Stored'} ${entry.winPath} [${obj.component}]`);
  ctx.events.emit({
    type: 'object',
    outcome: 'captured',
    kind: 'file',
    object: entry.winPath,
    bytes: entry.size,
    ...(obj.user ? { user: label(obj.user) } : {}),
  });
  ctx.events.emit({
    type: 'progress',
    phase: estimate ? 'Estimating' : 'Collecting',
    done: counts.files,
    bytesDone: counts.bytes,
    current: entry.winPath,
    ...(estimate ? {} : { total: Math.max(planned.files, counts.files), ...(planned.bytes > 0 ? { bytesTotal: planned.bytes } : {}) }),
  });
  if (planned.bytes > 0) ctx.progress?.percent((counts.bytes / planned.bytes) * 99);
  else if (planned.files > 0) ctx.progress?.percent((Math.min(counts.files, planned.files) / planned.files) * 99);
}

/** The store a capture writes: resumed when an interrupted capture left one (and no /o). */
async function openWriter(
  options: ScanStateOptions,
  ctx: RunContext,
  storeDir: string,
  keyText: string | undefined,
  computer: string,
): Promise<StoreWriter> {
  const state = await inspectStore(storeDir).catch(() => null);
  const resume = !!state && !state.complete && !options.overwrite;
  if (resume) ctx.log?.info(`Resuming the interrupted capture in ${storeDir}`);
  return createStore(storeDir, {
    type: options.storeKind,
    ...(keyText !== undefined ? { encryption: { key: keyText, algId: options.encryption!.algId } } : {}),
    resume,
    overwrite: options.overwrite,
    events: ctx.events,
    source: { computer, ferryVersion: FERRY_VERSION },
  });
}

/** A store entry's size, times and attributes, as the walk read them. */
function entryTimes(entry: { size: number; mtimeMs: number; atimeMs: number; birthtimeMs: number; attributes: number }) {
  return { size: entry.size, mtimeMs: entry.mtimeMs, atimeMs: entry.atimeMs, birthtimeMs: entry.birthtimeMs, attributes: entry.attributes };
}

/** An EFS-encrypted file under /efs: abort stops the capture, skip leaves it out (false), otherwise its raw form is read. */
async function efsCaptured(
  options: ScanStateOptions,
  ctx: RunContext,
  writer: StoreWriter | undefined,
  entry: { winPath: string; hostPath: string; size: number },
  user: Profile | undefined,
): Promise<boolean> {
  if (options.efs === 'abort') {
    await writer?.abort();
    throw usmtError(
      'FERRY_E_USMT_CANCELED',
      `Gather was aborted because of an EFS file: ${entry.winPath}. Use /efs:skip to leave EFS files out.`,
      { path: entry.winPath },
    );
  }
  if (options.efs === 'skip') {
    ctx.log?.warning(`Skipped the EFS-encrypted file ${entry.winPath} (/efs:skip)`);
    ctx.events.emit({
      type: 'object',
      outcome: 'notMigrated',
      kind: 'file',
      object: entry.winPath,
      reason: 'efs',
      detail: '/efs:skip',
      bytes: entry.size,
      ...(user ? { user: label(user) } : {}),
    });
    return false;
  }
  await currentPlatform().readEncryptedRaw(entry.hostPath);
  return true;
}

/** Skip (returns) or stop (throws) for one unreadable source object. */
function sourceFailureHandler(
  options: ScanStateOptions,
  ctx: RunContext,
  config: Planning['config'],
  skipped: SkippedObject[],
  writer: StoreWriter | undefined,
) {
  const { events, log, progress } = ctx;
  return async (winPath: string, err: FerryError, user?: Profile, bytes?: number): Promise<void> => {
    const errno = String(err.details.errno ?? (err.code === 'FERRY_E_ACCESS_DENIED' ? 'EACCES' : ''));
    const win32 = WIN32[errno] ?? 0;
    const rule = errorRuleFor(config, 'file', winPath, win32);
    const fatal = rule ? rule.fatal : !options.continueOnError;
    progress?.write('error', err.code === 'FERRY_E_ACCESS_DENIED' ? 'UnableToOpen' : 'UnableToCopy');
    progress?.write('objectName', winPath);
    progress?.write('action', fatal ? 'Abort' : 'Ignore');
    progress?.write('errorCode', win32);
    if (fatal) {
      log?.error(`Unable to read ${winPath}: ${err.message}`, win32);
      await writer?.abort();
      throw new FerryError(
        'FERRY_E_USMT_STOPPED_ON_ERROR',
        `Processing stopped due to an I/O error reading ${winPath} (${err.code}). Fix access and ` +
          `run the same command again to resume, or add /c to continue past such files.`,
        {
          cause: err,
          details: { path: winPath, errno },
        },
      );
    }
    skipped.push({ winPath, code: err.code, message: err.message });
    events.emit({
      type: 'object',
      outcome: 'notMigrated',
      kind: 'file',
      object: winPath,
      reason: 'unreadable',
      detail: `${err.code}: ${err.message}`,
      ...(user ? { user: label(user) } : {}),
      ...(bytes ? { bytes } : {}),
    });
    log?.warning(`Skipped ${winPath} (/c): ${err.message}`, win32);
    progress?.write('numberOfIgnoredErrors', skipped.length);
  };
}

/**
 * USMT's Scanning phase: the rules decide what a capture will store, into `plan`, counted so
 * progress can be a percentage. `bytes` false (a hard-link capture, which copies no data and
 * costs per file, not per byte): the percentage counts files.
 */
async function scanPlan(
  engine: Planning['engine'],
  ctx: RunContext,
  isExcluded: (hostPath: string) => boolean,
  walkFailures: () => Promise<void>,
  bytes: boolean,
  plan: PlanSpool,
): Promise<{ files: number; bytes: number; shared: SharedInodes }> {
  const { events, progress } = ctx;
  const planned = { files: 0, bytes: 0, shared: new SharedInodes() };
  events.phase('Scanning', 'start');
  progress?.write('PHASE', 'Scanning');
  try {
    for await (const obj of engine.objects()) {
      await walkFailures();
      if ((obj.kind === 'file' || obj.kind === 'dir') && isExcluded(obj.entry!.hostPath)) continue;
      plan.add(obj);
      if (obj.kind === 'file') {
        planned.files++;
        if (bytes) planned.bytes += obj.entry!.size;
        // plan.add read the stat already: nlink costs nothing here.
        if (obj.entry!.nlink > 1) planned.shared.note(obj.entry!);
      }
    }
    await walkFailures();
  } catch (err) {
    events.phase('Scanning', 'end', false);
    throw err;
  }
  events.phase('Scanning', 'end', true);
  // A hard-link capture transfers no data: 0.00.
  progress?.write('totalSizeInMBToTransfer', (planned.bytes / 1048576).toFixed(2));
  return planned;
}

/** After the walk: the estimate written or the store finished, skipped files listed, the summary. */
async function finishCapture(
  options: ScanStateOptions,
  ctx: RunContext,
  planning: Planning,
  storeDir: string,
  writer: StoreWriter | undefined,
  counts: { files: number; dirs: number; registry: number; ini: number; bytes: number },
  counter: EstimateCounter,
  skipped: SkippedObject[],
  shared: SharedInodes,
): Promise<ScanStateResult> {
  const { events, log, progress } = ctx;
  const { volume, users } = planning;
  const estimate = options.mode === 'estimate';
  let store: StoreSummary | undefined;
  if (estimate) {
    const result = counter.result(counts.files * 512 + counts.registry * 256);
    const target = options.estimatePath ? resolve(options.estimatePath) : join(storeDir, 'Usmtsize.txt');
    writeEstimate(target, options.estimatePath ? estimateXml(result) : estimateText(result));
    log?.info(`Space estimate written to ${target}: store ${result.storeBytes} bytes, temporary ${result.temporaryBytes} bytes`);
  } else {
    progress?.write('PHASE', 'Saving');
    const captured: CapturedUser[] = users.map((u) => ({
      name: u.userName,
      domain: u.domain,
      isLocal: u.isLocal,
      ...(u.sid ? { sid: u.sid } : {}),
      profilePath: u.profilePath,
      ...(u.ntuserMtimeMs !== undefined ? { ntuserMtimeMs: u.ntuserMtimeMs } : {}),
    }));
    store = await writer!.finish({ users: captured, computerName: volume.computerName, systemDrive: volume.systemDrive });
    // A fresh hard-link store is its catalog plus one link per captured file, each inode once:
    // the report needs no lstat of every link (issue 16).
    if (store.type === 'hardlink' && writer!.fresh && shared.exact)
      ctx.report?.note({ storeBytesOnDisk: store.storeBytes + counts.bytes - shared.repeatedBytes });
  }
  progress?.percent(100);

  if (skipped.length > 0) {
    events.warn('FERRY_W_USMT_ERRORS_SKIPPED', `${skipped.length} file(s) could not be read and were skipped (/c).`);
    log?.warning(`Skipped because of /c (${skipped.length}):`);
    for (const s of skipped) log?.warning(`  ${s.winPath}: ${s.code}`);
  }
  const summary =
    `${estimate ? 'Estimated' : 'Captured'} ${counts.files} files (${counts.bytes} bytes), ${counts.dirs} ` +
    `folders, ${counts.registry} registry objects${counts.ini ? `, ${counts.ini} INI settings` : ''} for ${users.length} ` +
    (`user(s)${skipped.length ? `; ${skipped.length} skipped` : ''}` +
      `${store?.reusedFiles ? `; ${store.reusedFiles} reused from the interrupted run` : ''}.`);
  events.log('info', 'summary', summary);
  return {
    exitCode: skipped.length > 0 ? USMT_WOULD_HAVE_FAILED : USMT_SUCCESS,
    mode: options.mode,
    users: users.map(label),
    ...counts,
    skipped,
    ...(store ? { store } : {}),
  };
}

/**
 * Planned files that share an inode with another path (nlink > 1, as Windows component stores and
 * the sample volumes have): in a hard-link store such an inode is on disk once however many
 * captured paths link it. Past MAX_SHARED such files the report measures the store instead.
 */
class SharedInodes {
  static readonly MAX_SHARED = 200_000;
  readonly #inode = new Map<string, string>();
  readonly #seen = new Set<string>();
  #overflow = false;
  /** Bytes of captured files whose inode an earlier captured path already linked. */
  repeatedBytes = 0;

  note(entry: { hostPath: string; dev: number; ino: number }): void {
    if (this.#inode.size >= SharedInodes.MAX_SHARED) this.#overflow = true;
    else this.#inode.set(entry.hostPath, `${entry.dev}:${entry.ino}`);
  }

  captured(entry: { hostPath: string; size: number }): void {
    if (this.#inode.size === 0) return;
    const id = this.#inode.get(entry.hostPath);
    if (id === undefined) return;
    if (this.#seen.has(id)) this.repeatedBytes += entry.size;
    else this.#seen.add(id);
  }

  /** Every shared inode is known (repeatedBytes is exact). */
  get exact(): boolean {
    return !this.#overflow;
  }
}

const label = (p: Profile) => `${p.domain}\\${p.userName}`;

/** A read failure of a source file (as the store reports it), as opposed to a store failure. */
function isSourceReadError(err: unknown): err is FerryError {
  return (
    (isFerryError(err, 'FERRY_E_ACCESS_DENIED') || isFerryError(err, 'FERRY_E_IO')) &&
    (/^(reading|linking) /.test(String(err.details.what ?? '')) || String(err.details.what ?? '') === '')
  );
}

function registryMeta(obj: PlannedObject, user: StoreUser | undefined) {
  const location = obj.regLocation!;
  const m = /^(.*?)(?: \[(.*)\])?$/.exec(location)!;
  const [hive, ...rest] = m[1]!.split('\\');
  return {
    kind: 'registry' as const,
    winPath: location,
    ...(user ? { user } : {}),
    component: obj.component,
    hive: hive!,
    key: rest.join('\\'),
    valueName: obj.value ? obj.value.name : null,
    ...(obj.value ? { regType: regTypeName(obj.value.type), data: obj.value.raw } : {}),
  };
}

async function keyOf(source: { key: string } | { keyFile: string }): Promise<string> {
  if ('key' in source) return source.key;
  return readKeyFile(resolve(source.keyFile));
}

function openListFile(path: string): number {
  try {
    return openSync(resolve(path), 'w');
  } catch (err) {
    throw usmtError(
      'FERRY_E_INVALID_ARGUMENT',
      `List file path argument is invalid for /listfiles: cannot create ${path} (${(err as NodeJS.ErrnoException).code ?? String(err)}).`,
    );
  }
}

async function exists(path: string): Promise<boolean> {
  return (await lstat(path).catch(() => null)) !== null;
}
