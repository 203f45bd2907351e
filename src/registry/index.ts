// Public API of Ferry's regf (Windows registry hive) library. See docs/registry.md.
export { RegType, type RegData, type RegValue, type RegKey, type Hive } from './types.ts';
export { openHive, readHiveFile, RegfHive, RegfKey, RegfValue, type OpenHiveOptions } from './reader.ts';
export { detectDirty, findHiveLogs, type HiveDirtyState } from './dirty.ts';
export type { BaseBlock } from './hive-file.ts';
export { splitRegPath, joinRegPath, formatRegPath } from './paths.ts';
export { regTypeName, parseRegTypeName, decodeValueData, encodeValueData } from './value-data.ts';
export { filetimeToMs, msToFiletime } from './format.ts';
export {
  HiveEditor,
  defaultSecurityDescriptor,
  encodeSid,
  type CreateHiveOptions,
  type OpenEditorOptions,
  type KeyOptions,
} from './editor.ts';
export { ModelKey, ModelValue } from './model.ts';
