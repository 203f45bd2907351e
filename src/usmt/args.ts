// USMT's slash syntax (spec/usmt-cli.md §1), shared by ScanState, LoadState and UsmtUtils:
// `/name`, `/name:value` or `/name value`, names matched case-insensitively, repeatable options
// only where the spec says so, one positional StorePath, 256-character argument limit.
// On Linux an absolute path also starts with `/`, so a token is an option only when its name
// (the part before the first `:`) is an option of the tool; `/tmp/store` stays positional.
import type { UserSelection } from '../migxml/index.ts';
import { USMT_ALG_IDS } from '../store/index.ts';
import { maskCommandLine } from './redact.ts';
import { usmtError } from './usmt-error.ts';

export type ValueKind = 'none' | 'required' | 'optional';

export interface OptionSpec {
  readonly value: ValueKind;
  readonly repeatable?: boolean;
}

/** Which options a tool takes and whether each takes a value: `parseArgs` refuses others with USMT's exit code 11. */
export type ToolSpec = Readonly<Record<string, OptionSpec>>;

/** A USMT command line split into options (`/name:value`, case-insensitive) and positionals, not yet validated. */
export interface ParsedArgs {
  /** Lower-cased option name → every value given (`''` for a switch without value). */
  readonly options: ReadonlyMap<string, readonly string[]>;
  readonly positionals: readonly string[];
  /** Ferry's own `--json` (stream events as JSON lines). */
  readonly json: boolean;
  readonly help: boolean;
}

export const MAX_ARGUMENT_LENGTH = 256;

/** Split argv into options and positionals for one tool, rejecting what USMT rejects with 11/12. */
export function parseArgs(argv: readonly string[], spec: ToolSpec): ParsedArgs {
  const options = new Map<string, string[]>();
  const positionals: string[] = [];
  let json = false;
  let help = false;

  for (let i = 0; i < argv.length; i++) {
    const token = argv[i]!;
    if (token.length > MAX_ARGUMENT_LENGTH) {
      throw usmtError(
        'FERRY_E_USMT_PARAM_TOO_LARGE',
        `Command line arguments cannot exceed ${MAX_ARGUMENT_LENGTH} characters: "${maskCommandLine([token])[0]!.slice(0, 40)}…".`,
      );
    }
    if (token === '--json') {
      json = true;
      continue;
    }
    if (token === '--help' || token === '-h' || token === '/?' || token === '-?' || /^\/help$/i.test(token)) {
      help = true;
      continue;
    }
    const option = splitOption(token, spec);
    if (!option) {
      if (/^\/[A-Za-z?]+(?::|$)/.test(token)) {
        throw usmtError('FERRY_E_INVALID_ARGUMENT', `Command line option is not valid: ${token}. Specify /? for options.`);
      }
      positionals.push(token);
      continue;
    }
    const { name, inlineValue } = option;
    const def = spec[name]!;
    let value: string;
    if (def.value === 'none') {
      if (inlineValue !== undefined) {
        throw usmtError('FERRY_E_INVALID_ARGUMENT', `Option /${name} takes no value: ${token}.`);
      }
      value = '';
    } else if (inlineValue !== undefined) {
      value = inlineValue;
    } else if (def.value === 'required') {
      const next = argv[i + 1];
      if (next === undefined || splitOption(next, spec)) {
        throw usmtError(
          'FERRY_E_INVALID_ARGUMENT',
          `Undefined or incomplete command line option: /${name} needs a value (/${name}:value).`,
        );
      }
      if (next.length > MAX_ARGUMENT_LENGTH) {
        throw usmtError(
          'FERRY_E_USMT_PARAM_TOO_LARGE',
          `Command line arguments cannot exceed ${MAX_ARGUMENT_LENGTH} characters (value of /${name}).`,
        );
      }
      value = next;
      i++;
    } else {
      value = '';
    }
    if (def.value === 'required' && value === '') {
      throw usmtError('FERRY_E_INVALID_ARGUMENT', `Undefined or incomplete command line option: /${name} needs a value.`);
    }
    const values = options.get(name);
    if (values && !def.repeatable) {
      throw usmtError('FERRY_E_INVALID_ARGUMENT', `An option is specified more than once and is ambiguous: /${name}.`);
    }
    if (values) values.push(value);
    else options.set(name, [value]);
  }
  return { options, positionals, json, help };
}

function splitOption(token: string, spec: ToolSpec): { name: string; inlineValue?: string } | null {
  if (!token.startsWith('/') || token.length < 2) return null;
  const colon = token.indexOf(':');
  const name = (colon < 0 ? token.slice(1) : token.slice(1, colon)).toLowerCase();
  if (!Object.hasOwn(spec, name)) return null;
  return colon < 0 ? { name } : { name, inlineValue: unquote(token.slice(colon + 1)) };
}

/** `"a b"` → `a b`: shells strip quotes, but a value quoted after the colon keeps them. */
function unquote(value: string): string {
  return value.length >= 2 && value.startsWith('"') && value.endsWith('"') ? value.slice(1, -1) : value;
}

// ── accessors and shared validators ─────────────────────────────────────────────────────────

/**
 * The options ScanState and LoadState share, with the same value rules (spec/usmt-cli.md §2–3);
 * each tool's table spreads this and adds its own.
 */
export const SHARED_TOOL_SPEC: ToolSpec = {
  i: { value: 'required', repeatable: true },
  v: { value: 'required' },
  nocompress: { value: 'none' },
  hardlink: { value: 'none' },
  key: { value: 'required' },
  keyfile: { value: 'required' },
  l: { value: 'required' },
  progress: { value: 'required' },
  r: { value: 'required' },
  w: { value: 'required' },
  c: { value: 'none' },
  all: { value: 'none' },
  ui: { value: 'required', repeatable: true },
  ue: { value: 'required', repeatable: true },
  uel: { value: 'required' },
  config: { value: 'required' },
  auto: { value: 'optional' },
  offline: { value: 'required' },
  offlinewindir: { value: 'required' },
};

export const has = (args: ParsedArgs, name: string): boolean => args.options.has(name);
/** The first value of an option, or undefined when it is not given. */
export const one = (args: ParsedArgs, name: string): string | undefined => args.options.get(name)?.[0];
/** Every value of a repeatable option, in command-line order. */
export const all = (args: ParsedArgs, name: string): readonly string[] => args.options.get(name) ?? [];

/** Verbosity is a bit mask of 0x01, 0x04, 0x08 (§5). */
export const VERBOSITY_LEVELS = [0, 1, 4, 5, 8, 9, 12, 13] as const;

export function parseVerbosity(value: string | undefined): number {
  if (value === undefined) return 0;
  const n = /^\d+$/.test(value) ? Number(value) : NaN;
  if (!(VERBOSITY_LEVELS as readonly number[]).includes(n)) {
    throw usmtError(
      'FERRY_E_INVALID_ARGUMENT',
      'Verbosity level must be specified as a sum of the desired log options: ' +
        'Verbose (0x01), Record Objects (0x04), Echo to debug port (0x08).',
    );
  }
  return n;
}

export function parseInteger(value: string | undefined, fallback: number, what: 'Retry' | 'Wait delay'): number {
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value)) throw usmtError('FERRY_E_INVALID_ARGUMENT', `${what} argument must be an integer: "${value}".`);
  return Number(value);
}

export type AlgId = (typeof USMT_ALG_IDS)[number];

/** `/encrypt[:AlgID]` / `/decrypt[:AlgID]`; USMT's default is 3DES (Ferry always uses AES-256-GCM). */
export function parseAlgId(value: string): AlgId {
  if (value === '') return '3DES';
  const alg = USMT_ALG_IDS.find((a) => a === value.toUpperCase());
  if (!alg)
    throw usmtError(
      'FERRY_E_INVALID_ARGUMENT',
      `Specified encryption algorithm is not supported: ${value}. Use one of ${USMT_ALG_IDS.join(', ')}.`,
    );
  return alg;
}

export type KeySource = { readonly key: string } | { readonly keyFile: string };

/** The /key or /keyfile that must accompany /encrypt or /decrypt (`switchName`). */
export function parseKeySource(args: ParsedArgs, switchName: 'encrypt' | 'decrypt'): KeySource | undefined {
  const key = one(args, 'key');
  const keyFile = one(args, 'keyfile');
  if (!has(args, switchName)) {
    if (key !== undefined || keyFile !== undefined) {
      throw usmtError(
        'FERRY_E_INVALID_ARGUMENT',
        `/key or /keyfile used without enabling ${switchName === 'encrypt' ? 'encryption (/encrypt)' : 'decryption (/decrypt)'}.`,
      );
    }
    return undefined;
  }
  if (key !== undefined && keyFile !== undefined)
    throw usmtError('FERRY_E_INVALID_ARGUMENT', '/key and /keyfile both specified; give only one.');
  if (key === undefined && keyFile === undefined) throw usmtError('FERRY_E_INVALID_ARGUMENT', `/${switchName} requires /key or /keyfile.`);
  return key !== undefined ? { key } : { keyFile: keyFile! };
}

/** `/all`, `/ui`, `/ue`, `/uel` (§2.5). */
export function parseUserSelection(args: ParsedArgs): UserSelection {
  const include = all(args, 'ui');
  const exclude = all(args, 'ue');
  const uel = one(args, 'uel');
  const allUsers = has(args, 'all');
  if (allUsers && (include.length || exclude.length || uel !== undefined)) {
    throw usmtError('FERRY_E_INVALID_ARGUMENT', '/all conflicts with /ui, /ue or /uel.');
  }
  for (const [name, list] of [
    ['ui', include],
    ['ue', exclude],
  ] as const) {
    for (const u of list) {
      if (!/^[^\\]+(\\[^\\]+)?$/.test(u)) {
        throw usmtError(
          'FERRY_E_INVALID_ARGUMENT',
          `User ${name === 'ue' ? 'exclusion' : 'inclusion'} argument is invalid for /${name}: "${u}". Use Domain\\User or Computer\\User.`,
        );
      }
    }
  }
  return { all: allUsers, include, exclude, ...(uel === undefined ? {} : { lastLogon: parseLastLogon(uel) }) };
}

function parseLastLogon(value: string): { days: number } | { since: Date } {
  if (/^\d+$/.test(value)) return { days: Number(value) };
  const m = /^(\d{4})\/(\d{1,2})\/(\d{1,2})$/.exec(value);
  if (m) {
    const since = new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
    if (since.getMonth() === Number(m[2]) - 1) return { since };
  }
  throw usmtError('FERRY_E_INVALID_ARGUMENT', `/uel takes a number of days, a date YYYY/MM/DD or 0: "${value}".`);
}

/** Reject options that may not accompany `owner` (e.g. /genconfig allows only /i /v /l /o). */
export function onlyAllowedWith(args: ParsedArgs, owner: string, allowed: readonly string[], message: string): void {
  for (const name of args.options.keys()) {
    if (name !== owner && !allowed.includes(name))
      throw usmtError('FERRY_E_INVALID_ARGUMENT', `${message} (/${name} is not allowed with /${owner}).`);
  }
}

/** /i: files and /v:, with /auto's MigDocs.xml + MigApp.xml and verbosity 5 (both tools alike). */
export function rulesAndVerbosity(args: ParsedArgs): { ruleFiles: string[]; verbosity: number } {
  let ruleFiles = [...all(args, 'i')];
  let verbosity = parseVerbosity(one(args, 'v'));
  if (has(args, 'auto')) {
    for (const o of ['all', 'ui', 'ue', 'v'] as const) {
      if (has(args, o))
        throw usmtError(
          'FERRY_E_INVALID_ARGUMENT',
          'By default /auto selects all users and uses the highest log verbosity level; /all, /ui, /ue and /v cannot be used with it.',
        );
    }
    const folder = one(args, 'auto') || '.';
    ruleFiles = [`${folder}/MigDocs.xml`, `${folder}/MigApp.xml`, ...ruleFiles];
    verbosity = 5;
  }
  return { ruleFiles, verbosity };
}
