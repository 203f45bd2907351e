// Administration of the SMP (the admin token's reach): storage folders, this server's settings,
// enrollment tokens, computers, the Network Access Account, computer associations, stores and
// their recovery information.
import { randomUUID } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import { FerryError } from '../errors/index.ts';
import { requireAdmin, type SmpContext, unknownComputer } from './context.ts';
import { unwrapWithSiteKey } from './keys.ts';
import { hashSecret, newSecret } from './secrets.ts';
import { freeSpace, mapDiskError, minimumFreeBytes, PRIVATE_DIR } from './storage.ts';
import {
  type Association,
  type AssociationInput,
  type AssociationView,
  type ComputerView,
  type EnrollmentInput,
  type EnrollmentToken,
  type FolderInput,
  type FolderPatch,
  type FolderView,
  MIGRATION_BEHAVIOR,
  MIGRATION_STATUS,
  MIGRATION_TYPE,
  type Principal,
  type RecoveryInformation,
  type SmpComputer,
  type SmpServerRecord,
  type SpaceUnit,
  type StorageFolder,
  type StoreRecord,
} from './types.ts';

export class SmpAdmin {
  readonly #ctx: SmpContext;

  constructor(ctx: SmpContext) {
    this.#ctx = ctx;
  }

  async addFolder(p: Principal, input: FolderInput): Promise<StorageFolder> {
    requireAdmin(p);
    if (!isAbsolute(input.path))
      throw new FerryError('FERRY_E_INVALID_ARGUMENT', `Storage folder ${input.path} must be an absolute path on the SMP server.`);
    checkFolderLimits(input);
    const serverName = input.serverName ?? this.#ctx.serverName;
    const path = resolve(input.path);
    // The database refuses a second (server, path) row; say so instead of failing the insert.
    if ((await this.#ctx.repo.listFolders()).some((f) => f.serverName === serverName && f.path === path)) {
      throw new FerryError(
        'FERRY_E_SMP_FOLDER_EXISTS',
        `Storage folder ${path} is already configured on ${serverName}; change its limits instead of adding it again.`,
        { details: { path, serverName } },
      );
    }
    if (serverName === this.#ctx.serverName) {
      try {
        await mkdir(path, { recursive: true, mode: PRIVATE_DIR });
        freeSpace(path);
      } catch (err) {
        // A path that names a file, or that the server may not create, is the administrator's input to fix.
        const errno = (err as NodeJS.ErrnoException).code ?? '';
        if (['EEXIST', 'ENOTDIR', 'EACCES', 'EPERM', 'EROFS', 'ENAMETOOLONG', 'EINVAL', 'ELOOP'].includes(errno)) {
          throw new FerryError(
            'FERRY_E_INVALID_ARGUMENT',
            `Storage folder ${path} cannot be used: ` +
              (errno === 'EEXIST' || errno === 'ENOTDIR'
                ? 'it (or a folder on its path) is a file'
                : `the server cannot create it (${errno})`) +
              '. Give a folder path the SMP service may write.',
            { cause: err, details: { path, errno } },
          );
        }
        throw mapDiskError(err, `creating storage folder ${path}`);
      }
    }
    const folder: StorageFolder = {
      id: randomUUID(),
      serverName,
      path,
      maxClients: input.maxClients,
      minFreeSpace: input.minFreeSpace,
      spaceUnit: input.spaceUnit,
    };
    await this.#ctx.repo.insertFolder(folder);
    return folder;
  }

  async listFolders(p: Principal): Promise<FolderView[]> {
    requireAdmin(p);
    const counts = await this.#ctx.repo.countActiveStoresByFolder();
    return (await this.#ctx.repo.listFolders()).map((f) => {
      const base = { ...f, clients: counts.get(f.id) ?? 0 };
      if (f.serverName !== this.#ctx.serverName) return base;
      try {
        const fs = freeSpace(f.path);
        return { ...base, freeBytes: fs.freeBytes, minimumFreeBytes: minimumFreeBytes(f, fs.totalBytes) };
      } catch {
        return base;
      }
    });
  }

  async updateFolder(p: Principal, id: string, patch: FolderPatch): Promise<StorageFolder> {
    requireAdmin(p);
    const folder = await this.#ctx.repo.getFolder(id);
    if (!folder) throw new FerryError('FERRY_E_INVALID_ARGUMENT', `No storage folder ${id}.`);
    const next = { ...folder, ...patch };
    checkFolderLimits(next);
    await this.#ctx.repo.updateFolder(id, patch);
    return next;
  }

  async removeFolder(p: Principal, id: string): Promise<void> {
    requireAdmin(p);
    if ((await this.#ctx.repo.countActiveStoresByFolder()).get(id))
      throw new FerryError('FERRY_E_SMP_STORE_STATE', `Storage folder ${id} still holds stores; wait until they are deleted.`);
    await this.#ctx.repo.deleteFolder(id);
  }

  async getSettings(p: Principal): Promise<SmpServerRecord> {
    requireAdmin(p);
    return this.#ctx.server();
  }

  async updateSettings(p: Principal, patch: { restoreOnly?: boolean; deleteAfterSeconds?: number }): Promise<SmpServerRecord> {
    requireAdmin(p);
    const current = await this.#ctx.server();
    const next = { ...current, ...patch };
    if (!Number.isInteger(next.deleteAfterSeconds) || next.deleteAfterSeconds < 0)
      throw new FerryError(
        'FERRY_E_INVALID_ARGUMENT',
        'The deletion delay must be zero (delete immediately) or a positive number of seconds.',
      );
    await this.#ctx.repo.upsertServer(next);
    return next;
  }

  /**
   * An enrollment token. Bound to `computer`, it is the administrator's "reset computer": it may
   * re-register that computer (replacing its credential) and no other, once.
   */
  async createEnrollmentToken(p: Principal, input: EnrollmentInput): Promise<EnrollmentToken> {
    requireAdmin(p);
    if (input.computer !== undefined) {
      if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/.test(input.computer))
        throw new FerryError(
          'FERRY_E_INVALID_ARGUMENT',
          `Computer name ${JSON.stringify(input.computer)} is not valid: use 1–63 letters, digits, ".", "_" or "-".`,
        );
      if (input.uses !== 1) throw new FerryError('FERRY_E_INVALID_ARGUMENT', 'A token bound to a computer has exactly one use.');
    }
    const token = newSecret('enrollment');
    const expiresAt = new Date(this.#ctx.now().getTime() + input.expiresInSeconds * 1000).toISOString();
    await this.#ctx.repo.insertEnrollmentToken({
      id: randomUUID(),
      tokenHash: hashSecret(token),
      expiresAt,
      usesLeft: input.uses,
      computerNameKey: input.computer?.toLowerCase() ?? null,
    });
    return { token, expiresAt, uses: input.uses, ...(input.computer !== undefined ? { computer: input.computer } : {}) };
  }

  /** Import a computer (e.g. a destination that has never run Ferry) so an association can name it. */
  async importComputer(p: Principal, name: string): Promise<SmpComputer> {
    requireAdmin(p);
    const existing = await this.#ctx.repo.findComputerByName(name);
    if (existing) return existing;
    const computer: SmpComputer = {
      id: randomUUID(),
      name,
      credentialHash: null,
      credentialExpiresAt: null,
      credentialRevokedAt: null,
      createdAt: this.#ctx.nowIso(),
      owner: null,
    };
    await this.#ctx.repo.insertComputer(computer);
    return computer;
  }

  async listComputers(p: Principal): Promise<ComputerView[]> {
    requireAdmin(p);
    return (await this.#ctx.repo.listComputers()).map((c) => ({
      id: c.id,
      name: c.name,
      registered: c.credentialHash !== null,
      credentialExpiresAt: c.credentialExpiresAt,
      credentialRevokedAt: c.credentialRevokedAt,
    }));
  }

  /** The Network Access Account credential: a new one replaces the old; shown once. */
  async setNetworkAccessAccount(p: Principal, enabled: boolean): Promise<{ credential?: string }> {
    requireAdmin(p);
    if (!enabled) {
      await this.#ctx.repo.setSetting('naa_hash', null);
      return {};
    }
    const credential = newSecret('naa');
    await this.#ctx.repo.setSetting('naa_hash', hashSecret(credential));
    return { credential };
  }

  async createAssociation(p: Principal, input: AssociationInput): Promise<Association> {
    requireAdmin(p);
    const behavior = input.migrationBehavior ?? MIGRATION_BEHAVIOR.CAPTUREANDRESTORESPECIFIED;
    const userNames = [...new Set(input.userNames ?? [])];
    if (behavior !== MIGRATION_BEHAVIOR.CAPTUREANDRESTOREALL && userNames.length === 0) {
      throw new FerryError(
        'FERRY_E_INVALID_ARGUMENT',
        'This migration behaviour restores specified accounts: name at least one user account (DOMAIN\\user).',
      );
    }
    return this.#ctx.repo.transaction(async (repo) => {
      const source = await repo.findComputerByName(input.source);
      if (!source) throw unknownComputer(input.source);
      const destination = await repo.findComputerByName(input.destination);
      if (!destination) throw unknownComputer(input.destination);
      const open = (await repo.associationsBySource(source.id)).filter((a) => a.migrationStatus !== MIGRATION_STATUS.COMPLETED);
      if (open.some((a) => a.restoreComputerId === destination.id)) {
        throw new FerryError('FERRY_E_SMP_ASSOCIATION_CONFLICT', `${source.name} → ${destination.name} is already associated.`);
      }
      if (
        open.length &&
        (behavior === MIGRATION_BEHAVIOR.CAPTUREANDRESTORESPECIFIED ||
          open.some((a) => a.migrationBehavior === MIGRATION_BEHAVIOR.CAPTUREANDRESTORESPECIFIED))
      ) {
        throw new FerryError(
          'FERRY_E_SMP_ASSOCIATION_CONFLICT',
          `${source.name} already has an association; "capture and restore specified user accounts" allows only one per source computer.`,
        );
      }
      const inProgress = open.find((a) => a.storeId);
      const a: Association = {
        id: randomUUID(),
        sourceComputerId: source.id,
        restoreComputerId: destination.id,
        migrationType: source.id === destination.id ? MIGRATION_TYPE.INPLACE : MIGRATION_TYPE.SIDEBYSIDE,
        migrationBehavior: behavior,
        userNames,
        migrationStatus: inProgress?.migrationStatus ?? MIGRATION_STATUS.NOTSTARTED,
        storeId: inProgress?.storeId ?? null,
        createdAt: this.#ctx.nowIso(),
        storeCreationDate: inProgress?.storeCreationDate ?? null,
        storeReleaseDate: null,
        storeDeletionDate: null,
      };
      await repo.insertAssociation(a);
      return a;
    });
  }

  async listAssociations(
    p: Principal,
  ): Promise<(AssociationView & { sourceName: string; restoreName: string; storePath: string | null })[]> {
    requireAdmin(p);
    const names = new Map((await this.#ctx.repo.listComputers()).map((c) => [c.id, c.name]));
    const servers = new Map((await this.#ctx.repo.listServers()).map((s) => [s.name, s.url]));
    const out = [];
    for (const a of await this.#ctx.repo.listAssociations()) {
      const store = a.storeId ? await this.#ctx.repo.getStore(a.storeId) : undefined;
      out.push({
        ...a,
        sourceName: names.get(a.sourceComputerId) ?? '',
        restoreName: names.get(a.restoreComputerId) ?? '',
        storePath: store ? `${servers.get(store.serverName) ?? ''}/stores/${store.id}` : null,
      });
    }
    return out;
  }

  /** Deleting an association loses the way to its key for that destination (as in ConfigMgr). */
  async deleteAssociation(p: Principal, id: string): Promise<void> {
    requireAdmin(p);
    if (!(await this.#ctx.repo.getAssociation(id))) throw new FerryError('FERRY_E_INVALID_ARGUMENT', `No association ${id}.`);
    await this.#ctx.repo.deleteAssociation(id);
  }

  async listStores(p: Principal): Promise<StoreRecord[]> {
    requireAdmin(p);
    return this.#ctx.repo.listStores();
  }

  /** View Recovery Information: the data key (GetEncryptDecryptKey) and the recovery slot. */
  async recoveryInformation(p: Principal, storeId: string): Promise<RecoveryInformation> {
    requireAdmin(p);
    const [site, recoverySlot] = [await this.#ctx.repo.getKeySlot(storeId, 'site'), await this.#ctx.repo.getKeySlot(storeId, 'recovery')];
    if (!site || !recoverySlot) throw new FerryError('FERRY_E_SMP_STORE_NOT_FOUND', `No store ${storeId}.`, { details: { storeId } });
    return { storeId, key: unwrapWithSiteKey(site, this.#ctx.siteKey, storeId).toString('base64'), recoverySlot };
  }
}

function checkFolderLimits(f: { maxClients: number; minFreeSpace: number; spaceUnit: SpaceUnit }): void {
  if (!Number.isInteger(f.maxClients) || f.maxClients < 1 || f.maxClients > 99999)
    throw new FerryError('FERRY_E_INVALID_ARGUMENT', 'Maximum number of clients must be 1–99999.');
  const max = f.spaceUnit === 'Percent' ? 100 : 99999;
  if (!Number.isInteger(f.minFreeSpace) || f.minFreeSpace < 1 || f.minFreeSpace > max)
    throw new FerryError('FERRY_E_INVALID_ARGUMENT', `Minimum free space must be 1–${max} ${f.spaceUnit}.`);
}
