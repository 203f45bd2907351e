// Request State Store: a capture grant (a new store in the storage folder with most room, or the
// computer's open one) or a restore grant (the captured store an association points it to).
import { randomUUID } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { FerryError } from '../errors/index.ts';
import { isUniqueViolation, requireComputer, type SmpContext } from './context.ts';
import { newDataKey, sealToRecoveryKey, unwrapWithSiteKey, wrapWithSiteKey } from './keys.ts';
import type { SmpRepository } from './repository.ts';
import { mapDiskError, PRIVATE_DIR, storeDirectory, usableBytes } from './storage.ts';
import {
  type Association,
  MIGRATION_BEHAVIOR,
  MIGRATION_STATUS,
  MIGRATION_TYPE,
  type Principal,
  type SmpComputer,
  type StorageFolder,
  type StoreGrant,
  type StoreRecord,
  type UserSelection,
} from './types.ts';

export class StoreRequests {
  readonly #ctx: SmpContext;
  /** The site's recovery public key: set once per site, at its first start, so read once per process. */
  #recoveryPublicKey: string | undefined;

  constructor(ctx: SmpContext) {
    this.#ctx = ctx;
  }

  async requestCapture(p: Principal): Promise<StoreGrant> {
    // Parallel requests for one computer race to insert its one open store (a unique index);
    // the losers' transactions roll back whole and, run again, find the winner's store.
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.#requestCapture(p);
      } catch (err) {
        if (attempt >= 5 || !isUniqueViolation(err)) throw err;
      }
    }
  }

  async #requestCapture(p: Principal): Promise<StoreGrant> {
    const computer = requireComputer(p);
    const server = await this.#ctx.server();
    if (server.restoreOnly) {
      throw new FerryError(
        'FERRY_E_SMP_NO_ELIGIBLE_FOLDER',
        `State Migration Point ${server.name} is in restore-only mode and takes no new captures; the client tries another SMP.`,
        { details: { server: server.name, reason: 'restore-only' } },
      );
    }
    const dataKey = newDataKey();
    // Set once per site, at its first start: read once per process.
    this.#recoveryPublicKey ??= (await this.#ctx.repo.getSetting('recovery_public_key')) as string;
    const recoveryPublicKey = this.#recoveryPublicKey;
    const now = this.#ctx.nowIso();
    const grant = await this.#ctx.repo.transaction(async (repo) => {
      const open = (await repo.associationsBySource(computer.id)).filter((a) => a.migrationStatus !== MIGRATION_STATUS.COMPLETED);
      for (const a of open) {
        const store = a.storeId ? await repo.getStore(a.storeId) : undefined;
        if (store?.status === 'requested') return this.#grant(repo, store, 'capture', captureUsers(open), computer.name);
        if (store && store.status === 'captured') {
          throw new FerryError(
            'FERRY_E_SMP_STORE_STATE',
            `Computer ${computer.name} already has a captured store (${store.id}) ` +
              `waiting for restore; restore or delete it before capturing again.`,
            { details: { storeId: store.id } },
          );
        }
      }
      const folder = await this.#pickFolder(repo);
      const store: StoreRecord = {
        id: randomUUID(),
        sourceComputerId: computer.id,
        folderId: folder.id,
        serverName: this.#ctx.serverName,
        status: 'requested',
        createdAt: now,
        capturedAt: null,
        releasedAt: null,
        deleteAfter: null,
        deletedAt: null,
        manifestDigest: null,
        totalSize: 0,
      };
      await repo.insertStore(store);
      await repo.insertKeySlot(store.id, 'site', wrapWithSiteKey(dataKey, this.#ctx.siteKey, store.id));
      await repo.insertKeySlot(store.id, 'recovery', sealToRecoveryKey(dataKey, recoveryPublicKey, store.id));
      const associations = open.length ? open : [await this.#inPlaceAssociation(repo, computer, now)];
      for (const a of associations) await repo.updateAssociation(a.id, { storeId: store.id });
      try {
        await mkdir(storeDirectory(folder, store.id), { recursive: true, mode: PRIVATE_DIR });
      } catch (err) {
        throw mapDiskError(err, 'creating the store folder');
      }
      return this.#grant(repo, store, 'capture', captureUsers(associations), computer.name, dataKey);
    });
    return grant;
  }

  async requestRestore(p: Principal): Promise<StoreGrant> {
    const computer = requireComputer(p);
    return this.#ctx.repo.transaction(async (repo) => {
      const candidates = (await repo.associationsByRestore(computer.id)).filter(
        (a) => a.migrationStatus === MIGRATION_STATUS.INPROGRESS && a.storeId,
      );
      for (const a of candidates.reverse()) {
        const store = await repo.getStore(a.storeId as string);
        if (store?.status !== 'captured') continue;
        const source = await repo.getComputer(store.sourceComputerId);
        return this.#grant(
          repo,
          store,
          'restore',
          a.migrationBehavior === MIGRATION_BEHAVIOR.CAPTUREANDRESTOREALL ? 'all' : a.userNames,
          source?.name ?? '',
        );
      }
      throw new FerryError(
        'FERRY_E_SMP_NO_STORE',
        `No captured store is waiting for computer ${computer.name}: create a computer association with ${computer.name} as ` +
          `the destination (console: Assets and Compliance › User State Migration › Create Computer Association; CLI: ferry smp ` +
          `association), then run Request, Capture and Release State Store on the source computer before restoring here.`,
        { details: { computer: computer.name } },
      );
    });
  }

  async #grant(
    repo: SmpRepository,
    store: StoreRecord,
    kind: 'capture' | 'restore',
    users: UserSelection,
    sourceComputer: string,
    newKey?: Buffer,
  ): Promise<StoreGrant> {
    const key = newKey ?? unwrapWithSiteKey((await repo.getKeySlot(store.id, 'site')) as string, this.#ctx.siteKey, store.id);
    const base =
      store.serverName === this.#ctx.serverName
        ? this.#ctx.serverUrl
        : ((await repo.getServer(store.serverName))?.url ?? this.#ctx.serverUrl);
    return {
      storeId: store.id,
      kind,
      location: `${base}/stores/${store.id}`,
      key: key.toString('base64'),
      chunkSize: this.#ctx.chunkSize,
      users,
      sourceComputer,
    };
  }

  async #pickFolder(repo: SmpRepository): Promise<StorageFolder> {
    const folders = await repo.listFolders(this.#ctx.serverName);
    const counts = await repo.countActiveStoresByFolder();
    const eligible: { folder: StorageFolder; room: number }[] = [];
    for (const folder of folders) {
      if ((counts.get(folder.id) ?? 0) >= folder.maxClients) continue;
      let room: number;
      try {
        room = usableBytes(folder);
      } catch {
        continue;
      }
      if (room > 0) eligible.push({ folder, room });
    }
    eligible.sort((a, b) => b.room - a.room);
    const best = eligible[0];
    if (!best) {
      throw new FerryError(
        'FERRY_E_SMP_NO_ELIGIBLE_FOLDER',
        `No storage folder of SMP ${this.#ctx.serverName} can take a capture (${folders.length} ` +
          `folder(s): each is at its maximum number of clients or below its minimum free space).`,
        {
          details: { server: this.#ctx.serverName, folders: folders.length },
        },
      );
    }
    return best.folder;
  }

  async #inPlaceAssociation(repo: SmpRepository, computer: SmpComputer, now: string): Promise<Association> {
    const a: Association = {
      id: randomUUID(),
      sourceComputerId: computer.id,
      restoreComputerId: computer.id,
      migrationType: MIGRATION_TYPE.INPLACE,
      migrationBehavior: MIGRATION_BEHAVIOR.CAPTUREANDRESTOREALL,
      userNames: [],
      migrationStatus: MIGRATION_STATUS.NOTSTARTED,
      storeId: null,
      createdAt: now,
      storeCreationDate: null,
      storeReleaseDate: null,
      storeDeletionDate: null,
    };
    await repo.insertAssociation(a);
    return a;
  }
}

/** Capture all users unless an association says "capture and restore specified". */
function captureUsers(associations: readonly Association[]): UserSelection {
  const specified = associations.filter((a) => a.migrationBehavior === MIGRATION_BEHAVIOR.CAPTUREANDRESTORESPECIFIED);
  return specified.length ? [...new Set(specified.flatMap((a) => a.userNames))] : 'all';
}
