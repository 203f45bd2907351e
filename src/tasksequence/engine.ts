// The task sequence engine (TSManager, task-sequence.md §3): runs groups and steps strictly in
// order, evaluates conditions right before each one, injects each step's action variables for
// the time it runs, applies success codes, continue-on-error and group failure rules, and keeps
// `_SMSTSLastAction*`. Its whole state is persisted before and after every step, so a Restart
// Computer step (or a kill -9) is followed by `Engine.resume`, which continues at the next step
// without running a finished one again.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { FerryError } from '../errors/index.ts';
import { maskedStream, silentEvents, type EventStream } from '../events/index.ts';
import { toHostPath, type TaskSequenceComputer, type ComputerIdentity, type RegistryReader, type WmiInstance } from './computer.ts';
import { evaluateCondition } from './conditions.ts';
import { walkSteps, type KnownStep, type SequenceNode, type Step, type TaskSequence } from './model.ts';
import { builtinUsmtRunner, localPackages, type ImageSource, type PackageResolver, type SmpPortFactory, type UsmtRunner } from './ports.ts';
import { applyOperatingSystem, DEFAULT_USER_STATE_PATH, setupWindows, type OsImageContext } from './os-image.ts';
import { applyNetworkSettings, applyWindowsSettings } from './os-settings.ts';
import { platformSkipReason } from './platform-skip.ts';
import { commandArgv, runCommandLine } from './run-command.ts';
import { SmstsLog, type SmstsLogOptions } from './smsts-log.ts';
import {
  lockState,
  readEngineState,
  saveEngineState,
  SEQUENCE_FILE,
  STATE_FILE,
  writeEngineFile,
  type EngineState,
  type NodeOutcome,
} from './state.ts';
import { propertyVariables, stepTypeSpec, type StepTypeSpec } from './step-types.ts';
import { captureUserState, E_FAIL, releaseStateStore, requestStateStore, restoreUserState, type UserStateContext } from './user-state.ts';
import { hasErrors, validateSequence, type ValidationIssue } from './validate.ts';
import { checkVariableName, checkVariableValue, layerVariables, TsEnvironment, type VariableLayers } from './variables.ts';
import { computerNameFromVolume, operatingSystemWmi, volumeRegistry } from './volume-facts.ts';
import { parseSequenceXml, serializeSequenceXml } from './xml.ts';

/** What other parts inject; none of it is persisted (given again to `resume`). */
export interface EngineDeps {
  /** ScanState/LoadState/UsmtUtils (default: Ferry's engine, loaded lazily). */
  usmt?: UsmtRunner;
  /** State migration point client factory; absent = no SMP configured. */
  smp?: SmpPortFactory;
  events?: EventStream;
  /** Package resolver (default: `--package` mappings kept in the state, else built-in USMT). */
  packages?: PackageResolver;
  /** Operating system image content (the agent: from the site); default: the package resolver's path. */
  images?: ImageSource;
  /** Registry of the computer for conditions (default: the volume's HKLM hives when readable). */
  registry?: RegistryReader;
  /** Extra WMI classes for conditions (root\cimv2). */
  wmi?: Record<string, WmiInstance[]>;
  log?: SmstsLogOptions;
}

/** The package the sequence came from, as `_SMSTSPackageID` and `_SMSTSPackageName` name it. */
export interface TaskSequenceIdentity {
  /** `_SMSTSPackageID` / `_SMSTSPackageName`. */
  packageId?: string;
  packageName?: string;
  /** `_SMSTSAdvertID`: the deployment id; absent for stand-alone runs. */
  advertId?: string;
  siteCode?: string;
  managementPoint?: string;
  clientGuid?: string;
}

/** What `Engine.start` runs: the sequence, the computer and its volume, the starting variables and packages. */
export interface StartOptions extends EngineDeps {
  sequence: TaskSequence;
  /**
   * The volume root and identity; missing identity fields get stable defaults. `device`: the NTFS block device or image file mounted on
   * `root`.
   */
  computer: { root: string; device?: string } & Partial<ComputerIdentity>;
  /** State folder (default `<root>/_SMSTaskSequence`, where ConfigMgr keeps it). */
  stateDir?: string;
  /** Start in Windows PE (`_SMSTSInWinPE=true`). */
  winPE?: boolean;
  variables?: VariableLayers;
  /** Package id → host folder (`--package ID=DIR`). */
  packageFolders?: Record<string, string>;
  identity?: TaskSequenceIdentity;
}

/** How a run ended: succeeded, failed (at which step), or a restart is due (resume from `stateDir`). */
export interface RunResult {
  status: 'succeeded' | 'failed' | 'restart';
  stateDir: string;
  /** Host path of smsts.log. */
  logPath: string;
  /** The step that failed the sequence. */
  failedStep?: { name: string; path: string; exitCode: number };
  /** With status `restart`: the environment the computer restarts into. */
  restartInto?: 'HD' | 'WinPE';
}

class RestartNow {}

const TS = 'TSManager';

/**
 * Runs a task sequence on a computer, persisting its state after each step so a restart (or a
 * kill) resumes at the next step.
 * @example
 * const engine = await Engine.start({ sequence, computer: { root: '/mnt/c' } });
 * const result = await engine.run(); // later, after a restart: (await Engine.resume(stateDir)).run()
 */
export class Engine {
  readonly #seq: TaskSequence;
  readonly #state: EngineState;
  readonly #stateDir: string;
  readonly #env: TsEnvironment;
  readonly #computer: TaskSequenceComputer;
  readonly #usmt: UsmtRunner;
  readonly #smp: SmpPortFactory | undefined;
  readonly #events: EventStream;
  readonly #packages: PackageResolver;
  readonly #images: ImageSource | undefined;
  readonly #log: SmstsLog;
  #unlock: (() => void) | undefined;
  #removeStateDir = false;

  private constructor(
    seq: TaskSequence,
    state: EngineState,
    stateDir: string,
    deps: EngineDeps,
    computer: TaskSequenceComputer,
    unlock: () => void,
  ) {
    this.#seq = seq;
    this.#state = state;
    this.#stateDir = stateDir;
    this.#env = new TsEnvironment(state.variables, state.secretVariables);
    this.#computer = computer;
    this.#usmt = deps.usmt ?? builtinUsmtRunner();
    this.#smp = deps.smp;
    const secretEnv = this.#env;
    // Everything the engine reports goes out with secret variable values masked.
    this.#events = maskedStream(deps.events ?? silentEvents(), (text) => secretEnv.redact(text));
    this.#packages = deps.packages ?? localPackages(state.packages);
    this.#images = deps.images;
    const events = this.#events;
    this.#log = new SmstsLog(state.logDir, {
      ...deps.log,
      mask: (text) => secretEnv.redact(text),
      onRecord: (rec) => {
        deps.log?.onRecord?.(rec);
        events.log(rec.type === 3 ? 'error' : rec.type === 2 ? 'warn' : 'info', rec.component, rec.message);
      },
    });
    this.#unlock = unlock;
  }

  /** Validate, create the state folder and prepare a run; refuses a sequence with validation errors. */
  static async start(options: StartOptions): Promise<Engine> {
    // Absolute: the USMT tools run with another current folder.
    const root = resolve(options.computer.root);
    const stateDir = resolve(options.stateDir ?? join(root, '_SMSTaskSequence'));
    const initial = layerVariables(options.variables ?? {});
    const packages = options.packages ?? localPackages(options.packageFolders ?? {});
    const issues = validateSequence(options.sequence, { packages, variables: initial, purpose: 'run' });
    if (hasErrors(issues)) {
      throw new FerryError(
        'FERRY_E_TS_SEQUENCE_INVALID',
        `The task sequence has ${issues.filter((i) => i.severity === 'error').length} validation error(s): ${describeIssues(issues)}`,
        {
          details: { issues },
        },
      );
    }
    const unlock = lockState(stateDir);
    try {
      if (existsSync(join(stateDir, STATE_FILE))) {
        const previous = readEngineState(stateDir);
        if (previous.status === 'running' || previous.status === 'restarting') {
          throw new FerryError(
            'FERRY_E_TS_IN_PROGRESS',
            `A task sequence is ${previous.status === 'restarting' ? 'waiting for its restart' : 'in progress'} ` +
              `in ${stateDir}; continue it with \`ferry ts resume --state ${stateDir}\` or use another state folder.`,
            {
              details: { stateDir, status: previous.status },
            },
          );
        }
      }
      const identity: ComputerIdentity = {
        name: options.computer.name ?? (await computerNameFromVolume(options.registry ?? volumeRegistry(root))) ?? 'MINWINPC',
        macAddress: options.computer.macAddress ?? '00:15:5D:00:00:01',
        smbiosGuid: options.computer.smbiosGuid ?? '00000000-0000-0000-0000-000000000001',
      };
      const winPE = options.winPE === true;
      const logDir = toHostPath(root, winPE ? 'C:\\_SMSTaskSequence\\Logs\\Smstslog' : 'C:\\Windows\\CCM\\Logs\\SMSTSLog')!;
      const env = new TsEnvironment(
        initial,
        (options.variables?.secret ?? []).map((n) => n.toLowerCase()),
      );
      for (const v of options.sequence.globalVariables ?? []) if (!env.has(v.name)) env.set(v.name, v.value);
      const id = options.identity ?? {};
      const builtins: Record<string, string | undefined> = {
        _SMSTSInWinPE: String(winPE),
        _SMSTSMachineName: identity.name,
        _SMSTSLogPath: winPE ? 'C:\\_SMSTaskSequence\\Logs\\Smstslog' : 'C:\\Windows\\CCM\\Logs\\SMSTSLog',
        _SMSTSPackageID: id.packageId ?? 'FERRY001',
        _SMSTSPackageName: id.packageName ?? options.sequence.name ?? 'Task Sequence',
        _SMSTSAdvertID: id.advertId,
        _SMSTSSiteCode: id.siteCode,
        _SMSTSMP: id.managementPoint,
        _SMSTSClientGUID: id.clientGuid ?? `GUID:${identity.smbiosGuid}`,
        _SMSTSLaunchMode: id.advertId ? 'SMS' : 'HD',
        _SMSTSType: '2',
        _SMSTSUserStarted: 'false',
        _SMSTSBootUEFI: 'false',
        _SMSTSMDataPath: 'C:\\_SMSTaskSequence',
      };
      for (const [k, v] of Object.entries(builtins)) if (v !== undefined) env.set(k, v);
      // The folder Apply Operating System Image keeps (ConfigMgr's local state store).
      if (!env.has('_SMSTSUserStatePath')) env.set('_SMSTSUserStatePath', DEFAULT_USER_STATE_PATH);
      const now = new Date().toISOString();
      const state: EngineState = {
        format: 'ferry-ts-state',
        version: 1,
        status: 'running',
        startedAt: now,
        updatedAt: now,
        computer: { root, ...(options.computer.device ? { device: resolve(options.computer.device) } : {}), ...identity },
        inWinPE: winPE,
        variables: env.toRecord(),
        secretVariables: env.secretNames(),
        nodes: {},
        packages: packages.mappings(),
        logDir,
        restarts: 0,
      };
      mkdirSync(stateDir, { recursive: true });
      writeEngineFile(join(stateDir, SEQUENCE_FILE), serializeSequenceXml(options.sequence));
      saveEngineState(stateDir, state);
      const engine = new Engine(options.sequence, state, stateDir, { ...options, packages }, await computerFor(state, options), unlock);
      engine.#log.info(
        TS,
        `Task sequence "${options.sequence.name ?? state.variables._SMSTSPackageName}" starting ` +
          `on ${identity.name} (${winPE ? 'Windows PE' : 'full OS'}), volume ${root}, state ${stateDir}.`,
      );
      for (const w of issues) engine.#log.warn(TS, `${w.code}: ${w.step ? `"${w.step}": ` : ''}${w.message}`);
      for (const w of issues) engine.#events.warn(w.code, w.message);
      return engine;
    } catch (err) {
      unlock();
      throw err;
    }
  }

  /** Continue the sequence kept in `stateDir` after a restart or an interruption. */
  static async resume(stateDir: string, deps: EngineDeps = {}): Promise<Engine> {
    const unlock = lockState(stateDir);
    try {
      const state = readEngineState(stateDir);
      if (state.status === 'succeeded' || state.status === 'failed') {
        throw new FerryError(
          'FERRY_E_TS_ALREADY_FINISHED',
          `The task sequence in ${stateDir} already ${state.status}; there is nothing to resume.`,
          { details: { stateDir, status: state.status } },
        );
      }
      let text: string;
      try {
        text = readFileSync(join(stateDir, SEQUENCE_FILE), 'utf8');
      } catch (err) {
        throw new FerryError('FERRY_E_TS_STATE_INVALID', `${join(stateDir, SEQUENCE_FILE)} is missing; the state folder is incomplete.`, {
          cause: err,
          details: { stateDir },
        });
      }
      const seq = parseSequenceXml(text, join(stateDir, SEQUENCE_FILE));
      const engine = new Engine(seq, state, stateDir, deps, await computerFor(state, deps), unlock);
      if (state.status === 'restarting') {
        state.restarts++;
        state.inWinPE = state.restartTarget === 'WinPE';
        engine.#env.set('_SMSTSInWinPE', String(state.inWinPE));
        engine.#log.info(
          TS,
          `Resuming after restart ${state.restarts} into ${state.inWinPE ? 'Windows PE' : 'the installed operating system'}.`,
        );
        delete state.restartTarget;
      } else {
        engine.#log.warn(TS, 'Resuming a task sequence that was interrupted; the step that was running when it stopped runs again.');
      }
      state.status = 'running';
      engine.#save();
      return engine;
    } catch (err) {
      unlock();
      throw err;
    }
  }

  get stateDir(): string {
    return this.#stateDir;
  }

  get state(): Readonly<EngineState> {
    return this.#state;
  }

  get sequence(): TaskSequence {
    return this.#seq;
  }

  /** Current variables (a copy). */
  variables(): Record<string, string> {
    return this.#env.toRecord();
  }

  /** Run until the sequence ends or a restart is due. */
  async run(): Promise<RunResult> {
    this.#events.phase('tasksequence', 'start');
    try {
      const outcome = await this.#runChildren(this.#seq.children, '');
      const ok = outcome === 'ok';
      this.#state.status = ok ? 'succeeded' : 'failed';
      if (ok) this.#log.info(TS, 'Task sequence completed successfully.');
      if (ok) this.#cleanUp();
      else
        this.#log.error(
          TS,
          `Task sequence execution failed (step ${this.#state.failedStep ?? '?'}, ` +
            `return code ${this.#env.get('_SMSTSLastActionRetCode') ?? '?'}).`,
        );
      this.#finishLogs();
      this.#save();
      if (this.#removeStateDir) {
        rmSync(this.#stateDir, { recursive: true, force: true });
        this.#log.info(TS, `The working folder ${this.#stateDir} is removed.`);
      }
      this.#postAction();
      this.#events.phase('tasksequence', 'end', ok);
      return {
        status: ok ? 'succeeded' : 'failed',
        stateDir: this.#stateDir,
        logPath: this.#log.path,
        ...(ok ? {} : { failedStep: this.#failedStep() }),
      };
    } catch (err) {
      if (!(err instanceof RestartNow)) throw err;
      const into = this.#state.restartTarget ?? 'HD';
      this.#log.info(
        TS,
        `Restart requested ` +
          `into ${into === 'WinPE' ? 'Windows PE' : 'the installed operating system'}; the state is ` +
          `saved. Continue with: ferry ts resume --state ${this.#stateDir}`,
      );
      this.#events.phase('tasksequence', 'end', true);
      return { status: 'restart', stateDir: this.#stateDir, logPath: this.#log.path, restartInto: into };
    } finally {
      this.#unlock?.();
      this.#unlock = undefined;
    }
  }

  #save(): void {
    this.#state.variables = this.#env.toRecord();
    this.#state.secretVariables = this.#env.secretNames();
    saveEngineState(this.#stateDir, this.#state);
  }

  #failedStep(): { name: string; path: string; exitCode: number } {
    const path = this.#state.failedStep ?? '';
    let nodes: SequenceNode[] = this.#seq.children;
    let node: SequenceNode | undefined;
    for (const i of path.split('.').filter((s) => s !== '')) {
      node = nodes[Number(i)];
      nodes = node?.kind === 'group' ? node.children : [];
    }
    return { name: node?.name ?? '', path, exitCode: this.#state.nodes[path]?.exitCode ?? E_FAIL };
  }

  /** SMSTSPostAction: started just before the engine ends, not awaited, no status (task-sequence.md §3.1). */
  #postAction(): void {
    const line = this.#env.get('SMSTSPostAction');
    if (!line) return;
    const argv = commandArgv(line, this.#env);
    if (argv.length === 0 || argv[0] === '') return;
    const program = /[\\]|^[A-Za-z]:/.test(argv[0]!) ? (toHostPath(this.#computer.root, argv[0]!) ?? argv[0]!) : argv[0]!;
    this.#log.info(TS, `Starting the post action: ${this.#env.redact(argv.join(' '))}`);
    try {
      const child = spawn(program, argv.slice(1), { cwd: this.#computer.root, detached: true, stdio: 'ignore', shell: false });
      child.on('error', (err) => this.#events.log('warn', TS, `The post action ${program} did not start: ${err.message}`));
      child.unref();
    } catch (err) {
      this.#log.warn(TS, `The post action ${program} did not start: ${(err as Error).message}`);
    }
  }

  /**
   * After a successful sequence: remove the working folders, the local store once a restore from
   * it succeeded, and the state folder itself when it is ConfigMgr's `C:\_SMSTaskSequence` on the
   * volume. Anything failed (even with continue on error) or a store not restored yet: all is
   * kept, because the user data must survive.
   */
  #cleanUp(): void {
    const failed = Object.values(this.#state.nodes).some((n) => n.outcome === 'failed');
    const store = this.#state.localStore;
    if (failed) {
      this.#log.warn(
        TS,
        `A step failed during the sequence; the working folder${store ? ` and the local state store ${store.path}` : ''} are kept.`,
      );
      return;
    }
    for (const sub of ['usmt-work', 'smp']) rmSync(join(this.#stateDir, sub), { recursive: true, force: true });
    if (store && !store.restored) {
      this.#log.info(TS, `The local state store ${store.path} is kept: nothing has restored it yet.`);
      return;
    }
    const inVolume = toHostPath(this.#computer.root, 'C:\\_SMSTaskSequence');
    // Only a store on this computer's own drive: a host folder (a USB disk) is the administrator's.
    if (store && /^[A-Za-z]:/.test(store.path)) {
      rmSync(store.host, { recursive: true, force: true });
      this.#log.info(TS, `The local state store ${store.path} was restored and is removed.`);
      delete this.#state.localStore;
      if (inVolume !== null && existsSync(inVolume) && readdirSync(inVolume).length === 0)
        rmSync(inVolume, { recursive: true, force: true });
    }
    if (!this.#state.inWinPE && inVolume !== null && resolve(inVolume) === resolve(this.#stateDir)) this.#removeStateDir = true;
  }

  /** Logs move to `C:\Windows\CCM\Logs` when the sequence ends in the full OS. */
  #finishLogs(): void {
    if (this.#state.inWinPE) return;
    const final = toHostPath(this.#computer.root, 'C:\\Windows\\CCM\\Logs');
    if (final === null) return;
    this.#log.moveTo(final);
    this.#state.logDir = final;
    this.#env.set('_SMSTSLogPath', 'C:\\Windows\\CCM\\Logs');
  }

  async #runChildren(nodes: SequenceNode[], prefix: string): Promise<'ok' | 'failed'> {
    for (let i = 0; i < nodes.length; i++) {
      const node = nodes[i]!;
      const id = prefix === '' ? String(i) : `${prefix}.${i}`;
      const rec = this.#state.nodes[id];
      let outcome: NodeOutcome;
      if (rec?.status === 'done') {
        outcome = rec.outcome!;
      } else {
        if (!rec && !(await this.#shouldRun(node, id))) continue;
        if (node.kind === 'group') {
          if (!rec) {
            this.#state.nodes[id] = { status: 'running' };
            this.#save();
            this.#log.info(TS, `Start executing the group (${node.name}).`);
          }
          const r = await this.#runChildren(node.children, id);
          outcome = r === 'failed' ? 'failed' : 'succeeded';
          this.#state.nodes[id] = { status: 'done', outcome };
          if (r === 'failed')
            this.#log.error(
              TS,
              `The execution of the group (${node.name}) has failed` +
                (node.continueOnError ? '; continue on error is set, so the sequence goes on' : ' and the execution has been aborted') +
                '.',
            );
          else this.#log.info(TS, `End executing the group (${node.name}).`);
          this.#save();
        } else {
          outcome = await this.#runStep(node, id);
        }
      }
      if (outcome === 'failed' && !node.continueOnError) return 'failed';
    }
    return 'ok';
  }

  async #shouldRun(node: SequenceNode, id: string): Promise<boolean> {
    const kind = node.kind === 'group' ? 'group' : 'step';
    let reason: string | undefined;
    const platform = node.kind === 'step' ? platformSkipReason(node, this.#state.inWinPE) : undefined;
    if (node.disabled) reason = 'it is disabled';
    else if (platform) reason = platform;
    else {
      const r = await evaluateCondition(node.condition, this.#env, this.#computer);
      for (const n of r.notes) {
        this.#log.warn(TS, `${n.code}: "${node.name}": ${n.message}`);
        this.#events.warn(n.code, `"${node.name}": ${n.message}`);
      }
      if (!r.value) reason = 'its condition is false';
    }
    if (reason === undefined) return true;
    this.#log.info(TS, `The ${kind} (${node.name}) is skipped because ${reason}.`);
    if (platform && node.kind === 'step' && !('unknown' in node) && node.type === 'SMS_TaskSequence_RebootAction') this.#enterWinPE();
    // A platform skip has its own Monitoring status message (11001), with the reason.
    this.#events.emit({
      type: 'step',
      step: node.name,
      stepType: node.kind === 'group' ? 'group' : node.type,
      status: 'skipped',
      ...(platform && !node.disabled ? { reason: 'platform' as const, detail: platform } : {}),
    });
    this.#state.nodes[id] = { status: 'done', outcome: 'skipped' };
    this.#save();
    return false;
  }

  /**
   * Ferry works on the volume from outside the installed operating system, as Windows PE does:
   * a restart into Windows PE only switches the environment (and the log into the working folder,
   * which Apply Operating System Image keeps).
   */
  #enterWinPE(): void {
    if (this.#state.inWinPE) return;
    this.#state.inWinPE = true;
    this.#env.set('_SMSTSInWinPE', 'true');
    const logDir = toHostPath(this.#computer.root, 'C:\\_SMSTaskSequence\\Logs\\Smstslog');
    if (logDir !== null) {
      this.#log.moveTo(logDir);
      this.#state.logDir = logDir;
      this.#env.set('_SMSTSLogPath', 'C:\\_SMSTaskSequence\\Logs\\Smstslog');
    }
    this.#log.info(TS, 'Continuing in Windows PE (_SMSTSInWinPE=true) without a restart.');
  }

  async #runStep(step: Step, id: string): Promise<NodeOutcome> {
    this.#state.nodes[id] = { status: 'running' };
    this.#save();
    this.#log.info(TS, `Start executing an instruction. Instruction name: ${step.name}. Instruction pointer: ${id}`);
    this.#events.emit({ type: 'step', step: step.name, stepType: step.type, status: 'start' });
    this.#env.set('_SMSTSCurrentActionName', step.name);
    const added = this.#injectActionVariables(step);

    let result: StepExecution;
    try {
      result = await this.#execute(step);
    } catch (err) {
      const e =
        err instanceof FerryError
          ? err
          : new FerryError('FERRY_E_INTERNAL', `Step "${step.name}" failed unexpectedly: ${(err as Error).message}`, { cause: err });
      result = { exitCode: E_FAIL, error: e };
    }
    for (const name of added) this.#env.delete(name);
    for (const [k, v] of Object.entries(result.outputs ?? {})) this.#env.set(k, v);

    const successCodes = step.successCodes ?? stepTypeSpec(step.type)?.defaultSuccessCodes ?? [0];
    const ok = result.error === undefined && (result.succeeded ?? successCodes.includes(result.exitCode));
    this.#env.set('_SMSTSLastActionName', step.name);
    this.#env.set('_SMSTSLastActionRetCode', String(result.exitCode));
    this.#env.set('_SMSTSLastActionSucceeded', String(ok));
    if (result.error) {
      this.#log.error(
        step.type.replace(/^SMS_TaskSequence_|Action$/g, ''),
        `${result.error.code}: ${this.#env.redact(result.error.message)}`,
      );
      this.#events.emit({ type: 'error', code: result.error.code, message: result.error.message });
    }
    if (ok) this.#log.info(TS, `Process completed with exit code ${result.exitCode}. The action (${step.name}) succeeded.`);
    else
      this.#log.error(
        TS,
        `Failed to run the action: ${step.name}. Return ` +
          `code ${result.exitCode}.${step.continueOnError ? ' Continue on error is set.' : ''}`,
      );
    this.#events.emit({ type: 'step', step: step.name, stepType: step.type, status: 'end', exitCode: result.exitCode, ok });

    // Restart: Restart Computer, a command's 3010, or SMSTSRebootRequested set during the step.
    const requested = this.#env.get('SMSTSRebootRequested');
    const retry = (this.#env.get('SMSTSRetryRequested') ?? '').toLowerCase() === 'true';
    this.#env.delete('SMSTSRebootRequested');
    let restart = ok ? result.restart : undefined;
    if (requested !== undefined) restart = requested.toLowerCase() === 'winpe' ? 'WinPE' : 'HD';
    if (restart) this.#env.delete('SMSTSRetryRequested');

    const outcome: NodeOutcome = ok ? 'succeeded' : 'failed';
    if (restart && retry) delete this.#state.nodes[id];
    else this.#state.nodes[id] = { status: 'done', outcome, exitCode: result.exitCode };
    if (!ok && !step.continueOnError) this.#state.failedStep = id;
    if (restart) {
      this.#state.status = 'restarting';
      this.#state.restartTarget = restart;
      this.#save();
      throw new RestartNow();
    }
    this.#save();
    return outcome;
  }

  /** Add the step's `<defaultVarList>` values that are not already set; returns the names added. */
  #injectActionVariables(step: Step): string[] {
    if ('unknown' in step) return [];
    const spec = stepTypeSpec(step.type) as StepTypeSpec;
    const vars = [
      ...propertyVariables(spec, step.properties as unknown as Record<string, unknown>, step.variableLayout),
      ...step.extraVariables,
    ];
    const added: string[] = [];
    for (const v of vars) {
      if (v.name === '' || this.#env.has(v.name)) continue;
      this.#env.set(v.name, v.value);
      if (this.#env.has(v.name)) added.push(v.name);
    }
    return added;
  }

  async #execute(step: Step): Promise<StepExecution> {
    if ('unknown' in step) {
      return {
        exitCode: E_FAIL,
        error: new FerryError('FERRY_E_TS_STEP_UNSUPPORTED', `Step type ${step.type} cannot run in Ferry.`, {
          details: { type: step.type },
        }),
      };
    }
    const runIn = step.runIn ?? stepTypeSpec(step.type)!.defaultRunIn;
    if ((runIn === 'FullOS' && this.#state.inWinPE) || (runIn === 'WinPE' && !this.#state.inWinPE)) {
      return {
        exitCode: E_FAIL,
        error: new FerryError(
          'FERRY_E_TS_STEP_WRONG_ENVIRONMENT',
          `"${step.name}" runs only in ${runIn === 'WinPE' ? 'Windows PE' : 'the full operating system'}, but ` +
            `the sequence is in ${this.#state.inWinPE ? 'Windows PE' : 'the full operating system'}.`,
        ),
      };
    }
    const s = step as KnownStep;
    switch (s.type) {
      case 'SMS_TaskSequence_SetVariableAction':
        return this.#setVariable(s);
      case 'SMS_TaskSequence_RunCommandLineAction': {
        const doNotLog = (this.#env.get('OSDDoNotLogCommand') ?? '').toLowerCase() === 'true';
        if (!doNotLog) this.#log.info('RunCommandLine', `Command line: ${this.#env.redact(this.#env.expand(s.properties.CommandLine))}`);
        const r = await runCommandLine(s, {
          env: this.#env,
          computer: this.#computer,
          packages: this.#packages,
          usmt: this.#usmt,
          events: this.#events,
          workDir: this.#workDir(),
          log: (type, message) => this.#log.write({ component: 'RunCommandLine', message: this.#env.redact(message), type }),
        });
        const outVar = s.properties.OutputVariableName;
        return {
          exitCode: r.exitCode,
          ...(r.error ? { error: r.error } : {}),
          ...(r.exitCode === 3010 ? { restart: 'HD' as const } : {}),
          ...(outVar && r.error === undefined ? { outputs: { [outVar]: r.output.slice(-1000) } } : {}),
        };
      }
      case 'SMS_TaskSequence_RebootAction': {
        const target = (this.#env.get('SMSRebootTarget') ?? s.properties.Target).toLowerCase() === 'winpe' ? 'WinPE' : 'HD';
        const message = this.#env.get('SMSRebootMessage') ?? s.properties.Message;
        this.#log.info(
          'Reboot',
          `Restart ` +
            (`into ${target === 'WinPE' ? 'the boot image' : 'the installed operating system'}` +
              `${message ? `: ${message.replace(/\.$/, '')}` : ''}.`),
        );
        return { exitCode: 0, restart: target };
      }
      case 'SMS_TaskSequence_RequestStateStoreAction':
        return requestStateStore(s, this.#userStateContext());
      case 'SMS_TaskSequence_CaptureUserStateAction':
        return captureUserState(s, this.#userStateContext());
      case 'SMS_TaskSequence_RestoreUserStateAction':
        return restoreUserState(s, this.#userStateContext());
      case 'SMS_TaskSequence_ReleaseStateStoreAction':
        return releaseStateStore(this.#userStateContext());
      case 'SMS_TaskSequence_ApplyOperatingSystemAction':
        return applyOperatingSystem(s, this.#osImageContext());
      case 'SMS_TaskSequence_ApplyWindowsSettingsAction':
        return applyWindowsSettings(s, this.#osImageContext());
      case 'SMS_TaskSequence_ApplyNetworkSettingsAction':
        return applyNetworkSettings(s, this.#osImageContext());
      case 'SMS_TaskSequence_SetupWindowsAndSMSAction':
        return setupWindows(s, this.#osImageContext());
    }
  }

  #setVariable(s: KnownStep<'SMS_TaskSequence_SetVariableAction'>): StepExecution {
    const p = s.properties;
    try {
      const name = checkVariableName(p.VariableName);
      const value = this.#env.expand(p.VariableValue);
      checkVariableValue(name, value);
      this.#env.set(name, value, { secret: p.DoNotShowVariableValue });
      this.#log.info('TSEnv', `Set variable ${name} to ${p.DoNotShowVariableValue ? '(hidden)' : this.#env.redact(value) || '(deleted)'}.`);
      return { exitCode: 0 };
    } catch (err) {
      return { exitCode: E_FAIL, error: err as FerryError };
    }
  }

  #workDir(): string {
    const dir = join(this.#stateDir, 'usmt-work');
    mkdirSync(dir, { recursive: true });
    return dir;
  }

  #osImageContext(): OsImageContext {
    return {
      env: this.#env,
      computer: this.#computer,
      packages: this.#packages,
      ...(this.#images ? { images: this.#images } : {}),
      state: this.#state,
      stateDir: this.#stateDir,
      logDir: this.#log.dir,
      events: this.#events,
      log: (type, component, message) => this.#log.write({ component, message: this.#env.redact(message), type }),
      failedSteps: () =>
        [...walkSteps(this.#seq.children)]
          .filter((e) => this.#state.nodes[e.path.join('.')]?.outcome === 'failed' && e.node.kind === 'step')
          .map((e) => ({ name: e.node.name, type: (e.node as Step).type })),
    };
  }

  #userStateContext(): UserStateContext {
    return {
      env: this.#env,
      computer: this.#computer,
      packages: this.#packages,
      usmt: this.#usmt,
      ...(this.#smp ? { smp: this.#smp } : {}),
      state: this.#state,
      stateDir: this.#stateDir,
      logDir: this.#log.dir,
      events: this.#events,
      log: (type, component, message) => this.#log.write({ component, message: this.#env.redact(message), type }),
      save: () => this.#save(),
    };
  }
}

interface StepExecution {
  exitCode: number;
  succeeded?: boolean;
  outputs?: Record<string, string>;
  error?: FerryError;
  restart?: 'HD' | 'WinPE';
}

async function computerFor(state: EngineState, deps: EngineDeps): Promise<TaskSequenceComputer> {
  const registry = deps.registry ?? volumeRegistry(state.computer.root);
  const os = await operatingSystemWmi(registry).catch(() => undefined);
  const computer: TaskSequenceComputer = { ...state.computer };
  if (registry) computer.registry = registry;
  const wmi = { ...(os ? { Win32_OperatingSystem: os } : {}), ...deps.wmi };
  if (Object.keys(wmi).length > 0) computer.wmi = wmi;
  return computer;
}

export function describeIssues(issues: ValidationIssue[]): string {
  return issues
    .filter((i) => i.severity === 'error')
    .map((i) => `${i.code}${i.step ? ` ("${i.step}")` : ''}: ${i.message}`)
    .join('; ');
}
