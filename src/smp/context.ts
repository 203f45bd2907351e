// What every part of the SMP service shares: the repository, this server's identity and site key,
// the clock and limits, and the checks on who is asking.
import { FerryError } from '../errors/index.ts';
import type { SmpRepository } from './repository.ts';
import type { Principal, SmpComputer, SmpServerRecord } from './types.ts';

export const DEFAULT_CHUNK = 8 * 1024 * 1024;

export interface SmpContextOptions {
  readonly repo: SmpRepository;
  readonly siteKey: Buffer;
  readonly chunkSize?: number;
  readonly maxStoreBytes?: number;
  readonly now?: () => Date;
}

/** This server's name in the site and the base URL its store locations are built from. */
export interface SmpIdentity {
  readonly serverName: string;
  readonly serverUrl: string;
}

export class SmpContext {
  readonly repo: SmpRepository;
  readonly siteKey: Buffer;
  readonly chunkSize: number;
  readonly maxStoreBytes: number;
  readonly now: () => Date;
  #identity: SmpIdentity | undefined;

  constructor(o: SmpContextOptions) {
    this.repo = o.repo;
    this.siteKey = o.siteKey;
    this.chunkSize = o.chunkSize ?? DEFAULT_CHUNK;
    this.maxStoreBytes = o.maxStoreBytes ?? Number.MAX_SAFE_INTEGER;
    this.now = o.now ?? (() => new Date());
  }

  /** Set once the server knows where it listens (a server on port 0 learns it only then). */
  setIdentity(identity: SmpIdentity): void {
    this.#identity = { serverName: identity.serverName, serverUrl: identity.serverUrl.replace(/\/+$/, '') };
  }

  get identity(): SmpIdentity {
    if (!this.#identity) throw new FerryError('FERRY_E_INTERNAL', 'The SMP was used before it knew its name and URL; call init first.');
    return this.#identity;
  }

  get serverName(): string {
    return this.identity.serverName;
  }

  get serverUrl(): string {
    return this.identity.serverUrl;
  }

  nowIso(): string {
    return this.now().toISOString();
  }

  /** This server's record, or its defaults before `init` stored it. */
  async server(): Promise<SmpServerRecord> {
    return (
      (await this.repo.getServer(this.serverName)) ?? {
        name: this.serverName,
        url: this.serverUrl,
        restoreOnly: false,
        deleteAfterSeconds: 0,
      }
    );
  }
}

export function requireComputer(p: Principal): SmpComputer {
  if (p.kind === 'admin')
    throw new FerryError(
      'FERRY_E_SMP_FORBIDDEN',
      'The admin token administers the SMP; store requests and transfers use a computer credential.',
    );
  return p.computer;
}

export function requireAdmin(p: Principal): void {
  if (p.kind !== 'admin') throw new FerryError('FERRY_E_SMP_FORBIDDEN', 'This route needs the admin token.');
}

export function unknownComputer(name: string): FerryError {
  return new FerryError('FERRY_E_SMP_UNKNOWN_COMPUTER', `Computer ${name} is not known to the SMP; register or import it first.`, {
    details: { computer: name },
  });
}

export function storeNotFound(id: string): FerryError {
  return new FerryError(
    'FERRY_E_SMP_STORE_NOT_FOUND',
    `No store ${id} exists for this computer; use the location returned by Request State Store.`,
    { details: { storeId: id } },
  );
}

const COMPUTER_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;

/** A computer name the SMP accepts (1–63 letters, digits, ".", "_" or "-"), trimmed. */
export function checkComputerName(computerName: string): string {
  const name = computerName.trim();
  if (!COMPUTER_NAME.test(name)) {
    throw new FerryError(
      'FERRY_E_INVALID_ARGUMENT',
      `Computer name ${JSON.stringify(computerName)} is not valid: use 1–63 letters, digits, ".", "_" or "-".`,
    );
  }
  return name;
}

/** A unique constraint refused the row (SQLite or PostgreSQL). */
export function isUniqueViolation(err: unknown): boolean {
  const e = err as { code?: string; message?: string };
  return e?.code === 'SQLITE_CONSTRAINT_UNIQUE' || e?.code === '23505' || /UNIQUE constraint failed/.test(e?.message ?? '');
}
