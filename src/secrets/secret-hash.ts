// Random bearer secrets and how they are kept: only a SHA-256 of each is stored. The secrets are
// 256 random bits, so a slow password KDF would add nothing; comparisons are constant-time.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** A new random secret of `bytes` random bytes, base64url (43 characters for the default 32). */
export function randomSecret(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

/** The stored form of a secret: its SHA-256, lower-case hex. */
export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

/**
 * Whether `secret` is the one whose hash was stored; a missing hash matches nothing.
 *
 * @example
 * if (!secretMatches(presented, row.credential_hash)) throw refused();
 */
export function secretMatches(secret: string, expectedHash: string | null | undefined): boolean {
  if (!expectedHash) return false;
  // Compared as bytes, so a hash written by hand in upper-case hex matches too.
  const a = Buffer.from(hashSecret(secret), 'hex');
  const b = Buffer.from(expectedHash, 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Constant-time equality of two secrets (or two hashes). */
export function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
