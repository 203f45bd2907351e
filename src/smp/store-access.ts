// Which stores a principal may write (its own open capture) or read (a restore it is associated
// with), and where on this server's disk a store lives.
import { FerryError } from '../errors/index.ts';
import { requireComputer, type SmpContext, storeNotFound } from './context.ts';
import { storeDirectory } from './storage.ts';
import type { Association, Principal, StorageFolder, StoreRecord } from './types.ts';

/** A store held by this server, with its folder and directory. */
export interface LocalStore {
  readonly store: StoreRecord;
  readonly folder: StorageFolder;
  readonly dir: string;
}

export class StoreAccess {
  readonly #ctx: SmpContext;

  constructor(ctx: SmpContext) {
    this.#ctx = ctx;
  }

  /** The store, if `p` may write to it (its source computer, while the capture is open). */
  async writable(p: Principal, storeId: string): Promise<LocalStore> {
    const computer = requireComputer(p);
    const store = await this.#ctx.repo.getStore(storeId);
    if (!store || store.sourceComputerId !== computer.id) throw storeNotFound(storeId);
    if (store.status !== 'requested') {
      throw new FerryError('FERRY_E_SMP_STORE_STATE', `Store ${storeId} is ${store.status}; it no longer takes uploads.`, {
        details: { storeId, status: store.status },
      });
    }
    return this.local(store);
  }

  /** The store, if `p` may read it (a restoring computer of one of its associations, after the capture was released). */
  async readable(p: Principal, storeId: string): Promise<LocalStore & { association: Association }> {
    const computer = requireComputer(p);
    const store = await this.#ctx.repo.getStore(storeId);
    const association = store && (await this.#ctx.repo.associationsByStore(storeId)).find((a) => a.restoreComputerId === computer.id);
    if (!store || !association) throw storeNotFound(storeId);
    if (store.status !== 'captured') {
      throw new FerryError(
        'FERRY_E_SMP_STORE_STATE',
        `Store ${storeId} is ${store.status}; it can be read only after its capture was released and before its restore was released.`,
        { details: { storeId, status: store.status } },
      );
    }
    return { ...(await this.local(store)), association };
  }

  async local(store: StoreRecord): Promise<LocalStore> {
    const folder = await this.#ctx.repo.getFolder(store.folderId);
    if (store.serverName !== this.#ctx.serverName || !folder) {
      const server = await this.#ctx.repo.getServer(store.serverName);
      throw new FerryError(
        'FERRY_E_SMP_STORE_NOT_FOUND',
        `Store ${store.id} is held by ` +
          `SMP ${store.serverName}${server ? ` at ${server.url}` : ''}, not by this one; ` +
          `use the location of the grant.`,
        { details: { storeId: store.id, server: store.serverName } },
      );
    }
    return { store, folder, dir: storeDirectory(folder, store.id) };
  }
}
