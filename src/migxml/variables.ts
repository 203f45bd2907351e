// `%VAR%` expansion (spec §4). Lookups are case-insensitive; values may themselves hold
// variables (MigApp's `%OFFICEINSTALLPATH%\FrontPg.exe`), expanded to a fixed depth.

/** A chain of variable scopes: component variables over the pass (system or user) environment. */
export class VarScope {
  readonly #vars = new Map<string, string>();
  readonly #parent: VarScope | undefined;

  constructor(parent?: VarScope, initial?: ReadonlyMap<string, string>) {
    this.#parent = parent;
    if (initial) for (const [k, v] of initial) this.#vars.set(k.toUpperCase(), v);
  }

  get(name: string): string | undefined {
    const key = name.toUpperCase();
    return this.#vars.get(key) ?? this.#parent?.get(key);
  }

  set(name: string, value: string): void {
    this.#vars.set(name.toUpperCase(), value);
  }

  child(): VarScope {
    return new VarScope(this);
  }

  /** Every variable visible here (parents first, overridden by children). */
  entries(): Map<string, string> {
    const out = this.#parent ? this.#parent.entries() : new Map<string, string>();
    for (const [k, v] of this.#vars) out.set(k, v);
    return out;
  }
}

export interface Expansion {
  readonly text: string;
  /** Names that had no value (left as `%NAME%` in text). */
  readonly unresolved: readonly string[];
}

const VAR = /%([^%\s\\][^%\\]*)%/g;

export function expand(text: string, scope: VarScope | ReadonlyMap<string, string>): Expansion {
  if (!text.includes('%')) return { text, unresolved: [] };
  const get = scope instanceof VarScope ? (n: string) => scope.get(n) : (n: string) => scope.get(n.toUpperCase());
  const unresolved: string[] = [];
  let out = text;
  for (let depth = 0; depth < 8 && out.includes('%'); depth++) {
    let changed = false;
    out = out.replace(VAR, (m, name: string) => {
      const v = get(name);
      if (v === undefined) {
        if (!unresolved.includes(name)) unresolved.push(name);
        return m;
      }
      changed = true;
      return v;
    });
    if (!changed) break;
  }
  return { text: out, unresolved };
}
