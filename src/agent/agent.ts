// The agent on one computer (one volume root): registers with the site and keeps its credential
// in its state folder, polls policy, runs due deployments through the task sequence engine
// (restart/resume included), and turns the engine's step events into status messages. Runs it
// was in the middle of when it stopped are resumed when it starts again.
import { accessSync, chmodSync, constants, existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FerryError, isFerryError } from '../errors/index.ts';
import { EventStream, type FerryEvent } from '../events/index.ts';
import { SmpHttpClient } from '../smp/index.ts';
import { Engine, type EngineDeps, type RunResult } from '../tasksequence/index.ts';
import type { SequenceNode, TaskSequence } from '../tasksequence/index.ts';
import type { SmpPortFactory } from '../tasksequence/index.ts';
import { readEngineState, writeEngineFile } from '../tasksequence/index.ts';
import { RunMonitor } from './run-monitor.ts';
import type { StatusInput } from '../site/index.ts';
import { SiteClient, type DeploymentDetail } from './site-client.ts';

/** Where the site is, which computer (volume root and name) the agent acts for, and where it keeps its state. */
export interface AgentOptions {
  site: string;
  /** The computer's volume root (the offline Windows tree). */
  root: string;
  name: string;
  /** Where the credential and the runs' engine state live. */
  stateDir: string;
  enrollToken?: string;
  /** Policy poll interval. */
  pollMs?: number;
  log?: (line: string) => void;
}

/** What registration gives the agent and it keeps in its state folder: the site's computer id and credential. */
export interface Identity {
  site: string;
  name: string;
  root: string;
  computerId: string;
  credential: string;
}

interface RunRecord {
  deploymentId: string;
  smp: DeploymentDetail['smp'];
}

/**
 * The agent of one computer: registers with the site, polls policy, runs due deployments through the
 * task sequence engine (resuming interrupted runs) and reports their steps as status messages.
 * @example
 * const agent = new Agent({ site: 'https://site:8443', root: '/mnt/c', name: 'PC-042', stateDir: '/var/lib/ferry-agent' });
 * await agent.register();
 * await agent.loop(); // until agent.stop()
 */
export class Agent {
  readonly options: AgentOptions;
  readonly #log: (line: string) => void;
  #identity: Identity | undefined;
  #client: SiteClient | undefined;
  #stopped = false;
  #wake: (() => void) | undefined;
  #queue: Promise<void> = Promise.resolve();
  /** Image package id → its file on the site (from the deployment's package list). */
  readonly #imagePaths = new Map<string, string>();

  constructor(options: AgentOptions) {
    this.options = options;
    this.#log = options.log ?? ((l) => console.log(l));
    mkdirSync(join(options.stateDir, 'runs'), { recursive: true, mode: 0o700 });
  }

  get #identityFile(): string {
    return join(this.options.stateDir, 'agent.json');
  }

  /** The identity stored in an agent state folder (for `ferry agent run`). */
  static storedIdentity(stateDir: string): Identity {
    const file = join(stateDir, 'agent.json');
    if (!existsSync(file))
      throw new FerryError(
        'FERRY_E_AGENT_ENROLLMENT_REFUSED',
        `No registered agent in ${stateDir}; start \`ferry agent --enroll <token> …\` with this --state first.`,
      );
    return JSON.parse(readFileSync(file, 'utf8')) as Identity;
  }

  /** Load the stored credential, or register with the enrollment token. */
  async register(): Promise<Identity> {
    if (existsSync(this.#identityFile)) {
      const stored = JSON.parse(readFileSync(this.#identityFile, 'utf8')) as Identity;
      const same = stored.site === this.options.site && stored.name === this.options.name;
      if (!this.options.enrollToken || same) {
        this.#identity = stored;
        this.#client = new SiteClient(stored.site, stored.credential);
        if (!this.options.enrollToken) return stored;
        // With the enrollment token at hand, a revoked credential is replaced by re-registering.
        try {
          await this.#client.policy();
          return stored;
        } catch (err) {
          if (!isFerryError(err, 'FERRY_E_AGENT_REVOKED')) throw err;
          this.#log('The stored credential was revoked; registering again with the enrollment token.');
        }
      }
    }
    if (!this.options.enrollToken)
      throw new FerryError(
        'FERRY_E_AGENT_ENROLLMENT_REFUSED',
        `This agent is not registered yet (${this.#identityFile} is missing); start it once with --enroll <token>.`,
      );
    const r = await new SiteClient(this.options.site).register(this.options.name, this.options.enrollToken);
    const identity: Identity = {
      site: this.options.site,
      name: this.options.name,
      root: this.options.root,
      computerId: r.computerId,
      credential: r.credential,
    };
    writeEngineFile(this.#identityFile, JSON.stringify(identity, null, 2));
    chmodSync(this.#identityFile, 0o600);
    this.#identity = identity;
    this.#client = new SiteClient(identity.site, identity.credential);
    this.#log(`Registered ${identity.name} with ${identity.site} as ${identity.computerId}.`);
    return identity;
  }

  get client(): SiteClient {
    if (!this.#client) throw new FerryError('FERRY_E_AGENT_REVOKED', 'The agent is not registered; call register() first.');
    return this.#client;
  }

  /** Poll until stopped: resume interrupted runs, then run every due deployment in turn. */
  async loop(): Promise<void> {
    // The site may come up after the agent (both started at boot): keep trying to reach it.
    for (;;) {
      try {
        await this.register();
        break;
      } catch (err) {
        if (!isFerryError(err, 'FERRY_E_SITE_UNREACHABLE') || this.#stopped) throw err;
        this.#log(`${err.code}: ${err.message} (retrying)`);
        await new Promise((r) => setTimeout(r, this.options.pollMs ?? 5000));
      }
    }
    await this.resumeInterrupted();
    while (!this.#stopped) {
      try {
        await this.pollOnce();
      } catch (err) {
        if (isFerryError(err, 'FERRY_E_AGENT_REVOKED')) throw err;
        this.#log(`${isFerryError(err) ? err.code : 'error'}: ${(err as Error).message} (retrying)`);
      }
      await new Promise<void>((wake) => {
        this.#wake = wake;
        setTimeout(wake, this.options.pollMs ?? 5000);
      });
    }
  }

  stop(): void {
    this.#stopped = true;
    this.#wake?.();
  }

  async pollOnce(): Promise<void> {
    const policy = await this.client.policy();
    for (const d of policy.deployments) {
      if (this.#stopped) return;
      if (d.due) await this.runDeployment(d.id);
    }
  }

  /** Continue runs whose engine state says running or restarting (the agent was stopped). */
  async resumeInterrupted(): Promise<void> {
    for (const id of readdirSync(join(this.options.stateDir, 'runs'))) {
      const dir = this.#runDir(id);
      if (!existsSync(join(dir, 'engine', 'state.json'))) continue;
      const state = readEngineState(join(dir, 'engine'));
      if (state.status !== 'running' && state.status !== 'restarting') continue;
      this.#log(`Resuming deployment ${id} after the agent stopped.`);
      const rec = JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8')) as RunRecord;
      let smp = rec.smp;
      try {
        smp = (await this.client.deployment(id)).smp ?? smp;
      } catch (err) {
        if (isFerryError(err, 'FERRY_E_AGENT_REVOKED')) throw err;
      }
      await this.#drive(id, smp, (deps) => Engine.resume(join(dir, 'engine'), deps));
    }
  }

  #runDir(deploymentId: string): string {
    return join(this.options.stateDir, 'runs', deploymentId.replace(/[^A-Za-z0-9_-]/g, '_'));
  }

  /** Run one deployment now (policy says it is due, or `ferry agent run`); resolves to the outcome. */
  async runDeployment(deploymentId: string): Promise<RunResult['status'] | 'not-started'> {
    const dir = this.#runDir(deploymentId);
    // A run of this deployment is in progress here (or was interrupted and is resumed at the
    // agent's next start): never start a second one, nor fetch a new SMP credential under it.
    if (existsSync(join(dir, 'engine', 'state.json')) && ['running', 'restarting'].includes(readEngineState(join(dir, 'engine')).status))
      return 'not-started';
    const detail = await this.client.deployment(deploymentId);
    for (const p of detail.packages ?? [])
      if (p.kind === 'osimage' && p.source.startsWith('file:')) this.#imagePaths.set(p.id, p.source.slice(5));
    mkdirSync(dir, { recursive: true });
    writeEngineFile(join(dir, 'run.json'), JSON.stringify({ deploymentId, smp: detail.smp } satisfies RunRecord));
    const start = (deps: EngineDeps) =>
      Engine.start({
        ...deps,
        sequence: { ...detail.taskSequence.sequence, name: detail.taskSequence.name },
        computer: { root: this.options.root, name: this.#identity!.name },
        stateDir: join(dir, 'engine'),
        variables: { device: detail.variables, secret: detail.hiddenVariables ?? [] },
        identity: {
          packageId: detail.taskSequence.id,
          packageName: detail.taskSequence.name,
          advertId: deploymentId,
          siteCode: 'FRY',
          managementPoint: this.client.site,
          clientGuid: this.#identity!.computerId,
        },
      });
    return this.#drive(deploymentId, detail.smp, start, detail.taskSequence.name);
  }

  #deps(smp: DeploymentDetail['smp']): EngineDeps {
    const factory: SmpPortFactory | undefined = smp
      ? (settings) =>
          new SmpHttpClient({
            servers: smp.servers,
            computerName: this.#identity!.name,
            credential: smp.credential,
            retryCount: settings.retryCount,
            retryDelaySeconds: settings.retryDelaySeconds,
            fallbackToNaa: settings.fallbackToNaa,
            events: settings.events,
          })
      : undefined;
    return { ...(factory ? { smp: factory } : {}), images: (id) => this.#image(id) };
  }

  /** An image package's WIM: the site's own file when this computer can read it, else downloaded. */
  async #image(id: string): Promise<string> {
    const local = this.#imagePaths.get(id);
    if (local !== undefined) {
      try {
        accessSync(local, constants.R_OK);
        this.#log(`Image package ${id}: reading ${local} directly.`);
        return local;
      } catch {
        // not readable here: download it
      }
    }
    this.#log(`Image package ${id}: downloading from ${this.client.site}.`);
    return this.client.downloadOsImage(id, join(this.options.stateDir, 'images'));
  }

  /**
   * Create the engine with `open` (start, or resume after the agent stopped), run it to the end
   * — resuming across Restart Computer steps — and report every step.
   */
  async #drive(
    deploymentId: string,
    smp: DeploymentDetail['smp'],
    open: (deps: EngineDeps) => Promise<Engine>,
    name?: string,
  ): Promise<RunResult['status'] | 'not-started'> {
    let engine: Engine | undefined;
    let first = true;
    for (;;) {
      const events = new EventStream();
      const reporter = new StepReporter(
        () => engine!.sequence,
        () => engine?.state.nodes ?? {},
        (m) => this.#send(deploymentId, [m]),
      );
      events.on((e) => reporter.onEvent(e));
      const monitor = new RunMonitor(this.client, deploymentId, () => engine!.sequence, this.#log);
      events.on((e) => monitor.onEvent(e));
      try {
        engine = await open({ ...this.#deps(smp), events });
      } catch (err) {
        if (isFerryError(err, 'FERRY_E_TS_STATE_LOCKED')) return 'not-started';
        if (isFerryError(err, 'FERRY_E_TS_ALREADY_FINISHED')) return 'not-started';
        const message = (err as Error).message;
        this.#log(`Deployment ${deploymentId} not started: ${message}`);
        this.#send(deploymentId, [
          {
            kind: isFerryError(err, 'FERRY_E_TS_SEQUENCE_INVALID') ? 'requirementsNotMet' : 'tsFailed',
            actionOutput: message,
            exitCode: 1,
          },
        ]);
        await this.#queue;
        return 'not-started';
      }
      if (first && name !== undefined) {
        this.#log(`Running deployment ${deploymentId} (${name}).`);
        this.#send(deploymentId, [{ kind: 'tsStarted' }]);
      }
      first = false;
      const result = await engine.run();
      await monitor.finish(result.status === 'restart');
      if (result.status === 'restart') {
        this.#log(
          `Deployment ${deploymentId}: restarting into ${result.restartInto === 'WinPE' ? 'Windows PE' : 'the installed OS'} and resuming.`,
        );
        const stateDir = engine.stateDir;
        open = (deps) => Engine.resume(stateDir, deps);
        continue;
      }
      const failed = result.failedStep;
      this.#send(deploymentId, [
        result.status === 'succeeded'
          ? { kind: 'tsCompleted', exitCode: 0 }
          : {
              kind: 'tsFailed',
              exitCode: failed?.exitCode ?? 1,
              ...(failed ? { actionName: failed.name, actionOutput: `The step "${failed.name}" failed; see ${result.logPath}.` } : {}),
            },
      ]);
      await this.#queue;
      this.#log(`Deployment ${deploymentId} ${result.status}.`);
      return result.status;
    }
  }

  /** Post status in order (one at a time); a message that cannot be sent is dropped, as in ConfigMgr. */
  #send(deploymentId: string, messages: StatusInput[]): void {
    const time = new Date().toISOString();
    this.#queue = this.#queue.then(() =>
      this.client
        .status(
          deploymentId,
          messages.map((m) => ({ time, ...m })),
        )
        .then(
          () => undefined,
          (err: unknown) => this.#log(`Status for ${deploymentId} not sent: ${(err as Error).message}`),
        ),
    );
  }
}

/**
 * Turns the engine's step events into status messages with the step index, group name, exit
 * code and the errors/warnings raised while the step ran. The step is located through the
 * engine state: the running node with the deepest index path is the step that just started.
 */
export class StepReporter {
  readonly #seq: () => TaskSequence;
  readonly #nodes: () => Readonly<Record<string, { status: string }>>;
  readonly #emit: (m: StatusInput) => void;
  #cached: { id: string; node: SequenceNode; group: string }[] | undefined;
  #current: { id: string; output: string[] } | undefined;

  constructor(seq: () => TaskSequence, nodes: () => Readonly<Record<string, { status: string }>>, emit: (m: StatusInput) => void) {
    this.#seq = seq;
    this.#nodes = nodes;
    this.#emit = emit;
  }

  /** Every group and step in document order with its index path and parent group name. */
  get #order(): { id: string; node: SequenceNode; group: string }[] {
    if (this.#cached) return this.#cached;
    const order: { id: string; node: SequenceNode; group: string }[] = [];
    const walk = (list: SequenceNode[], prefix: string, group: string) =>
      list.forEach((n, i) => {
        const id = prefix ? `${prefix}.${i}` : String(i);
        order.push({ id, node: n, group });
        if (n.kind === 'group') walk(n.children, id, n.name);
      });
    walk(this.#seq().children, '', '');
    return (this.#cached = order);
  }

  onEvent(e: FerryEvent): void {
    if (e.type === 'error' || e.type === 'warning') {
      this.#current?.output.push(`${e.code}: ${e.message}`);
      return;
    }
    if (e.type !== 'step') return;
    const nodes = this.#nodes();
    if (e.status === 'start') {
      const running = this.#order.filter((o) => o.node.kind === 'step' && nodes[o.id]?.status === 'running' && o.node.name === e.step);
      this.#current = { id: running.at(-1)?.id ?? '', output: [] };
      return;
    }
    if (e.status === 'end') {
      const at =
        this.#order.find((o) => o.id === this.#current?.id) ??
        this.#order.find((o) => o.node.name === e.step && nodes[o.id]?.status === 'running');
      const step = at ? this.#order.filter((o) => o.node.kind === 'step').indexOf(at) : undefined;
      const base = {
        actionName: e.step,
        groupName: at?.group ?? '',
        exitCode: e.exitCode ?? 0,
        actionOutput: this.#current?.output.join('\n') ?? '',
        ...(step !== undefined && step >= 0 ? { step } : {}),
      };
      if (e.ok) this.#emit({ kind: 'actionCompleted', ...base });
      else {
        this.#emit({ kind: 'actionFailed', ...base });
        if (at?.node.continueOnError) this.#emit({ kind: 'actionFailureIgnored', ...base });
      }
      this.#current = undefined;
      return;
    }
    // skipped: the first not-yet-recorded node of that name whose parent is running (or top level)
    const at = this.#order.find(
      (o) =>
        o.node.name === e.step &&
        !nodes[o.id] &&
        (!o.id.includes('.') || nodes[o.id.slice(0, o.id.lastIndexOf('.'))]?.status === 'running'),
    );
    const steps = this.#order.filter((o) => o.node.kind === 'step');
    const step = at ? steps.indexOf(at) : -1;
    if (e.reason === 'platform') {
      this.#emit({
        kind: 'actionSkippedPlatform',
        actionName: e.step,
        groupName: at?.group ?? '',
        actionOutput: e.detail ?? '',
        ...(step >= 0 ? { step } : {}),
      });
      return;
    }
    this.#emit({
      kind: at?.node.disabled ? 'actionSkippedDisabled' : 'actionSkippedCondition',
      actionName: e.step,
      groupName: at?.group ?? '',
      ...(step >= 0 ? { step } : {}),
    });
  }
}
