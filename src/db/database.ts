// Opens Ferry's metadata database: SQLite (a file, the default) or PostgreSQL (selected by a
// `postgres://` / `postgresql://` URL, for several servers sharing one site). Callers get a
// Kysely instance and say which modules' migrations to apply; the rest of Ferry never sees
// which engine is underneath except through `dialect`.
import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect, type Driver } from 'kysely';
import pg from 'pg';
import { FerryError } from '../errors/index.ts';
import { migrate, type MigrationSet } from './migrations.ts';

export type DialectName = 'sqlite' | 'postgres';

export interface FerryDatabase<DB = unknown> {
  readonly db: Kysely<DB>;
  readonly dialect: DialectName;
  /** Where it lives, without credentials: the SQLite file path or `postgres://host:port/db`. */
  readonly location: string;
  close(): Promise<void>;
}

export interface OpenDatabaseOptions {
  /** Migration sets to bring up to date before returning (each module owns its own). */
  readonly migrations?: readonly MigrationSet[];
  /** PostgreSQL pool size per process. */
  readonly poolSize?: number;
}

export function isPostgresUrl(target: string): boolean {
  return /^postgres(ql)?:\/\//i.test(target);
}

/**
 * Open `target` — a `postgres://` URL, or a SQLite file path (`sqlite:` prefix optional; the
 * file and its folder are created on first use) — and apply `options.migrations`.
 */
export async function openDatabase<DB>(target: string, options: OpenDatabaseOptions = {}): Promise<FerryDatabase<DB>> {
  const opened = isPostgresUrl(target) ? await openPostgres<DB>(target, options) : openSqlite<DB>(target);
  if (options.migrations?.length) {
    try {
      await migrate(opened.db, options.migrations);
    } catch (err) {
      await opened.close();
      throw err;
    }
  }
  return opened;
}

function openSqlite<DB>(target: string): FerryDatabase<DB> {
  const file = resolve(target.replace(/^sqlite:(\/\/)?/i, ''));
  let sqlite: BetterSqlite3.Database;
  try {
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    // The database (and its -wal/-shm, which SQLite creates with the database's mode) holds
    // credential hashes and wrapped keys: owner only.
    closeSync(openSync(file, 'a', 0o600));
    for (const f of [file, `${file}-wal`, `${file}-shm`]) if (existsSync(f)) chmodSync(f, 0o600);
    sqlite = new BetterSqlite3(file);
    // WAL lets readers proceed while a writer commits; busy_timeout covers a second process
    // (e.g. an admin CLI) holding the write lock briefly.
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('busy_timeout = 5000');
    sqlite.pragma('foreign_keys = ON');
    sqlite.pragma('synchronous = NORMAL');
  } catch (err) {
    throw new FerryError(
      'FERRY_E_DB_OPEN',
      `Cannot open the SQLite database ${file}: ${(err as Error).message}. Check the path is writable.`,
      { cause: err, details: { file } },
    );
  }
  const db = new Kysely<DB>({ dialect: new SqliteAutoRollbackDialect({ database: sqlite }) });
  return { db, dialect: 'sqlite', location: file, close: () => db.destroy() };
}

/**
 * SQLite rolls a transaction back by itself on some errors (SQLITE_FULL, SQLITE_IOERR, …); the
 * ROLLBACK that follows then fails with "cannot rollback - no transaction is active" and would
 * replace the real cause. That one failure is dropped, so the caller sees the cause.
 */
class SqliteAutoRollbackDialect extends SqliteDialect {
  override createDriver(): Driver {
    const driver = super.createDriver();
    const rollback = driver.rollbackTransaction.bind(driver);
    driver.rollbackTransaction = async (connection) => {
      try {
        await rollback(connection);
      } catch (err) {
        if (!/no transaction is active/i.test((err as Error).message)) throw err;
      }
    };
    return driver;
  }
}

/** A database error with a cause the administrator can act on, as a coded error; otherwise undefined. */
export function databaseError(err: unknown): FerryError | undefined {
  const code = (err as { code?: unknown })?.code;
  // SQLITE_FULL: the disk (or max_page_count) is full; 53100: PostgreSQL's disk_full.
  if (code === 'SQLITE_FULL' || code === '53100') {
    return new FerryError(
      'FERRY_E_DB_FULL',
      `The database could not write: ${(err as Error).message}. Free space on its disk and retry; the change was rolled back.`,
      { cause: err, details: { cause: code } },
    );
  }
  return undefined;
}

async function openPostgres<DB>(url: string, options: OpenDatabaseOptions): Promise<FerryDatabase<DB>> {
  const parsed = new URL(url);
  const location = `postgres://${parsed.host}${parsed.pathname}`;
  const pool = new pg.Pool({
    connectionString: url,
    max: options.poolSize ?? 10,
    // int8 (counts, byte sizes) as numbers: Ferry's sizes stay far below 2^53.
    types: {
      getTypeParser: (oid: number, format?: 'text' | 'binary') =>
        oid === 20 ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format as 'text'),
    },
  });
  pool.on('error', () => {
    // An idle client lost its connection; the pool replaces it on next use.
  });
  try {
    const client = await pool.connect();
    client.release();
  } catch (err) {
    await pool.end().catch(() => {});
    throw new FerryError(
      'FERRY_E_DB_OPEN',
      `Cannot connect to PostgreSQL at ${location}: ${(err as Error).message}. Check the URL and that the server is running.`,
      { cause: err, details: { location } },
    );
  }
  const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
  return { db, dialect: 'postgres', location, close: () => db.destroy() };
}
