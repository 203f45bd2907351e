// Public API of the MigXML rule engine (spec/migxml.md). ScanState, LoadState, explain and plan
// use these; everything else in this folder is internal.
export { loadRuleFile, parseRuleText, allComponents } from './parser.ts';
export { loadRuleSet, dedupeRuleFiles } from './rule-set.ts';
export type * from './model.ts';
export {
  RuleEngine,
  fileKey,
  registryKey,
  type ActiveComponent,
  type ActiveRule,
  type Decision,
  type DecidedObject,
  type EngineOptions,
  type Pass,
  type PassInclusion,
  type RuleRef,
} from './engine.ts';
export { openPlanning, newSummary, count, type Planning, type PlanningInput, type PlanSummary, type Totals } from './planning.ts';
export { selectUsers, type UserSelection, type SelectOptions } from './user-selection.ts';
export {
  loadConfig,
  parseConfigText,
  generateConfig,
  isComponentDisabled,
  errorRuleFor,
  componentIds,
  type MigrationConfig,
  type ErrorRule,
  type ChangeGroup,
} from './config-xml.ts';
export {
  applyLocationModify,
  applyRemaps,
  destinationOf,
  mapMissingDrive,
  resolveCollision,
  collisionName,
  placeByPattern,
  isUnder,
  type RelocationEnv,
  type CollisionInput,
  type CollisionOutcome,
} from './relocate.ts';
export {
  compilePattern,
  splitLocation,
  encodeLocation,
  patternMatches,
  compareSpecificity,
  type CompiledPattern,
  type ObjectType,
  type Specificity,
} from './pattern.ts';
export { parseScriptCall, type ScriptCall } from './script-call.ts';
export {
  iniKey,
  decodeIni,
  encodeIni,
  emptyIni,
  iniSettings,
  iniValue,
  setIniValue,
  readIniFile,
  splitIniLocation,
  iniLocation,
  MAX_INI_BYTES,
  type IniDocument,
  type IniEncoding,
  type IniSetting,
} from './ini.ts';
export { readFileVersion, type FileVersionInfo } from './pe-version.ts';
export { loadXmlFile, parseXmlText, MAX_XML_BYTES, MAX_ATTRIBUTE_CHARS } from './xml-load.ts';
export { CONFIG_OFF_COMPONENT } from './planning.ts';
export { compareFileVersions, compareRegistryValues } from './merge-compare.ts';
export { regDataString, scanFilter, type ApplyFilterState } from './helpers.ts';
export { REGISTRY_CONTENT_FUNCTIONS, contentModifyFor, keepExisting, modifyRegistryValue, type RawValue } from './content-modify.ts';
export { ruleText } from './engine.ts';
export { bufferFileVersion } from './pe-version.ts';
export { childElements, textOf } from './xml-load.ts';
export { compileGlob } from './pattern.ts';
