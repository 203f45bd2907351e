// Run Command Line (task-sequence.md §5.2): a real process, started with an argument LIST and no
// shell. The command line is split with Windows rules first and each argument expanded after,
// so variable values cannot inject arguments or commands (see command-line.ts). `scanstate`,
// `loadstate` and `usmtutils` (with or without `.exe` or a folder) run Ferry's USMT engine with
// drive paths mapped into the volume — the seed's `usmtutils /rd` clean-up works as written.
import { spawn } from 'node:child_process';
import { basename } from 'node:path';
import { FerryError } from '../errors/index.ts';
import type { EventStream } from '../events/index.ts';
import { splitWindowsCommandLine } from './command-line.ts';
import { toHostPath, type TaskSequenceComputer } from './computer.ts';
import type { KnownStep } from './model.ts';
import type { PackageResolver, UsmtRunner } from './ports.ts';
import type { TsEnvironment } from './variables.ts';

export const ERROR_TIMEOUT = 1460;
const OUTPUT_KEEP = 1000;

export interface CommandResult {
  exitCode: number;
  /** Last 1,000 characters of standard output (Output to task sequence variable). */
  output: string;
  error?: FerryError;
}

export interface RunCommandContext {
  env: TsEnvironment;
  computer: TaskSequenceComputer;
  packages: PackageResolver;
  usmt: UsmtRunner;
  events: EventStream;
  /** Host folder for the USMT tools' working files. */
  workDir: string;
  log: (type: 1 | 2 | 3, message: string) => void;
}

const USMT_TOOLS = new Set(['scanstate', 'loadstate', 'usmtutils']);

/** The argv a Run Command Line step runs: split, then each argument expanded. */
export function commandArgv(commandLine: string, env: TsEnvironment): string[] {
  return splitWindowsCommandLine(commandLine).map((a) => env.expand(a));
}

/** `C:\x` → host path; `/opt:C:\x` → `/opt:<host>`; anything else unchanged. */
function mapDrivePaths(arg: string, root: string): string {
  const m = /^(\/[A-Za-z]+:)?([A-Za-z]:\\.*)$/.exec(arg);
  if (!m) return arg;
  const host = toHostPath(root, m[2]!);
  return host === null ? arg : `${m[1] ?? ''}${host}`;
}

export async function runCommandLine(
  step: KnownStep<'SMS_TaskSequence_RunCommandLineAction'>,
  ctx: RunCommandContext,
): Promise<CommandResult> {
  const p = step.properties;
  if (p.RunAsUser) {
    return {
      exitCode: 1,
      output: '',
      error: new FerryError(
        'FERRY_E_NOT_SUPPORTED_ON_PLATFORM',
        `"${step.name}" runs as another account (${p.UserName}); Ferry cannot switch to a Windows ` +
          `account on this platform. Clear "Run this step as the following account".`,
      ),
    };
  }
  const argv = commandArgv(p.CommandLine, ctx.env);
  if (argv.length === 0 || argv[0] === '') {
    return { exitCode: 1, output: '', error: new FerryError('FERRY_E_TS_PROPERTY_INVALID', `"${step.name}" has an empty command line.`) };
  }
  let cwd = ctx.computer.root;
  if (p.PackageID) {
    const dir = ctx.packages.folder(p.PackageID);
    if (dir === undefined) {
      return {
        exitCode: 1,
        output: '',
        error: new FerryError(
          'FERRY_E_TS_PACKAGE_NOT_FOUND',
          `Package ${p.PackageID} of "${step.name}" is not available; map it with --package ${p.PackageID}=DIR.`,
        ),
      };
    }
    cwd = dir;
  }
  if (p.WorkingDirectory) {
    const wd = ctx.env.expand(p.WorkingDirectory);
    const host = toHostPath(ctx.computer.root, wd);
    if (host === null) {
      return {
        exitCode: 1,
        output: '',
        error: new FerryError(
          'FERRY_E_TS_COMMAND_NOT_STARTED',
          `Start in folder ${wd} of "${step.name}" is not on this computer's volume.`,
        ),
      };
    }
    cwd = host;
  }

  const tool = basename(argv[0]!.replace(/\\/g, '/'))
    .toLowerCase()
    .replace(/\.exe$/, '');
  if (USMT_TOOLS.has(tool)) {
    const args = argv.slice(1).map((a) => mapDrivePaths(a, ctx.computer.root));
    const code = await ctx.usmt[tool as 'scanstate' | 'loadstate' | 'usmtutils'](args, {
      cwd,
      env: { USMT_WORKING_DIR: ctx.workDir },
      events: ctx.events,
    });
    return { exitCode: code, output: '' };
  }

  const program = /[\\]|^[A-Za-z]:/.test(argv[0]!) ? (toHostPath(ctx.computer.root, argv[0]!) ?? argv[0]!) : argv[0]!;
  return spawnProgram(program, argv.slice(1), cwd, step.timeout, ctx);
}

function spawnProgram(
  program: string,
  args: string[],
  cwd: string,
  timeoutSeconds: number | undefined,
  ctx: RunCommandContext,
): Promise<CommandResult> {
  return new Promise((resolve) => {
    let output = '';
    let settled = false;
    let timedOut = false;
    const child = spawn(program, args, { cwd, shell: false, detached: true, stdio: ['ignore', 'pipe', 'pipe'], windowsHide: true });
    const timer =
      timeoutSeconds !== undefined && timeoutSeconds > 0
        ? setTimeout(() => {
            timedOut = true;
            try {
              process.kill(-child.pid!, 'SIGKILL');
            } catch {
              child.kill('SIGKILL');
            }
          }, timeoutSeconds * 1000)
        : undefined;
    const lines = (type: 1 | 3) => {
      let partial = '';
      return (chunk: Buffer) => {
        const text = partial + chunk.toString('utf8');
        if (type === 1) output = (output + chunk.toString('utf8')).slice(-OUTPUT_KEEP);
        const parts = text.split(/\r?\n/);
        partial = parts.pop()!;
        for (const l of parts) if (l.trim() !== '') ctx.log(type === 1 ? 1 : 2, l);
      };
    };
    child.stdout.on('data', lines(1));
    child.stderr.on('data', lines(3));
    const finish = (r: CommandResult) => {
      if (settled) return;
      settled = true;
      if (timer) clearTimeout(timer);
      resolve(r);
    };
    child.on('error', (err: NodeJS.ErrnoException) => {
      finish({
        exitCode: 2,
        output,
        error: new FerryError(
          'FERRY_E_TS_COMMAND_NOT_STARTED',
          `Could not start ${program} (${err.code ?? err.message}) in ${cwd}. Shell ` +
            `features need an explicit shell program; cmd.exe does not exist here.`,
          {
            cause: err,
            details: { program, cwd },
          },
        ),
      });
    });
    child.on('close', (code, signal) => {
      if (timedOut) {
        finish({
          exitCode: ERROR_TIMEOUT,
          output,
          error: new FerryError(
            'FERRY_E_TS_STEP_TIMEOUT',
            `${program} ran longer than its time-out of ${timeoutSeconds} s and was stopped.`,
          ),
        });
      } else finish({ exitCode: code ?? 128 + (signal ? 9 : 0), output });
    });
  });
}
