// Steps that only have meaning on real hardware, which Ferry reports as skipped for this platform
// (not failed): Ferry works on a mounted Windows volume from outside, so there is no boot image
// to restart into, no disk to partition, no device to find drivers for and no Windows Update
// session. A Restart Computer into Windows PE is skipped the same way; the engine then simply
// continues in Windows PE (_SMSTSInWinPE=true).
import type { Step } from './model.ts';

/** Step types (XML `type=`) that need real hardware, with what they would have done. */
export const HARDWARE_ONLY_STEPS: Readonly<Record<string, string>> = {
  SMS_TaskSequence_PartitionDiskAction: 'Format and Partition Disk',
  SMS_TaskSequence_AutoApplyAction: 'Apply Device Drivers',
  SMS_TaskSequence_ApplyDriverPackageAction: 'Apply Driver Package',
  SMS_TaskSequence_InstallUpdateAction: 'Install Software Updates',
  SMS_TaskSequence_OfflineEnableBitLockerAction: 'Pre-provision BitLocker',
  SMS_TaskSequence_EnableBitLockerAction: 'Enable BitLocker',
};

/** Why the step is skipped on this platform, or undefined when it runs. */
export function platformSkipReason(step: Step, inWinPE: boolean): string | undefined {
  const what = HARDWARE_ONLY_STEPS[step.type];
  if (what !== undefined) return `${what} only has meaning on real hardware (skipped for this platform)`;
  if (!('unknown' in step) && step.type === 'SMS_TaskSequence_RebootAction' && step.properties.Target === 'WinPE') {
    return (
      `there is no boot image to restart into on this platform (skipped for this ` +
      `platform; the sequence continues ${inWinPE ? 'in' : 'as in'} Windows PE)`
    );
  }
  return undefined;
}
