// The Windows volume model: an offline Windows installation seen with Windows semantics.
export * from './types.ts';
export { openVolume, findWindowsDir, OfflineVolume, FALLBACK_COMPUTER_NAME, type OpenVolumeOptions, type Resolved } from './volume.ts';
export { expandEnv, type Env } from './env.ts';
export {
  parseWinPath,
  formatWinPath,
  normalizeWinPath,
  joinWinPath,
  foldCase,
  winPathEquals,
  isWinPathWithin,
  type WinPath,
} from './winpath.ts';
export { decodeDosAttrib, decodeNtfsAttrib } from './dosattrib.ts';
export { requireVolumeRoot } from './root.ts';
export { composeAttributes, type AttributeSource } from './attributes.ts';
export { ProfileState, machineSidFromSam } from './profiles.ts';
export { openTargetVolume, TargetVolume, type TargetPath } from './target.ts';
export { DirIndex } from './dir-index.ts';
