// Task sequence variables (task-sequence.md §4): case-insensitive names, empty value = delete,
// `_` names read-only for users, `%Name%` expansion, and the collection → device → deployment
// layering a computer starts with.
import { FerryError } from '../errors/index.ts';

export const MAX_VALUE_LENGTH = 4000;
const NAME_RE = /^[A-Za-z0-9_-]{1,256}$/;

/** Check a variable name a user or a step sets; `_` names are engine-only unless `engine`. */
export function checkVariableName(name: string, options: { engine?: boolean } = {}): string {
  const n = name.trim();
  if (!NAME_RE.test(n)) {
    throw new FerryError(
      'FERRY_E_TS_VARIABLE_INVALID',
      `"${name}" is not a valid task sequence variable name: use 1–256 letters, digits, _ or -.`,
      { details: { name } },
    );
  }
  if (!options.engine && n.startsWith('_')) {
    throw new FerryError(
      'FERRY_E_TS_VARIABLE_INVALID',
      `"${n}" is a read-only variable (it starts with _); only the task sequence engine sets it.`,
      { details: { name: n } },
    );
  }
  if (!options.engine && !/^[A-Za-z]/.test(n)) {
    throw new FerryError('FERRY_E_TS_VARIABLE_INVALID', `"${n}" must start with a letter.`, { details: { name: n } });
  }
  return n;
}

export function checkVariableValue(name: string, value: string): void {
  if (value.length > MAX_VALUE_LENGTH) {
    throw new FerryError(
      'FERRY_E_TS_VARIABLE_INVALID',
      `The value of ${name} is ${value.length} characters; the limit is ${MAX_VALUE_LENGTH}.`,
      { details: { name, length: value.length } },
    );
  }
}

/** The task sequence environment: one case-insensitive map that keeps each name's first spelling. */
export class TsEnvironment {
  readonly #vars = new Map<string, { name: string; value: string }>();
  /** Names whose values never appear in logs: hidden Set Task Sequence Variable values and every `*Password*`. */
  readonly #secret = new Set<string>();

  constructor(initial: Record<string, string> = {}, secret: Iterable<string> = []) {
    for (const [k, v] of Object.entries(initial)) this.set(k, v);
    for (const s of secret) this.#secret.add(s.toLowerCase());
  }

  get(name: string): string | undefined {
    return this.#vars.get(name.trim().toLowerCase())?.value;
  }

  has(name: string): boolean {
    return this.#vars.has(name.trim().toLowerCase());
  }

  /** Set a value; the empty string deletes the variable (as ConfigMgr does). */
  set(name: string, value: string, options: { secret?: boolean } = {}): void {
    const key = name.trim().toLowerCase();
    if (value === '') {
      this.#vars.delete(key);
      return;
    }
    const existing = this.#vars.get(key);
    this.#vars.set(key, { name: existing?.name ?? name.trim(), value });
    // Passwords and the Windows product key (OSDProductKey) are secrets wherever they are set.
    if (options.secret || /password|productkey/i.test(key)) this.#secret.add(key);
  }

  delete(name: string): void {
    this.#vars.delete(name.trim().toLowerCase());
  }

  isSecret(name: string): boolean {
    return this.#secret.has(name.trim().toLowerCase());
  }

  markSecret(name: string): void {
    this.#secret.add(name.trim().toLowerCase());
  }

  /** Replace `%Name%` with defined values; undefined references stay as written (Windows behaviour). */
  expand(text: string): string {
    return text.replace(/%([^%\s]+)%/g, (whole, name: string) => this.get(name) ?? whole);
  }

  /** Values with secret ones replaced, for logs. */
  display(name: string): string {
    return this.isSecret(name) ? '********' : (this.get(name) ?? '');
  }

  /** `text` with the values of secret variables masked (for logs and error messages). */
  redact(text: string): string {
    let out = text;
    for (const key of this.#secret) {
      const v = this.#vars.get(key)?.value;
      if (v !== undefined && v.length >= 3) out = out.split(v).join('********');
    }
    return out;
  }

  toRecord(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const { name, value } of [...this.#vars.values()].sort((a, b) => a.name.localeCompare(b.name))) out[name] = value;
    return out;
  }

  secretNames(): string[] {
    return [...this.#secret].sort();
  }
}

/**
 * The variables a computer starts with, by where they were set: collections, device, deployment;
 * `layerVariables` merges them with ConfigMgr's precedence.
 */
export interface VariableLayers {
  /** Collection variables; lower `priority` numbers win (ConfigMgr: 1 is the highest). */
  collections?: { name?: string; priority?: number; variables: Record<string, string> }[];
  /** Per-device variables: override collection variables. */
  device?: Record<string, string>;
  /** Variables given for this deployment/run (`--var`): override device and collection ones. */
  deployment?: Record<string, string>;
  /** Names whose values are secret ("do not display this value" on the site): never logged. */
  secret?: readonly string[];
}

/** Merge the layers a computer starts with: collection (by priority) < device < deployment. */
export function layerVariables(layers: VariableLayers): Record<string, string> {
  const env = new TsEnvironment();
  const collections = [...(layers.collections ?? [])].sort((a, b) => (b.priority ?? 9) - (a.priority ?? 9));
  for (const c of collections) for (const [k, v] of Object.entries(c.variables)) env.set(checkVariableName(k), v);
  for (const [k, v] of Object.entries(layers.device ?? {})) env.set(checkVariableName(k), v);
  for (const [k, v] of Object.entries(layers.deployment ?? {})) env.set(checkVariableName(k), v);
  for (const [k, v] of Object.entries(env.toRecord())) checkVariableValue(k, v);
  return env.toRecord();
}
