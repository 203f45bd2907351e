// `Prefix.Function(arg, …)` — how MigXML names a helper function (spec §3.3) — and the catalog
// of helpers by the place they may appear. A name outside the catalog for its place is a coded
// error naming file, line and function; never silently ignored.
import { FerryError } from '../errors/index.ts';

/** A parsed `MigXmlHelper`/`MigSysHelper` call: function name and arguments, with where it was written. */
export interface ScriptCall {
  /** `MigXmlHelper` or `MigSysHelper`, as written. */
  readonly prefix: string;
  readonly name: string;
  /** Arguments; `null` for the bare token NULL. Trailing NULLs are dropped. */
  readonly args: readonly (string | null)[];
  readonly text: string;
}

export interface SourcePos {
  readonly file: string;
  readonly line?: number;
  readonly column?: number;
}

const where = (pos: SourcePos) => `${pos.file}${pos.line ? `:${pos.line}${pos.column ? `:${pos.column}` : ''}` : ''}`;

/** Parses a helper call as MigXML writes it (`MigXmlHelper.DoesObjectExist("File","%WINDIR%")`); a coded error names its place. */
export function parseScriptCall(text: string, pos: SourcePos): ScriptCall {
  const src = text.trim();
  const bad = (why: string): never => {
    throw new FerryError(
      'FERRY_E_MIGXML_INVALID',
      `${where(pos)}: cannot parse the helper call "${src.slice(0, 200)}" (${why}); write Prefix.Function("arg", …).`,
      {
        details: { ...pos, script: src.slice(0, 200) },
      },
    );
  };
  const head = /^([A-Za-z_][\w]*)\s*\.\s*([A-Za-z_][\w]*)\s*\(/.exec(src);
  if (!head) bad('expected Prefix.Function(');
  const [, prefix, name] = head!;
  const args: (string | null)[] = [];
  let i = head![0].length;
  const skipWs = () => {
    while (i < src.length && /\s/.test(src[i]!)) i++;
  };
  skipWs();
  if (src[i] === ')') {
    i++;
  } else {
    for (;;) {
      skipWs();
      const c = src[i];
      if (c === '"' || c === "'") {
        const end = src.indexOf(c, i + 1);
        if (end === -1) bad('unterminated string');
        args.push(src.slice(i + 1, end));
        i = end + 1;
      } else if (src.slice(i, i + 4).toUpperCase() === 'NULL') {
        args.push(null);
        i += 4;
      } else {
        bad(`unexpected "${c ?? 'end of text'}" in the argument list`);
      }
      skipWs();
      if (src[i] === ',') {
        i++;
        continue;
      }
      if (src[i] === ')') {
        i++;
        break;
      }
      bad('expected "," or ")"');
    }
  }
  skipWs();
  if (i !== src.length) bad('text after the closing parenthesis');
  while (args.length && args[args.length - 1] === null) args.pop();
  return { prefix: prefix!, name: name!, args, text: src };
}

/** Where a helper call appears; each place accepts its own set of functions. */
export type Slot =
  | 'condition'
  | 'objectSet'
  | 'variable'
  | 'contentFilter'
  | 'includeFilter'
  | 'locationModify'
  | 'merge'
  | 'contentModify'
  | 'processing'
  | 'location';

const M = 'MigXmlHelper';
const S = 'MigSysHelper';

/** MigSys.dll internals (spec §5.9): accepted where the shipped files use them, no-ops here. */
const INTERNAL = [
  'AntiAlias',
  'ConvertScreenSaver',
  'ConvertShowIEOnDesktop',
  'ConvertToOfficeLangID',
  'MigrateActiveDesktop',
  'MigrateAppearanceUPM',
  'MigrateDisplayCS',
  'MigrateDisplaySS',
  'MigrateIEAutoSearch',
  'MigrateMouseUPM',
  'MigrateSoundSysTray',
  'MigrateTaskBarSS',
  'SetPstPathInMapiStruc',
  'SetPstPathInMapiStruct',
  'UpdateMvBinaryMapiStruct',
];

const CATALOG: Record<Slot, Record<string, readonly string[]>> = {
  condition: {
    [M]: [
      'DoesOSMatch',
      'IsNative64Bit',
      'IsOSLaterThan',
      'IsOSEarlierThan',
      'DoesObjectExist',
      'DoesFileVersionMatch',
      'IsFileVersionAbove',
      'IsFileVersionBelow',
      'IsSystemContext',
      'DoesStringContentEqual',
      'DoesStringContentContain',
      'IsSameObject',
      'IsSameContent',
      'IsSameStringContent',
    ],
  },
  objectSet: { [M]: ['GenerateDrivePatterns', 'GenerateUserPatterns', 'GenerateDocPatterns'] },
  variable: { [M]: ['GetStringContent'] },
  location: { [M]: ['GetStringContent'] },
  contentFilter: {
    [M]: ['ExtractSingleFile', 'ExtractMultipleFiles', 'ExtractDirectory'],
    [S]: ['ExtractSingleFileAnsiBin', 'ExtractSingleFileUnicodeBin'],
  },
  includeFilter: {
    [M]: ['IgnoreIrrelevantLinks', 'NeverRestore', 'AnswerNo', 'CompareStringContent', 'FileProperties', 'SameRegContent'],
  },
  locationModify: { [M]: ['RelativeMove', 'Move', 'ExactMove'] },
  merge: {
    [M]: ['SourcePriority', 'DestinationPriority', 'FindFilePlaceByPattern', 'NewestVersion', 'HigherValue', 'LowerValue', 'LeafPattern'],
  },
  contentModify: {
    [M]: [
      'ConvertToDWORD',
      'ConvertToString',
      'ConvertToBinary',
      'OffsetValue',
      'SetValueByTable',
      'KeepExisting',
      'MergeMultiSzContent',
      'MergeDelimitedContent',
      'MergeShellLibraries',
      ...INTERNAL,
    ],
    [S]: INTERNAL,
  },
  processing: {
    [M]: [
      'AskForLogoff',
      'ConvertToShortFileName',
      'KillExplorer',
      'RegisterFonts',
      'RemoveEmptyDirectories',
      'RestartExplorer',
      'StartService',
      'StopService',
      'SyncSCM',
    ],
  },
};

const LOOKUP = new Map<string, Map<string, string>>();
for (const [slot, byPrefix] of Object.entries(CATALOG)) {
  const m = new Map<string, string>();
  for (const [prefix, names] of Object.entries(byPrefix)) for (const n of names) m.set(`${prefix}.${n}`.toLowerCase(), n);
  LOOKUP.set(slot, m);
}

/** Parse a call and check that its function is known for the slot. Returns the call with the canonical name. */
export function parseHelper(text: string, slot: Slot, pos: SourcePos & { element?: string }): ScriptCall {
  const call = parseScriptCall(text, pos);
  const canonical = LOOKUP.get(slot)!.get(`${call.prefix}.${call.name}`.toLowerCase());
  if (!canonical) {
    const elsewhere = [...LOOKUP.entries()].filter(([, m]) => m.has(`${call.prefix}.${call.name}`.toLowerCase())).map(([s]) => s);
    const hint = elsewhere.length ? ` (it is a ${elsewhere.join('/')} function, not valid here)` : '';
    throw new FerryError(
      'FERRY_E_MIGXML_UNKNOWN_FUNCTION',
      `${where(pos)}: unknown helper function ${call.prefix}.${call.name} in ` +
        `<${pos.element ?? slot}>${hint}. Use a documented MigXmlHelper function for this ` +
        `element.`,
      { details: { ...pos, function: `${call.prefix}.${call.name}`, slot } },
    );
  }
  return { ...call, name: canonical };
}
