// `ferry ts`: show, validate, convert, run and resume task sequences.
//
// Exit codes: 0 success; 1 the sequence failed, has validation errors or could not be read;
// 2 usage error; 3 (`run`/`resume`) a restart is due — continue with `ferry ts resume --state DIR`.
import { writeFileSync } from 'node:fs';
import { Command, CommanderError, Option } from 'commander';
import { FerryError } from '../errors/index.ts';
import { commandErrorExit, TERMINAL_OUTPUT } from './command-error.ts';
import { requireVolumeRoot } from '../volume/index.ts';
import { EventStream, type FerryEvent, print, terminal } from '../events/index.ts';
import { describeSequence, maskSecrets } from '../tasksequence/index.ts';
import { Engine, type RunResult } from '../tasksequence/index.ts';
import { loadSequenceFile, type ExportSummary } from '../tasksequence/index.ts';
import { localPackages } from '../tasksequence/index.ts';
import { hasErrors, validateSequence } from '../tasksequence/index.ts';
import { serializeSequenceXml } from '../tasksequence/index.ts';
import { imagePackageTemplate } from '../site/index.ts';

/** Exit code of `ts run`/`ts resume` when a restart is due: continue with `ferry ts resume --state DIR`. */
export const EXIT_RESTART = 3;

/** Index paths are 0-based in the API; `ts show` numbers from 1. */
const displayPath = (path: string) =>
  path
    .split('.')
    .map((n) => Number(n) + 1)
    .join('.');

const collect = (value: string, previous: string[] = []) => [...previous, value];

function pairs(values: string[] | undefined, what: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const v of values ?? []) {
    const i = v.indexOf('=');
    if (i <= 0) throw new FerryError('FERRY_E_INVALID_ARGUMENT', `${what} "${v}" must be NAME=VALUE.`);
    out[v.slice(0, i)] = v.slice(i + 1);
  }
  return out;
}

function renderEvents(json: boolean): EventStream {
  const events = new EventStream();
  events.on((e: FerryEvent) => {
    if (json) {
      terminal().stdout.write(JSON.stringify(e) + '\n');
      return;
    }
    if (e.type === 'step') {
      if (e.status === 'start') print(`▶ ${e.step}`);
      else if (e.status === 'skipped') print(`  skipped: ${e.step}`);
      else print(`  ${e.ok ? 'ok' : 'FAILED'}: ${e.step} (exit ${e.exitCode})`);
    } else if (e.type === 'warning') print(`  warning ${e.code}: ${e.message}`);
    else if (e.type === 'error') print(`  error ${e.code}: ${e.message}`);
  });
  return events;
}

/** An export zip: its task sequences with what each references, and the other content it holds. */
function describeExport(x: ExportSummary, shown: string | undefined): string {
  const lines = [`Console export: ${x.sequences.length} task sequence(s), ${x.content.length} other object(s).`];
  for (const s of x.sequences) {
    lines.push(`  ${s.packageId === shown ? '*' : ' '} ${s.packageId} "${s.name ?? ''}" (${s.entry})`);
    for (const r of s.references)
      lines.push(
        `      ` +
          (`references ${r.id}` +
            `${r.inExport ? ` ${r.kind} "${r.name ?? ''}"${r.version ? ` version ${r.version}` : ''}` : ' (not in the export)'}`),
      );
  }
  const referenced = new Set(x.sequences.flatMap((s) => s.references.map((r) => r.id)));
  const rest = x.content.filter((c) => !referenced.has(c.id));
  if (rest.length > 0)
    lines.push('  Not referenced by any task sequence:', ...rest.map((c) => `      ${c.id} ${c.kind} "${c.name ?? ''}"`));
  lines.push(`Showing ${shown ?? x.sequences[0]?.packageId}${x.sequences.length > 1 ? ' (choose another with --sequence ID)' : ''}:`, '');
  return lines.join('\n');
}

function report(result: RunResult, json: boolean): number {
  if (json) terminal().stdout.write(JSON.stringify({ type: 'result', ...result }) + '\n');
  else if (result.status === 'succeeded') print(`Task sequence succeeded. Log: ${result.logPath}`);
  else if (result.status === 'restart')
    print(
      `Restart into ${result.restartInto === 'WinPE' ? 'Windows PE' : 'the installed OS'} ` +
        `requested. Continue with: ferry ts resume --state ${result.stateDir}`,
    );
  else print(`Task sequence failed at "${result.failedStep?.name}" (exit ${result.failedStep?.exitCode}). Log: ${result.logPath}`);
  return result.status === 'succeeded' ? 0 : result.status === 'restart' ? EXIT_RESTART : 1;
}

/** Sets the exit code of `run` from inside a command action. */
type SetCode = (code: number) => void;

/** `ts show`: the model as text or JSON; for an export zip, also what it holds. */
function addShow(program: Command): void {
  program
    .command('show')
    .argument('<file>')
    .option('--json', 'print the model as JSON')
    .option('--sequence <packageId>', 'in an export zip with several task sequences, the one to show')
    .description(
      'every group and step with type, name, enabled, continue on error, conditions and ' +
        'variables; for an export zip, also every task sequence with the content it references',
    )
    .action(async (file: string, o: { json?: boolean; sequence?: string }) => {
      const loaded = await loadSequenceFile(file, o.sequence ? { packageId: o.sequence } : {});
      if (o.json)
        print(
          JSON.stringify(
            maskSecrets({
              form: loaded.form,
              package: loaded.package,
              entry: loaded.entry,
              export: loaded.export,
              sequence: loaded.sequence,
            }),
            null,
            2,
          ),
        );
      else {
        if (loaded.export) print(describeExport(loaded.export, loaded.package?.packageId));
        print(describeSequence(loaded.sequence));
      }
    });
}

/** `ts validate`: errors and warnings with codes; exit 1 on an error. */
function addValidate(program: Command, setCode: SetCode): void {
  program
    .command('validate')
    .argument('<file>')
    .option('--json', 'print the issues as JSON')
    .option('--package <ID=DIR>', 'map a package id to a folder (repeatable)', collect)
    .description('validation errors and warnings with codes; exit 1 when there is an error')
    .action(async (file: string, o: { json?: boolean; package?: string[] }) => {
      const loaded = await loadSequenceFile(file);
      const issues = validateSequence(loaded.sequence, { packages: localPackages(pairs(o.package, '--package')) });
      if (o.json) print(JSON.stringify(issues, null, 2));
      else if (issues.length === 0) print('No errors or warnings.');
      else
        for (const i of issues)
          print(`${i.severity} ${i.code}${i.step ? ` "${i.step}"` : ''}${i.path ? ` [${displayPath(i.path)}]` : ''}: ${i.message}`);
      setCode(hasErrors(issues) ? 1 : 0);
    });
}

/** `ts convert`: write back as a plain <sequence> XML. */
function addConvert(program: Command): void {
  program
    .command('convert')
    .argument('<file>')
    .requiredOption('--out <file>', 'the task sequence XML to write')
    .option('--sequence <packageId>', 'in an export zip with several task sequences, the one to convert')
    .description('read and write back as a plain <sequence> XML')
    .action(async (file: string, o: { out: string; sequence?: string }) => {
      const loaded = await loadSequenceFile(file, o.sequence ? { packageId: o.sequence } : {});
      writeFileSync(o.out, serializeSequenceXml(loaded.sequence));
      print(`Wrote ${o.out}.`);
    });
}

/** `ts template`: the "Install an existing image package" template. */
function addTemplate(program: Command): void {
  program
    .command('template')
    .requiredOption('--out <file>', 'the task sequence XML to write')
    .option('--usmt-package <ID>', 'the USMT package id of Capture/Restore User State', 'FRY00001')
    .option('--image-package <ID>', 'an operating system image package id: the whole refresh (capture, install and set up the OS, restore)')
    .option('--image-index <N>', 'the image in the WIM (OSDImageIndex)', '1')
    .option('--hardlinks', 'capture locally by using links (into _SMSTSUserStatePath, kept by Apply Operating System Image)')
    .description('write the "Install an existing image package" template')
    .action((o: { out: string; usmtPackage: string; imagePackage?: string; imageIndex: string; hardlinks?: boolean }) => {
      const index = Number(o.imageIndex);
      if (!Number.isInteger(index) || index < 1)
        throw new CommanderError(2, 'ferry.usage', `--image-index must be a whole number from 1 (got ${o.imageIndex}).`);
      const seq = imagePackageTemplate(o.usmtPackage, {
        ...(o.imagePackage ? { imagePackageId: o.imagePackage, imageIndex: index } : {}),
        hardLinks: o.hardlinks === true,
      });
      seq.name = 'Install an existing image package';
      writeFileSync(o.out, serializeSequenceXml(seq));
      print(`Wrote ${o.out}.`);
    });
}

/** `ts run`: run a sequence on a volume. */
function addRun(program: Command, setCode: SetCode): void {
  program
    .command('run')
    .argument('<file>')
    .requiredOption('--root <volume>', 'the Windows volume root (what C:\\ is)')
    .option('--var <NAME=VALUE>', 'a deployment variable (repeatable); overrides collection/device variables', collect)
    .option('--state <dir>', 'state folder for restart/resume (default <root>/_SMSTaskSequence)')
    .option(
      '--device <path>',
      "the NTFS block device or image file mounted on --root (ntfs-3g): Apply Operating System Image uses wimlib's NTFS mode",
    )
    .option('--winpe', 'start in Windows PE (_SMSTSInWinPE=true)')
    .option(
      '--package <ID=DIR>',
      'map a package id to a folder of XML files, or an image package id to its .wim ' +
        '(repeatable); DIR/ferry-package.json may declare {"usmtVersion": "4.0"}',
      collect,
    )
    .option('--name <computer>', 'computer name')
    .option('--mac <address>', 'MAC address')
    .option('--smbios-guid <guid>', 'SMBIOS GUID')
    .addOption(new Option('--json', 'print events as JSON lines'))
    .description('run a task sequence on a volume; exit 0 success, 1 failure, 3 restart due')
    .action(
      async (
        file: string,
        o: {
          root: string;
          var?: string[];
          state?: string;
          device?: string;
          winpe?: boolean;
          package?: string[];
          name?: string;
          mac?: string;
          smbiosGuid?: string;
          json?: boolean;
        },
      ) => {
        requireVolumeRoot(o.root);
        const loaded = await loadSequenceFile(file);
        const engine = await Engine.start({
          sequence: loaded.sequence,
          computer: {
            root: o.root,
            ...(o.device ? { device: o.device } : {}),
            ...(o.name ? { name: o.name } : {}),
            ...(o.mac ? { macAddress: o.mac } : {}),
            ...(o.smbiosGuid ? { smbiosGuid: o.smbiosGuid } : {}),
          },
          ...(o.state ? { stateDir: o.state } : {}),
          winPE: o.winpe === true,
          variables: { deployment: pairs(o.var, '--var') },
          packageFolders: pairs(o.package, '--package'),
          identity: {
            ...(loaded.package?.packageId ? { packageId: loaded.package.packageId } : {}),
            ...(loaded.package?.name ? { packageName: loaded.package.name } : {}),
          },
          events: renderEvents(o.json === true),
        });
        setCode(report(await engine.run(), o.json === true));
      },
    );
}

/** `ts resume`: continue after a restart or an interruption. */
function addResume(program: Command, setCode: SetCode): void {
  program
    .command('resume')
    .requiredOption('--state <dir>', 'the state folder of the interrupted or restarting run')
    .option('--package <ID=DIR>', 'map a package id to a folder (repeatable; replaces the mappings of the run)', collect)
    .addOption(new Option('--json', 'print events as JSON lines'))
    .description('continue after a restart or an interruption; exit 0 success, 1 failure, 3 restart due')
    .action(async (o: { state: string; package?: string[]; json?: boolean }) => {
      const engine = await Engine.resume(o.state, {
        events: renderEvents(o.json === true),
        ...(o.package ? { packages: localPackages(pairs(o.package, '--package')) } : {}),
      });
      setCode(report(await engine.run(), o.json === true));
    });
}

/** Runs `ferry ts ARGS…` and returns the exit code (see the top of this file). */
export async function run(argv: string[]): Promise<number> {
  let code = 0;
  const setCode: SetCode = (c) => {
    code = c;
  };
  const program = new Command('ferry ts')
    .configureOutput(TERMINAL_OUTPUT)
    .description(
      'Task sequences: show, validate, convert, run, resume. FILE is a <sequence> XML, a console object.xml or a console export zip.',
    )
    .exitOverride()
    .showHelpAfterError();
  addShow(program);
  addValidate(program, setCode);
  addConvert(program);
  addTemplate(program);
  addRun(program, setCode);
  addResume(program, setCode);

  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (err) {
    return commandErrorExit(err, 1);
  }
  return code;
}
