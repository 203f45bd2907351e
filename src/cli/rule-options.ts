// Options shared by `ferry explain` and `ferry plan`: the source volume, the rule files, the
// Config.xml and the user selection, in USMT syntax (see usmt-args.ts for the GNU forms).
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { FerryError } from '../errors/index.ts';
import { locateRuleFile } from '../usmt/index.ts';
import type { PlanningInput } from '../migxml/index.ts';
import { all, one, parseArgs, parseUserSelection, type ParsedArgs, type ToolSpec } from '../usmt/index.ts';
import { normalizeUsmtArgs } from './usmt-args.ts';
import { terminal } from '../events/index.ts';

/** The options `plan` and `explain` take: the offline Windows folder, ScanState's rule and user options, and `--store`. */
export const RULE_OPTIONS: ToolSpec = {
  offlinewindir: { value: 'required' },
  i: { value: 'required', repeatable: true },
  config: { value: 'required' },
  all: { value: 'none' },
  ui: { value: 'required', repeatable: true },
  ue: { value: 'required', repeatable: true },
  uel: { value: 'required' },
  store: { value: 'required' },
};

/**
 * `--store PATH` of plan/explain: the store ScanState would write, as a Windows path on the volume
 * (`C:\_SMSTaskSequence\UserState`) or a host path. ScanState never captures the store it is
 * writing (nor its log files), as USMT documents; plan and explain show that exclusion.
 */
export interface StoreExclusion {
  /** The store as a lower-case Windows path prefix, without a trailing backslash. */
  winPrefix: string;
  display: string;
  reason: string;
}

/** The store path as a Windows prefix on the volume, when it lies on it; undefined when it does not. */
export function storeExclusion(args: ParsedArgs, windowsDir: string): StoreExclusion | undefined {
  const store = one(args, 'store');
  if (!store) return undefined;
  let win: string | undefined;
  if (/^[A-Za-z]:[\\/]/.test(store)) win = store.replace(/\//g, '\\');
  else {
    const volume = resolve(windowsDir, '..');
    const rel = relative(volume, resolve(terminal().cwd, store));
    if (rel !== '' && !rel.startsWith('..') && !isAbsolute(rel)) win = `C:\\${rel.split(sep).join('\\')}`;
  }
  if (win === undefined) return undefined; // a store outside the volume excludes nothing on it
  const winPrefix = win.replace(/\\+$/, '').toLowerCase();
  return { winPrefix, display: win, reason: `inside the store path ${win}: ScanState never captures the store it is writing` };
}

/** True when a Windows path lies inside the store path (and so is never captured). */
export function isInStore(x: StoreExclusion | undefined, winPath: string | undefined): boolean {
  if (!x || !winPath) return false;
  const p = winPath.split('|')[0]!.toLowerCase();
  return p === x.winPrefix || p.startsWith(`${x.winPrefix}\\`);
}

/** Parses the command line of `plan` or `explain` into the planning input; a usage error is a FerryError. */
export function parseRuleOptions(argv: readonly string[], usage: string): { args: ParsedArgs; input: PlanningInput } {
  const args = parseArgs(normalizeUsmtArgs(argv, RULE_OPTIONS), RULE_OPTIONS);
  if (args.help) return { args, input: { windowsDir: '', ruleFiles: [] } };
  const windowsDir = one(args, 'offlinewindir');
  if (!windowsDir)
    throw new FerryError(
      'FERRY_E_INVALID_ARGUMENT',
      `--offlinewindir DIR is required (the Windows folder of the offline volume).\n${usage}`,
    );
  const config = one(args, 'config');
  // Relative paths are read from the command's working folder, never the process's (tests run several commands in one process).
  const { cwd } = terminal();
  return {
    args,
    input: {
      windowsDir: resolve(cwd, windowsDir),
      ruleFiles: all(args, 'i').map((f) => locateRuleFile(f, cwd)),
      ...(config ? { config: resolve(cwd, config) } : {}),
      selection: parseUserSelection(args),
    },
  };
}

/** Print a coded error and give the exit code (the USMT return code of the error). */
export function reportError(err: unknown): number {
  if (err instanceof FerryError) {
    terminal().stderr.write(`${err.code}: ${err.message}\n`);
    return err.usmtExitCode;
  }
  throw err;
}
