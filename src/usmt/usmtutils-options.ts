// UsmtUtils' command line (spec/usmt-cli.md §4): exactly one of /ec, /rd, /verify, /extract.
import { has, one, parseAlgId, parseArgs, parseKeySource, parseVerbosity, type AlgId, type KeySource, type ToolSpec } from './args.ts';
import { optional, type ParsedCommand } from './scanstate-options.ts';
import { usmtError } from './usmt-error.ts';

export const USMTUTILS_SPEC: ToolSpec = {
  ec: { value: 'none' },
  rd: { value: 'optional' },
  y: { value: 'none' },
  verify: { value: 'optional' },
  extract: { value: 'none' },
  i: { value: 'required' },
  e: { value: 'required' },
  o: { value: 'none' },
  l: { value: 'required' },
  v: { value: 'required' },
  decrypt: { value: 'optional' },
  key: { value: 'required' },
  keyfile: { value: 'required' },
};

/** `/verify:` report kinds: summary (the default), all, failureonly, catalog. */
export type VerifyReport = 'summary' | 'all' | 'failureonly' | 'catalog';

interface Common {
  readonly tool: 'usmtutils';
  readonly logFile?: string;
  readonly verbosity: number;
  readonly decryption?: { readonly algId: AlgId; readonly keySource: KeySource };
}

/** A UsmtUtils command line, one variant per command. */
export type UsmtUtilsOptions = Common &
  (
    | { readonly command: 'ec' }
    | { readonly command: 'rd'; readonly storeDir: string; readonly noPrompt: boolean }
    | { readonly command: 'verify'; readonly report: VerifyReport; readonly file: string }
    | {
        readonly command: 'extract';
        readonly file: string;
        readonly destination: string;
        readonly include: readonly string[];
        readonly exclude: readonly string[];
        readonly overwrite: boolean;
      }
  );

const REPORTS: readonly VerifyReport[] = ['summary', 'all', 'failureonly', 'catalog'];

/**
 * Parses and validates a UsmtUtils command line (`/ec`, `/rd`, `/verify`, `/extract`: exactly one), with USMT's rules and messages.
 * @example
 * const o = parseUsmtUtilsArgs(['/verify:summary', 'D:\\store\\USMT\\USMT.MIG']);
 */
export function parseUsmtUtilsArgs(argv: readonly string[]): ParsedCommand<UsmtUtilsOptions> {
  const args = parseArgs(argv, USMTUTILS_SPEC);
  if (args.help) return { help: true };
  const fail = (message: string) => usmtError('FERRY_E_INVALID_ARGUMENT', message);
  const commands = (['ec', 'rd', 'verify', 'extract'] as const).filter((c) => has(args, c));
  if (commands.length === 0)
    throw fail('Command line arguments are required: give one of /ec, /rd, /verify or /extract. Specify /? for options.');
  if (commands.length > 1) throw fail(`A command was already specified: ${commands.map((c) => `/${c}`).join(' and ')} cannot be combined.`);
  const command = commands[0]!;
  const allowed: Record<typeof command, readonly string[]> = {
    ec: ['ec', 'l', 'v'],
    rd: ['rd', 'y', 'l', 'v'],
    verify: ['verify', 'l', 'v', 'decrypt', 'key', 'keyfile'],
    extract: ['extract', 'i', 'e', 'o', 'l', 'v', 'decrypt', 'key', 'keyfile'],
  };
  for (const name of args.options.keys()) {
    if (!allowed[command].includes(name)) throw fail(`/${name} cannot be used with /${command}.`);
  }
  const keySource = parseKeySource(args, 'decrypt');
  if (keySource && 'key' in keySource && keySource.key === '')
    throw usmtError('FERRY_E_STORE_KEYFILE', 'The encryption key must have at least one character.');
  const common: Common = {
    tool: 'usmtutils',
    ...optional('logFile', one(args, 'l')),
    verbosity: parseVerbosity(one(args, 'v')),
    ...(keySource ? { decryption: { algId: parseAlgId(one(args, 'decrypt')!), keySource } } : {}),
  };
  const positionals = [...args.positionals];
  const expect = (n: number, usage: string) => {
    if (positionals.length !== n)
      throw fail(`Usage: ${usage} (got ${positionals.length} path argument${positionals.length === 1 ? '' : 's'}).`);
  };

  switch (command) {
    case 'ec':
      expect(0, 'usmtutils /ec');
      return { ...common, command };
    case 'rd': {
      const inline = one(args, 'rd');
      if (inline) positionals.unshift(inline);
      expect(1, 'usmtutils /rd <storeDir> [/y]');
      return { ...common, command, storeDir: positionals[0]!, noPrompt: has(args, 'y') };
    }
    case 'verify': {
      const value = (one(args, 'verify') || 'summary').toLowerCase();
      const report = REPORTS.find((r) => r === value);
      if (!report) throw fail(`Report type is invalid for /verify: "${one(args, 'verify')}". Use summary, all, failureonly or catalog.`);
      expect(1, 'usmtutils /verify[:summary|all|failureonly|catalog] <filePath>');
      return { ...common, command, report, file: positionals[0]! };
    }
    case 'extract': {
      expect(2, 'usmtutils /extract <filePath> <destinationPath> [/i:patterns] [/e:patterns] [/o]');
      return {
        ...common,
        command,
        file: positionals[0]!,
        destination: positionals[1]!,
        include: splitPatterns(one(args, 'i')),
        exclude: splitPatterns(one(args, 'e')),
        overwrite: has(args, 'o'),
      };
    }
  }
}

function splitPatterns(value: string | undefined): string[] {
  return value === undefined
    ? []
    : value
        .split(/[,;]/)
        .map((p) => p.trim())
        .filter(Boolean);
}
