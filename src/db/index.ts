// Ferry's metadata database: open SQLite or PostgreSQL, apply each module's migrations.
export { openDatabase, isPostgresUrl, type FerryDatabase, type DialectName, type OpenDatabaseOptions } from './database.ts';
export { migrate, type MigrationSet, type Migration } from './migrations.ts';
export { KyselySmpRepository } from './smp-repository.ts';
export { smpMigrations, type SmpTables } from './smp-schema.ts';
export { databaseError } from './database.ts';
/** The site's tables (`SiteTables`, `SiteDb`), its migrations and its id series. */
export { nextId, type SiteDb, type SiteTables } from './site-schema.ts';
export { siteMigrations } from './site-migrations.ts';
/** The site's migration reports and audit trail. */
export { replaceReport, reportsOfRun, type StoredReportRow } from './site-reports.ts';
export { appendAudit, listAudit, type AuditEntryRow } from './site-audit.ts';
/** The site's objects over its tables: the one repository the site's routes use. */
export { SiteRepository } from './site-repository.ts';
