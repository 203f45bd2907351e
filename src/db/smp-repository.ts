// The SMP repository over Kysely; the same queries run on SQLite and PostgreSQL.
import type { Kysely, Selectable } from 'kysely';
import type { EnrollmentTokenRecord, SmpRepository } from '../smp/index.ts';
import type {
  Association,
  SmpComputer,
  KeySlotKind,
  MigrationBehavior,
  MigrationStatus,
  MigrationType,
  SmpServerRecord,
  SpaceUnit,
  StorageFolder,
  StoreFile,
  StoreRecord,
  StoreStatus,
} from '../smp/index.ts';
import type { SmpTables } from './smp-schema.ts';

type Row<T extends keyof SmpTables> = Selectable<SmpTables[T]>;

const toComputer = (r: Row<'smp_computers'>): SmpComputer => ({
  id: r.id,
  name: r.name,
  credentialHash: r.credential_hash,
  credentialExpiresAt: r.credential_expires_at,
  credentialRevokedAt: r.credential_revoked_at,
  createdAt: r.created_at,
  owner: r.owner ?? null,
});
const toFolder = (r: Row<'smp_folders'>): StorageFolder => ({
  id: r.id,
  serverName: r.server_name,
  path: r.path,
  maxClients: Number(r.max_clients),
  minFreeSpace: Number(r.min_free_space),
  spaceUnit: r.space_unit as SpaceUnit,
});
const toServer = (r: Row<'smp_servers'>): SmpServerRecord => ({
  name: r.name,
  url: r.url,
  restoreOnly: Boolean(r.restore_only),
  deleteAfterSeconds: Number(r.delete_after_seconds),
});
const toAssociation = (r: Row<'smp_associations'>): Association => ({
  id: r.id,
  sourceComputerId: r.source_computer_id,
  restoreComputerId: r.restore_computer_id,
  migrationType: Number(r.migration_type) as MigrationType,
  migrationBehavior: Number(r.migration_behavior) as MigrationBehavior,
  userNames: JSON.parse(r.user_names) as string[],
  migrationStatus: Number(r.migration_status) as MigrationStatus,
  storeId: r.store_id,
  createdAt: r.created_at,
  storeCreationDate: r.store_creation_date,
  storeReleaseDate: r.store_release_date,
  storeDeletionDate: r.store_deletion_date,
});
const toStore = (r: Row<'smp_stores'>): StoreRecord => ({
  id: r.id,
  sourceComputerId: r.source_computer_id,
  folderId: r.folder_id,
  serverName: r.server_name,
  status: r.status as StoreStatus,
  createdAt: r.created_at,
  capturedAt: r.captured_at,
  releasedAt: r.released_at,
  deleteAfter: r.delete_after,
  deletedAt: r.deleted_at,
  manifestDigest: r.manifest_digest,
  totalSize: Number(r.total_size),
});

export class KyselySmpRepository implements SmpRepository {
  readonly #db: Kysely<SmpTables>;
  readonly #inTransaction: boolean;

  constructor(db: Kysely<SmpTables>, inTransaction = false) {
    this.#db = db;
    this.#inTransaction = inTransaction;
  }

  transaction<T>(fn: (repo: SmpRepository) => Promise<T>): Promise<T> {
    if (this.#inTransaction) return fn(this);
    return this.#db.transaction().execute((trx) => fn(new KyselySmpRepository(trx, true)));
  }

  async getSetting(key: string) {
    const r = await this.#db.selectFrom('smp_settings').select('value').where('key', '=', key).executeTakeFirst();
    return r?.value;
  }
  async initSetting(key: string, value: string) {
    await this.#db
      .insertInto('smp_settings')
      .values({ key, value })
      .onConflict((oc) => oc.column('key').doNothing())
      .execute();
    return (await this.getSetting(key)) as string;
  }
  async setSetting(key: string, value: string | null) {
    if (value === null) {
      await this.#db.deleteFrom('smp_settings').where('key', '=', key).execute();
      return;
    }
    await this.#db
      .insertInto('smp_settings')
      .values({ key, value })
      .onConflict((oc) => oc.column('key').doUpdateSet({ value }))
      .execute();
  }

  async upsertServer(s: SmpServerRecord) {
    const row = { name: s.name, url: s.url, restore_only: s.restoreOnly ? 1 : 0, delete_after_seconds: s.deleteAfterSeconds };
    await this.#db
      .insertInto('smp_servers')
      .values(row)
      .onConflict((oc) =>
        oc.column('name').doUpdateSet({ url: row.url, restore_only: row.restore_only, delete_after_seconds: row.delete_after_seconds }),
      )
      .execute();
  }
  async getServer(name: string) {
    const r = await this.#db.selectFrom('smp_servers').selectAll().where('name', '=', name).executeTakeFirst();
    return r && toServer(r);
  }
  async listServers() {
    return (await this.#db.selectFrom('smp_servers').selectAll().orderBy('name').execute()).map(toServer);
  }

  async insertComputer(c: SmpComputer) {
    await this.#db
      .insertInto('smp_computers')
      .values({
        id: c.id,
        name: c.name,
        name_key: c.name.toLowerCase(),
        credential_hash: c.credentialHash,
        credential_expires_at: c.credentialExpiresAt,
        credential_revoked_at: c.credentialRevokedAt,
        created_at: c.createdAt,
        owner: c.owner,
      })
      .execute();
  }
  async getComputer(id: string) {
    const r = await this.#db.selectFrom('smp_computers').selectAll().where('id', '=', id).executeTakeFirst();
    return r && toComputer(r);
  }
  async findComputerByName(name: string) {
    const r = await this.#db.selectFrom('smp_computers').selectAll().where('name_key', '=', name.toLowerCase()).executeTakeFirst();
    return r && toComputer(r);
  }
  async setComputerCredential(id: string, credentialHash: string, expiresAt: string, owner?: string | null) {
    await this.#db
      .updateTable('smp_computers')
      .set({
        credential_hash: credentialHash,
        credential_expires_at: expiresAt,
        credential_revoked_at: null,
        ...(owner !== undefined ? { owner } : {}),
      })
      .where('id', '=', id)
      .execute();
  }
  async setComputerOwner(id: string, owner: string | null) {
    await this.#db.updateTable('smp_computers').set({ owner }).where('id', '=', id).execute();
  }
  async revokeComputerCredential(id: string, at: string) {
    await this.#db
      .updateTable('smp_computers')
      .set({ credential_hash: null, credential_expires_at: null, credential_revoked_at: at })
      .where('id', '=', id)
      .execute();
  }
  async listComputers() {
    return (await this.#db.selectFrom('smp_computers').selectAll().orderBy('name_key').execute()).map(toComputer);
  }

  async insertEnrollmentToken(t: EnrollmentTokenRecord) {
    await this.#db
      .insertInto('smp_enrollment_tokens')
      .values({ id: t.id, token_hash: t.tokenHash, expires_at: t.expiresAt, uses_left: t.usesLeft, computer_name_key: t.computerNameKey })
      .execute();
  }
  async consumeEnrollmentToken(tokenHash: string, now: string) {
    const r = await this.#db
      .updateTable('smp_enrollment_tokens')
      .set((eb) => ({ uses_left: eb('uses_left', '-', 1) }))
      .where('token_hash', '=', tokenHash)
      .where('uses_left', '>', 0)
      .where('expires_at', '>', now)
      .returningAll()
      .executeTakeFirst();
    return (
      r && {
        id: r.id,
        tokenHash: r.token_hash,
        expiresAt: r.expires_at,
        usesLeft: Number(r.uses_left),
        computerNameKey: r.computer_name_key,
      }
    );
  }

  async insertFolder(f: StorageFolder) {
    await this.#db
      .insertInto('smp_folders')
      .values({
        id: f.id,
        server_name: f.serverName,
        path: f.path,
        max_clients: f.maxClients,
        min_free_space: f.minFreeSpace,
        space_unit: f.spaceUnit,
      })
      .execute();
  }
  async getFolder(id: string) {
    const r = await this.#db.selectFrom('smp_folders').selectAll().where('id', '=', id).executeTakeFirst();
    return r && toFolder(r);
  }
  async listFolders(serverName?: string) {
    let q = this.#db.selectFrom('smp_folders').selectAll();
    if (serverName !== undefined) q = q.where('server_name', '=', serverName);
    return (await q.orderBy('server_name').orderBy('path').execute()).map(toFolder);
  }
  async updateFolder(id: string, patch: Partial<Omit<StorageFolder, 'id' | 'serverName' | 'path'>>) {
    const set: Partial<Row<'smp_folders'>> = {};
    if (patch.maxClients !== undefined) set.max_clients = patch.maxClients;
    if (patch.minFreeSpace !== undefined) set.min_free_space = patch.minFreeSpace;
    if (patch.spaceUnit !== undefined) set.space_unit = patch.spaceUnit;
    if (Object.keys(set).length) await this.#db.updateTable('smp_folders').set(set).where('id', '=', id).execute();
  }
  async deleteFolder(id: string) {
    await this.#db.deleteFrom('smp_folders').where('id', '=', id).execute();
  }
  async countActiveStoresByFolder() {
    const rows = await this.#db
      .selectFrom('smp_stores')
      .select(['folder_id'])
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('status', '!=', 'deleted')
      .groupBy('folder_id')
      .execute();
    return new Map(rows.map((r) => [r.folder_id, Number(r.n)]));
  }

  async insertAssociation(a: Association) {
    await this.#db
      .insertInto('smp_associations')
      .values({
        id: a.id,
        source_computer_id: a.sourceComputerId,
        restore_computer_id: a.restoreComputerId,
        migration_type: a.migrationType,
        migration_behavior: a.migrationBehavior,
        user_names: JSON.stringify(a.userNames),
        migration_status: a.migrationStatus,
        store_id: a.storeId,
        created_at: a.createdAt,
        store_creation_date: a.storeCreationDate,
        store_release_date: a.storeReleaseDate,
        store_deletion_date: a.storeDeletionDate,
      })
      .execute();
  }
  async getAssociation(id: string) {
    const r = await this.#db.selectFrom('smp_associations').selectAll().where('id', '=', id).executeTakeFirst();
    return r && toAssociation(r);
  }
  async listAssociations() {
    return (await this.#db.selectFrom('smp_associations').selectAll().orderBy('created_at').orderBy('id').execute()).map(toAssociation);
  }
  async deleteAssociation(id: string) {
    await this.#db.deleteFrom('smp_associations').where('id', '=', id).execute();
  }
  async updateAssociation(
    id: string,
    patch: Partial<Pick<Association, 'migrationStatus' | 'storeId' | 'storeCreationDate' | 'storeReleaseDate' | 'storeDeletionDate'>>,
  ) {
    const set: Partial<Row<'smp_associations'>> = {};
    if (patch.migrationStatus !== undefined) set.migration_status = patch.migrationStatus;
    if (patch.storeId !== undefined) set.store_id = patch.storeId;
    if (patch.storeCreationDate !== undefined) set.store_creation_date = patch.storeCreationDate;
    if (patch.storeReleaseDate !== undefined) set.store_release_date = patch.storeReleaseDate;
    if (patch.storeDeletionDate !== undefined) set.store_deletion_date = patch.storeDeletionDate;
    if (Object.keys(set).length) await this.#db.updateTable('smp_associations').set(set).where('id', '=', id).execute();
  }
  async associationsBySource(computerId: string) {
    return (
      await this.#db.selectFrom('smp_associations').selectAll().where('source_computer_id', '=', computerId).orderBy('created_at').execute()
    ).map(toAssociation);
  }
  async associationsByRestore(computerId: string) {
    return (
      await this.#db
        .selectFrom('smp_associations')
        .selectAll()
        .where('restore_computer_id', '=', computerId)
        .orderBy('created_at')
        .execute()
    ).map(toAssociation);
  }
  async associationsByStore(storeId: string) {
    return (await this.#db.selectFrom('smp_associations').selectAll().where('store_id', '=', storeId).orderBy('created_at').execute()).map(
      toAssociation,
    );
  }

  async insertStore(s: StoreRecord) {
    await this.#db
      .insertInto('smp_stores')
      .values({
        id: s.id,
        source_computer_id: s.sourceComputerId,
        folder_id: s.folderId,
        server_name: s.serverName,
        status: s.status,
        created_at: s.createdAt,
        captured_at: s.capturedAt,
        released_at: s.releasedAt,
        delete_after: s.deleteAfter,
        deleted_at: s.deletedAt,
        manifest_digest: s.manifestDigest,
        total_size: s.totalSize,
      })
      .execute();
  }
  async getStore(id: string) {
    const r = await this.#db.selectFrom('smp_stores').selectAll().where('id', '=', id).executeTakeFirst();
    return r && toStore(r);
  }
  async updateStore(id: string, patch: Partial<Omit<StoreRecord, 'id' | 'sourceComputerId' | 'folderId' | 'serverName' | 'createdAt'>>) {
    const set: Partial<Row<'smp_stores'>> = {};
    if (patch.status !== undefined) set.status = patch.status;
    if (patch.capturedAt !== undefined) set.captured_at = patch.capturedAt;
    if (patch.releasedAt !== undefined) set.released_at = patch.releasedAt;
    if (patch.deleteAfter !== undefined) set.delete_after = patch.deleteAfter;
    if (patch.deletedAt !== undefined) set.deleted_at = patch.deletedAt;
    if (patch.manifestDigest !== undefined) set.manifest_digest = patch.manifestDigest;
    if (patch.totalSize !== undefined) set.total_size = patch.totalSize;
    if (Object.keys(set).length) await this.#db.updateTable('smp_stores').set(set).where('id', '=', id).execute();
  }
  async listStores() {
    return (await this.#db.selectFrom('smp_stores').selectAll().orderBy('created_at').execute()).map(toStore);
  }
  async storesToDelete(serverName: string, now: string) {
    const rows = await this.#db
      .selectFrom('smp_stores')
      .selectAll()
      .where('server_name', '=', serverName)
      .where((eb) => eb.or([eb('status', '=', 'deleting'), eb.and([eb('status', '=', 'released'), eb('delete_after', '<=', now)])]))
      .execute();
    return rows.map(toStore);
  }

  async insertKeySlot(storeId: string, kind: KeySlotKind, wrapped: string) {
    await this.#db.insertInto('smp_key_slots').values({ store_id: storeId, kind, wrapped }).execute();
  }
  async getKeySlot(storeId: string, kind: KeySlotKind) {
    const r = await this.#db
      .selectFrom('smp_key_slots')
      .select('wrapped')
      .where('store_id', '=', storeId)
      .where('kind', '=', kind)
      .executeTakeFirst();
    return r?.wrapped;
  }

  async replaceStoreFiles(storeId: string, files: readonly StoreFile[]) {
    await this.#db.deleteFrom('smp_store_chunks').where('store_id', '=', storeId).execute();
    await this.#db.deleteFrom('smp_store_files').where('store_id', '=', storeId).execute();
    // Batches keep each statement under SQLite's bound-parameter limit.
    for (let i = 0; i < files.length; i += 500) {
      const batch = files
        .slice(i, i + 500)
        .map((f) => ({ store_id: storeId, idx: f.index, path: f.path, size: f.size, sha256: f.sha256, verified: f.verified ? 1 : 0 }));
      await this.#db.insertInto('smp_store_files').values(batch).execute();
    }
  }
  async getStoreFiles(storeId: string) {
    const rows = await this.#db.selectFrom('smp_store_files').selectAll().where('store_id', '=', storeId).orderBy('idx').execute();
    return rows.map((r) => ({ index: Number(r.idx), path: r.path, size: Number(r.size), sha256: r.sha256, verified: Boolean(r.verified) }));
  }
  async getStoreFile(storeId: string, index: number) {
    const r = await this.#db
      .selectFrom('smp_store_files')
      .selectAll()
      .where('store_id', '=', storeId)
      .where('idx', '=', index)
      .executeTakeFirst();
    return r ? { index: Number(r.idx), path: r.path, size: Number(r.size), sha256: r.sha256, verified: Boolean(r.verified) } : undefined;
  }
  async setFileVerified(storeId: string, index: number, verified: boolean) {
    await this.#db
      .updateTable('smp_store_files')
      .set({ verified: verified ? 1 : 0 })
      .where('store_id', '=', storeId)
      .where('idx', '=', index)
      .execute();
  }
  async addChunk(storeId: string, index: number, chunk: number, sha256: string, writer: string) {
    await this.#db
      .insertInto('smp_store_chunks')
      .values({ store_id: storeId, idx: index, chunk, sha256, synced: 0, writer })
      .onConflict((oc) => oc.columns(['store_id', 'idx', 'chunk']).doUpdateSet({ sha256, synced: 0, writer }))
      .execute();
    const r = await this.#db
      .selectFrom('smp_store_chunks')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('store_id', '=', storeId)
      .where('idx', '=', index)
      .executeTakeFirstOrThrow();
    return Number(r.n);
  }
  async deleteChunk(storeId: string, index: number, chunk: number) {
    await this.#db
      .deleteFrom('smp_store_chunks')
      .where('store_id', '=', storeId)
      .where('idx', '=', index)
      .where('chunk', '=', chunk)
      .execute();
  }
  async unsyncedChunks(storeId: string) {
    const rows = await this.#db
      .selectFrom('smp_store_chunks')
      .select(['idx', 'chunk', 'sha256', 'writer'])
      .where('store_id', '=', storeId)
      .where('synced', '=', 0)
      .orderBy('idx')
      .orderBy('chunk')
      .execute();
    return rows.map((r) => ({ index: Number(r.idx), chunk: Number(r.chunk), sha256: r.sha256, writer: r.writer }));
  }
  async markChunksSynced(storeId: string, chunks: readonly { index: number; chunk: number }[]) {
    const byFile = new Map<number, number[]>();
    for (const c of chunks) byFile.set(c.index, [...(byFile.get(c.index) ?? []), c.chunk]);
    for (const [idx, list] of byFile) {
      // Batches keep each statement under SQLite's bound-parameter limit.
      for (let i = 0; i < list.length; i += 500) {
        await this.#db
          .updateTable('smp_store_chunks')
          .set({ synced: 1 })
          .where('store_id', '=', storeId)
          .where('idx', '=', idx)
          .where('chunk', 'in', list.slice(i, i + 500))
          .execute();
      }
    }
  }
  async getChunks(storeId: string) {
    const rows = await this.#db
      .selectFrom('smp_store_chunks')
      .select(['idx', 'chunk'])
      .where('store_id', '=', storeId)
      .orderBy('idx')
      .orderBy('chunk')
      .execute();
    const out = new Map<number, number[]>();
    for (const r of rows) {
      const list = out.get(Number(r.idx)) ?? [];
      list.push(Number(r.chunk));
      out.set(Number(r.idx), list);
    }
    return out;
  }
  async clearChunks(storeId: string, index?: number) {
    let q = this.#db.deleteFrom('smp_store_chunks').where('store_id', '=', storeId);
    if (index !== undefined) q = q.where('idx', '=', index);
    await q.execute();
  }
}
