// LoadState's account mapping (spec/usmt-cli.md §3.4): `/mu` renames one user (no wildcards),
// `/md` moves a domain (OldDomain may hold `*`; the first matching mapping wins). A `/mu` that
// names the user beats any `/md`.
import { compileGlob } from '../migxml/index.ts';
import type { DomainMove, UserMove } from './loadstate-options.ts';

export interface Account {
  readonly name: string;
  readonly domain: string;
}

const eq = (a: string, b: string) => a.localeCompare(b, 'en', { sensitivity: 'accent' }) === 0;

export function mapAccount(account: Account, userMoves: readonly UserMove[], domainMoves: readonly DomainMove[]): Account {
  for (const m of userMoves) {
    if (eq(m.fromUser, account.name) && (m.fromDomain === undefined || eq(m.fromDomain, account.domain))) {
      return { name: m.toUser, domain: m.toDomain ?? account.domain };
    }
  }
  for (const m of domainMoves) {
    if (compileGlob(m.from)(account.domain.toLowerCase())) return { name: account.name, domain: m.to };
  }
  return account;
}
