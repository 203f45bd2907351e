// Which users migrate (usmt-cli.md §2.5): `/all` (the default), `/ui`, `/ue`, `/uel`, with
// USMT's precedence — /ui beats /ue and /uel, /uel beats /ue, otherwise /ue excludes.
// Offline, `/uel` uses each NTUSER.DAT's modification time on the volume (a Ferry extension;
// USMT refuses /uel offline); `/uel:0` ("logged on now") has no meaning offline and fails with 11.
import { FerryError } from '../errors/index.ts';
import type { Profile } from '../volume/index.ts';
import { compileGlob } from './pattern.ts';

/** The user options of a command line: `/all`, `/ui`, `/ue`, `/uel`. */
export interface UserSelection {
  readonly all?: boolean;
  readonly include: readonly string[];
  readonly exclude: readonly string[];
  /** `/uel`: days (0 = logged on now) or a date. */
  readonly lastLogon?: { readonly days: number } | { readonly since: Date };
}

/** What user selection needs to know about the computer: its name (`%computername%`), whether it is offline, and now. */
export interface SelectOptions {
  readonly computerName: string;
  readonly offline: boolean;
  readonly now?: number;
}

/** `Domain\User` pattern (`*` wildcards, `%computername%`) → test on a profile. */
function userMatcher(spec: string, computerName: string): (p: Profile) => boolean {
  const text = spec.replace(/%computername%/gi, computerName);
  const slash = text.indexOf('\\');
  const dom = slash === -1 ? null : compileGlob(text.slice(0, slash));
  const user = compileGlob(slash === -1 ? text : text.slice(slash + 1));
  return (p) => {
    if (!user(p.userName.toLowerCase())) return false;
    // A bare user name means a local account (`/ui:user1` = only local user1).
    if (dom === null) return p.isLocal || p.domain.toLowerCase() === computerName.toLowerCase();
    return dom(p.domain.toLowerCase());
  };
}

/** The profiles that migrate under `/all`, `/ui`, `/ue` and `/uel`, with USMT's precedence (/ui beats /ue and /uel, /uel beats /ue). */
export function selectUsers(profiles: readonly Profile[], sel: UserSelection, options: SelectOptions): Profile[] {
  const includes = sel.include.map((s) => userMatcher(s, options.computerName));
  const excludes = sel.exclude.map((s) => userMatcher(s, options.computerName));
  let recent: ((p: Profile) => boolean) | undefined;
  if (sel.lastLogon) {
    if ('days' in sel.lastLogon && sel.lastLogon.days === 0 && options.offline) {
      throw new FerryError(
        'FERRY_E_INVALID_ARGUMENT',
        '/uel:0 selects users logged on now, which has no meaning for an offline volume. Use /uel:N (days) or /uel:YYYY/MM/DD.',
        {
          details: { option: 'uel' },
        },
      );
    }
    const now = options.now ?? Date.now();
    const since = 'days' in sel.lastLogon ? now - sel.lastLogon.days * 86_400_000 : sel.lastLogon.since.getTime();
    recent = (p) => p.ntuserMtimeMs !== undefined && p.ntuserMtimeMs >= since;
  }
  return profiles.filter((p) => {
    if (includes.some((m) => m(p))) return true;
    if (recent) return recent(p);
    return !excludes.some((m) => m(p));
  });
}
