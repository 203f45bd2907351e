// Versioned schema migrations, one set per module. Each module (smp, site, …) declares its own
// `MigrationSet` beside its repository and passes it to `openDatabase`; every set keeps its own
// history table, so modules add tables without touching each other's files.
import type { Kysely } from 'kysely';
import { Migrator, type Migration } from 'kysely/migration';
import { FerryError } from '../errors/index.ts';

export type { Migration };

export interface MigrationSet {
  /** Module name: lower-case letters, digits and `_`; names the history table `ferry_migrations_<module>`. */
  readonly module: string;
  /** Migration name → migration; applied in name order, so prefix names with `0001_`, `0002_`, … */
  readonly migrations: Readonly<Record<string, Migration>>;
}

/** Apply, per module, the migrations the database has not recorded yet, in name order. */
export async function migrate(db: Kysely<any>, sets: readonly MigrationSet[]): Promise<void> {
  for (const set of sets) {
    if (!/^[a-z][a-z0-9_]*$/.test(set.module)) {
      throw new FerryError('FERRY_E_INVALID_ARGUMENT', `Migration module name "${set.module}" must be lower-case letters, digits and "_".`);
    }
    const migrator = new Migrator({
      db,
      provider: { getMigrations: async () => ({ ...set.migrations }) },
      migrationTableName: `ferry_migrations_${set.module}`,
      migrationLockTableName: `ferry_migrations_${set.module}_lock`,
    });
    const { error, results } = await migrator.migrateToLatest();
    if (error) {
      const failed = results?.find((r) => r.status === 'Error')?.migrationName;
      throw new FerryError(
        'FERRY_E_DB_MIGRATION',
        `Migration ${set.module}/${failed ?? '?'} failed: ${(error as Error).message ?? String(error)}.`,
        {
          cause: error,
          details: { module: set.module, migration: failed },
        },
      );
    }
  }
}
