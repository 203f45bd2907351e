// What a sequence does with user state, as the deploy wizard needs to know it: a capture-only
// sequence belongs on the source computers of associations, a restore-only sequence through a
// state migration point on their destinations. A sequence whose capture and restore both run
// (a refresh, or one sequence with groups conditioned on a role variable) is "both".
import { isStepOfType, walkSteps, type Group, type TaskSequence } from './model.ts';

export interface UserStateRole {
  role: 'capture' | 'restore' | 'both' | 'none';
  /** Request State Store is used: the store comes from a state migration point. */
  smp: boolean;
}

/**
 * What the sequence does with user state (capture, restore, both, none) and whether through a state
 * migration point: the deploy wizard places it on the source or destination computers by it.
 */
export function userStateRole(seq: TaskSequence): UserStateRole {
  const enabled = [...walkSteps(seq.children)]
    .filter((e) => e.node.kind === 'step' && !e.node.disabled && !e.parents.some((g: Group) => g.disabled))
    .map((e) => e.node);
  const captures = enabled.some((n) => n.kind === 'step' && isStepOfType(n, 'SMS_TaskSequence_CaptureUserStateAction'));
  const restores = enabled.some((n) => n.kind === 'step' && isStepOfType(n, 'SMS_TaskSequence_RestoreUserStateAction'));
  const smp = enabled.some((n) => n.kind === 'step' && isStepOfType(n, 'SMS_TaskSequence_RequestStateStoreAction'));
  return { role: captures && restores ? 'both' : captures ? 'capture' : restores ? 'restore' : 'none', smp };
}

/**
 * Deploying `role` to these computers, given the computer associations (by name; an in-place
 * association has source = destination): what would move nothing, said before it runs.
 */
export function deploymentWarnings(
  role: UserStateRole,
  computers: string[],
  associations: { source: string; destination: string }[],
): string[] {
  const lc = (s: string) => s.toLowerCase();
  const out: string[] = [];
  for (const c of computers) {
    const asSource = associations.filter((a) => lc(a.source) === lc(c));
    const asDestination = associations.filter((a) => lc(a.destination) === lc(c));
    if (role.role === 'restore' && role.smp && asDestination.length === 0) {
      out.push(
        `${c} has no computer association as a destination and no in-place store of its own: this ` +
          `restore-only sequence would find nothing to restore. Create a computer association (source ` +
          `→ ${c}) under Assets and Compliance › User State Migration first.`,
      );
    }
    if (role.role === 'capture' && asSource.length === 0 && asDestination.some((a) => lc(a.source) !== lc(c))) {
      out.push(
        `${c} is only the destination of a computer association ` +
          `(from ${asDestination.map((a) => a.source).join(', ')}): this capture-only sequence belongs on the ` +
          `source computer, not on ${c}.`,
      );
    }
  }
  return out;
}
