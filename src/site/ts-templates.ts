// The replace and refresh templates of the Create Task Sequence wizard. Unlike the
// ConfigMgr-faithful "Install an existing image package" template (ts-document.ts), each has
// defaults that agree with each other, so a new sequence validates with no warning: restore
// restores local accounts (with the password given in the wizard), no step before Release
// continues on error, the refresh keeps its store in `_SMSTSUserStatePath`.
import type { TaskSequence } from '../tasksequence/index.ts';
import { newGroup, newSequence, newStep } from './ts-document.ts';

export type UserStateTemplate = 'replace-capture' | 'replace-restore' | 'refresh';

function restoreStep(usmtPackageId: string, password: string) {
  return newStep('SMS_TaskSequence_RestoreUserStateAction', {
    UsmtRestorePackageID: usmtPackageId,
    LocalAccounts: true,
    LocalAccountPassword: password,
  });
}

/** Replace, old computer: Request State Store (capture) → Capture User State → Release, through the SMP. */
export function replaceCaptureTemplate(usmtPackageId: string): TaskSequence {
  return newSequence([
    newGroup('Capture User Files and Settings', [
      newStep('SMS_TaskSequence_RequestStateStoreAction', { RequestType: 'capture' }),
      newStep('SMS_TaskSequence_CaptureUserStateAction', { UsmtPackageID: usmtPackageId }),
      newStep('SMS_TaskSequence_ReleaseStateStoreAction'),
    ]),
  ]);
}

/** Replace, new computer: Request State Store (restore, from the computer association) → Restore → Release. */
export function replaceRestoreTemplate(usmtPackageId: string, password: string): TaskSequence {
  return newSequence([
    newGroup('Restore User Files and Settings', [
      newStep('SMS_TaskSequence_RequestStateStoreAction', { RequestType: 'restore' }),
      restoreStep(usmtPackageId, password),
      newStep('SMS_TaskSequence_ReleaseStateStoreAction'),
    ]),
  ]);
}

/** Refresh, same computer: a local hard-link store in `_SMSTSUserStatePath`, restart, restore. */
export function refreshTemplate(usmtPackageId: string, password: string): TaskSequence {
  const store = newStep('SMS_TaskSequence_SetVariableAction', {
    VariableName: 'OSDStateStorePath',
    VariableValue: '%_SMSTSUserStatePath%',
  });
  store.name = 'Set local state store path';
  return newSequence([
    newGroup('Capture User Files and Settings', [
      store,
      newStep('SMS_TaskSequence_CaptureUserStateAction', { UsmtPackageID: usmtPackageId, UseHardlinks: true }),
    ]),
    newStep('SMS_TaskSequence_RebootAction', { Target: 'HD' }),
    newGroup('Restore User Files and Settings', [restoreStep(usmtPackageId, password)]),
  ]);
}

export function userStateTemplate(template: UserStateTemplate, usmtPackageId: string, password: string): TaskSequence {
  if (template === 'replace-capture') return replaceCaptureTemplate(usmtPackageId);
  if (template === 'replace-restore') return replaceRestoreTemplate(usmtPackageId, password);
  return refreshTemplate(usmtPackageId, password);
}
