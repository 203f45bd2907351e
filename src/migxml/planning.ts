// What `ferry plan`, `ferry explain` and ScanState share: open the volume, load the `/i` rules
// and `/config`, select users, and build the rule engine. `plan` then lists every migrating
// object with totals per user and per component, writing nothing.
import { EventStream } from '../events/index.ts';
import { openHive } from '../registry/index.ts';
import { openVolume } from '../volume/index.ts';
import type { Profile, WindowsVolume } from '../volume/index.ts';
import { isComponentDisabled, loadConfig, type MigrationConfig } from './config-xml.ts';
import { RuleEngine, type DecidedObject } from './engine.ts';
import { allComponents } from './parser.ts';
import { loadRuleSet } from './rule-set.ts';
import { selectUsers, type UserSelection } from './user-selection.ts';

/** What to plan from: the offline Windows folder, the rule files, Config.xml and the user selection. */
export interface PlanningInput {
  /** `/offlinewindir:` host path. */
  readonly windowsDir: string;
  /** `/i` files, in command-line order. */
  readonly ruleFiles: readonly string[];
  /** `/config` file. */
  readonly config?: string;
  readonly selection?: UserSelection;
  readonly events?: EventStream;
}

/** An opened planning: the volume, the rule engine, the selected users and the config in effect. */
export interface Planning {
  readonly volume: WindowsVolume;
  readonly engine: RuleEngine;
  readonly users: readonly Profile[];
  readonly config?: MigrationConfig;
}

/** The `log` event component naming a component Config.xml turns off (message: its display name). */
export const CONFIG_OFF_COMPONENT = 'Config.xml component off';

/**
 * Opens the volume, loads the `/i` rules and `/config`, selects the users and builds the rule engine:
 * what `ferry plan`, `ferry explain` and ScanState share.
 * @example
 * const { engine } = await openPlanning({ windowsDir: '/mnt/c/Windows', ruleFiles: ['MigDocs.xml'] });
 * for await (const o of engine.objects()) console.log(o.winPath ?? o.regLocation, '→', o.destination);
 */
export async function openPlanning(input: PlanningInput): Promise<Planning> {
  const events = input.events ?? new EventStream();
  const volume = await openVolume(input.windowsDir, { events });
  const files = await loadRuleSet(input.ruleFiles, events);
  const config = input.config ? await loadConfig(input.config) : undefined;
  const profiles = await volume.profiles();
  const users = selectUsers(profiles, input.selection ?? { include: [], exclude: [] }, {
    computerName: volume.computerName,
    offline: true,
  });
  const migrated = new Set(users.map((u) => u.profilePath.toLowerCase()));
  const engine = await RuleEngine.create({
    volume,
    files,
    users,
    unmigratedProfiles: profiles.map((p) => p.profilePath).filter((p) => !migrated.has(p.toLowerCase())),
    events,
    openHive,
    ...(config ? { isDisabled: (c) => isComponentDisabled(config, c) } : {}),
  });
  // The migration report lists what Config.xml turned off (their objects are never walked).
  if (config)
    for (const f of files)
      for (const { component } of allComponents(f.components))
        if (isComponentDisabled(config, component)) events.log('info', CONFIG_OFF_COMPONENT, component.displayName);
  return { volume, engine, users, ...(config ? { config } : {}) };
}

/** Counts and bytes of the objects that migrate, by kind. */
export interface Totals {
  objects: number;
  files: number;
  folders: number;
  registry: number;
  /** INI settings. */
  ini: number;
  bytes: number;
}

const zero = (): Totals => ({ objects: 0, files: 0, folders: 0, registry: 0, ini: 0, bytes: 0 });

/** Totals of a plan: overall, per user and per component. */
export interface PlanSummary {
  readonly total: Totals;
  /** By `DOMAIN\user`, or `System` for objects only the System pass includes. */
  readonly byUser: Map<string, Totals>;
  readonly byComponent: Map<string, Totals>;
}

/** An empty plan summary, to `count` decided objects into. */
export function newSummary(): PlanSummary {
  return { total: zero(), byUser: new Map(), byComponent: new Map() };
}

/** Add one decided object to the totals. */
export function count(summary: PlanSummary, o: DecidedObject): void {
  const user = o.user ? `${o.user.domain}\\${o.user.userName}` : 'System';
  for (const t of [summary.total, get(summary.byUser, user), get(summary.byComponent, o.component)]) {
    t.objects++;
    if (o.kind === 'file') {
      t.files++;
      t.bytes += o.entry?.size ?? 0;
    } else if (o.kind === 'dir') t.folders++;
    else if (o.kind === 'ini') t.ini++;
    else t.registry++;
  }
}

function get(map: Map<string, Totals>, key: string): Totals {
  let t = map.get(key);
  if (!t) map.set(key, (t = zero()));
  return t;
}
