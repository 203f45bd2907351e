// ScanState's command line (spec/usmt-cli.md §2) → a typed, validated option object.
import {
  has,
  one,
  onlyAllowedWith,
  parseAlgId,
  parseArgs,
  parseInteger,
  parseKeySource,
  parseUserSelection,
  rulesAndVerbosity,
  SHARED_TOOL_SPEC,
  type AlgId,
  type KeySource,
  type ToolSpec,
} from './args.ts';
import type { UserSelection } from '../migxml/index.ts';
import { usmtError } from './usmt-error.ts';

export const SCANSTATE_SPEC: ToolSpec = {
  ...SHARED_TOOL_SPEC,
  o: { value: 'none' },
  localonly: { value: 'none' },
  vsc: { value: 'none' },
  encrypt: { value: 'optional' },
  listfiles: { value: 'required' },
  p: { value: 'optional' },
  efs: { value: 'required' },
  offlinewinold: { value: 'required' },
  genconfig: { value: 'required' },
  genmigxml: { value: 'required' },
  apps: { value: 'none' },
  ppkg: { value: 'optional' },
};

/** How ScanState writes the store: compressed (the default), `/nocompress`, or `/hardlink` (links, no copies). */
export type StoreKind = 'compressed' | 'uncompressed' | 'hardlink';
/** `/efs:`: what ScanState does with EFS-encrypted files (default abort). */
export type EfsMode = 'abort' | 'skip' | 'decryptcopy' | 'copyraw' | 'hardlink';
/** Where an offline capture reads Windows from: `/offlinewindir:`, `/offlinewinold:` or an `/offline:` XML. */
export type OfflineSource = { readonly kind: 'windir' | 'winold' | 'xml'; readonly path: string };

/** A ScanState command line, parsed and checked by `parseScanStateArgs`. */
export interface ScanStateOptions {
  readonly tool: 'scanstate';
  /** What the run does: capture into a store, estimate its size, or write Config.xml / a MigXML. */
  readonly mode: 'capture' | 'estimate' | 'genconfig' | 'genmigxml';
  readonly storePath?: string;
  readonly ruleFiles: readonly string[];
  readonly configFile?: string;
  /** Output of /genconfig or /genmigxml. */
  readonly generatePath?: string;
  readonly overwrite: boolean;
  readonly verbosity: number;
  readonly storeKind: StoreKind;
  readonly encryption?: { readonly algId: AlgId; readonly keySource: KeySource };
  readonly localOnly: boolean;
  readonly vsc: boolean;
  readonly logFile: string;
  readonly progressFile?: string;
  readonly listFile?: string;
  readonly retries: number;
  readonly waitSeconds: number;
  readonly continueOnError: boolean;
  /** /p: the XML report path; '' for bare /p (legacy Usmtsize.txt in the store folder). */
  readonly estimatePath?: string;
  readonly users: UserSelection;
  readonly efs: EfsMode;
  readonly offline?: OfflineSource;
  readonly json: boolean;
}

export type ParsedCommand<T> = { readonly help: true } | (T & { readonly help?: false });

const EFS_MODES: readonly EfsMode[] = ['abort', 'skip', 'decryptcopy', 'copyraw', 'hardlink'];

type Args = ReturnType<typeof parseArgs>;
const fail = (message: string) => usmtError('FERRY_E_INVALID_ARGUMENT', message);

/**
 * Parses and validates a ScanState command line with USMT's rules and messages (which options go
 * together, /auto's defaults, the store kind); a refusal is a FerryError with the USMT exit code.
 *
 * @example
 * const o = parseScanStateArgs(['\\\\server\\store', '/i:MigDocs.xml', '/offlinewindir:D:\\Windows']);
 * if (!o.help) console.log(o.mode, o.storePath, o.offline);
 */
export function parseScanStateArgs(argv: readonly string[]): ParsedCommand<ScanStateOptions> {
  const args = parseArgs(argv, SCANSTATE_SPEC);
  if (args.help) return { help: true };
  const storePath = storePathArgument(argv, args);
  for (const o of ['apps', 'ppkg'] as const) {
    if (has(args, o))
      throw usmtError(
        'FERRY_E_USMT_UNSUPPORTED_OPTION',
        `/${o} has no Ferry equivalent: list the applications to migrate with MigApp.xml (/i:MigApp.xml).`,
      );
  }
  const { ruleFiles, verbosity } = rulesAndVerbosity(args);
  const generator = generatorOption(args, storePath);
  const { storeKind, encryption } = storeKindOptions(args);
  const efs = efsOption(args, storeKind === 'hardlink');
  const offline = offlineSource(args);
  const users = parseUserSelection(args);
  if (offline && users.lastLogon && 'days' in users.lastLogon && users.lastLogon.days === 0) {
    throw fail('/uel:0 (users logged on now) is not valid in offline mode: nobody is logged on to an offline volume.');
  }
  if (has(args, 'listfiles') && has(args, 'p')) throw fail('/listfiles cannot be combined with /p.');
  const estimatePath = one(args, 'p');
  if (estimatePath === '' && storeKind === 'compressed') {
    throw fail('Use /nocompress, or provide an XML file path with /p:"pathtoafile" to get a compressed store size estimate.');
  }

  const mode = generator ?? (estimatePath !== undefined ? 'estimate' : 'capture');
  return {
    tool: 'scanstate',
    mode,
    ...(storePath === undefined ? {} : { storePath }),
    ruleFiles,
    ...optional('configFile', one(args, 'config')),
    ...optional('generatePath', generator ? one(args, generator) : undefined),
    overwrite: has(args, 'o'),
    verbosity,
    storeKind,
    ...(encryption ? { encryption } : {}),
    localOnly: has(args, 'localonly'),
    vsc: has(args, 'vsc'),
    logFile: one(args, 'l') ?? 'ScanState.log',
    ...optional('progressFile', one(args, 'progress')),
    ...optional('listFile', one(args, 'listfiles')),
    retries: parseInteger(one(args, 'r'), 3, 'Retry'),
    waitSeconds: parseInteger(one(args, 'w'), 1, 'Wait delay'),
    continueOnError: has(args, 'c'),
    ...optional('estimatePath', estimatePath),
    users,
    efs,
    ...(offline ? { offline } : {}),
    json: args.json,
  };
}

/** The one StorePath positional, if any; an empty command line is refused. */
function storePathArgument(argv: readonly string[], args: Args): string | undefined {
  if (argv.length === 0 || (args.options.size === 0 && args.positionals.length === 0)) {
    throw usmtError('FERRY_E_INVALID_ARGUMENT', 'Command line arguments are required. Specify /? for options.');
  }
  if (args.positionals.length > 1) {
    throw usmtError(
      'FERRY_E_INVALID_ARGUMENT',
      `Settings store argument specified is invalid: only one StorePath may be ` +
        `given (got ${args.positionals.map((p) => `"${p}"`).join(', ')}).`,
    );
  }
  return args.positionals[0];
}

/** /genconfig or /genmigxml (which write a file and take no store), or the required StorePath. */
function generatorOption(args: Args, storePath: string | undefined): 'genconfig' | 'genmigxml' | undefined {
  const generator = has(args, 'genconfig') ? 'genconfig' : has(args, 'genmigxml') ? 'genmigxml' : undefined;
  if (has(args, 'genconfig') && has(args, 'genmigxml')) throw fail('/genconfig and /genmigxml cannot be used together.');
  if (generator) {
    onlyAllowedWith(
      args,
      generator,
      ['i', 'v', 'l', 'o', 'offline', 'offlinewindir', 'offlinewinold'],
      `/${generator} can't be used with most other options`,
    );
    if (storePath !== undefined) throw fail(`/${generator} writes a file and creates no store: remove the StorePath "${storePath}".`);
  } else if (storePath === undefined) {
    throw fail('The store parameter is required but not specified.');
  }
  return generator;
}

/** /nocompress, /hardlink and /encrypt: the store kind and its encryption, checked together. */
function storeKindOptions(args: Args): { storeKind: StoreKind; encryption: ScanStateOptions['encryption'] } {
  const nocompress = has(args, 'nocompress');
  const hardlink = has(args, 'hardlink');
  if (hardlink && !nocompress) throw fail('/hardlink requires /nocompress.');
  if (hardlink && has(args, 'vsc')) throw fail('Volume shadow copy feature is not supported with a hardlink store (/hardlink with /vsc).');
  if (nocompress && has(args, 'encrypt'))
    throw fail('/nocompress cannot be combined with /encrypt: an uncompressed store is never encrypted.');
  const keySource = parseKeySource(args, 'encrypt');
  const encryption = keySource ? { algId: parseAlgId(one(args, 'encrypt')!), keySource } : undefined;
  if (keySource && 'key' in keySource && keySource.key === '') {
    throw usmtError('FERRY_E_STORE_KEYFILE', 'The encryption key must have at least one character.');
  }
  return { storeKind: hardlink ? 'hardlink' : nocompress ? 'uncompressed' : 'compressed', encryption };
}

function efsOption(args: Args, hardlink: boolean): EfsMode {
  const efsValue = (one(args, 'efs') ?? 'abort').toLowerCase();
  const efs = EFS_MODES.find((m) => m === efsValue);
  if (!efs)
    throw fail(`EFS parameter specified is not valid for /efs: "${one(args, 'efs')}". Use abort, skip, decryptcopy, copyraw or hardlink.`);
  if (efs === 'hardlink' && !hardlink) throw fail('The /efs:hardlink requires /hardlink.');
  return efs;
}

/** At most one of /offline, /offlinewindir and /offlinewinold. */
function offlineSource(args: Args): OfflineSource | undefined {
  const offlineKinds = (['offline', 'offlinewindir', 'offlinewinold'] as const).filter((o) => has(args, o));
  if (offlineKinds.length > 1)
    throw fail(`Only one of /offline, /offlinewindir and /offlinewinold may be used (got ${offlineKinds.map((o) => `/${o}`).join(' ')}).`);
  const offlineKind = offlineKinds[0];
  return offlineKind
    ? { kind: offlineKind === 'offline' ? 'xml' : offlineKind === 'offlinewindir' ? 'windir' : 'winold', path: one(args, offlineKind)! }
    : undefined;
}

/** `{ [key]: value }` when value is defined, `{}` otherwise (exactOptionalPropertyTypes-friendly). */
export function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}
