// LoadState's account mapping (spec/usmt-cli.md §3.4): `/mu` renames one user (no wildcards),
// `/md` moves a domain (OldDomain may hold `*`; the first matching mapping wins). A `/mu` that
// names the user beats any `/md`.
import type { DomainMove, UserMove } from './loadstate-options.ts';

export interface Account {
  readonly name: string;
  readonly domain: string;
}

const eq = (a: string, b: string) => a.localeCompare(b, 'en', { sensitivity: 'accent' }) === 0;

/** Wildcard `*`/`?` match, case-insensitive. */
export function wildcardMatch(pattern: string, text: string): boolean {
  const re = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`, 'iu');
  return re.test(text);
}

export function mapAccount(account: Account, userMoves: readonly UserMove[], domainMoves: readonly DomainMove[]): Account {
  for (const m of userMoves) {
    if (eq(m.fromUser, account.name) && (m.fromDomain === undefined || eq(m.fromDomain, account.domain))) {
      return { name: m.toUser, domain: m.toDomain ?? account.domain };
    }
  }
  for (const m of domainMoves) {
    if (wildcardMatch(m.from, account.domain)) return { name: account.name, domain: m.to };
  }
  return account;
}

/** USMT's default file collision name: `name(1).ext`, `name(2).ext`, … (migxml.md §6.6). */
export function collisionName(fileName: string, n: number): string {
  const dot = fileName.lastIndexOf('.');
  return dot > 0 ? `${fileName.slice(0, dot)}(${n})${fileName.slice(dot)}` : `${fileName}(${n})`;
}
