// The site's audit trail (who viewed a State Migration Point recovery key, from where).
import { randomUUID } from 'node:crypto';
import type { Selectable } from 'kysely';
import type { SiteDb, SiteTables } from './site-schema.ts';

export type AuditEntryRow = Selectable<SiteTables['audit_log']>;

/** Record one audited action, now. */
export async function appendAudit(db: SiteDb, e: { actor: string; action: string; target: string; address: string }): Promise<void> {
  await db
    .insertInto('audit_log')
    .values({ id: randomUUID(), at: new Date().toISOString(), ...e })
    .execute();
}

/** The latest `limit` entries, newest first. */
export async function listAudit(db: SiteDb, limit = 500): Promise<AuditEntryRow[]> {
  return db.selectFrom('audit_log').selectAll().orderBy('at', 'desc').limit(limit).execute();
}
