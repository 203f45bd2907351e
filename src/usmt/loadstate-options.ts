// LoadState's command line (spec/usmt-cli.md §3) → a typed, validated option object.
// `/offlinewindir:` is Ferry's extension: the Windows folder of the target volume.
import {
  all,
  has,
  one,
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
import { optional, type ParsedCommand, type StoreKind } from './scanstate-options.ts';
import { usmtError } from './usmt-error.ts';

export const LOADSTATE_SPEC: ToolSpec = {
  ...SHARED_TOOL_SPEC,
  decrypt: { value: 'optional' },
  md: { value: 'required', repeatable: true },
  mu: { value: 'required', repeatable: true },
  lac: { value: 'optional' },
  lae: { value: 'none' },
};

/** `/md:OldDomain:NewDomain` (OldDomain may hold `*`). */
export interface DomainMove {
  readonly from: string;
  readonly to: string;
}

/** `/mu:[OldDomain\]OldUser:[NewDomain\]NewUser` (no wildcards). */
export interface UserMove {
  readonly fromDomain?: string;
  readonly fromUser: string;
  readonly toDomain?: string;
  readonly toUser: string;
}

export interface LoadStateOptions {
  readonly tool: 'loadstate';
  readonly storePath: string;
  readonly ruleFiles: readonly string[];
  readonly configFile?: string;
  readonly verbosity: number;
  readonly storeKind: StoreKind;
  readonly decryption?: { readonly algId: AlgId; readonly keySource: KeySource };
  readonly logFile: string;
  readonly progressFile?: string;
  readonly retries: number;
  readonly waitSeconds: number;
  readonly continueOnError: boolean;
  readonly users: UserSelection;
  readonly domainMoves: readonly DomainMove[];
  readonly userMoves: readonly UserMove[];
  /** `/lac[:password]`: create missing local accounts (disabled unless /lae) with this password. */
  readonly createLocalAccounts?: { readonly password: string; readonly enable: boolean };
  /** Target Windows folder (Ferry extension); without it the running system, Windows only. */
  readonly targetWindowsDir?: string;
  readonly json: boolean;
}

export function parseLoadStateArgs(argv: readonly string[]): ParsedCommand<LoadStateOptions> {
  const args = parseArgs(argv, LOADSTATE_SPEC);
  if (args.help) return { help: true };
  const fail = (message: string) => usmtError('FERRY_E_INVALID_ARGUMENT', message);
  if (argv.length === 0) throw fail('Command line arguments are required. Specify /? for options.');
  if (args.positionals.length > 1) {
    throw fail(
      `Settings store argument specified is invalid: only one StorePath may be ` +
        `given (got ${args.positionals.map((p) => `"${p}"`).join(', ')}).`,
    );
  }
  const storePath = args.positionals[0];
  if (storePath === undefined) throw fail('The store parameter is required but not specified.');
  if (has(args, 'offline'))
    throw usmtError(
      'FERRY_E_USMT_OFFLINE_REQUIRED',
      'Use of /offline is not supported during apply; give the target with /offlinewindir:<Windows folder>.',
    );

  const { ruleFiles, verbosity } = rulesAndVerbosity(args);

  const nocompress = has(args, 'nocompress');
  const hardlink = has(args, 'hardlink');
  if (hardlink && !nocompress) throw fail('/hardlink requires /nocompress.');
  if (nocompress && has(args, 'decrypt'))
    throw fail('/nocompress cannot be combined with /decrypt: an uncompressed store is never encrypted.');
  const keySource = parseKeySource(args, 'decrypt');
  if (keySource && 'key' in keySource && keySource.key === '')
    throw usmtError('FERRY_E_STORE_KEYFILE', 'The encryption key must have at least one character.');

  if (has(args, 'lae') && !has(args, 'lac')) throw fail('/lae is only used with /lac.');

  return {
    tool: 'loadstate',
    storePath,
    ruleFiles,
    ...optional('configFile', one(args, 'config')),
    verbosity,
    storeKind: hardlink ? 'hardlink' : nocompress ? 'uncompressed' : 'compressed',
    ...(keySource ? { decryption: { algId: parseAlgId(one(args, 'decrypt')!), keySource } } : {}),
    logFile: one(args, 'l') ?? 'LoadState.log',
    ...optional('progressFile', one(args, 'progress')),
    retries: parseInteger(one(args, 'r'), 3, 'Retry'),
    waitSeconds: parseInteger(one(args, 'w'), 1, 'Wait delay'),
    continueOnError: has(args, 'c'),
    users: parseUserSelection(args),
    domainMoves: all(args, 'md').map(parseDomainMove),
    userMoves: all(args, 'mu').map(parseUserMove),
    ...(has(args, 'lac') ? { createLocalAccounts: { password: one(args, 'lac')!, enable: has(args, 'lae') } } : {}),
    ...optional('targetWindowsDir', one(args, 'offlinewindir')),
    json: args.json,
  };
}

function parseDomainMove(value: string): DomainMove {
  const m = /^([^:\\]+):([^:\\*]+)$/.exec(value);
  if (!m)
    throw usmtError(
      'FERRY_E_INVALID_ARGUMENT',
      `The source-to-target domain mapping is invalid for /md: "${value}". Use /md:OldDomain:NewDomain.`,
    );
  return { from: m[1]!, to: m[2]! };
}

function parseUserMove(value: string): UserMove {
  const m = /^(?:([^:\\*]+)\\)?([^:\\*]+):(?:([^:\\*]+)\\)?([^:\\*]+)$/.exec(value);
  if (!m) {
    throw usmtError(
      'FERRY_E_INVALID_ARGUMENT',
      `The source-to-target user account mapping is invalid for /mu: "${value}". ` +
        `Use /mu:OldDomain\\OldUser:[NewDomain\\]NewUser (no wildcards).`,
    );
  }
  return { ...optional('fromDomain', m[1]), fromUser: m[2]!, ...optional('toDomain', m[3]), toUser: m[4]! };
}
