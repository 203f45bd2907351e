// Failed authentications per client address: at most `max` a minute, then every request from
// that address that needs authentication is refused (429) until the window ends. Counting by
// address, not by the presented secret, so that guessing with a new secret each time is
// counted too. In memory, per process; the table is pruned so an address flood cannot grow it.
import { FerryError } from '../errors/index.ts';

export const FAILED_AUTH_PER_MINUTE = 30;
const MAX_ADDRESSES = 100_000;

export class FailedAuthLimiter {
  readonly #max: number;
  readonly #windowMs: number;
  readonly #code: 'FERRY_E_SMP_RATE_LIMITED' | 'FERRY_E_SITE_RATE_LIMITED';
  readonly #now: () => number;
  readonly #windows = new Map<string, { start: number; failures: number }>();

  constructor(
    code: 'FERRY_E_SMP_RATE_LIMITED' | 'FERRY_E_SITE_RATE_LIMITED',
    o: { max?: number; windowMs?: number; now?: () => number } = {},
  ) {
    this.#code = code;
    this.#max = o.max ?? FAILED_AUTH_PER_MINUTE;
    this.#windowMs = o.windowMs ?? 60_000;
    this.#now = o.now ?? Date.now;
  }

  #current(address: string): { start: number; failures: number } | undefined {
    const w = this.#windows.get(address);
    if (w && this.#now() - w.start >= this.#windowMs) {
      this.#windows.delete(address);
      return undefined;
    }
    return w;
  }

  /** Throws the coded 429 when `address` used up its failures for this window. */
  check(address: string): void {
    const w = this.#current(address);
    if (w && w.failures >= this.#max) {
      const retryAfterSeconds = Math.max(1, Math.ceil((w.start + this.#windowMs - this.#now()) / 1000));
      throw new FerryError(this.#code, `Too many failed authentications from ${address}; retry in ${retryAfterSeconds} s.`, {
        details: { retryAfterSeconds },
      });
    }
  }

  fail(address: string): void {
    if (this.#windows.size >= MAX_ADDRESSES) this.#prune();
    const w = this.#current(address);
    if (w) w.failures++;
    else this.#windows.set(address, { start: this.#now(), failures: 1 });
  }

  /** Run `fn`; when it throws one of `failureCodes` (or any error without a list), count a failure. */
  async guard<T>(address: string, fn: () => Promise<T>, failureCodes?: ReadonlySet<string>): Promise<T> {
    this.check(address);
    try {
      return await fn();
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (!failureCodes || (code !== undefined && failureCodes.has(code))) this.fail(address);
      throw err;
    }
  }

  #prune(): void {
    const now = this.#now();
    for (const [k, w] of this.#windows) if (now - w.start >= this.#windowMs) this.#windows.delete(k);
    // Still full: the oldest windows go (Map keeps insertion order).
    for (const k of this.#windows.keys()) {
      if (this.#windows.size < MAX_ADDRESSES) break;
      this.#windows.delete(k);
    }
  }
}
