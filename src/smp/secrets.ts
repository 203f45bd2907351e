// Bearer secrets of the SMP. Every secret is 256 random bits with a prefix saying what it is;
// only its SHA-256 is stored (src/secrets, shared with the site).
import { randomSecret } from '../secrets/index.ts';

export { hashSecret, secretMatches } from '../secrets/index.ts';

export const SECRET_PREFIX = { admin: 'fa_', computer: 'fc_', naa: 'fn_', enrollment: 'fe_' } as const;
export type SecretKind = keyof typeof SECRET_PREFIX;

export function newSecret(kind: SecretKind, id?: string): string {
  const body = randomSecret();
  return id === undefined ? `${SECRET_PREFIX[kind]}${body}` : `${SECRET_PREFIX[kind]}${id}.${body}`;
}

/** The computer id inside a computer credential `fc_<id>.<secret>`. */
export function computerIdOf(credential: string): string | undefined {
  if (!credential.startsWith(SECRET_PREFIX.computer)) return undefined;
  const dot = credential.indexOf('.');
  return dot > 3 ? credential.slice(3, dot) : undefined;
}
