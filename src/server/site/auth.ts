// Console sign-in (Jupyter-style one-time token → session cookie), double-submit CSRF tokens,
// and agent credentials (random secrets stored as SHA-256 hashes).
import { hashSecret, randomSecret } from '../../secrets/index.ts';

export const SESSION_COOKIE = 'ferry_session';
export const CSRF_COOKIE = 'ferry_csrf';
export const CSRF_HEADER = 'x-ferry-csrf';
export const SESSION_TTL_MS = 12 * 60 * 60 * 1000;

interface Session {
  csrf: string;
  expires: number;
}

/** Sessions live in memory: a restarted server prints a new sign-in URL. */
export class ConsoleAuth {
  readonly #signInTokens = new Set<string>();
  readonly #sessions = new Map<string, Session>();

  /** A new one-time sign-in token (printed in the console URL). */
  issueSignInToken(): string {
    const t = randomSecret();
    this.#signInTokens.add(hashSecret(t));
    return t;
  }

  /** Exchange a sign-in token for a session; the token is spent. */
  signIn(token: string): { session: string; csrf: string } | undefined {
    const h = hashSecret(token);
    if (!this.#signInTokens.delete(h)) return undefined;
    return this.openSession();
  }

  /** A new session (after a sign-in token was checked, here or by `sign-in-links.ts`). */
  openSession(): { session: string; csrf: string } {
    const session = randomSecret();
    const csrf = randomSecret(18);
    this.#sessions.set(hashSecret(session), { csrf, expires: Date.now() + SESSION_TTL_MS });
    return { session, csrf };
  }

  session(id: string | undefined): Session | undefined {
    if (!id) return undefined;
    const key = hashSecret(id);
    const s = this.#sessions.get(key);
    if (!s) return undefined;
    if (s.expires < Date.now()) {
      this.#sessions.delete(key);
      return undefined;
    }
    return s;
  }

  signOut(id: string | undefined): void {
    if (id) this.#sessions.delete(hashSecret(id));
  }
}

/**
 * Options of the session and CSRF cookies (set with @fastify/cookie): same-site only, `Secure`
 * when the console is served over TLS, and gone when the session expires.
 */
export function cookieOptions(o: { httpOnly: boolean; secure: boolean }) {
  return { path: '/', sameSite: 'strict' as const, httpOnly: o.httpOnly, secure: o.secure, maxAge: SESSION_TTL_MS / 1000 };
}
