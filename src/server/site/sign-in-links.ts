// One-time console sign-in links minted outside the server process (`ferry console-link --data
// DIR`), for an administrator in a second browser or whose session ended, without restarting the
// server (and its agents). The running server writes its URL to `<data>/console-url`; the command
// drops the SHA-256 of a new token into `<data>/sign-in/`, which the server accepts once, within
// 15 minutes. Whoever can write the data directory already holds the site's database and secrets,
// so this grants nothing new.
import { mkdirSync, readFileSync, statSync, unlinkSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { FerryError } from '../../errors/index.ts';
import { hashSecret, randomSecret } from '../../secrets/index.ts';

const PENDING = 'sign-in';
const URL_FILE = 'console-url';
export const SIGN_IN_LINK_TTL_MS = 15 * 60 * 1000;

/** Written by `ferry serve` at start, so `ferry console-link` can print a whole link. */
export function recordConsoleUrl(dataDir: string, origin: string): void {
  writeFileSync(join(dataDir, URL_FILE), `${origin}\n`, { mode: 0o600 });
}

/** Mint a one-time sign-in token for the server whose data directory this is; returns the link. */
export function mintSignInLink(dataDir: string): { link: string; token: string } {
  if (!existsSync(join(dataDir, 'enroll-token')))
    throw new FerryError(
      'FERRY_E_INVALID_ARGUMENT',
      `${dataDir} is not the data directory of a Ferry server (it has no enroll-token); ` +
        `pass the --data folder \`ferry serve\` uses (default ./.ferry-data).`,
    );
  const token = randomSecret();
  mkdirSync(join(dataDir, PENDING), { recursive: true, mode: 0o700 });
  writeFileSync(join(dataDir, PENDING, hashSecret(token)), '', { mode: 0o600 });
  const origin = existsSync(join(dataDir, URL_FILE)) ? readFileSync(join(dataDir, URL_FILE), 'utf8').trim() : 'http://127.0.0.1:8080';
  return { token, link: `${origin}/?token=${token}` };
}

/** Spend a token minted by mintSignInLink: true once, if it is there and fresh. */
export function redeemMintedToken(dataDir: string, token: string): boolean {
  const file = join(dataDir, PENDING, hashSecret(token));
  const st = statSync(file, { throwIfNoEntry: false });
  if (!st) return false;
  try {
    unlinkSync(file);
  } catch {
    return false; // another request spent it first
  }
  return Date.now() - st.mtimeMs <= SIGN_IN_LINK_TTL_MS;
}
