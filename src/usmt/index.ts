// ScanState / LoadState / UsmtUtils: USMT command lines and return codes over migxml + store +
// volume. The CLI entry points are `*-cli.ts` (`run(argv)`); these are the programmatic ones.
// Loading this module loads the command lines only: each tool's engine (rules, volume, store…)
// is imported when the tool first runs, so `scanstate /?` or a bad command line starts fast.
import type { RunContext } from './cli-runner.ts';
import type { LoadStateOptions } from './loadstate-options.ts';
import type { ScanStateOptions } from './scanstate-options.ts';
import type { UsmtUtilsOptions } from './usmtutils-options.ts';
export type { ScanStateResult, SkippedObject, CapturedUser } from './scanstate.ts';
export type { LoadStateResult } from './loadstate.ts';

/**
 * ScanState: capture the selected users' state from a volume into a store (USMT return codes in the result).
 *
 * @example
 * const o = parseScanStateArgs(['D:\\Store', '/i:MigDocs.xml', '/offlinewindir:E:\\Windows']);
 * if (!o.help) await scanState(o, { events: new EventStream(), cwd: process.cwd() });
 */
export async function scanState(options: ScanStateOptions, ctx: RunContext): Promise<import('./scanstate.ts').ScanStateResult> {
  return (await import('./scanstate.ts')).scanState(options, ctx);
}

/** LoadState: restore a store onto a volume (USMT return codes in the result). */
export async function loadState(options: LoadStateOptions, ctx: RunContext): Promise<import('./loadstate.ts').LoadStateResult> {
  return (await import('./loadstate.ts')).loadState(options, ctx);
}

/** UsmtUtils: one command (verify, extract, delete…); `write` receives the report lines (default: stdout). Returns USMT's exit code. */
export async function usmtUtils(options: UsmtUtilsOptions, ctx: RunContext, write?: (line: string) => void): Promise<number> {
  return (await import('./usmtutils.ts')).usmtUtils(options, ctx, write);
}
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
