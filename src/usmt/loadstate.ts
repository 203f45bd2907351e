// LoadState onto an offline Windows volume (`/offlinewindir:`, Ferry's extension): choose the
// store's users (/ui /ue /uel), rename them (/mu /md), record missing local accounts (/lac /lae)
// in the target's account plan, run the rules' <destinationCleanup>, then apply what the LoadState
// rules include of the store (all of it without /i; spec/migxml.md §6.8): destination by
// <locationModify> and the user's new profile, collisions by <merge> or USMT's `name(1).ext`,
// <contentModify>, IgnoreIrrelevantLinks for the shortcuts whose include names it, times and
// attributes, and a read-back check of every restored file against its catalog hash.
import { lstatSync } from 'node:fs';
import { chown } from 'node:fs/promises';
import { resolve } from 'node:path';
import { CODES, FerryError, isFerryError } from '../errors/index.ts';
import { isComponentDisabled, loadConfig, type MigrationConfig } from '../migxml/index.ts';
import { fileKey, registryKey, ruleText, RuleEngine, type Decision, type PassInclusion } from '../migxml/index.ts';
import type { EventStream, LogLevel, ObjectOutcome, ObjectReason } from '../events/index.ts';
import { regDataString, type ApplyFilterState } from '../migxml/index.ts';
import { iniKey } from '../migxml/index.ts';
import { allComponents } from '../migxml/index.ts';
import { contentModifyFor, keepExisting } from '../migxml/index.ts';
import { resolveCollision } from '../migxml/index.ts';
import { loadRuleSet } from '../migxml/index.ts';
import { selectUsers } from '../migxml/index.ts';
import { AccountPlanRecorder } from '../platform/index.ts';
import { decodeValueData, openHive, parseRegTypeName } from '../registry/index.ts';
import {
  openStore,
  readKeyFile,
  YoungGenerationCap,
  type CatalogEntry,
  type FileEntry,
  type RegistryEntry,
  type StoreReader,
} from '../store/index.ts';
import { openTargetVolume, type TargetVolume } from '../volume/index.ts';
import type { Profile, TargetPath, VolumeEntry } from '../volume/index.ts';
import type { RunContext } from './cli-runner.ts';
import type { LoadStateOptions } from './loadstate-options.ts';
import { restoreFile, applyMetadata, type AttributeTarget } from './restore-file.ts';
import { RestoreStaging } from './loadstate-staging.ts';
import { HASH_MISMATCH, StagedFileWriter, WRITER_WHOLE_FILE } from './loadstate-writer.ts';
import type { CapturedUser } from './scanstate.ts';
import { parseRegLocation, RegistryApplier, type RegistryOutcome, type RegistryUser } from './registry-apply.ts';
import type { ProfileRemap } from './profile-remap.ts';
import { destinationCleanup } from './loadstate-cleanup.ts';
import { applyDestinations, profileHolding } from './loadstate-destinations.ts';
import { newestVersionCompare } from './newest-version.ts';
import { IniApplier } from './ini-apply.ts';
import { parseShellLink } from './shell-link.ts';
import { mapAccount } from './user-mapping.ts';
import { USMT_SUCCESS, USMT_WOULD_HAVE_FAILED, asFerryError, usmtError } from './usmt-error.ts';
import { locateRuleFile } from './default-rules.ts';

/** USMT_ERROR_USE_LAC: a local account is missing on the target and /lac was not given. */
const USMT_ERROR_USE_LAC = CODES.FERRY_E_USMT_LOCAL_ACCOUNT.usmt!;
const LINK_RELEVANT: ApplyFilterState = { linkRelevant: true };
const LINK_IRRELEVANT: ApplyFilterState = { linkRelevant: false };
/** The component of LoadState's log events. */
const LOG = 'loadstate';
const FATAL_ON_APPLY = new Set(['FERRY_E_STORE_TAMPERED', 'FERRY_E_STORE_TRUNCATED', 'FERRY_E_DISK_FULL']);

export interface LoadStateResult {
  readonly exitCode: number;
  /** Source user → target user (`DOMAIN\name`). */
  readonly users: ReadonlyMap<string, string>;
  /** Local users not restored because /lac was not given. */
  readonly needsLac: readonly string[];
  readonly restored: number;
  readonly renamed: number;
  readonly kept: number;
  readonly overwritten: number;
  readonly linksDropped: number;
  readonly verified: number;
  readonly registryApplied: number;
  readonly registryKept: number;
  readonly registrySkipped: number;
  /** INI settings written into the target's INI files, and those the target kept (merge rules). */
  readonly iniApplied: number;
  readonly iniKept: number;
  /** Files that kept properties of the destination file they replaced (KeepExisting). */
  readonly contentModified: number;
  /** Target files and registry values deleted by <destinationCleanup> before applying (each logged). */
  readonly cleanedUp: number;
  /** Registry values rewritten by a <contentModify> script. */
  readonly registryModified: number;
  /**
   * Store objects not applied, by reason: user not selected, not included by the LoadState rules, component off in Config.xml,
   * NeverRestore.
   */
  readonly notApplied: { readonly user: number; readonly rules: number; readonly config: number; readonly neverRestore: number };
  readonly failed: readonly { readonly winPath: string; readonly message: string }[];
  readonly accountPlan?: string;
}

/** One user of the store and where it goes. */
interface UserPlan {
  readonly source: CapturedUser;
  readonly target: { readonly name: string; readonly domain: string; readonly profilePath: string };
  /** Set when the profile is new on the target (no profile of that account there yet). */
  readonly created: boolean;
  /** Set when /lac records a new local account for it in the account plan. */
  readonly plannedAccount?: boolean;
  readonly passIndex?: number;
}

/** Where one catalog entry lands, or why it does not. */
type Placement =
  | { readonly skip: string; readonly reason: SkipReason; readonly why: ObjectReason; readonly rule?: string }
  | {
      readonly dest: string;
      readonly inclusion?: PassInclusion;
      readonly user?: UserPlan;
      /** A shortcut only an include with IgnoreIrrelevantLinks brings in: restored only if its target exists. */
      readonly checkLink?: boolean;
      /** Set when a <locationModify> rule moved it (the rule's destination, before the profile move). */
      readonly rerouted?: string;
      /** Further places the object is applied (loadstate-destinations.ts). */
      readonly also?: readonly { readonly dest: string; readonly inclusion: PassInclusion; readonly user?: UserPlan }[];
    };

/** Why a store object is not applied; the summary counts each. */
type SkipReason = 'user' | 'rules' | 'config' | 'neverRestore';

/**
 * LoadState: restore a store onto an offline target volume (USMT return codes in the result).
 * Everything it has to say goes to `ctx.events`: object outcomes (the migration report), phases
 * and progress, warnings, and `log` events of component `loadstate` that the CLI writes to `/l`.
 * Files are staged on the target and moved into place only once the whole store authenticated.
 * @example
 * const options = parseLoadStateArgs(['D:\\Store', '/offlinewindir:/mnt/target/Windows', '/i:MigUser.xml', '/lac']) as LoadStateOptions;
 * const events = new EventStream();
 * const result = await loadState(options, { events, cwd: process.cwd() });
 * if (result.exitCode !== 0) console.error(result.failed);
 */
export async function loadState(options: LoadStateOptions, ctx: RunContext): Promise<LoadStateResult> {
  const { events, progress } = ctx;
  if (options.targetWindowsDir === undefined) {
    throw usmtError(
      'FERRY_E_USMT_OFFLINE_REQUIRED',
      "LoadState restores onto an offline Windows volume on this platform: add /offlinewindir:<the target volume's Windows folder>.",
    );
  }
  const key = options.decryption
    ? 'key' in options.decryption.keySource
      ? options.decryption.keySource.key
      : await readKeyFile(resolve(options.decryption.keySource.keyFile))
    : undefined;

  progress?.write('PHASE', 'Initializing');
  // Every read below copies or writes the bytes as they come (or holds at most two chunks' worth):
  // the reader frees each chunk as it leaves its cache.
  const reader = await openStore(resolve(options.storePath), { releaseChunks: true, ...(key === undefined ? {} : { key }) });
  try {
    if (reader.type !== options.storeKind) {
      const need = reader.type === 'compressed' ? 'no /nocompress' : reader.type === 'hardlink' ? '/hardlink /nocompress' : '/nocompress';
      throw usmtError(
        'FERRY_E_USMT_STORE_LOCATION',
        `The store at ${options.storePath} is a ${reader.type} store; restore it with ${need}.`,
        { path: options.storePath },
      );
    }
    const target = await openTargetVolume(resolve(options.targetWindowsDir), { events });
    try {
      return await apply(options, ctx, reader, target);
    } finally {
      target.close();
    }
  } finally {
    await reader.close();
  }
}

async function apply(options: LoadStateOptions, ctx: RunContext, reader: StoreReader, target: TargetVolume): Promise<LoadStateResult> {
  ctx.report?.note({ computer: target.computerName });
  const extra = (reader.trailer.extra ?? {}) as { users?: CapturedUser[]; computerName?: string };
  const captured = extra.users ?? [];
  const users = await planUsers(options, ctx, target, captured, extra.computerName ?? '');
  const rules = await loadApplyRules(options, ctx, target, users.plans);
  return new ApplyRun(options, ctx, reader, target, captured, users, rules).run();
}

/** The store's users LoadState restores, where they go, and those it cannot restore without /lac. */
interface UserPlanning {
  readonly plans: UserPlan[];
  readonly needsLac: string[];
  readonly accounts: AccountPlanRecorder | undefined;
}

/** A captured user as a profile, for /ui /ue /uel and the rules' user passes. */
function asProfile(target: TargetVolume, u: CapturedUser): Profile {
  const host = target.hostPathFor(u.profilePath);
  return {
    userName: u.name,
    domain: u.domain,
    isLocal: u.isLocal,
    ...(u.sid ? { sid: u.sid } : {}),
    profilePath: u.profilePath,
    hostPath: host,
    ntuserHostPath: `${host}/NTUSER.DAT`,
    ...(u.ntuserMtimeMs !== undefined ? { ntuserMtimeMs: u.ntuserMtimeMs } : {}),
  };
}

/** Users: select (/ui /ue /uel), rename (/mu /md), record missing local accounts (/lac /lae). */
async function planUsers(
  options: LoadStateOptions,
  ctx: RunContext,
  target: TargetVolume,
  captured: readonly CapturedUser[],
  sourceComputer: string,
): Promise<UserPlanning> {
  const { events, progress } = ctx;
  const chosen = new Set(
    selectUsers(
      captured.map((u) => asProfile(target, u)),
      options.users,
      { computerName: sourceComputer, offline: true },
    ).map((p) => p.profilePath.toLowerCase()),
  );
  const targetProfiles = await target.profiles();
  const plans: UserPlan[] = [];
  const needsLac: string[] = [];
  const accounts = options.createLocalAccounts ? new AccountPlanRecorder(target) : undefined;
  for (const u of captured) {
    progress?.write('detectedUser', `${u.domain}\\${u.name}`);
    if (!chosen.has(u.profilePath.toLowerCase())) {
      progress?.write('includedInMigration', 'No');
      events.log('info', LOG, `User ${u.domain}\\${u.name}: excluded by /ui /ue /uel`);
      continue;
    }
    const to = mapAccount({ name: u.name, domain: u.domain }, options.userMoves, options.domainMoves);
    const existing = targetProfiles.find(
      (p) => p.userName.toLowerCase() === to.name.toLowerCase() && (p.domain.toLowerCase() === to.domain.toLowerCase() || p.isLocal),
    );
    const stillLocal = u.isLocal && to.domain.toLowerCase() === u.domain.toLowerCase();
    if (stillLocal && !existing && !accounts) {
      needsLac.push(`${u.domain}\\${u.name}`);
      progress?.write('includedInMigration', 'No');
      events.log(
        'error',
        LOG,
        `FERRY_E_USMT_LOCAL_ACCOUNT: unable to create a local account because /lac was not ` +
          `specified: ${to.name} does not exist on the target, so the data of ${u.domain}\\${u.name} is not ` +
          `restored.`,
        USMT_ERROR_USE_LAC,
      );
      continue;
    }
    const profilePath = existing?.profilePath ?? `${target.systemDrive}\\Users\\${to.name}`;
    const plannedAccount = stillLocal && !existing && accounts !== undefined;
    if (plannedAccount) {
      accounts.add({
        userName: to.name,
        enabled: options.createLocalAccounts!.enable,
        passwordProvided: options.createLocalAccounts!.password !== '',
        profilePath,
        sourceDomain: u.domain,
        ...(u.sid ? { sourceSid: u.sid } : {}),
      });
    }
    plans.push({
      source: u,
      target: { name: to.name, domain: to.domain, profilePath },
      created: !existing,
      ...(plannedAccount ? { plannedAccount } : {}),
    });
    progress?.write('includedInMigration', 'Yes');
    events.log('info', LOG, `User ${u.domain}\\${u.name} → ${to.domain}\\${to.name} (${profilePath})`);
  }
  return { plans, needsLac, accounts };
}

/** The LoadState rules (/i) and Config.xml: what is applied, where, and how collisions merge. */
interface ApplyRules {
  readonly engine: RuleEngine | undefined;
  /** Components Config.xml turns off, by display name, to say why their objects are not applied. */
  readonly configOff: ReadonlySet<string>;
}

async function loadApplyRules(
  options: LoadStateOptions,
  ctx: RunContext,
  target: TargetVolume,
  plans: readonly UserPlan[],
): Promise<ApplyRules> {
  const { events } = ctx;
  // locationModify and merge come from the /i files given to LoadState.
  const config: MigrationConfig | undefined = options.configFile ? await loadConfig(resolve(options.configFile)) : undefined;
  const ruleFiles = options.ruleFiles.length
    ? await loadRuleSet(
        options.ruleFiles.map((f) => locateRuleFile(f, ctx.cwd)),
        events,
      )
    : [];
  const engine = ruleFiles.length
    ? await RuleEngine.create({
        volume: target,
        files: ruleFiles,
        users: plans.map((p) => asProfile(target, p.source)),
        events,
        phase: 'apply',
        // Registry conditions of the LoadState rules read the target's hives, as on the destination computer.
        openHive,
        ...(config ? { isDisabled: (c) => isComponentDisabled(config, c) } : {}),
      })
    : undefined;
  const configOff = new Set<string>();
  if (engine && config)
    for (const f of ruleFiles)
      for (const { component } of allComponents(f.components))
        if (isComponentDisabled(config, component)) configOff.add(component.displayName.toLowerCase());
  return { engine, configOff };
}

type Stats = {
  -readonly [K in
    | 'restored'
    | 'renamed'
    | 'kept'
    | 'overwritten'
    | 'linksDropped'
    | 'verified'
    | 'registryApplied'
    | 'registryKept'
    | 'registrySkipped'
    | 'iniApplied'
    | 'iniKept'
    | 'contentModified'
    | 'cleanedUp']: number;
};

/**
 * One LoadState apply: files, then shortcuts (their targets may have just been restored), the
 * commit point, INI settings, then folder times; each object's outcome goes to the report.
 */
class ApplyRun {
  readonly #options: LoadStateOptions;
  readonly #ctx: RunContext;
  readonly #reader: StoreReader;
  readonly #target: TargetVolume;
  readonly #captured: readonly CapturedUser[];
  readonly #users: UserPlanning;
  readonly #engine: RuleEngine | undefined;
  readonly #configOff: ReadonlySet<string>;
  readonly #planOf = new Map<string, UserPlan>();
  readonly #planOfPass: Map<number, UserPlan>;
  readonly #excludedUsers: Set<string>;
  readonly #attributeTarget: AttributeTarget;
  readonly #stats: Stats = {
    restored: 0,
    renamed: 0,
    kept: 0,
    overwritten: 0,
    linksDropped: 0,
    verified: 0,
    registryApplied: 0,
    registryKept: 0,
    registrySkipped: 0,
    iniApplied: 0,
    iniKept: 0,
    contentModified: 0,
    cleanedUp: 0,
  };
  readonly #registry: RegistryApplier;
  readonly #iniSettings: IniApplier;
  readonly #iniEntries = new Map<string, CatalogEntry>();
  readonly #failed: { winPath: string; message: string }[] = [];
  readonly #skipped: Record<SkipReason, number> = { user: 0, rules: 0, config: 0, neverRestore: 0 };
  readonly #total: number;
  #done = 0;
  // Files and folders are staged and moved into place only once the whole store has authenticated.
  readonly #staging: RestoreStaging;
  readonly #registryUsers = new Map<UserPlan, RegistryUser>();
  readonly #writer = new StagedFileWriter();
  /** Set while run() runs (store/young-generation.ts). */
  #youngCap: YoungGenerationCap | undefined;
  /** Shortcuts' checked bytes, kept from the first pass for the second (#keepShortcut). */
  readonly #shortcuts = new Map<string, Buffer>();
  /**
   * The catalog's shortcuts and folders, kept from the first pass for the passes that apply them
   * (shortcuts, folder times): each pass over the catalog decrypts, decompresses and parses all of
   * it again. Bounded: past KEPT_ENTRIES of a kind, that pass reads the catalog again.
   */
  readonly #kept = { links: [] as FileEntry[], dirs: [] as CatalogEntry[], linksAll: true, dirsAll: true };
  #shortcutBytes = 0;
  /** Writes handed to the writer thread and not settled yet. */
  readonly #writing = new Set<Promise<void>>();
  /** A failure of a handed-over write that ends the run, thrown at the next file or at the drain. */
  #deferredError: unknown;

  constructor(
    options: LoadStateOptions,
    ctx: RunContext,
    reader: StoreReader,
    target: TargetVolume,
    captured: readonly CapturedUser[],
    users: UserPlanning,
    rules: ApplyRules,
  ) {
    this.#options = options;
    this.#ctx = ctx;
    this.#reader = reader;
    this.#target = target;
    this.#captured = captured;
    this.#users = users;
    this.#engine = rules.engine;
    this.#configOff = rules.configOff;
    users.plans.forEach((p, i) => this.#planOf.set(userKey(p.source.name, p.source.domain), rules.engine ? { ...p, passIndex: i + 1 } : p));
    this.#excludedUsers = new Set(captured.map((u) => userKey(u.name, u.domain)).filter((k) => !this.#planOf.has(k)));
    // With /i files the LoadState rules decide what is applied (usmt-cli.md §3.2): a store object
    // they do not include, a NeverRestore object, a component Config.xml turns off stays in the store.
    this.#planOfPass = new Map([...this.#planOf.values()].filter((p) => p.passIndex !== undefined).map((p) => [p.passIndex!, p]));
    this.#attributeTarget = target.attributeSource;
    this.#registry = new RegistryApplier(target);
    this.#iniSettings = new IniApplier(target);
    this.#total = reader.trailer.files;
    this.#staging = new RestoreStaging(target);
  }

  async run(): Promise<LoadStateResult> {
    const { events, progress } = this.#ctx;
    events.phase('Applying', 'start');
    progress?.write('PHASE', 'Applying');
    progress?.percent(0);
    this.#registerProfiles();
    const youngCap = new YoungGenerationCap();
    this.#youngCap = youngCap;
    try {
      // <destinationCleanup> runs before anything is applied (§6.8).
      this.#stats.cleanedUp = (await this.#cleanUp()).length;
      await this.#applyEntries();
      await this.#applyShortcuts();
      await this.#drainWrites();
      await commitStaged(this.#reader, this.#staging, this.#ctx.events);
      await this.#applyIni();
      await this.#folderTimes();
    } catch (err) {
      events.phase('Applying', 'end', false);
      if (isFerryError(err) || typeof (err as NodeJS.ErrnoException)?.code === 'string') throw asFerryError(err);
      throw new FerryError('FERRY_E_USMT_RESTORE_FAILED', `Applying the store failed: ${(err as Error)?.message ?? String(err)}`, {
        cause: err,
      });
    } finally {
      youngCap.release();
      this.#youngCap = undefined;
      // The writer thread stops before its staging folder goes.
      await this.#writer.close();
      this.#staging.discard();
      this.#engine?.close();
    }
    return this.#finish();
  }

  /** Where one catalog entry lands, or why it does not. */
  #place(entry: CatalogEntry): Placement {
    // A file or folder in a user's profile is that user's, whichever pass collected it; one outside
    // every profile belongs to no user and is decided in every pass (loadstate-destinations.ts).
    const onDisk = entry.kind === 'file' || entry.kind === 'dir';
    const holder = onDisk ? profileHolding(entry.winPath, this.#captured) : undefined;
    if (holder && this.#excludedUsers.has(userKey(holder.name, holder.domain)))
      return { reason: 'user', why: 'userNotMigrated', skip: 'in the profile of a user not migrated' };
    const ownerless = onDisk && !holder;
    const entryPlan = entry.user ? this.#planOf.get(userKey(entry.user.name, entry.user.domain)) : undefined;
    const user = ownerless ? undefined : entryPlan;
    if (entry.user && !ownerless && !user)
      return {
        reason: 'user',
        why: 'userNotMigrated',
        skip: this.#excludedUsers.has(userKey(entry.user.name, entry.user.domain)) ? 'user not migrated' : 'user not in the store list',
      };
    if (this.#engine) return this.#placeByRules(this.#engine, entry, user, ownerless);
    // Without /i everything is applied at its original path; the capturing user still moves a shortcut's target (/mu).
    const found = { ...(entryPlan ? { user: entryPlan } : {}) };
    if (entry.kind === 'registry') return { dest: entry.winPath, ...found };
    return { dest: this.#onTarget(entry.winPath, user), ...found };
  }

  /** Placement decided by the LoadState rules: include/exclude, <locationModify>, further destinations. */
  #placeByRules(engine: RuleEngine, entry: CatalogEntry, user: UserPlan | undefined, ownerless: boolean): Placement {
    const registry = entry.kind === 'registry';
    const container = registry ? entry.valueName === null : entry.kind === 'dir';
    let checkLink = false;
    const ini = entry.kind === 'ini';
    const type = registry ? 'Registry' : ini ? 'Ini' : 'File';
    const k = registry ? registryKey(entry.winPath) : ini ? iniKey(entry.winPath) : fileKey(entry.winPath, container);
    const volumeEntry = entry.kind === 'file' || entry.kind === 'dir' ? pseudoEntry(entry) : undefined;
    const content =
      entry.kind === 'registry' && entry.regType !== undefined && entry.data !== undefined
        ? regDataString(decodeValueData(parseRegTypeName(entry.regType) ?? 0, entry.data))
        : entry.kind === 'ini'
          ? entry.value
          : null;
    const decide = (filters: ApplyFilterState | null) =>
      engine.decideKey(type, k.node, k.leaf, volumeEntry, ownerless ? undefined : user?.passIndex, content, filters);
    let d = decide(LINK_RELEVANT);
    if (d.decision !== 'include') return this.#notApplied(entry, d, decide(null).decision === 'include');
    if (entry.kind === 'file' && /\.lnk$/i.test(entry.winPath)) {
      // IgnoreIrrelevantLinks only matters when no include without it brings the shortcut in.
      const regardless = decide(LINK_IRRELEVANT);
      if (regardless.decision === 'include') d = regardless;
      else checkLink = true;
    }
    // A <locationModify> destination, before the profile move, is what the report calls rerouted.
    let rerouted: string | undefined;
    const all = applyDestinations(engine, entry.winPath, container, d, type, (to, inc) => {
      if (rerouted === undefined && to.toLowerCase() !== entry.winPath.toLowerCase()) rerouted = to;
      return registry ? to : this.#onTarget(to, this.#planOfPass.get(inc.pass.index) ?? user);
    });
    const also = all.slice(1).map((x) => ({
      ...x,
      ...(this.#planOfPass.get(x.inclusion.pass.index) ? { user: this.#planOfPass.get(x.inclusion.pass.index)! } : {}),
    }));
    const primary = all[0]!;
    const primaryUser = user ?? this.#planOfPass.get(primary.inclusion.pass.index);
    return {
      dest: primary.dest,
      inclusion: primary.inclusion,
      ...(primaryUser ? { user: primaryUser } : {}),
      ...(checkLink ? { checkLink } : {}),
      ...(also.length ? { also } : {}),
      ...(rerouted ? { rerouted } : {}),
    };
  }

  /** A file path for the target: the user's new profile, a missing drive mapped to the system drive. */
  #onTarget(path: string, user: UserPlan | undefined): string {
    let dest = user ? reroot(path, user.source.profilePath, user.target.profilePath) : path;
    const drive = /^[A-Za-z]:/.exec(dest)?.[0];
    if (drive && this.#target.driveRoot(drive) === null) dest = this.#target.systemDrive + dest.slice(2);
    return dest;
  }

  #notApplied(entry: CatalogEntry, d: Decision, gatheredOnly: boolean): Placement {
    if (gatheredOnly) return { reason: 'neverRestore', why: 'neverRestore', skip: 'NeverRestore: gathered into the store, never applied' };
    if (entry.component && this.#configOff.has(entry.component.toLowerCase()))
      return {
        reason: 'config',
        why: 'componentOff',
        rule: entry.component,
        skip: `its component "${entry.component}" is turned off in Config.xml`,
      };
    if (d.decision === 'exclude' && d.rule)
      return {
        reason: 'rules',
        why: 'excludedByRule',
        rule: ruleText(d.rule),
        skip: `excluded by the LoadState rules (${d.rule.component}: <${d.rule.kind}> ${d.rule.pattern})`,
      };
    return { reason: 'rules', why: 'notIncluded', skip: 'not included by the LoadState rules' };
  }

  /** A line for the `/l` log, rendered by the tool's log listener (cli-runner.ts). */
  #log(level: LogLevel, message: string): void {
    this.#ctx.events.log(level, LOG, message);
  }

  /** One object's outcome, for the migration report. */
  #report(outcome: ObjectOutcome, entry: CatalogEntry, reason?: ObjectReason, detail?: string): void {
    this.#ctx.events.emit({
      type: 'object',
      outcome,
      kind: entry.kind,
      object: entry.winPath,
      ...(entry.user ? { user: `${entry.user.domain}\\${entry.user.name}` } : {}),
      ...(entry.kind === 'file' && entry.size ? { bytes: entry.size } : {}),
      ...(reason ? { reason } : {}),
      ...(detail ? { detail } : {}),
    });
  }

  /** On the target, or staged to be: what a collision or a shortcut's target sees. */
  readonly #hostExists = (winPath: string): boolean => {
    try {
      const mapped = this.#mapped(winPath);
      return mapped.exists || this.#staging.has(mapped);
    } catch {
      return false;
    }
  };

  /** The last path mapped while placing a file: a file's collision check and its write map the same path. */
  #lastMapped: { readonly winPath: string; readonly mapped: TargetPath } | undefined;

  /** target.mapPath, remembered for the file being applied (the target does not change before the commit). */
  #mapped(winPath: string): TargetPath {
    const last = this.#lastMapped;
    if (last?.winPath === winPath) return last.mapped;
    const mapped = this.#target.mapPath(winPath);
    this.#lastMapped = { winPath, mapped };
    return mapped;
  }

  /** Run one write; a failure stops the run (61) or, with /c, is listed and skipped (false). */
  async #attempt(winPath: string, dest: string, write: () => Promise<void>): Promise<boolean> {
    try {
      await write();
      return true;
    } catch (err) {
      this.#failure(err, winPath, dest);
      return false;
    }
  }

  /** A write that failed: thrown on when it ends the run, else (/c) listed, logged, and its message returned. */
  #failure(err: unknown, winPath: string, dest: string): string {
    const fe = asFerryError(err);
    // A damaged store or a full target ends the run whatever /c says; other write failures are per object.
    if (FATAL_ON_APPLY.has(fe.code)) throw fe;
    if (!this.#options.continueOnError) {
      throw new FerryError(
        'FERRY_E_USMT_STOPPED_ON_ERROR',
        `Processing stopped: ${winPath} could not be restored to ${dest}: ${fe.message} ` +
          `Fix the target and run again, or add /c to continue past such errors.`,
        { cause: err, details: { path: winPath } },
      );
    }
    const { progress } = this.#ctx;
    this.#failed.push({ winPath, message: fe.message });
    progress?.write('error', 'UnableToApply');
    progress?.write('objectName', winPath);
    progress?.write('action', 'Ignore');
    this.#log('warn', `Could not restore ${winPath} (/c): ${fe.message}`);
    return fe.message;
  }

  /** `content`: the file's bytes, checked already (a shortcut kept from the first pass); else read from the store. */
  async #applyFile(entry: FileEntry, dest: string, inclusion: PassInclusion | undefined, content?: Buffer): Promise<void> {
    this.#lastMapped = undefined;
    const engine = this.#engine;
    const stats = this.#stats;
    const merge = inclusion && engine ? engine.mergeScriptFor(entry.winPath, false, inclusion.component) : undefined;
    const versions =
      merge?.name === 'NewestVersion' && this.#hostExists(dest)
        ? await newestVersionCompare(merge, this.#reader, entry, this.#target.mapPath(dest).hostPath)
        : 0;
    const outcome = resolveCollision({
      kind: 'file',
      path: dest,
      ...(merge ? { merge } : {}),
      exists: this.#hostExists,
      compare: () => versions,
    });
    if (outcome.action === 'skip') {
      stats.kept++;
      this.#report('notMigrated', entry, 'keptFromTarget', merge?.name ?? 'collision');
      this.#log('debug', `Kept the existing ${dest}; ${entry.winPath} from the store is not applied (${merge?.name ?? 'collision'})`);
      return;
    }
    if (outcome.path !== dest) {
      stats.renamed++;
      this.#report('changed', entry, 'collisionRenamed', outcome.path);
      this.#log('info', `${dest} exists on the target: ${entry.winPath} is restored as ${outcome.path}`);
    }
    if (outcome.action === 'overwrite') {
      stats.overwritten++;
      this.#report('changed', entry, 'overwrittenByMerge', merge?.name ?? 'merge rule');
    }
    // KeepExisting (<contentModify>): properties of the file being replaced survive the store's copy.
    const modify = inclusion ? contentModifyFor(entry.winPath, false, inclusion) : undefined;
    const existing = outcome.action === 'overwrite' && modify?.name === 'KeepExisting' ? await this.#target.stat(outcome.path) : null;
    const kept = existing && modify ? keepExisting(modify) : undefined;
    const meta =
      existing && kept
        ? {
            ...entry,
            ...(kept.timeFields ? { mtimeMs: existing.mtimeMs, atimeMs: existing.atimeMs } : {}),
            attributes: (entry.attributes & ~kept.attributeMask) | (existing.attributes & kept.attributeMask),
          }
        : entry;
    const owner = kept?.security ? lstatSync(this.#target.mapPath(outcome.path).hostPath) : undefined;
    if (kept) {
      stats.contentModified++;
      this.#log(
        'debug',
        `${modify!.text}: ${outcome.path} keeps its existing ` +
          ([kept.security && 'owner', kept.timeFields && 'times', kept.attributeMask && 'attributes'].filter(Boolean).join(', ') ||
            'nothing'),
      );
    }
    // Kept properties are the target's, not the store's: such a file is copied, never hard-linked to the store's inode.
    const reader = this.#reader;
    const linkFrom = reader.type === 'hardlink' && 'path' in entry.content ? `${reader.paths.usmtDir}/${entry.content.path}` : undefined;
    // The common case, a file of a compressed store that keeps nothing of the target, goes to the writer thread.
    if (!owner && 'offset' in entry.content) return this.#writeStaged(entry, meta, outcome.path, content);
    const ok = await this.#attempt(entry.winPath, outcome.path, async () => {
      const staged = this.#staging.fileFor(this.#target.mapPath(outcome.path));
      await restoreFile(
        staged,
        {
          ...(linkFrom && !kept ? { linkFrom } : {}),
          open: async () => (content ? bytesOf(content) : reader.content(entry)),
          checked: true,
        },
        meta,
        this.#attributeTarget,
        { direct: true },
      );
      if (owner) await chown(staged, owner.uid, owner.gid);
      this.#staging.added(staged);
    });
    if (!ok) return this.#report('notMigrated', entry, 'restoreFailed', this.#failed.at(-1)?.message);
    this.#restored(entry, outcome.path);
  }

  #restored(entry: FileEntry, dest: string): void {
    this.#report('restored', entry);
    this.#stats.restored++;
    this.#stats.verified++;
    this.#log('object', `Applied ${entry.winPath} → ${dest}`);
  }

  /**
   * Read the file's checked bytes and hand a copy of them to the writer thread; its
   * outcome is reported when the write ends (a failure that ends the run is thrown by the next
   * #applyFile or by #drainWrites). The staged name is taken at once, so collisions see it.
   */
  async #writeStaged(entry: FileEntry, meta: FileEntry, dest: string, content: Buffer | undefined): Promise<void> {
    this.#throwDeferred();
    let written: Promise<void> | undefined;
    let staged = '';
    const ok = await this.#attempt(entry.winPath, dest, async () => {
      staged = this.#staging.fileFor(this.#mapped(dest));
      // Views of the reader's chunks, copied once, straight into the writer's slab.
      if (!content && entry.size > WRITER_WHOLE_FILE) {
        // Too large to hold whole: handed over in parts as its chunks are read. Hashed here as it
        // is read: the writer thread, busy with the small files' system calls, is the slower of
        // the two on large trees (profiled at 2 GB). A mismatch ends the reading with
        // FERRY_E_STORE_TAMPERED, and the staged file is dropped.
        const parts = this.#reader.content(entry);
        ({ written } = await this.#writer.writeStreamed(staged, parts, entry.size, meta, this.#attributeTarget, null));
        this.#staging.added(staged, true);
        return;
      }
      // The writer thread checks the SHA-256 of a small file (the size is checked here).
      const pieces = content ? [content] : await piecesOf(this.#reader, entry, false);
      await this.#writer.room();
      written = this.#writer.write(staged, pieces, entry.size, meta, this.#attributeTarget, content ? null : entry.sha256);
      this.#staging.added(staged, true);
    });
    if (!ok || !written) return this.#report('notMigrated', entry, 'restoreFailed', this.#failed.at(-1)?.message);
    const settled: Promise<void> = written.then(
      () => {
        this.#staging.written(staged);
        this.#restored(entry, dest);
      },
      (err: unknown) => {
        this.#staging.written(staged);
        try {
          if ((err as NodeJS.ErrnoException).code === HASH_MISMATCH) throw this.#hashMismatch(entry);
          this.#report('notMigrated', entry, 'restoreFailed', this.#failure(err, entry.winPath, dest));
        } catch (fatal) {
          this.#deferredError ??= fatal;
        }
      },
    );
    this.#writing.add(settled);
    void settled.finally(() => this.#writing.delete(settled));
  }

  /** The store's bytes for `entry` do not match its catalog hash: the store is damaged, the run ends. */
  #hashMismatch(entry: FileEntry): FerryError {
    const file = this.#reader.file;
    return new FerryError(
      'FERRY_E_STORE_TAMPERED',
      `The store ${file} failed an integrity check: ${entry.winPath} does not match its SHA-256. Do not restore from it.`,
      { details: { path: file, winPath: entry.winPath } },
    );
  }

  #throwDeferred(): void {
    if (this.#deferredError !== undefined) throw this.#deferredError;
  }

  /** Wait for every write handed to the writer thread; the first failure that ends the run is thrown. */
  async #drainWrites(): Promise<void> {
    while (this.#writing.size) await Promise.all(this.#writing);
    await this.#writer.close();
    this.#throwDeferred();
  }

  // New profiles get a ProfileList entry; values move with the profile folder and the SID.
  #registerProfiles(): void {
    for (const plan of this.#planOf.values()) {
      const sid = plan.created ? profileSid(plan, this.#registry, this.#ctx.events) : undefined;
      if (sid) {
        const listed = this.#registry.registerProfile(sid, plan.target.profilePath);
        if (listed === null)
          this.#log('warn', `The target has no SOFTWARE hive: ${plan.target.profilePath} (${sid}) is not added to its ProfileList.`);
        else if (listed !== 'present') this.#log('info', `ProfileList: ${sid} → ${plan.target.profilePath} (${listed})`);
        // The first-boot step that creates the account finds its profile by this SID.
        if (plan.plannedAccount) this.#users.accounts?.setProfileSid(plan.target.name, sid);
      }
      const { profilePath: fromProfile, sid: fromSid } = plan.source;
      const remap: ProfileRemap = {
        fromProfile,
        toProfile: plan.target.profilePath,
        ...(fromSid && sid && sid !== fromSid ? { fromSid, toSid: sid } : {}),
      };
      const moved = remap.fromProfile.toLowerCase() !== remap.toProfile.toLowerCase() || remap.toSid !== undefined;
      this.#registryUsers.set(plan, { profilePath: plan.target.profilePath, ...(moved ? { remap } : {}) });
    }
  }

  async #applyRegistry(
    entry: RegistryEntry,
    dest: string,
    inclusion: PassInclusion | undefined,
    user: UserPlan | undefined,
  ): Promise<void> {
    const engine = this.#engine;
    const stats = this.#stats;
    const merge =
      inclusion && engine ? engine.mergeScriptFor(entry.winPath, entry.valueName === null, inclusion.component, 'Registry') : undefined;
    const modify = inclusion && entry.valueName !== null ? contentModifyFor(entry.winPath, false, inclusion, 'Registry') : undefined;
    const result: { outcome?: RegistryOutcome } = {};
    const ok = await this.#attempt(entry.winPath, dest, async () => {
      result.outcome = await this.#registry.apply(
        entry,
        parseRegLocation(dest),
        user ? this.#registryUsers.get(user) : undefined,
        merge,
        modify,
      );
    });
    if (!ok) return this.#report('notMigrated', entry, 'restoreFailed', this.#failed.at(-1)?.message);
    if (result.outcome === 'written') {
      stats.registryApplied++;
      this.#report('restored', entry);
    } else if (result.outcome === 'kept') {
      stats.registryKept++;
      this.#report('notMigrated', entry, 'keptFromTarget', merge?.name ?? 'merge rule');
    } else {
      stats.registrySkipped++;
      this.#report('notMigrated', entry, 'notApplicableOffline', 'only HKCU and HKLM\\Software are written to an offline target');
      this.#log('debug', `Not applied: ${entry.winPath} (only HKCU and HKLM\\Software are written to an offline target)`);
    }
  }

  /** <destinationCleanup>: target objects the rules name are deleted before anything is applied. */
  async #cleanUp(): Promise<readonly unknown[]> {
    if (!this.#engine) return [];
    return destinationCleanup(
      this.#engine,
      this.#target,
      this.#registry,
      (pass) => {
        const plan = this.#planOfPass.get(pass.index);
        return plan ? { from: plan.source.profilePath, to: plan.target.profilePath } : undefined;
      },
      (pass) => {
        const plan = this.#planOfPass.get(pass.index);
        return plan ? this.#registryUsers.get(plan) : undefined;
      },
      this.#ctx.events,
    );
  }

  /** The first pass over the store: registry values, INI settings gathered, folders and files staged (shortcuts wait). */
  async #applyEntries(): Promise<void> {
    const { events, progress } = this.#ctx;
    for await (const entry of this.#reader.entries()) {
      const p = this.#place(entry);
      if ('skip' in p) {
        this.#skipped[p.reason]++;
        this.#report('notMigrated', entry, p.why, p.rule);
        this.#log('debug', `Not applied: ${entry.winPath} (${p.skip})`);
        if (entry.kind === 'file') this.#done++;
        continue;
      }
      if (p.rerouted) this.#report('changed', entry, 'rerouted', p.rerouted);
      if (entry.kind === 'registry') {
        await this.#applyRegistry(entry, p.dest, p.inclusion, p.user);
        for (const a of p.also ?? []) await this.#applyRegistry(entry, a.dest, a.inclusion, a.user);
        continue;
      }
      if (entry.kind === 'ini') {
        const merge =
          p.inclusion && this.#engine ? this.#engine.mergeScriptFor(entry.winPath, false, p.inclusion.component, 'Ini') : undefined;
        this.#iniSettings.add(entry.winPath, p.dest, entry.value, merge);
        this.#iniEntries.set(entry.winPath, entry);
        continue;
      }
      if (entry.kind === 'dir') {
        this.#keep(entry);
        for (const dest of [p.dest, ...(p.also ?? []).map((a) => a.dest)])
          await this.#attempt(entry.winPath, dest, async () => this.#staging.dirFor(this.#target.mapPath(dest)));
        continue;
      }
      if (entry.kind !== 'file') continue;
      this.#done++;
      this.#youngCap?.check();
      if (/\.lnk$/i.test(entry.winPath)) {
        this.#keep(entry);
        await this.#keepShortcut(entry);
        continue;
      }
      await this.#applyFile(entry, p.dest, p.inclusion);
      for (const a of p.also ?? []) await this.#applyFile(entry, a.dest, a.inclusion);
      events.emit({ type: 'progress', phase: 'Applying', done: this.#done, total: this.#total, current: entry.winPath });
      if (this.#total) progress?.percent((this.#done / this.#total) * 99);
    }
  }

  /** Shortcuts last, so that IgnoreIrrelevantLinks sees the targets this restore brings. */
  /** Keep a folder or shortcut entry of the first pass for its later pass, within KEPT_ENTRIES. */
  #keep(entry: CatalogEntry): void {
    const k = this.#kept;
    if (entry.kind === 'dir') {
      if (k.dirs.length < KEPT_ENTRIES) k.dirs.push(entry);
      else k.dirsAll = false;
    } else if (entry.kind === 'file') {
      if (k.links.length < KEPT_ENTRIES) k.links.push(entry);
      else k.linksAll = false;
    }
  }

  /** The entries of one later pass: kept from the first pass, or the whole catalog again when they did not all fit. */
  #later(kind: 'links' | 'dirs'): AsyncIterable<CatalogEntry> | Iterable<CatalogEntry> {
    const k = this.#kept;
    const all = kind === 'links' ? k.linksAll : k.dirsAll;
    return all ? k[kind] : this.#reader.entries();
  }

  async #applyShortcuts(): Promise<void> {
    for await (const entry of this.#later('links')) {
      if (entry.kind !== 'file' || !/\.lnk$/i.test(entry.winPath)) continue;
      const p = this.#place(entry);
      if ('skip' in p) continue;
      const bytes = this.#shortcuts.get(shortcutKey(entry)) ?? (await readShortcut(this.#reader, entry));
      for (const at of [p, ...(p.also ?? [])]) {
        if (p.checkLink && !linkIsRelevant(entry, bytes, at.dest, at.user, this.#target, this.#hostExists, this.#ctx.events)) {
          this.#stats.linksDropped++;
          this.#report('notMigrated', entry, 'linkDropped', 'IgnoreIrrelevantLinks: its target does not exist on the target computer');
          continue;
        }
        await this.#applyFile(entry, at.dest, at.inclusion, bytes);
      }
    }
    this.#shortcuts.clear();
    this.#kept.links = [];
  }

  /**
   * A shortcut's bytes, read while its chunk is at hand: the second pass applies them without
   * reading (and decrypting, decompressing) its chunk again. Bounded: past the bound it re-reads.
   */
  async #keepShortcut(entry: FileEntry): Promise<void> {
    if (entry.size > MAX_LINK_BYTES || this.#shortcutBytes + entry.size > MAX_SHORTCUT_BYTES_KEPT) return;
    this.#shortcutBytes += entry.size;
    const bytes = await readShortcut(this.#reader, entry);
    if (bytes) this.#shortcuts.set(shortcutKey(entry), bytes);
  }

  /** INI settings: each destination file read and replaced once, with all its settings. */
  async #applyIni(): Promise<void> {
    const entryOf = (from: string) => this.#iniEntries.get(from) ?? ({ kind: 'ini', winPath: from } as CatalogEntry);
    for (const file of this.#iniSettings.files()) {
      await this.#attempt(file, file, async () => {
        const r = await this.#iniSettings.apply(file);
        this.#stats.iniApplied += r.applied.length;
        this.#stats.iniKept += r.kept.length;
        for (const from of r.applied) this.#log('object', `Applied ${from} → ${file}`);
        for (const from of r.kept) this.#log('debug', `Kept the target's setting; ${from} from the store is not applied (merge rule)`);
        for (const from of r.applied) this.#report('restored', entryOf(from));
        for (const from of r.kept) this.#report('notMigrated', entryOf(from), 'keptFromTarget', 'merge rule');
      });
    }
  }

  /** Folder times last: writing their files changed them. */
  async #folderTimes(): Promise<void> {
    for await (const entry of this.#later('dirs')) {
      if (entry.kind !== 'dir') continue;
      const p = this.#place(entry);
      if ('skip' in p) continue;
      for (const dest of [p.dest, ...(p.also ?? []).map((a) => a.dest)]) {
        let mapped;
        try {
          mapped = this.#target.mapPath(dest);
        } catch {
          continue; // a folder that could not be created (reported above with /c)
        }
        if (mapped.exists)
          await applyMetadata(mapped.hostPath, entry, this.#attributeTarget).catch((err) =>
            this.#log('warn', `Could not set the times of ${dest}: ${(err as Error).message}`),
          );
      }
    }
  }

  /** Hives saved, account plan written, the summary and the result. */
  async #finish(): Promise<LoadStateResult> {
    const { events, progress } = this.#ctx;
    const registry = this.#registry;
    const hives = registry.save();
    for (const h of hives) this.#log('info', `Registry settings written to ${h}`);
    if (registry.missingSoftware) {
      events.warn(
        'FERRY_W_REGISTRY_UNAVAILABLE',
        `The target has no SOFTWARE hive ` +
          `under ${this.#target.windowsWinPath}\\System32\\config: ${registry.missingSoftware} ` +
          `HKLM\\Software registry object(s) were not applied.`,
        this.#target.windowsWinPath,
      );
    }
    events.phase('Applying', 'end', true);

    const { plans, needsLac, accounts } = this.#users;
    const accountPlan = accounts && accounts.accounts.length ? await accounts.write() : undefined;
    if (accountPlan) this.#log('info', `Local accounts to create on first boot recorded in ${accountPlan}`);
    progress?.percent(100);

    const failed = this.#failed;
    events.log('info', 'summary', this.#summary());
    if (failed.length) events.warn('FERRY_W_USMT_ERRORS_SKIPPED', `${failed.length} file(s) could not be restored and were skipped (/c).`);

    const exitCode = needsLac.length ? USMT_ERROR_USE_LAC : failed.length ? USMT_WOULD_HAVE_FAILED : USMT_SUCCESS;
    return {
      exitCode,
      users: new Map(plans.map((p) => [`${p.source.domain}\\${p.source.name}`, `${p.target.domain}\\${p.target.name}`])),
      needsLac,
      ...this.#stats,
      notApplied: this.#skipped,
      registryModified: registry.modified,
      failed,
      ...(accountPlan ? { accountPlan } : {}),
    };
  }

  #summary(): string {
    const stats = this.#stats;
    const skipped = this.#skipped;
    const registry = this.#registry;
    const { needsLac } = this.#users;
    return (
      (stats.cleanedUp
        ? `Deleted ${stats.cleanedUp} target file(s) and registry value(s) named by ` +
          `<destinationCleanup> rules before applying (each listed in the log). `
        : '') +
      (`Restored ${stats.restored} files (${stats.renamed} renamed on ` +
        `collision, ${stats.overwritten} overwritten by merge rules, ${stats.kept} kept from the ` +
        `target), `) +
      (`${stats.linksDropped} irrelevant shortcuts dropped, ${stats.contentModified} kept properties of the file they ` +
        `replaced (KeepExisting); verified ${stats.verified} restored files against the catalog: all match. `) +
      (stats.iniApplied || stats.iniKept ? `INI settings: ${stats.iniApplied} applied, ${stats.iniKept} kept from the target. ` : '') +
      (`Registry: ${stats.registryApplied} applied (${registry.remapped} with profile paths or ` +
        `SID remapped, ${registry.modified} rewritten by <contentModify>), ${stats.registryKept} ` +
        `kept from the target, ${stats.registrySkipped} not applicable offline.`) +
      (` Not applied: ${skipped.rules} not included by the LoadState rules, ${skipped.config} of components turned ` +
        `off in Config.xml, ${skipped.neverRestore} NeverRestore, ${skipped.user} of users not migrated.`) +
      (this.#failed.length ? ` ${this.#failed.length} file(s) failed and were skipped (/c).` : '') +
      (needsLac.length ? ` Not restored (needs /lac): ${needsLac.join(', ')}.` : '')
    );
  }
}

const userKey = (name: string, domain: string) => `${domain}\\${name}`.toLowerCase();

/**
 * The commit point: every data frame not read for a restored file is authenticated now (each
 * frame is read once in the whole run), and only then do the staged files and folders move into
 * place. A damaged frame ends the run here, with nothing of the store on the target.
 */
async function commitStaged(reader: StoreReader, staging: RestoreStaging, events: EventStream): Promise<void> {
  await reader.authenticateRest();
  const moved = staging.commit();
  events.log('info', LOG, `Every frame of the store authenticated: ${moved} staged file(s) and folder(s) moved into place.`);
}

/**
 * The SID of a profile LoadState creates: the captured SID when the account is the same one
 * (no /mu, no /md); a new local SID for a local account renamed with /mu (the account is
 * created on the target, see /lac). A domain account under another name or domain has a SID
 * only its domain knows: none, and no ProfileList entry (Windows makes one at first logon).
 */
function profileSid(plan: UserPlan, registry: RegistryApplier, events: EventStream): string | undefined {
  const { source, target } = plan;
  const sameDomain = source.domain.toLowerCase() === target.domain.toLowerCase();
  if (sameDomain && source.name.toLowerCase() === target.name.toLowerCase()) return source.sid;
  if (sameDomain && source.isLocal) return registry.newLocalSid();
  events.log(
    'info',
    LOG,
    `${target.domain}\\${target.name} is a different domain account: its SID is not known ` +
      `offline, so no ProfileList entry is written for ${target.profilePath}.`,
  );
  return undefined;
}

/** Move `path` from under `from` to under `to` (case-insensitive, whole segments). */
function reroot(path: string, from: string, to: string): string {
  if (from.toLowerCase() === to.toLowerCase()) return path;
  const p = path.toLowerCase();
  const f = from.replace(/\\+$/, '').toLowerCase();
  if (p === f || p.startsWith(`${f}\\`)) return to.replace(/\\+$/, '') + path.slice(f.length);
  return path;
}

/** A catalog entry seen as a volume entry, for include filters that look at attributes or size. */
function pseudoEntry(entry: Exclude<CatalogEntry, { kind: 'registry' | 'ini' }>): VolumeEntry {
  return {
    winPath: entry.winPath,
    hostPath: '',
    kind: entry.kind,
    size: entry.kind === 'file' ? entry.size : 0,
    mtimeMs: entry.mtimeMs,
    atimeMs: entry.atimeMs,
    birthtimeMs: entry.birthtimeMs,
    attributes: entry.attributes,
    mode: entry.kind === 'dir' ? 0o755 : 0o644,
    dev: 0,
    ino: 0,
    nlink: 1,
  };
}

const MAX_LINK_BYTES = 1024 * 1024;
/** Folder or shortcut entries kept from the first pass at most, of each kind (a few hundred bytes each). */
const KEPT_ENTRIES = 20_000;
/** Shortcut bytes kept between the two passes at most (a few KiB each). */
const MAX_SHORTCUT_BYTES_KEPT = 16 * 1024 * 1024;

/** A shortcut's checked bytes; none when it is too large to be parsed as one (it is then restored unchecked). */
async function readShortcut(reader: StoreReader, entry: FileEntry): Promise<Buffer | undefined> {
  if (entry.size > MAX_LINK_BYTES) return undefined;
  // A copy of its own (concat copies even one piece): a view would keep the whole 4 MiB chunk alive.
  return Buffer.concat(await piecesOf(reader, entry, true), entry.size);
}

/**
 * A file's bytes as views of the reader's chunks, every piece but the last copied: LoadState's
 * reader frees a chunk once it has read two past it (releaseChunks), and a file may span more.
 * Only a file that crosses a chunk boundary has a piece to copy (a small one, about once a chunk).
 */
async function piecesOf(reader: StoreReader, entry: FileEntry, hash: boolean): Promise<Buffer[]> {
  const pieces: Buffer[] = [];
  let got = 0;
  for await (const piece of reader.content(entry, { hash })) {
    got += piece.length;
    pieces.push(got < entry.size ? Buffer.from(piece) : piece);
  }
  return pieces;
}

function shortcutKey(entry: FileEntry): string {
  return `${entry.winPath}\0${'offset' in entry.content ? entry.content.offset : entry.content.path}`;
}

async function* bytesOf(content: Buffer): AsyncGenerator<Buffer> {
  yield content;
}

/**
 * IgnoreIrrelevantLinks: a shortcut whose target can be read and does not exist on the target
 * (after this restore, with the user's profile moved) is dropped; an unreadable one is kept
 * with a warning; a network target cannot be checked offline and is kept.
 */
function linkIsRelevant(
  entry: FileEntry,
  bytes: Buffer | undefined,
  dest: string,
  user: UserPlan | undefined,
  target: TargetVolume,
  exists: (winPath: string) => boolean,
  events: EventStream,
): boolean {
  if (bytes === undefined) return true;
  const parsed = parseShellLink(bytes);
  if (!parsed) {
    events.warn(
      'FERRY_W_USMT_LINK_UNPARSEABLE',
      `The shortcut ${entry.winPath} could not be parsed; it is restored without checking its target.`,
      entry.winPath,
    );
    return true;
  }
  if (parsed.kind === 'network') return true;
  let linkTarget = parsed.kind === 'relative' ? resolveRelative(dest, parsed.path) : parsed.path;
  if (user) linkTarget = reroot(linkTarget, user.source.profilePath, user.target.profilePath);
  const drive = /^[A-Za-z]:/.exec(linkTarget)?.[0];
  if (drive && target.driveRoot(drive) === null) linkTarget = target.systemDrive + linkTarget.slice(2);
  if (exists(linkTarget)) return true;
  events.log(
    'info',
    LOG,
    `Dropped the shortcut ${entry.winPath}: its target ${linkTarget} does not exist on the target (IgnoreIrrelevantLinks)`,
  );
  return false;
}

function resolveRelative(linkPath: string, rel: string): string {
  const parts = linkPath.split('\\').slice(0, -1);
  for (const seg of rel.split('\\')) {
    if (seg === '..') parts.pop();
    else if (seg !== '.' && seg !== '') parts.push(seg);
  }
  return parts.join('\\');
}
