// Bearer secrets of the SMP. Every secret is 256 random bits with a prefix saying what it is;
// only its SHA-256 is stored (the secrets are random, so a slow KDF would add nothing).
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export const SECRET_PREFIX = { admin: 'fa_', computer: 'fc_', naa: 'fn_', enrollment: 'fe_' } as const;
export type SecretKind = keyof typeof SECRET_PREFIX;

export function newSecret(kind: SecretKind, id?: string): string {
  const body = randomBytes(32).toString('base64url');
  return id === undefined ? `${SECRET_PREFIX[kind]}${body}` : `${SECRET_PREFIX[kind]}${id}.${body}`;
}

export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

export function secretMatches(secret: string, expectedHash: string | null | undefined): boolean {
  if (!expectedHash) return false;
  const a = Buffer.from(hashSecret(secret), 'hex');
  const b = Buffer.from(expectedHash, 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The computer id inside a computer credential `fc_<id>.<secret>`. */
export function computerIdOf(credential: string): string | undefined {
  if (!credential.startsWith(SECRET_PREFIX.computer)) return undefined;
  const dot = credential.indexOf('.');
  return dot > 3 ? credential.slice(3, dot) : undefined;
}
