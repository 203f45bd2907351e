// Every place LoadState applies one store object (migxml.md §6.7, §9.4). An object goes where
// each component that includes it sends it, and also where another component's <locationModify>
// sends it ("Conflicts and precedence": included by one component and rerouted by another, it is
// "migrated in both places"). A file outside every user's profile that a user-context component
// includes is decided in every user pass, so a reroute into %CSIDL_PERSONAL% reaches "the My
// Documents folder of every user" ("Reroute files and settings"), not only the first user's.
import type { Decision, PassInclusion, RuleEngine } from '../migxml/index.ts';
import type { ObjectType } from '../migxml/index.ts';
import { isUnder } from '../migxml/index.ts';

export interface Destination {
  readonly dest: string;
  readonly inclusion: PassInclusion;
}

/**
 * The destinations of an included object, the primary inclusion's first, without duplicates.
 * `finish` turns an engine destination into the target's path for that inclusion's pass (the
 * user's new profile, a missing drive).
 */
export function applyDestinations(
  engine: RuleEngine,
  path: string,
  isContainer: boolean,
  decision: Decision,
  type: ObjectType,
  finish: (dest: string, inclusion: PassInclusion) => string,
): Destination[] {
  const out: Destination[] = [];
  const seen = new Set<string>();
  // INI settings are merged into their file by one writer: the primary destination only.
  const inclusions = type === 'Ini' ? decision.inclusions.slice(0, 1) : decision.inclusions;
  for (const inclusion of inclusions) {
    const raw =
      type === 'Ini'
        ? [{ dest: engine.destinationFor(path, isContainer, inclusion, type), inclusion }]
        : engine.placementsFor(path, isContainer, inclusion, type);
    for (const p of raw) {
      const dest = finish(p.dest, p.inclusion);
      const key = dest.toLowerCase();
      if (seen.has(key)) continue;
      seen.add(key);
      out.push({ dest, inclusion: p.inclusion });
    }
  }
  return out;
}

/** The captured profile that holds a Windows path, if any. */
export function profileHolding<T extends { readonly profilePath: string }>(path: string, users: readonly T[]): T | undefined {
  return users.find((u) => isUnder(path, u.profilePath));
}
