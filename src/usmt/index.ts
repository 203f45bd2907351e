// ScanState / LoadState / UsmtUtils: USMT command lines and return codes over migxml + store +
// volume. The CLI entry points are `*-cli.ts` (`run(argv)`); these are the programmatic ones.
export { scanState, type ScanStateResult, type SkippedObject, type CapturedUser } from './scanstate.ts';
export { loadState, type LoadStateResult } from './loadstate.ts';
export { usmtUtils } from './usmtutils.ts';
export { parseScanStateArgs, type ScanStateOptions, type StoreKind, type EfsMode, type OfflineSource } from './scanstate-options.ts';
export { parseLoadStateArgs, type LoadStateOptions, type UserMove, type DomainMove } from './loadstate-options.ts';
export { parseUsmtUtilsArgs, type UsmtUtilsOptions, type VerifyReport } from './usmtutils-options.ts';
export { runTool, type RunContext } from './cli-runner.ts';
export { run as runScanStateCli } from './scanstate-cli.ts';
export { run as runLoadStateCli } from './loadstate-cli.ts';
export { run as runUsmtUtilsCli } from './usmtutils-cli.ts';
export { UsmtLog } from './usmt-log.ts';
export { ProgressLog } from './progress-log.ts';
export { exitCodeOf } from './usmt-error.ts';
export { parseShellLink, type LinkTarget } from './shell-link.ts';
export { all, one, parseArgs, parseUserSelection, type ParsedArgs, type ToolSpec } from './args.ts';
export { BUILTIN_USMT_FILES, builtinXmlDir, locateRuleFile } from './default-rules.ts';
export { buildShellLink } from './shell-link.ts';
