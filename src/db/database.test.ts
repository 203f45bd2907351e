import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { isFerryError } from '../errors/index.ts';
import { isPostgresUrl, openDatabase } from './database.ts';
import type { MigrationSet } from './migrations.ts';
import { smpMigrations } from './smp-schema.ts';

// A second module's migrations, as the site server adds them: its own tables, its own history.
const siteMigrations: MigrationSet = {
  module: 'site_demo',
  migrations: {
    '0001_things': {
      up: async (db) =>
        void (await db.schema
          .createTable('site_things')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .execute()),
    },
  },
};

test('SQLite: created on first open, migrations per module applied once and recorded separately', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ferry-db-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'nested', 'meta.sqlite');
  const first = await openDatabase<any>(file, { migrations: [smpMigrations, siteMigrations] });
  assert.equal(first.dialect, 'sqlite');
  await first.db.insertInto('site_things').values({ id: 'x' }).execute();
  await first.close();

  const again = await openDatabase<any>(`sqlite:${file}`, { migrations: [smpMigrations, siteMigrations] });
  assert.deepEqual(await again.db.selectFrom('site_things').selectAll().execute(), [{ id: 'x' }]);
  const smp = await again.db.selectFrom('ferry_migrations_smp').select('name').execute();
  const site = await again.db.selectFrom('ferry_migrations_site_demo').select('name').execute();
  assert.deepEqual(
    smp.map((r: { name: string }) => r.name),
    Object.keys(smpMigrations.migrations),
  );
  assert.deepEqual(
    site.map((r: { name: string }) => r.name),
    ['0001_things'],
  );
  await again.close();
});

test('a failing migration is a coded error and the database is closed', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ferry-db-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const broken: MigrationSet = {
    module: 'broken',
    migrations: { '0001_bad': { up: async (db) => void (await db.schema.createTable('t').execute()) } },
  };
  await assert.rejects(openDatabase(join(dir, 'b.sqlite'), { migrations: [broken] }), (e) => isFerryError(e, 'FERRY_E_DB_MIGRATION'));
  await assert.rejects(openDatabase(join(dir, 'c.sqlite'), { migrations: [{ module: 'Bad-Name', migrations: {} }] }), (e) =>
    isFerryError(e, 'FERRY_E_INVALID_ARGUMENT'),
  );
});

test('an unreachable PostgreSQL URL is FERRY_E_DB_OPEN', async () => {
  assert.ok(isPostgresUrl('postgresql://u@h/db') && !isPostgresUrl('/var/lib/ferry.sqlite'));
  await assert.rejects(openDatabase('postgres://nobody@127.0.0.1:1/none'), (e) => isFerryError(e, 'FERRY_E_DB_OPEN'));
});
