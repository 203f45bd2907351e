// Ferry's metadata database: open SQLite or PostgreSQL, apply each module's migrations.
export { openDatabase, isPostgresUrl, type FerryDatabase, type DialectName, type OpenDatabaseOptions } from './database.ts';
export { migrate, type MigrationSet, type Migration } from './migrations.ts';
export { KyselySmpRepository } from './smp-repository.ts';
export { smpMigrations, type SmpTables } from './smp-schema.ts';
export { databaseError } from './database.ts';
