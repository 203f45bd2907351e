// Public API of the task sequence core: the model, ConfigMgr XML import/export, validation,
// conditions, and the engine with the ports (USMT runner, SMP client, packages) it is given.
export * from './model.ts';
export {
  STEP_TYPES,
  ADD_MENU_CATEGORIES,
  stepTypeSpec,
  propertyVariables,
  editorStepTypes,
  newStep,
  type StepTypeSpec,
  type PropSpec,
  type PropertyDef,
  type PropType,
  type PropertyValue,
  type AddMenuCategory,
  type FieldKind,
  type FieldSpec,
  type StepSpec,
} from './step-types.ts';
export { parseSequenceXml, serializeSequenceXml, parseXmlDocument } from './xml.ts';
export { loadSequenceFile, parseSequenceDocument, decodeXmlBytes, type LoadedSequence } from './input.ts';
export { TS_LIMITS, TS_REQUEST_BODY_BYTES, checkSequenceLimits } from './limits.ts';
export { validateSequence, hasErrors, type ValidationIssue, type ValidateOptions } from './validate.ts';
export { evaluateCondition, osVersionCondition, type ConditionResult, type ConditionNote } from './conditions.ts';
export { TsEnvironment, layerVariables, checkVariableName, type VariableLayers } from './variables.ts';
export { splitWindowsCommandLine, splitArguments } from './command-line.ts';
export {
  buildScanStateArgs,
  buildLoadStateArgs,
  type UsmtPackage,
  type UsmtArgContext,
  type VariableReader,
  type StoreType,
} from './usmt-args.ts';
export {
  builtinUsmtRunner,
  localPackages,
  builtinXmlDir,
  type UsmtRunner,
  type UsmtRunContext,
  type SmpPort,
  type SmpPortFactory,
  type SmpGrant,
  type SmpRequestSettings,
  type PackageResolver,
} from './ports.ts';
export type { TaskSequenceComputer, ComputerIdentity, RegistryReader, WmiInstance } from './computer.ts';
export { Engine, type EngineDeps, type StartOptions, type RunResult, type TaskSequenceIdentity } from './engine.ts';
export { readEngineState, writeEngineFile, type EngineState, type NodeRecord } from './state.ts';
export { SmstsLog, formatCmTraceLine, parseCmTrace, type CmTraceRecord } from './smsts-log.ts';
export { describeSequence, describeCondition } from './describe.ts';
export { maskSecrets } from './describe.ts';
export { wimInfo, type WimImage } from './wimlib.ts';
export type { ExportSummary } from './input.ts';
export { deploymentWarnings, userStateRole } from './roles.ts';
