// The offline account plan: what LoadState `/lac[:Password]` and `/lae` would have done to a
// running Windows, recorded on the offline target as `Windows\Ferry\accounts-plan.json` for a
// first-boot step (e.g. SetupComplete.cmd) to apply. Format and rules: src/platform/README.md.
// The password itself is never written to the volume, only whether one was given.
import { lstatSync, readFileSync } from 'node:fs';
import { FerryError, fromSystemError } from '../errors/index.ts';
import { writeFileAtomic } from '../files/index.ts';
import type { TargetVolume } from '../volume/index.ts';

/** The `format` field that identifies an account plan file. */
export const ACCOUNT_PLAN_FORMAT = 'ferry-accounts-plan';
/** Version of the account plan format; a first-boot script refuses a version it does not know. */
export const ACCOUNT_PLAN_VERSION = 1;
/** The plan's file name, in `Windows\Ferry\` of the offline target. */
export const ACCOUNT_PLAN_FILE = 'accounts-plan.json';

/** One local account to create at first boot: what `/lac` and `/lae` would have done (no password stored). */
export interface PlannedAccount {
  /** Local account name to create on the target. */
  readonly userName: string;
  /** `/lae`: create it enabled; USMT creates accounts disabled otherwise. */
  readonly enabled: boolean;
  /** `/lac:Password` was given (the password is passed to the first-boot step separately). */
  readonly passwordProvided: boolean;
  /** Where the restored profile lives on the target, e.g. `C:\Users\alice`. */
  readonly profilePath?: string;
  /**
   * The SID LoadState gave that profile: its ProfileList key on the target and the SID restored
   * settings were remapped to. A generated local SID when the account is renamed with /mu.
   */
  readonly profileSid?: string;
  /** Identity on the source, for the log and the SID mapping of restored ACLs. */
  readonly sourceDomain?: string;
  readonly sourceSid?: string;
  readonly fullName?: string;
}

/** The account plan file: every account LoadState could not create on an offline volume. */
export interface AccountPlan {
  readonly format: typeof ACCOUNT_PLAN_FORMAT;
  readonly version: typeof ACCOUNT_PLAN_VERSION;
  readonly updatedAt: string;
  readonly accounts: PlannedAccount[];
}

/** Where the plan goes on a target: what the recorder needs from TargetVolume. */
export type PlanTarget = Pick<TargetVolume, 'ensureDir' | 'windowsWinPath'>;

function isPlan(v: unknown): v is AccountPlan {
  const p = v as AccountPlan | null;
  return (
    typeof p === 'object' &&
    p !== null &&
    p.format === ACCOUNT_PLAN_FORMAT &&
    p.version === ACCOUNT_PLAN_VERSION &&
    Array.isArray(p.accounts) &&
    p.accounts.every(
      (a) =>
        typeof a?.userName === 'string' &&
        typeof a.enabled === 'boolean' &&
        typeof a.passwordProvided === 'boolean' &&
        (a.profileSid === undefined || typeof a.profileSid === 'string'),
    )
  );
}

const key = (userName: string): string => userName.toUpperCase();

/** Collects accounts during a LoadState run and writes them, merged with an existing plan. */
export class AccountPlanRecorder {
  readonly #target: PlanTarget;
  readonly #accounts = new Map<string, PlannedAccount>();

  constructor(target: PlanTarget) {
    this.#target = target;
  }

  /** Record one account; a later record for the same name (case-insensitive) replaces it. */
  add(account: PlannedAccount): void {
    if (!account.userName.trim() || /[\x00-\x1f"/\\[\]:;|=,+*?<>@]/.test(account.userName) || account.userName.length > 20) {
      throw new FerryError(
        'FERRY_E_INVALID_ARGUMENT',
        `"${account.userName}" cannot be a Windows local account name (1–20 characters, none of ` +
          `" / \\ [ ] : ; | = , + * ? < > @). Map the user to a valid name with /mu.`,
        { details: { userName: account.userName } },
      );
    }
    this.#accounts.set(key(account.userName), account);
  }

  /** Record the SID given to a recorded account's profile (known only once LoadState writes its ProfileList entry). */
  setProfileSid(userName: string, sid: string): void {
    const account = this.#accounts.get(key(userName));
    if (account) this.#accounts.set(key(userName), { ...account, profileSid: sid });
  }

  get accounts(): PlannedAccount[] {
    return [...this.#accounts.values()];
  }

  /** Write `Windows\Ferry\accounts-plan.json` (atomically) and return its host path. */
  async write(): Promise<string> {
    const dir = await this.#target.ensureDir(`${this.#target.windowsWinPath}\\Ferry`);
    const file = `${dir}/${ACCOUNT_PLAN_FILE}`;
    const merged = new Map<string, PlannedAccount>();
    const st = lstatSync(file, { throwIfNoEntry: false });
    if (st) {
      let existing: unknown = null;
      if (st.isFile()) {
        try {
          existing = JSON.parse(readFileSync(file, 'utf8'));
        } catch {
          existing = null;
        }
      }
      if (!isPlan(existing)) {
        throw new FerryError(
          'FERRY_E_ACCOUNT_PLAN_INVALID',
          `${file} is not a Ferry account plan (format ${ACCOUNT_PLAN_FORMAT} ` +
            `v${ACCOUNT_PLAN_VERSION}); it was left as it is. Move it aside and run again.`,
          { details: { file } },
        );
      }
      for (const a of existing.accounts) merged.set(key(a.userName), a);
    }
    for (const [k, a] of this.#accounts) merged.set(k, a);
    const plan: AccountPlan = {
      format: ACCOUNT_PLAN_FORMAT,
      version: ACCOUNT_PLAN_VERSION,
      updatedAt: new Date().toISOString(),
      accounts: [...merged.values()].sort((a, b) => (key(a.userName) < key(b.userName) ? -1 : 1)),
    };
    try {
      writeFileAtomic(file, `${JSON.stringify(plan, null, 2)}\n`, { mode: 0o644 });
    } catch (err) {
      throw fromSystemError(err, `writing the account plan ${file}`);
    }
    return file;
  }
}
