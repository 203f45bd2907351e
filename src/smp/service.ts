// The State Migration Point domain as one object: it wires the parts, each in its own module,
// over one `SmpContext` (repository, identity, site key, clock): authentication and registration
// (auth.ts), Request State Store (requests.ts), uploads and reads (transfers.ts), release and the
// deletion policy (release.ts), administration (admin.ts). HTTP lives in src/server/smp/.
import type { Readable } from 'node:stream';
import { FerryError } from '../errors/index.ts';
import { SmpAdmin } from './admin.ts';
import { SmpAuth } from './auth.ts';
import { SmpContext, type SmpIdentity } from './context.ts';
import { newRecoveryKeyPair, siteKeyId } from './keys.ts';
import { type RestoreReleaseReport, StoreRelease, type VerifyStore } from './release.ts';
import type { SmpRepository } from './repository.ts';
import { StoreRequests } from './requests.ts';
import { StoreAccess } from './store-access.ts';
import { type OpenedStoreFile, StoreTransfers } from './transfers.ts';
import type {
  AssociationInput,
  AssociationView,
  ComputerView,
  EnrollmentInput,
  EnrollmentToken,
  FolderInput,
  FolderPatch,
  FolderView,
  Association,
  Manifest,
  ManifestEntry,
  Principal,
  RecoveryInformation,
  Registration,
  RegistrationProof,
  SmpComputer,
  SmpServerRecord,
  StorageFolder,
  StoreGrant,
  StoreRecord,
  UploadState,
} from './types.ts';

export interface SmpServiceOptions {
  readonly repo: SmpRepository;
  /** This server's record; created or updated (URL) at `init`. Give both here or both to `init`. */
  readonly serverName?: string;
  readonly serverUrl?: string;
  readonly siteKey: Buffer;
  /** SHA-256 (hex) of the admin token. */
  readonly adminTokenHash: string;
  readonly chunkSize?: number;
  readonly maxStoreBytes?: number;
  readonly credentialTtlSeconds?: number;
  /** How long after expiry a credential still proves its computer for renewal. Default 7 days. */
  readonly credentialRenewalGraceSeconds?: number;
  /** The store's own authentication (catalog MAC, …), checked before a capture is released. */
  readonly verifyStore?: VerifyStore;
  /** What files a store may declare (refused before any upload); none = any. */
  readonly checkStoreFiles?: (paths: readonly string[]) => void;
  /** Store verifications (scrypt + a full read) run at once at most; more wait. Default 2. */
  readonly verifyConcurrency?: number;
  readonly now?: () => Date;
}

export interface InitResult {
  /** Set only when this call created the site's recovery key pair: show it once. */
  readonly recoveryKey?: string;
}

/**
 * The State Migration Point's domain: registration, store requests and transfers, release,
 * associations and administration. Every method that acts for a caller takes its `Principal`
 * (from `authenticate`) and checks what it may reach.
 *
 * @example
 * const service = new SmpService({ repo, siteKey, adminTokenHash, serverName: 'smp1', serverUrl: 'https://smp1:8740' });
 * await service.init();
 * const principal = await service.authenticate(bearerSecret, undefined);
 * const grant = await service.requestCapture(principal);
 */
export class SmpService {
  readonly repo: SmpRepository;
  readonly #ctx: SmpContext;
  readonly #auth: SmpAuth;
  readonly #requests: StoreRequests;
  readonly #transfers: StoreTransfers;
  readonly #release: StoreRelease;
  readonly #admin: SmpAdmin;

  constructor(o: SmpServiceOptions) {
    this.repo = o.repo;
    this.#ctx = new SmpContext(o);
    if (o.serverName !== undefined && o.serverUrl !== undefined)
      this.#ctx.setIdentity({ serverName: o.serverName, serverUrl: o.serverUrl });
    const access = new StoreAccess(this.#ctx);
    this.#auth = new SmpAuth(this.#ctx, o);
    this.#requests = new StoreRequests(this.#ctx);
    this.#transfers = new StoreTransfers(this.#ctx, access, { checkStoreFiles: o.checkStoreFiles });
    const transfers = this.#transfers;
    this.#release = new StoreRelease(this.#ctx, access, {
      verifyStore: o.verifyStore,
      verifyConcurrency: o.verifyConcurrency,
      commitStore: (storeId, dir) => transfers.syncStore(storeId, dir),
    });
    this.#admin = new SmpAdmin(this.#ctx);
  }

  /** This server's name in the site. */
  get serverName(): string {
    return this.#ctx.serverName;
  }
  /** Base URL of this server's store locations. */
  get serverUrl(): string {
    return this.#ctx.serverUrl;
  }
  /** Largest chunk an upload may send. */
  get chunkSize(): number {
    return this.#ctx.chunkSize;
  }
  get maxStoreBytes(): number {
    return this.#ctx.maxStoreBytes;
  }

  /**
   * Register this server (under `identity` when it was not known at construction, e.g. a server
   * that learns its port once listening), check its site key against the site's, and create the
   * recovery key pair on the site's first start.
   */
  async init(identity?: SmpIdentity): Promise<InitResult> {
    if (identity) this.#ctx.setIdentity(identity);
    const keyId = siteKeyId(this.#ctx.siteKey);
    const recovery = newRecoveryKeyPair();
    const { serverName, serverUrl } = this.#ctx.identity;
    return this.repo.transaction(async (repo) => {
      const inForce = await repo.initSetting('site_key_id', keyId);
      if (inForce !== keyId) {
        throw new FerryError(
          'FERRY_E_INVALID_ARGUMENT',
          `This server's site key does not match the site's (database ${inForce.slice(0, 8)}…, ` +
            `server ${keyId.slice(0, 8)}…); start it with the site key file of the other SMPs (--site-key).`,
        );
      }
      const publicKey = await repo.initSetting('recovery_public_key', recovery.publicKey);
      const existing = await repo.getServer(serverName);
      await repo.upsertServer({
        name: serverName,
        url: serverUrl,
        restoreOnly: existing?.restoreOnly ?? false,
        deleteAfterSeconds: existing?.deleteAfterSeconds ?? 0,
      });
      return publicKey === recovery.publicKey ? { recoveryKey: recovery.privateKey } : {};
    });
  }

  /** Called after a store's final release (the deletion job uses it to honour "delete immediately"). */
  onStoreReleased(listener: (store: StoreRecord) => void): void {
    this.#release.onStoreReleased(listener);
  }

  // ── authentication and registration (auth.ts) ──
  /** Resolve a bearer secret (and, for the NAA, the computer it acts for) to a principal. */
  authenticate(secret: string | undefined, naaComputerName: string | undefined): Promise<Principal> {
    return this.#auth.authenticate(secret, naaComputerName);
  }
  /** `POST /register`: a computer's own credential, against an enrollment token or its current credential. */
  register(computerName: string, proof: RegistrationProof, options: { readonly ttlSeconds?: number } = {}): Promise<Registration> {
    return this.#auth.register(computerName, proof, options);
  }
  /** The all-in-one site's registration of its own agent `owner` (`site:<site computer id>`). */
  registerOwned(computerName: string, owner: string, options: { readonly ttlSeconds?: number } = {}): Promise<Registration> {
    return this.#auth.registerOwned(computerName, owner, options);
  }
  /** Revoke a computer's credential at once; false when the SMP does not know it. */
  revokeComputer(p: Principal, name: string): Promise<boolean> {
    return this.#auth.revokeComputer(p, name);
  }

  // ── Request State Store (requests.ts) ──
  requestCapture(p: Principal): Promise<StoreGrant> {
    return this.#requests.requestCapture(p);
  }
  requestRestore(p: Principal): Promise<StoreGrant> {
    return this.#requests.requestRestore(p);
  }

  // ── uploads and reads (transfers.ts) ──
  /** Declare (or re-declare, to resume) the files of a store being captured. */
  putManifest(p: Principal, storeId: string, entries: readonly ManifestEntry[]): Promise<UploadState> {
    return this.#transfers.putManifest(p, storeId, entries);
  }
  uploadState(p: Principal, storeId: string): Promise<UploadState> {
    return this.#transfers.uploadState(p, storeId);
  }
  /** Receive chunk `chunk` of file `index`, checked but not yet flushed; when it completes the file, place it. */
  putChunk(
    p: Principal,
    storeId: string,
    index: number,
    chunk: number,
    sha256: string,
    body: Readable,
  ): Promise<{ fileComplete: boolean }> {
    return this.#transfers.putChunk(p, storeId, index, chunk, sha256, body);
  }
  /** The end of an upload: the store's files are fsynced before this answers (its durability point). */
  commit(p: Principal, storeId: string): Promise<UploadState> {
    return this.#transfers.commit(p, storeId);
  }
  readManifest(p: Principal, storeId: string): Promise<Manifest> {
    return this.#transfers.readManifest(p, storeId);
  }
  /** Open a store file for reading (the caller closes its handle). */
  openFile(p: Principal, storeId: string, index: number): Promise<OpenedStoreFile> {
    return this.#transfers.openFile(p, storeId, index);
  }

  // ── Release State Store and the deletion policy (release.ts) ──
  releaseCapture(p: Principal, storeId: string): Promise<StoreRecord> {
    return this.#release.releaseCapture(p, storeId);
  }
  releaseRestore(p: Principal, storeId: string, report: RestoreReleaseReport): Promise<StoreRecord> {
    return this.#release.releaseRestore(p, storeId, report);
  }
  listOwnStores(p: Principal): Promise<StoreRecord[]> {
    return this.#release.listOwnStores(p);
  }
  /** Delete this server's stores whose retention ran out (and finish half-done deletions). */
  deleteDueStores(): Promise<string[]> {
    return this.#release.deleteDueStores();
  }

  // ── administration (admin.ts) ──
  addFolder(p: Principal, input: FolderInput): Promise<StorageFolder> {
    return this.#admin.addFolder(p, input);
  }
  listFolders(p: Principal): Promise<FolderView[]> {
    return this.#admin.listFolders(p);
  }
  updateFolder(p: Principal, id: string, patch: FolderPatch): Promise<StorageFolder> {
    return this.#admin.updateFolder(p, id, patch);
  }
  removeFolder(p: Principal, id: string): Promise<void> {
    return this.#admin.removeFolder(p, id);
  }
  getSettings(p: Principal): Promise<SmpServerRecord> {
    return this.#admin.getSettings(p);
  }
  updateSettings(p: Principal, patch: { restoreOnly?: boolean; deleteAfterSeconds?: number }): Promise<SmpServerRecord> {
    return this.#admin.updateSettings(p, patch);
  }
  createEnrollmentToken(p: Principal, input: EnrollmentInput): Promise<EnrollmentToken> {
    return this.#admin.createEnrollmentToken(p, input);
  }
  importComputer(p: Principal, name: string): Promise<SmpComputer> {
    return this.#admin.importComputer(p, name);
  }
  listComputers(p: Principal): Promise<ComputerView[]> {
    return this.#admin.listComputers(p);
  }
  setNetworkAccessAccount(p: Principal, enabled: boolean): Promise<{ credential?: string }> {
    return this.#admin.setNetworkAccessAccount(p, enabled);
  }
  createAssociation(p: Principal, input: AssociationInput): Promise<Association> {
    return this.#admin.createAssociation(p, input);
  }
  listAssociations(p: Principal): Promise<(AssociationView & { sourceName: string; restoreName: string; storePath: string | null })[]> {
    return this.#admin.listAssociations(p);
  }
  deleteAssociation(p: Principal, id: string): Promise<void> {
    return this.#admin.deleteAssociation(p, id);
  }
  listStores(p: Principal): Promise<StoreRecord[]> {
    return this.#admin.listStores(p);
  }
  recoveryInformation(p: Principal, storeId: string): Promise<RecoveryInformation> {
    return this.#admin.recoveryInformation(p, storeId);
  }
}
