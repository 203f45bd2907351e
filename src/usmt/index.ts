// ScanState / LoadState / UsmtUtils: USMT command lines and return codes over migxml + store +
// volume. The CLI entry points are `*-cli.ts` (`run(argv)`); these are the programmatic ones.
/**
 * Programmatic ScanState: capture (or estimate, or write Config.xml/a MigXML) from parsed options.
 *
 * @example
 * const o = parseScanStateArgs(['D:\\Store', '/i:MigDocs.xml', '/offlinewindir:E:\\Windows']);
 * if (!o.help) await scanState(o, { events: new EventStream(), cwd: process.cwd() });
 */
export { scanState, type ScanStateResult, type SkippedObject, type CapturedUser } from './scanstate.ts';
/** Programmatic LoadState: restore a store onto a volume from parsed options (`parseLoadStateArgs`). */
export { loadState, type LoadStateResult } from './loadstate.ts';
/** Programmatic UsmtUtils: `/ec`, `/rd` (remove a hard-link store), `/verify` and `/extract`. */
export { usmtUtils } from './usmtutils.ts';
/** The three tools' command lines, parsed and checked with USMT's rules and messages. */
export { parseScanStateArgs, type ScanStateOptions, type StoreKind, type EfsMode, type OfflineSource } from './scanstate-options.ts';
export { parseLoadStateArgs, type LoadStateOptions, type UserMove, type DomainMove } from './loadstate-options.ts';
export { parseUsmtUtilsArgs, type UsmtUtilsOptions, type VerifyReport } from './usmtutils-options.ts';
/** Runs a parsed tool with its log, progress file and USMT return code (what the `*-cli.ts` entry points share). */
export { runTool, type RunContext } from './cli-runner.ts';
/** The `scanstate`, `loadstate` and `usmtutils` commands: `run(argv)` resolves to the USMT exit code. */
export { run as runScanStateCli } from './scanstate-cli.ts';
export { run as runLoadStateCli } from './loadstate-cli.ts';
export { run as runUsmtUtilsCli } from './usmtutils-cli.ts';
/** The USMT-format `/l:` log and the `/progress:` file. */
export { UsmtLog } from './usmt-log.ts';
export { ProgressLog } from './progress-log.ts';
/** The USMT return code (spec/usmt-cli.md) of an error. */
export { exitCodeOf } from './usmt-error.ts';
/** Read and write Windows shell links (.lnk), whose targets LoadState remaps. */
export { parseShellLink, type LinkTarget } from './shell-link.ts';
/** USMT-style `/option:value` parsing, for tools that take the same syntax. */
export { all, one, parseArgs, parseUserSelection, type ParsedArgs, type ToolSpec } from './args.ts';
/** The rule files Ferry ships (MigDocs.xml, MigApp.xml, MigUser.xml) and how `/i:` names are found. */
export { BUILTIN_USMT_FILES, builtinXmlDir, locateRuleFile } from './default-rules.ts';
export { buildShellLink } from './shell-link.ts';
