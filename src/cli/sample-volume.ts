// `ferry sample-volume --out DIR [--users N] [--size S] [--seed K]`: write a synthetic offline
// Windows volume to try rules, task sequences and the console on (src/sample-volume).
import { Command } from 'commander';
import { FerryError } from '../errors/index.ts';
import { commandErrorExit, TERMINAL_OUTPUT } from './command-error.ts';
import { generateSampleVolume, parseSize } from '../sample-volume/index.ts';
import { print } from '../events/index.ts';

const mib = (n: number): string => `${(n / 2 ** 20).toFixed(1)} MiB`;

/** `ferry sample-volume`: writes a synthetic offline Windows volume. Returns the exit code. */
export async function run(argv: string[]): Promise<number> {
  const program = new Command('ferry sample-volume')
    .configureOutput(TERMINAL_OUTPUT)
    .description(
      'Write a deterministic synthetic offline Windows volume (DIR plays C:\\; its Windows folder is what /offlinewindir: takes).',
    )
    .requiredOption('--out <dir>', 'folder to write; must not exist or be empty')
    .option('--users <n>', 'ordinary user profiles besides Public and Default', '3')
    .option('--size <size>', 'approximate bytes of file data, e.g. 20M or 2G (sparse paging files come on top)', '32M')
    .option('--seed <k>', 'seed of every choice: the same options give the same tree', '1')
    .option('--hives <none>', '"none": zero-filled placeholders instead of registry hives (a volume whose registry cannot be read)')
    .option('--quiet', 'print nothing')
    .exitOverride()
    .showHelpAfterError();
  try {
    program.parse(argv, { from: 'user' });
    const o = program.opts<{ out: string; users: string; size: string; seed: string; hives?: string; quiet?: boolean }>();
    if (o.hives !== undefined && o.hives !== 'none')
      throw new FerryError('FERRY_E_INVALID_ARGUMENT', `--hives takes only "none", not "${o.hives}".`);
    if (!/^\d+$/.test(o.users)) throw new FerryError('FERRY_E_INVALID_ARGUMENT', `--users takes a whole number, not "${o.users}".`);
    const started = performance.now();
    const s = generateSampleVolume({
      out: o.out,
      users: Number(o.users),
      size: parseSize(o.size),
      seed: o.seed,
      ...(o.hives === 'none' ? { hives: 'none' as const } : {}),
    });
    if (!o.quiet) {
      print(`Sample volume in ${s.root} (seed ${o.seed}; users: ${s.users.join(', ') || 'none'}).`);
      print(
        `  ${s.files} files, ${s.dirs} folders, ${s.symlinks} symlinks, ${s.hardlinks} ` +
          `hard links, ${mib(s.bytes)} of data, ${mib(s.sparseBytes)} sparse`,
      );
      print(`  ${s.longPaths} paths over 260 characters, ${s.unicodeNames} non-ASCII names, ${s.readOnly} read-only files`);
      print(
        `  hidden/system attributes ` +
          `(user.DOSATTRIB): ${s.attributes === null ? 'not written (the file system takes no user xattrs)' : `${s.attributes} entries`}`,
      );
      print(`  ${((performance.now() - started) / 1000).toFixed(1)} s. Offline Windows folder: ${s.windowsDir}`);
    }
    return 0;
  } catch (err) {
    return commandErrorExit(err, 2);
  }
}
