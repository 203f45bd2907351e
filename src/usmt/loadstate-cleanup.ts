// <destinationCleanup> (migxml.md §2, §6.8): before anything is applied, the target's files and
// registry values that a cleanup pattern of the LoadState rules names are deleted — only what the
// pattern itself matches (never a folder or a key), each one logged, the count in the summary.
// Ferry deletes nothing else on the target.
import { rm } from 'node:fs/promises';
import { fileKey, registryKey, type Pass, type RuleEngine } from '../migxml/index.ts';
import { scanFilter } from '../migxml/index.ts';
import type { TargetVolume } from '../volume/index.ts';
import type { EventStream } from '../events/index.ts';
import type { RegistryApplier, RegistryUser } from './registry-apply.ts';

/** Where a pass's user profile lands on the target (a `/mu` move), to find its files there. */
export interface ProfileMove {
  readonly from: string;
  readonly to: string;
}

/**
 * Delete the target's files and registry values named by the rules' destinationCleanup patterns; returns them (Windows paths, registry
 * locations), each announced as a `warn` log event.
 */
export async function destinationCleanup(
  engine: RuleEngine,
  target: TargetVolume,
  registry: RegistryApplier,
  moveOf: (pass: Pass) => ProfileMove | undefined,
  registryUserOf: (pass: Pass) => RegistryUser | undefined,
  events: EventStream,
): Promise<string[]> {
  const deleted: string[] = [];
  for (const pass of engine.passes) {
    const move = moveOf(pass);
    for (const component of pass.components) {
      for (const rule of component.rules.destinationCleanup) {
        const m = rule.matcher;
        const why = `<destinationCleanup> ${rule.ref.pattern} (${rule.ref.component}, ${rule.ref.file})`;
        if (m.type === 'Registry') {
          for (const rootSegs of m.roots ?? [m.prefix]) {
            if (rootSegs.length < 2) continue;
            const names = (location: string) => {
              const k = registryKey(location);
              return m.matches(k.node, k.leaf);
            };
            for (const location of await registry.deleteValues(rootSegs.join('\\'), names, registryUserOf(pass))) {
              deleted.push(location);
              events.log('warn', 'loadstate', `Deleted ${location} on the target before applying: ${why}`);
            }
          }
          continue;
        }
        if (m.type !== 'File') continue;
        const doomed: { winPath: string; hostPath: string }[] = [];
        for (const rootSegs of m.roots ?? [m.prefix]) {
          if (rootSegs.length === 0) continue;
          const prefix = rootSegs.join('\\');
          const moved = move ? reroot(prefix, move.from, move.to) : prefix;
          const root = /^[a-z]:$/i.test(moved) ? `${moved}\\` : moved;
          if ((await target.stat(root))?.kind !== 'dir') continue;
          for await (const e of target.walk(root, {
            enterDir: (d) => m.mayMatchBelow(fileKey(sourceForm(d.winPath, move), true).node),
            onError: () => undefined,
          })) {
            if (e.kind !== 'file') continue;
            const k = fileKey(sourceForm(e.winPath, move), false);
            if (!m.matches(k.node, k.leaf, e)) continue;
            if (rule.filter && !scanFilter(rule.filter, e, null, { linkRelevant: true })) continue;
            if (!doomed.some((d) => d.hostPath === e.hostPath)) doomed.push({ winPath: e.winPath, hostPath: e.hostPath });
          }
        }
        for (const d of doomed) {
          await rm(d.hostPath);
          deleted.push(d.winPath);
          events.log('warn', 'loadstate', `Deleted ${d.winPath} on the target before applying: ${why}`);
        }
      }
    }
  }
  return deleted;
}

/** A target path in the source's form (the pattern's), undoing the profile move. */
const sourceForm = (winPath: string, move: ProfileMove | undefined) => (move ? reroot(winPath, move.to, move.from) : winPath);

/** Move `path` from under `from` to under `to` (case-insensitive, whole segments). */
function reroot(path: string, from: string, to: string): string {
  const f = from.replace(/\\+$/, '').toLowerCase();
  const p = path.toLowerCase();
  if (f === to.replace(/\\+$/, '').toLowerCase()) return path;
  if (p === f || p.startsWith(`${f}\\`)) return to.replace(/\\+$/, '') + path.slice(f.length);
  return path;
}
