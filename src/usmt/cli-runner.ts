// What the three USMT-shaped commands share around their work: `/?`, the `/l` log, the
// `/progress` log, rendering events (a progress bar on a TTY, JSON lines with `--json`), and
// turning any failure into a message on the console and in the log plus USMT's return code.
import { resolve } from 'node:path';
import { EventStream, terminal, type FerryEvent } from '../events/index.ts';
import { FerryError } from '../errors/index.ts';
import { UsmtLog } from './usmt-log.ts';
import { commandLineSecrets, maskCommandLine, Redactor } from './redact.ts';
import { readFile } from 'node:fs/promises';
import { ProgressLog } from './progress-log.ts';
import { USMT_DISPLAY_HELP, asFerryError, exitCodeOf } from './usmt-error.ts';
import type { ParsedCommand } from './scanstate-options.ts';
import type { ReportCollector } from '../report/index.ts';
import { locateRuleFile } from './default-rules.ts';
import { FERRY_VERSION } from '../version.ts';

/** What a USMT-shaped tool runs with: where it reports (events), and the logs the command line asked for. */
export interface RunContext {
  readonly events: EventStream;
  /** The folder relative paths on the command line (and in an /offline file) are read from. */
  readonly cwd: string;
  /**
   * The `/l` log; absent for programmatic callers that did not ask for one. LoadState does not
   * write it: its `log` events are rendered into it by the tool's log listener.
   */
  readonly log?: UsmtLog;
  /** The `/progress` log. */
  readonly progress?: ProgressLog;
  /** The migration report being collected (a capture or restore with `/l`). */
  readonly report?: ReportCollector;
}

interface CommonOptions {
  readonly logFile?: string;
  readonly verbosity: number;
  readonly progressFile?: string;
  readonly json?: boolean;
}

export interface Tool<T extends CommonOptions> {
  /** `ScanState`, `LoadState`, `UsmtUtils`: the program name in logs. */
  readonly program: string;
  readonly help: string;
  /** Where a command-line error is logged when the command line could not be read (USMT writes it to the default log). */
  readonly defaultLog?: string;
  parse(argv: readonly string[]): ParsedCommand<T>;
  execute(options: T, ctx: RunContext): Promise<number>;
  /** A capture or restore: the report it writes beside its `/l` log, and the store it names. */
  reportOf?(
    options: T,
  ):
    | { readonly kind: 'capture' | 'restore'; readonly storePath: string; readonly storeType: 'compressed' | 'uncompressed' | 'hardlink' }
    | undefined;
}

/** How a tool is started: its working folder (default: this process's), and who else hears it. */
export interface ToolInvocation {
  readonly cwd?: string;
  /**
   * An in-process caller (the task sequence engine): hears the tool's progress and phases, and a `log` event (component REPORT_WRITTEN)
   * naming each report written.
   */
  readonly events?: EventStream;
}

/**
 * Run one USMT-shaped tool as its command line asks: parse, open `/l` and `/progress`, render the
 * tool's events (log listener, console or `--json`), write the migration report, and turn any
 * failure into USMT's return code. Secrets on the command line (and a `/keyfile`'s contents) are
 * masked in every line written.
 * @example
 * // What `ferry loadstate` does (loadstate-cli.ts):
 * const code = await runTool(tool, ['D:\\Store', '/offlinewindir:/mnt/t/Windows', '/l:load.log'], { cwd: '/tmp' });
 */
export async function runTool<T extends CommonOptions>(
  tool: Tool<T>,
  argv: readonly string[],
  invocation: ToolInvocation = {},
): Promise<number> {
  const cwd = invocation.cwd ?? terminal().cwd;
  // Known before anything is parsed or written, so that no line — not even a parse error — shows a secret.
  const redactor = new Redactor();
  for (const secret of commandLineSecrets(argv)) redactor.add(secret);
  const shownArgs = maskCommandLine(argv).join(' ');
  let options: T;
  try {
    const parsed = tool.parse(argv);
    if (parsed.help) {
      terminal().stdout.write(tool.help);
      return USMT_DISPLAY_HELP;
    }
    options = withAbsolutePaths(parsed as T, cwd);
  } catch (err) {
    let log: UsmtLog | undefined;
    try {
      if (tool.defaultLog) log = UsmtLog.open(resolve(cwd, tool.defaultLog), 0);
      if (log) log.mask = (t) => redactor.mask(t);
    } catch {
      // The console still gets the message.
    }
    try {
      return report(err, log, argv.includes('--json'), redactor);
    } finally {
      log?.close();
    }
  }

  const events = new EventStream();
  let log: UsmtLog | undefined;
  let progress: ProgressLog | undefined;
  const detach: (() => void)[] = [];
  const reportSpec = options.logFile !== undefined ? tool.reportOf?.(options) : undefined;
  // The report code (and the progress bar's) loads only when this run uses it: start-up counts.
  const reporting = reportSpec ? await import('../report/index.ts') : undefined;
  const collector = reportSpec ? new reporting!.ReportCollector(reportSpec.kind) : undefined;
  if (collector) detach.push(collector.attach(events));
  const outer = invocation.events;
  if (outer) detach.push(events.on((e) => (e.type === 'progress' || e.type === 'phase' ? outer.emit(e) : undefined)));
  const finishReport = async (exitCode: number): Promise<void> => {
    if (!collector || !reportSpec || !reporting) return;
    const { REPORT_WRITTEN, writeReportFiles } = reporting;
    try {
      const r = await collector.finish({
        tool: tool.program,
        commandLine: `${tool.program.toLowerCase()} ${shownArgs}`,
        exitCode,
        store: { path: resolve(cwd, reportSpec.storePath), type: reportSpec.storeType },
      });
      const written = await writeReportFiles(resolve(cwd, options.logFile!), r);
      log?.info(`Migration report written to ${written.json} and ${written.html}`);
      invocation.events?.log('info', REPORT_WRITTEN, written.json);
    } catch (err) {
      const message = `The migration report could not be written: ${(err as Error).message}`;
      log?.warning(`FERRY_W_REPORT_NOT_WRITTEN: ${message}`);
      terminal().stderr.write(`warning FERRY_W_REPORT_NOT_WRITTEN: ${message}\n`);
    }
  };
  try {
    redactor.add(await keyFileSecret(options));
    if (options.logFile !== undefined) log = UsmtLog.open(options.logFile, options.verbosity);
    if (options.progressFile !== undefined) progress = ProgressLog.open(options.progressFile);
    if (log) log.mask = (t) => redactor.mask(t);
    if (progress) progress.mask = (t) => redactor.mask(t);
    log?.info(`${tool.program} (Ferry) command line: ${tool.program.toLowerCase()} ${shownArgs}`);
    progress?.write('program', `${tool.program}.exe`);
    progress?.write('productVersion', `Ferry ${FERRY_VERSION}`);
    progress?.write('commandLine', `${tool.program.toLowerCase()} ${shownArgs}`);
    if (log) detach.push(events.on(logListener(log)));
    const bar = !options.json && terminal().stderr.isTTY === true ? (await import('cli-progress')).default : undefined;
    detach.push(events.on(options.json ? jsonListener(redactor) : consoleListener(redactor, bar)));
    const code = await tool.execute(options, {
      events,
      cwd,
      ...(log ? { log } : {}),
      ...(progress ? { progress } : {}),
      ...(collector ? { report: collector } : {}),
    });
    await finishReport(code);
    log?.info(`${tool.program} return code: ${code}`);
    return code;
  } catch (err) {
    const code = report(err, log, options.json === true, redactor);
    await finishReport(code);
    return code;
  } finally {
    for (const d of detach) d();
    log?.close();
    progress?.close();
  }
}

/** The key in a `/keyfile:` file, read only to mask it; the tool itself reports an unreadable file. */
async function keyFileSecret(options: object): Promise<string | undefined> {
  const o = options as { encryption?: { keySource?: { keyFile?: string } }; decryption?: { keySource?: { keyFile?: string } } };
  const file = o.encryption?.keySource?.keyFile ?? o.decryption?.keySource?.keyFile;
  if (file === undefined) return undefined;
  try {
    return (await readFile(file, 'utf8')).replace(/^\uFEFF/, '').split(/\r?\n/)[0];
  } catch {
    return undefined;
  }
}

/** Options that name a file or folder; `estimatePath` may be '' (`/p` alone: the store's own folder). */
const PATH_OPTIONS = [
  'storePath',
  'storeDir',
  'file',
  'destination',
  'configFile',
  'generatePath',
  'logFile',
  'progressFile',
  'listFile',
  'estimatePath',
  'targetWindowsDir',
];

/**
 * Every path on the command line made absolute against the tool's working folder, and each `/i`
 * file located as USMT does (that folder first, then the bundled rules), so that the work below
 * never reads the process's current folder: several tools can run in one process at once.
 */
function withAbsolutePaths<T>(options: T, cwd: string): T {
  const o: Record<string, unknown> = { ...(options as Record<string, unknown>) };
  for (const k of PATH_OPTIONS) if (typeof o[k] === 'string' && o[k] !== '') o[k] = resolve(cwd, o[k]);
  if (Array.isArray(o.ruleFiles)) o.ruleFiles = (o.ruleFiles as string[]).map((f) => locateRuleFile(f, cwd));
  const offline = o.offline as { kind: string; path: string } | undefined;
  if (offline) o.offline = { ...offline, path: resolve(cwd, offline.path) };
  for (const k of ['encryption', 'decryption']) {
    const crypt = o[k] as { keySource: { keyFile?: string } } | undefined;
    if (crypt?.keySource.keyFile !== undefined) o[k] = { ...crypt, keySource: { keyFile: resolve(cwd, crypt.keySource.keyFile) } };
  }
  return o as T;
}

function report(err: unknown, log: UsmtLog | undefined, json: boolean, redactor: Redactor): number {
  const fe = asFerryError(err);
  const code = exitCodeOf(fe);
  log?.error(`${fe.code}: ${fe.message}`, code);
  log?.info(`return code: ${code}`);
  if (json) terminal().stdout.write(`${redactor.json({ type: 'result', ok: false, exitCode: code, error: fe.toJSON() })}\n`);
  terminal().stderr.write(`${fe.code}: ${redactor.mask(fe.message)}\n`);
  if (!(err instanceof FerryError) && terminal().env.FERRY_DEBUG)
    terminal().stderr.write(`${redactor.mask(String((err as Error)?.stack ?? err))}\n`);
  return code;
}

function logListener(log: UsmtLog): (e: FerryEvent) => void {
  return (e) => {
    switch (e.type) {
      case 'warning':
        log.warning(`${e.code}: ${e.message}${e.path ? ` (${e.path})` : ''}`);
        break;
      case 'error':
        log.error(`${e.code}: ${e.message}${e.path ? ` (${e.path})` : ''}`);
        break;
      case 'decision':
        log.object(
          `${e.decision === 'include' ? 'Included' : 'Excluded'} ${e.object}${e.component ? ` [${e.component}]` : ''}` +
            `${e.user ? ` for ${e.user}` : ''}`,
        );
        break;
      case 'phase':
        log.info(`${e.status === 'start' ? 'Starting' : 'Finished'} ${e.phase}${e.ok === false ? ' (failed)' : ''}`);
        break;
      case 'log':
        if (e.level === 'debug') log.detail(e.message);
        else if (e.level === 'object') log.object(e.message);
        else if (e.level === 'warn') log.warning(e.message, e.returnCode);
        else if (e.level === 'error') log.error(e.message, e.returnCode);
        else log.info(e.message);
        break;
      default:
        break;
    }
  };
}

function jsonListener(redactor: Redactor): (e: FerryEvent) => void {
  const out = terminal().stdout;
  // Per-object outcomes (and the log lines about single objects) are for the report and the /l
  // log; they would flood the stream.
  return (e) => {
    if (e.type === 'object' || (e.type === 'log' && (e.level === 'object' || e.level === 'debug'))) return;
    out.write(`${redactor.json(e)}\n`);
  };
}

const CONSOLE_WARNINGS = 10;

type CliProgress = typeof import('cli-progress');

/** A progress bar on a TTY (`cliProgress` given), the first warnings and the summary; everything else is in the log. */
function consoleListener(redactor: Redactor, cliProgress: CliProgress | undefined): (e: FerryEvent) => void {
  const { stdout, stderr } = terminal();
  let bar: InstanceType<CliProgress['SingleBar']> | undefined;
  let warnings = 0;
  return (e) => {
    if (e.type === 'progress' && cliProgress && e.phase !== 'store') {
      const mb = ((e.bytesDone ?? 0) / 1048576).toFixed(1);
      // Capture streams as it walks, so it has no total: a counter instead of a bar.
      if (!bar) {
        const format = e.total ? ' {phase} [{bar}] {percentage}% | {value}/{total} files' : ' {phase} {value} files, {mb} MB';
        bar = new cliProgress.SingleBar({ stream: stderr, format, hideCursor: true }, cliProgress.Presets.shades_classic);
        bar.start(e.total ?? Number.MAX_SAFE_INTEGER, e.done, { phase: e.phase, mb });
      }
      if (e.total) bar.setTotal(e.total);
      bar.update(e.done, { phase: e.phase, mb });
    } else if (e.type === 'phase' && e.status === 'end') {
      bar?.stop();
      bar = undefined;
    } else if (e.type === 'warning') {
      if (++warnings > CONSOLE_WARNINGS) return;
      bar?.stop();
      bar = undefined;
      stderr.write(`warning ${e.code}: ${redactor.mask(e.message)}${e.path ? ` (${e.path})` : ''}\n`);
    } else if (e.type === 'log' && e.level === 'info' && e.component === 'summary') {
      if (warnings > CONSOLE_WARNINGS) stderr.write(`${warnings - CONSOLE_WARNINGS} more warnings are in the log (/l).\n`);
      stdout.write(`${redactor.mask(e.message)}\n`);
    }
  };
}
