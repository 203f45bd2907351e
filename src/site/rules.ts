// The site's business rules that need neither HTTP nor a database: names and variables,
// collection name rules, hidden values, and when a deployment is due on a computer
// (deploy-and-monitor.md §3.3).
import { FerryError } from '../errors/index.ts';
import { compileWildcard, GLOB } from '../text/index.ts';
import type { StatusKind } from './status-messages.ts';

/** A device or collection variable (`hidden`: write-only, sealed at rest). */
export interface Variable {
  name: string;
  value: string;
  hidden: boolean;
}
export interface CollectionRule {
  /** Computers whose name matches this wildcard (`*`, `?`) are members. Empty = none. */
  namePattern: string;
}
/** `available`: the user starts it; `required`: it runs on its schedule. */
export type Purpose = 'available' | 'required';
export type Rerun = 'never' | 'always' | 'ifFailed' | 'ifSucceeded';
export type Assignment = { kind: 'asap' } | { kind: 'at'; at: string };

/** One status message as an agent reports it. */
export interface StatusInput {
  kind: StatusKind;
  step?: number;
  groupName?: string;
  actionName?: string;
  exitCode?: number;
  actionOutput?: string;
  time?: string;
}

const VARIABLE_NAME = /^[A-Za-z][A-Za-z0-9_-]{0,255}$/;

/** FERRY_E_SITE_NOT_FOUND for `kind` `id`. */
export function notFound(kind: string, id: string): never {
  throw new FerryError('FERRY_E_SITE_NOT_FOUND', `${kind} ${id} does not exist.`, { details: { kind, id } });
}

/** The trimmed name, or FERRY_E_SITE_INVALID when it is empty or longer than `max`. */
export function checkName(kind: string, name: string, max: number): string {
  const n = name.trim();
  if (!n) throw new FerryError('FERRY_E_SITE_INVALID', `The ${kind} name is required.`, { details: { field: 'name' } });
  if (n.length > max)
    throw new FerryError('FERRY_E_SITE_INVALID', `The ${kind} name can be at most ${max} characters.`, { details: { field: 'name' } });
  return n;
}

/** The variables, or FERRY_E_SITE_INVALID naming the first bad name, long value or duplicate. */
export function checkVariables(vars: Variable[]): Variable[] {
  const seen = new Set<string>();
  for (const v of vars) {
    if (!VARIABLE_NAME.test(v.name))
      throw new FerryError(
        'FERRY_E_SITE_INVALID',
        `Variable name "${v.name}" is invalid: start with a letter; use letters, digits, "_" and "-".`,
        { details: { field: 'variables', name: v.name } },
      );
    if (v.value.length > 4000)
      throw new FerryError('FERRY_E_SITE_INVALID', `Variable ${v.name}: a value can be at most 4000 characters.`, {
        details: { field: 'variables', name: v.name },
      });
    const key = v.name.toLowerCase();
    if (seen.has(key))
      throw new FerryError('FERRY_E_SITE_INVALID', `Variable ${v.name} is listed twice (names are case-insensitive).`, {
        details: { field: 'variables', name: v.name },
      });
    seen.add(key);
  }
  return vars;
}

/** A collection name rule: `*` and `?`, case-insensitive, never backtracking (issue 11). */
export function wildcard(pattern: string): { test(name: string): boolean } {
  return { test: compileWildcard(pattern, { syntax: GLOB, ignoreCase: true }) };
}

/** Hidden values blanked, as the console sees them. */
export const maskVars = (vars: Variable[]) => vars.map((v) => (v.hidden ? { ...v, value: '' } : v));

/** Hidden values the console sent back empty keep their stored value. */
export function keepHidden(next: Variable[], old: Variable[]): Variable[] {
  // The console never sees hidden values; an empty hidden value on save means "unchanged".
  return next.map((v) =>
    v.hidden && v.value === '' ? { ...v, value: old.find((o) => o.name.toLowerCase() === v.name.toLowerCase())?.value ?? '' } : v,
  );
}

/** What `isDue` reads of a computer's run of a deployment. */
export interface RunRow {
  state: string;
  requested_at: string | null;
  started_at: string | null;
}

/** Deployment schedule, expiry and rerun behaviour (deploy-and-monitor.md §3.3). */
export function isDue(
  d: { purpose: Purpose; availableAt: string; expiresAt: string | null; schedule: Assignment[]; rerun: Rerun },
  run: RunRow | undefined,
  at: Date,
): boolean {
  const t = at.getTime();
  if (run?.state === 'running') return false;
  if (t < Date.parse(d.availableAt)) return false;
  if (d.expiresAt && t >= Date.parse(d.expiresAt)) return false;
  const started = run?.started_at ? Date.parse(run.started_at) : undefined;
  // Users can always (re)run an available deployment, or start a required one early.
  if (run?.requested_at && (started === undefined || Date.parse(run.requested_at) > started)) return true;
  if (d.purpose !== 'required') return false;
  const assignmentDue = d.schedule.some((a) => {
    if (a.kind === 'asap') return started === undefined;
    const when = Date.parse(a.at);
    return when <= t && (started === undefined || started < when);
  });
  if (!assignmentDue) return false;
  if (started === undefined) return true;
  switch (d.rerun) {
    case 'never':
      return false;
    case 'ifFailed':
      return run?.state === 'error';
    case 'ifSucceeded':
      return run?.state === 'success';
    default:
      return true;
  }
}
