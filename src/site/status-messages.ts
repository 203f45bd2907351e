// Task sequence status message ids (deploy-and-monitor.md §4.2), kept in one table so that an
// unconfirmed id can be corrected in one place, and the per-computer deployment status
// categories of Monitoring (§4.1).

export const STATUS_MESSAGES = {
  tsStarted: {
    id: 11140,
    component: 'Task Sequence Engine',
    text: 'The task sequence execution engine started execution of a task sequence',
  },
  tsCompleted: {
    id: 11143,
    component: 'Task Sequence Engine',
    text: 'The task sequence execution engine successfully completed a task sequence',
  },
  tsFailed: {
    id: 11141,
    component: 'Task Sequence Engine',
    text: 'The task sequence execution engine failed execution of a task sequence',
  },
  groupStarted: { id: 11124, component: 'Task Sequence Engine', text: 'The task sequence execution engine started the group (%2)' },
  groupCompleted: { id: 11127, component: 'Task Sequence Engine', text: 'The task sequence execution engine completed the group (%2)' },
  actionCompleted: {
    id: 11134,
    component: 'Task Sequence Action',
    text: 'The task sequence execution engine successfully completed the action (%1) in the group (%2) with exit code %3',
  },
  actionFailed: {
    id: 11135,
    component: 'Task Sequence Action',
    text: 'The task sequence execution engine failed executing the action (%1) in the group (%2) with the error code %3',
  },
  actionSkippedCondition: {
    id: 11130,
    component: 'Task Sequence Action',
    text: 'The task sequence execution engine skipped the action (%1) in the group (%2) because the condition was evaluated to be false',
  },
  actionSkippedDisabled: {
    id: 11128,
    component: 'Task Sequence Action',
    text: 'The task sequence execution engine skipped the disabled action (%1) in the group (%2)',
  },
  /** Ferry's own: a hardware-only step (Format and Partition Disk…) on a mounted volume. */
  actionSkippedPlatform: {
    id: 11001,
    component: 'Task Sequence Action',
    text: 'The task sequence execution engine skipped the action (%1) in the group (%2) because it has no meaning on this platform',
  },
  actionFailureIgnored: {
    id: 11138,
    component: 'Task Sequence Action',
    text: 'The task sequence execution engine ignored execution failure of the action (%1) in the group (%2)',
  },
  /** Ferry's own: the agent could not start the run (requirements not met). */
  requirementsNotMet: {
    id: 11000,
    component: 'Task Sequence Engine',
    text: 'The task sequence was not started because its requirements were not met',
  },
} as const;

export type StatusKind = keyof typeof STATUS_MESSAGES;

export function statusText(kind: StatusKind, action: string, group: string, exitCode: number | null): string {
  const text = group ? STATUS_MESSAGES[kind].text : STATUS_MESSAGES[kind].text.replace(' in the group (%2)', '');
  return text
    .replace('%1', action)
    .replace('%2', group)
    .replace('%3', String(exitCode ?? ''));
}

export const DEPLOYMENT_CATEGORIES = ['Success', 'In Progress', 'Error', 'Requirements Not Met', 'Unknown'] as const;
export type DeploymentCategory = (typeof DEPLOYMENT_CATEGORIES)[number];

/** Run state stored per (deployment, computer) → the Monitoring category. */
export function categoryOf(state: string | undefined): DeploymentCategory {
  switch (state) {
    case 'success':
      return 'Success';
    case 'running':
      return 'In Progress';
    case 'error':
      return 'Error';
    case 'notmet':
      return 'Requirements Not Met';
    default:
      return 'Unknown';
  }
}

/** Which run state a status message moves the run to, if any. */
export function stateAfter(messageId: number): string | undefined {
  if (messageId === STATUS_MESSAGES.tsStarted.id) return 'running';
  if (messageId === STATUS_MESSAGES.tsCompleted.id) return 'success';
  if (messageId === STATUS_MESSAGES.tsFailed.id) return 'error';
  if (messageId === STATUS_MESSAGES.requirementsNotMet.id) return 'notmet';
  return undefined;
}
