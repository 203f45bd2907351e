// Public API of the sample volume generator (`ferry sample-volume`). See README.md.
export {
  generateSampleVolume,
  parseSize,
  userName,
  SAMPLE_USERS,
  DEFAULT_SIZE,
  type SampleVolumeOptions,
  type SampleVolumeSummary,
} from './generate.ts';
export { SID_BASE, COMPUTER_NAME } from './hives.ts';
