// Release State Store and what follows it: a released capture becomes readable by its restoring
// computers (after the store's own check), a verified restore completes its association, and the
// deletion policy removes stores whose retention ran out.
import { FerryError } from '../errors/index.ts';
import { requireComputer, type SmpContext } from './context.ts';
import { unwrapWithSiteKey } from './keys.ts';
import type { StoreAccess } from './store-access.ts';
import { removeStoreDirectory, storeDirectory } from './storage.ts';
import { MIGRATION_STATUS, type Principal, type StoreRecord } from './types.ts';

const iso = (d: Date): string => d.toISOString();

/** The store's own authentication (catalog MAC, …), checked before a capture is released. */
export type VerifyStore = (dir: string, dataKey: Buffer) => Promise<void>;

export interface StoreReleaseOptions {
  readonly verifyStore?: VerifyStore | undefined;
  /** Store verifications (scrypt + a full read) run at once at most; more wait. Default 2. */
  readonly verifyConcurrency?: number | undefined;
  /** Make the store's upload durable (fsync; see StoreTransfers.commit) before it is marked captured. */
  readonly commitStore?: ((storeId: string, dir: string) => Promise<void>) | undefined;
}

/** What a restoring client reports at Release State Store. */
export interface RestoreReleaseReport {
  readonly verified: boolean;
  readonly manifestDigest: string;
}

export class StoreRelease {
  readonly #ctx: SmpContext;
  readonly #access: StoreAccess;
  readonly #verifyStore: VerifyStore | undefined;
  /** Verifications in progress, per store: a second release of the same store waits for the first. */
  readonly #verifying = new Map<string, Promise<void>>();
  readonly #verifySlots: Slots;
  readonly #commitStore: StoreReleaseOptions['commitStore'];
  #onReleased: (store: StoreRecord) => void = () => {};

  constructor(ctx: SmpContext, access: StoreAccess, o: StoreReleaseOptions = {}) {
    this.#ctx = ctx;
    this.#access = access;
    this.#verifyStore = o.verifyStore;
    this.#verifySlots = new Slots(o.verifyConcurrency ?? 2);
    this.#commitStore = o.commitStore;
  }

  /** Called after a store's final release (the deletion job uses it to honour "delete immediately"). */
  onStoreReleased(listener: (store: StoreRecord) => void): void {
    this.#onReleased = listener;
  }

  /**
   * The store's own check costs a key derivation and a full read: parallel releases of one store
   * share one run, and at most `verifyConcurrency` run at once (the rest queue), so a few
   * expensive stores cannot take the whole thread pool from every other request.
   */
  #verifyOnce(storeId: string, dir: string): Promise<void> {
    let running = this.#verifying.get(storeId);
    if (!running) {
      const verify = this.#verifyStore as VerifyStore;
      running = this.#verifySlots
        .run(async () => {
          const slot = (await this.#ctx.repo.getKeySlot(storeId, 'site')) as string;
          await verify(dir, unwrapWithSiteKey(slot, this.#ctx.siteKey, storeId));
        })
        .finally(() => this.#verifying.delete(storeId));
      this.#verifying.set(storeId, running);
    }
    return running;
  }

  /** After capture: the upload committed, every file in place (and the store's own check passed) → available for restore. */
  async releaseCapture(p: Principal, storeId: string): Promise<StoreRecord> {
    const { store, dir } = await this.#access.writable(p, storeId);
    // Durable first (a no-op fsync when the client's commit did it): captured means on disk.
    // It may also find chunks a crash tore, so the completeness check comes after it.
    await this.#commitStore?.(storeId, dir);
    const files = await this.#ctx.repo.getStoreFiles(storeId);
    const missing = files.filter((f) => !f.verified);
    if (!store.manifestDigest || missing.length) {
      throw new FerryError(
        'FERRY_E_SMP_STORE_INCOMPLETE',
        store.manifestDigest
          ? `${missing.length} of ${files.length} files of store ${storeId} are not uploaded and verified; resume the upload.`
          : `Store ${storeId} has no files; upload the store before releasing it.`,
        {
          details: { storeId, missing: missing.slice(0, 20).map((f) => f.path) },
        },
      );
    }
    if (this.#verifyStore) await this.#verifyOnce(storeId, dir);
    const now = this.#ctx.nowIso();
    await this.#ctx.repo.transaction(async (repo) => {
      const current = await repo.getStore(storeId);
      if (current?.status !== 'requested') throw new FerryError('FERRY_E_SMP_STORE_STATE', `Store ${storeId} was already released.`);
      await repo.updateStore(storeId, { status: 'captured', capturedAt: now });
      for (const a of await repo.associationsByStore(storeId))
        await repo.updateAssociation(a.id, { migrationStatus: MIGRATION_STATUS.INPROGRESS, storeCreationDate: now });
    });
    return (await this.#ctx.repo.getStore(storeId)) as StoreRecord;
  }

  /**
   * After restore: only when the client reports a verified restore of exactly this store (its
   * manifest digest). Completes the computer's association; when every association of the
   * store is complete, the deletion policy starts.
   */
  async releaseRestore(p: Principal, storeId: string, report: RestoreReleaseReport): Promise<StoreRecord> {
    const { store, association } = await this.#access.readable(p, storeId);
    if (!report.verified || report.manifestDigest !== store.manifestDigest) {
      throw new FerryError(
        'FERRY_E_SMP_STORE_STATE',
        `The restore of store ${storeId} is not reported as verified against its ` +
          `manifest; release only after a successful Restore User State.`,
        { details: { storeId } },
      );
    }
    const now = this.#ctx.now();
    await this.#ctx.repo.transaction(async (repo) => {
      await repo.updateAssociation(association.id, { migrationStatus: MIGRATION_STATUS.COMPLETED, storeReleaseDate: iso(now) });
      const all = await repo.associationsByStore(storeId);
      if (all.every((a) => a.id === association.id || a.migrationStatus === MIGRATION_STATUS.COMPLETED)) {
        const server = await repo.getServer(store.serverName);
        const deleteAfter = new Date(now.getTime() + (server?.deleteAfterSeconds ?? 0) * 1000);
        await repo.updateStore(storeId, { status: 'released', releasedAt: iso(now), deleteAfter: iso(deleteAfter) });
      }
    });
    const after = (await this.#ctx.repo.getStore(storeId)) as StoreRecord;
    if (after.status === 'released') this.#onReleased(after);
    return after;
  }

  /** Stores the computer captured or may restore (never another computer's); not for the NAA, whose reach is the steps' own requests. */
  async listOwnStores(p: Principal): Promise<StoreRecord[]> {
    if (p.kind === 'naa')
      throw new FerryError(
        'FERRY_E_SMP_FORBIDDEN',
        'The Network Access Account only requests, transfers and releases stores for the steps; listing needs the computer credential.',
      );
    const computer = requireComputer(p);
    const ids = new Set<string>();
    for (const a of [
      ...(await this.#ctx.repo.associationsBySource(computer.id)),
      ...(await this.#ctx.repo.associationsByRestore(computer.id)),
    ])
      if (a.storeId) ids.add(a.storeId);
    const out: StoreRecord[] = [];
    for (const id of ids) {
      const s = await this.#ctx.repo.getStore(id);
      if (s && s.status !== 'deleted' && (s.sourceComputerId === computer.id || s.status === 'captured')) out.push(s);
    }
    return out;
  }

  /** Delete this server's stores whose retention ran out (and finish half-done deletions). */
  async deleteDueStores(): Promise<string[]> {
    const now = this.#ctx.nowIso();
    const done: string[] = [];
    for (const store of await this.#ctx.repo.storesToDelete(this.#ctx.serverName, now)) {
      await this.#ctx.repo.updateStore(store.id, { status: 'deleting' });
      const folder = await this.#ctx.repo.getFolder(store.folderId);
      if (folder) await removeStoreDirectory(storeDirectory(folder, store.id));
      await this.#ctx.repo.transaction(async (repo) => {
        await repo.updateStore(store.id, { status: 'deleted', deletedAt: now });
        for (const a of await repo.associationsByStore(store.id)) await repo.updateAssociation(a.id, { storeDeletionDate: now });
      });
      done.push(store.id);
    }
    return done;
  }
}

/** At most `size` tasks at once; the others wait in order. */
class Slots {
  readonly #size: number;
  #busy = 0;
  readonly #waiting: (() => void)[] = [];
  constructor(size: number) {
    this.#size = Math.max(1, size);
  }
  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.#busy >= this.#size) await new Promise<void>((r) => this.#waiting.push(r));
    else this.#busy++;
    try {
      return await fn();
    } finally {
      // Hand the slot straight to the next waiter, or free it.
      const next = this.#waiting.shift();
      if (next) next();
      else this.#busy--;
    }
  }
}
