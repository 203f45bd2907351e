// The State Migration Point domain: who may do what, store requests for capture and restore,
// chunked uploads and reads of store files, release, and the deletion policy. It runs over an
// `SmpRepository` and the local storage folders; HTTP lives in src/server/smp/.
import { randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, stat } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { FerryError } from '../errors/index.ts';
import { newDataKey, newRecoveryKeyPair, sealToRecoveryKey, siteKeyId, unwrapWithSiteKey, wrapWithSiteKey } from './keys.ts';
import type { SmpRepository } from './repository.ts';
import { computerIdOf, hashSecret, newSecret, SECRET_PREFIX, secretMatches } from './secrets.ts';
import {
  checkManifest,
  chunkCount,
  chunkLength,
  finishFile,
  freeSpace,
  manifestDigest,
  mapDiskError,
  minimumFreeBytes,
  PART_SUFFIX,
  prepareStoreFiles,
  PRIVATE_DIR,
  removeStoreDirectory,
  storeDirectory,
  usableBytes,
  writeChunk,
} from './storage.ts';
import {
  MIGRATION_BEHAVIOR,
  MIGRATION_STATUS,
  MIGRATION_TYPE,
  type Association,
  type SmpComputer,
  type MigrationBehavior,
  type SmpServerRecord,
  type SpaceUnit,
  type StorageFolder,
  type StoreFile,
  type StoreRecord,
  type UserSelection,
} from './types.ts';

export type Principal =
  | { readonly kind: 'admin' }
  | { readonly kind: 'computer'; readonly computer: SmpComputer }
  | { readonly kind: 'naa'; readonly computer: SmpComputer };

export interface RegistrationProof {
  readonly enrollmentToken?: string;
  /** The computer's current credential: renews it without an enrollment token. */
  readonly currentCredential?: string;
}

export interface Registration {
  readonly computerId: string;
  readonly credential: string;
  readonly expiresAt: string;
}

export interface SmpServiceOptions {
  readonly repo: SmpRepository;
  /** This server's record; created or updated (URL) at `init`. */
  readonly serverName: string;
  readonly serverUrl: string;
  readonly siteKey: Buffer;
  /** SHA-256 (hex) of the admin token. */
  readonly adminTokenHash: string;
  readonly chunkSize?: number;
  readonly maxStoreBytes?: number;
  readonly credentialTtlSeconds?: number;
  /** How long after expiry a credential still proves its computer for renewal. Default 7 days. */
  readonly credentialRenewalGraceSeconds?: number;
  /** The store's own authentication (catalog MAC, …), checked before a capture is released. */
  readonly verifyStore?: (dir: string, dataKey: Buffer) => Promise<void>;
  /** What files a store may declare (refused before any upload); none = any. */
  readonly checkStoreFiles?: (paths: readonly string[]) => void;
  /** Store verifications (scrypt + a full read) run at once at most; more wait. Default 2. */
  readonly verifyConcurrency?: number;
  readonly now?: () => Date;
}

export interface StoreGrant {
  readonly storeId: string;
  readonly kind: 'capture' | 'restore';
  /** URL of the store on the SMP that holds it: the `OSDStateStorePath` of the task sequence. */
  readonly location: string;
  /** The store's data key, base64. */
  readonly key: string;
  readonly chunkSize: number;
  /** Users to capture (capture grant) or to restore (restore grant). */
  readonly users: UserSelection;
  readonly sourceComputer: string;
}

export interface ManifestEntry {
  readonly path: string;
  readonly size: number;
  readonly sha256: string;
}

export interface UploadState {
  readonly storeId: string;
  readonly status: StoreRecord['status'];
  readonly chunkSize: number;
  readonly manifestDigest: string | null;
  readonly files: readonly (StoreFile & { readonly chunksReceived: readonly number[] })[];
}

export interface InitResult {
  /** Set only when this call created the site's recovery key pair: show it once. */
  readonly recoveryKey?: string;
}

const DEFAULT_CHUNK = 8 * 1024 * 1024;
const DEFAULT_TTL = 90 * 24 * 3600;
const DEFAULT_RENEWAL_GRACE = 7 * 24 * 3600;
const nowIso = (d: Date): string => d.toISOString();

const notFound = (id: string): FerryError =>
  new FerryError(
    'FERRY_E_SMP_STORE_NOT_FOUND',
    `No store ${id} exists for this computer; use the location returned by Request State Store.`,
    { details: { storeId: id } },
  );

/** The State Migration Point's domain: registration, store requests and transfers, associations, administration. */
export class SmpService {
  readonly repo: SmpRepository;
  readonly serverName: string;
  readonly serverUrl: string;
  readonly chunkSize: number;
  readonly maxStoreBytes: number;
  readonly #siteKey: Buffer;
  readonly #adminTokenHash: string;
  readonly #ttl: number;
  readonly #renewalGrace: number;
  readonly #verifyStore: SmpServiceOptions['verifyStore'];
  readonly #now: () => Date;
  readonly #finishing = new Map<string, Promise<void>>();
  readonly #checkStoreFiles: SmpServiceOptions['checkStoreFiles'];
  /** Verifications in progress, per store: a second release of the same store waits for the first. */
  readonly #verifying = new Map<string, Promise<void>>();
  readonly #verifySlots: Slots;
  #onReleased: (store: StoreRecord) => void = () => {};
  #recoveryPublicKey: string | undefined;

  constructor(o: SmpServiceOptions) {
    this.repo = o.repo;
    this.serverName = o.serverName;
    this.serverUrl = o.serverUrl.replace(/\/+$/, '');
    this.chunkSize = o.chunkSize ?? DEFAULT_CHUNK;
    this.maxStoreBytes = o.maxStoreBytes ?? Number.MAX_SAFE_INTEGER;
    this.#siteKey = o.siteKey;
    this.#adminTokenHash = o.adminTokenHash;
    this.#ttl = o.credentialTtlSeconds ?? DEFAULT_TTL;
    this.#renewalGrace = o.credentialRenewalGraceSeconds ?? DEFAULT_RENEWAL_GRACE;
    this.#verifyStore = o.verifyStore;
    this.#checkStoreFiles = o.checkStoreFiles;
    this.#verifySlots = new Slots(o.verifyConcurrency ?? 2);
    this.#now = o.now ?? (() => new Date());
  }

  /** Called after a store's final release (the deletion job uses it to honour "delete immediately"). */
  onStoreReleased(listener: (store: StoreRecord) => void): void {
    this.#onReleased = listener;
  }

  /** Register this server, check its site key against the site's, create the recovery key pair on the site's first start. */
  async init(): Promise<InitResult> {
    const keyId = siteKeyId(this.#siteKey);
    const recovery = newRecoveryKeyPair();
    return this.repo.transaction(async (repo) => {
      const inForce = await repo.initSetting('site_key_id', keyId);
      if (inForce !== keyId) {
        throw new FerryError(
          'FERRY_E_INVALID_ARGUMENT',
          `This server's site key does not match the site's (database ${inForce.slice(0, 8)}…, server ${keyId.slice(0, 8)}…); start it with the site key file of the other SMPs (--site-key).`,
        );
      }
      const publicKey = await repo.initSetting('recovery_public_key', recovery.publicKey);
      const existing = await repo.getServer(this.serverName);
      await repo.upsertServer({
        name: this.serverName,
        url: this.serverUrl,
        restoreOnly: existing?.restoreOnly ?? false,
        deleteAfterSeconds: existing?.deleteAfterSeconds ?? 0,
      });
      return publicKey === recovery.publicKey ? { recoveryKey: recovery.privateKey } : {};
    });
  }

  // ── authentication ──────────────────────────────────────────────────────────────────────

  /** Resolve a bearer secret (and, for the NAA, the computer it acts for) to a principal. */
  async authenticate(secret: string | undefined, naaComputerName: string | undefined): Promise<Principal> {
    if (!secret)
      throw new FerryError('FERRY_E_SMP_UNAUTHORIZED', 'This route needs a credential: send `Authorization: Bearer <credential>`.');
    if (secret.startsWith(SECRET_PREFIX.admin)) {
      if (secretMatches(secret, this.#adminTokenHash)) return { kind: 'admin' };
    } else if (secret.startsWith(SECRET_PREFIX.naa)) {
      const hash = await this.repo.getSetting('naa_hash');
      if (!hash)
        throw new FerryError(
          'FERRY_E_SMP_NAA_NOT_ALLOWED',
          'No Network Access Account is configured on this SMP; configure one (`ferry smp naa set`) or use the computer credential.',
        );
      if (secretMatches(secret, hash)) {
        if (!naaComputerName)
          throw new FerryError(
            'FERRY_E_INVALID_ARGUMENT',
            'A Network Access Account request must name its computer in the x-ferry-computer header.',
          );
        const computer = await this.repo.findComputerByName(naaComputerName);
        if (!computer) throw unknownComputer(naaComputerName);
        // The NAA is a fallback for a computer whose own credential fails, not a way around revocation.
        if (computer.credentialRevokedAt !== null) {
          throw new FerryError(
            'FERRY_E_SMP_FORBIDDEN',
            `Computer ${computer.name} was revoked; the Network Access Account cannot act for it. Re-register it with an enrollment token bound to it.`,
            { details: { computer: computer.name } },
          );
        }
        return { kind: 'naa', computer };
      }
    } else {
      const id = computerIdOf(secret);
      const computer = id === undefined ? undefined : await this.repo.getComputer(id);
      if (computer && secretMatches(secret, computer.credentialHash)) {
        if (computer.credentialExpiresAt && computer.credentialExpiresAt <= nowIso(this.#now())) {
          throw new FerryError(
            'FERRY_E_SMP_CREDENTIAL_EXPIRED',
            `The credential of computer ${computer.name} expired at ${computer.credentialExpiresAt}; register it again.`,
            { details: { computer: computer.name } },
          );
        }
        return { kind: 'computer', computer };
      }
    }
    throw new FerryError('FERRY_E_SMP_UNAUTHORIZED', 'The credential is not valid here; register the computer again or check the token.');
  }

  /**
   * `POST /register`: this computer's own credential, against an enrollment token or (to renew)
   * its current credential. A computer that already holds a credential, or had one revoked, is
   * re-registered only with proof that it is that computer: its current credential (still valid,
   * or expired within the renewal grace) or an enrollment token the administrator bound to its
   * name. An unbound token registers only new computers (and imported ones never registered).
   */
  async register(computerName: string, proof: RegistrationProof, options: { readonly ttlSeconds?: number } = {}): Promise<Registration> {
    const name = checkComputerName(computerName);
    if (!proof.enrollmentToken && !proof.currentCredential) {
      throw new FerryError(
        'FERRY_E_INVALID_ARGUMENT',
        'Registration needs an enrollment token (new computer) or the current credential (renewal).',
      );
    }
    const now = this.#now();
    return this.repo.transaction(async (repo) => {
      let computer = await repo.findComputerByName(name);
      if (!(computer && proof.currentCredential && this.#renewable(computer, proof.currentCredential, now))) {
        if (!proof.enrollmentToken) {
          throw new FerryError(
            'FERRY_E_SMP_UNAUTHORIZED',
            `The credential cannot renew ${name} (not its current one, revoked, or expired too long ago); register it with an enrollment token bound to it (\`ferry smp enrollment create --computer ${name}\`).`,
            {
              details: { computer: name },
            },
          );
        }
        const token = await repo.consumeEnrollmentToken(hashSecret(proof.enrollmentToken), nowIso(now));
        if (!token) {
          throw new FerryError(
            'FERRY_E_SMP_ENROLLMENT_REFUSED',
            'The enrollment token is unknown, expired or used up; ask the administrator for a new one.',
          );
        }
        if (token.computerNameKey && token.computerNameKey !== name.toLowerCase()) {
          throw new FerryError(
            'FERRY_E_SMP_ENROLLMENT_REFUSED',
            `This enrollment token is bound to another computer and cannot register ${name}.`,
            { details: { computer: name } },
          );
        }
        // Only a token bound to this name takes over an identity that was ever registered.
        if (computer && (computer.credentialHash !== null || computer.credentialRevokedAt !== null) && !token.computerNameKey) {
          throw new FerryError(
            'FERRY_E_SMP_COMPUTER_REGISTERED',
            `Computer ${computer.name} is already registered. Renew with its current credential, or ask the administrator for an enrollment token bound to it (\`ferry smp enrollment create --computer ${computer.name}\`).`,
            { details: { computer: computer.name } },
          );
        }
      }
      if (!computer) {
        computer = {
          id: randomUUID(),
          name,
          credentialHash: null,
          credentialExpiresAt: null,
          credentialRevokedAt: null,
          createdAt: nowIso(now),
          owner: null,
        };
        await repo.insertComputer(computer);
      }
      // A renewal keeps the holder; a token (plain or the administrator's bound one) hands the
      // identity to whoever registered here, so the site no longer owns it.
      const renewal = proof.currentCredential !== undefined && this.#renewable(computer, proof.currentCredential, now);
      return this.#issue(repo, computer, now, options.ttlSeconds, renewal ? undefined : null);
    });
  }

  /**
   * The all-in-one site's registration of its own agent `owner` (`site:<site computer id>`): no
   * token is minted. The identity is issued when it is new, imported and never registered, or
   * already held by `owner`; never when the SMP issued it to anyone else (a computer registered
   * on the SMP itself, or one the site deleted and someone registered again under its name).
   */
  async registerOwned(computerName: string, owner: string, options: { readonly ttlSeconds?: number } = {}): Promise<Registration> {
    const name = checkComputerName(computerName);
    const now = this.#now();
    return this.repo.transaction(async (repo) => {
      let computer = await repo.findComputerByName(name);
      if (!computer) {
        computer = {
          id: randomUUID(),
          name,
          credentialHash: null,
          credentialExpiresAt: null,
          credentialRevokedAt: null,
          createdAt: nowIso(now),
          owner,
        };
        await repo.insertComputer(computer);
      } else if (
        computer.owner !== owner &&
        (computer.owner !== null || computer.credentialHash !== null || computer.credentialRevokedAt !== null)
      ) {
        throw new FerryError(
          'FERRY_E_SMP_IDENTITY_NOT_OWNED',
          `The State Migration Point identity of ${computer.name} was issued to another holder; an administrator resets the computer to hand it on.`,
          { details: { computer: computer.name } },
        );
      }
      return this.#issue(repo, computer, now, options.ttlSeconds, owner);
    });
  }

  /** One credential per computer: the new one replaces (revokes) the previous. */
  async #issue(
    repo: SmpRepository,
    computer: SmpComputer,
    now: Date,
    ttlSeconds: number | undefined,
    owner: string | null | undefined,
  ): Promise<Registration> {
    const credential = newSecret('computer', computer.id);
    const expiresAt = nowIso(new Date(now.getTime() + Math.min(ttlSeconds ?? this.#ttl, this.#ttl) * 1000));
    await repo.setComputerCredential(computer.id, hashSecret(credential), expiresAt, owner);
    return { computerId: computer.id, credential, expiresAt };
  }

  /** The computer's own credential, not revoked, unexpired or expired within the renewal grace. */
  #renewable(computer: SmpComputer, credential: string, now: Date): boolean {
    if (computerIdOf(credential) !== computer.id || !secretMatches(credential, computer.credentialHash) || !computer.credentialExpiresAt)
      return false;
    return new Date(computer.credentialExpiresAt).getTime() + this.#renewalGrace * 1000 > now.getTime();
  }

  /**
   * Revoke a computer's credential at once (the site revoked or deleted the computer). From then
   * on only an enrollment token bound to it registers it again. False when the SMP does not know it.
   */
  async revokeComputer(p: Principal, name: string): Promise<boolean> {
    requireAdmin(p);
    const computer = await this.repo.findComputerByName(name);
    if (!computer) return false;
    await this.repo.revokeComputerCredential(computer.id, nowIso(this.#now()));
    return true;
  }

  // ── Request State Store ─────────────────────────────────────────────────────────────────

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
    const server = await this.#server();
    if (server.restoreOnly) {
      throw new FerryError(
        'FERRY_E_SMP_NO_ELIGIBLE_FOLDER',
        `State Migration Point ${server.name} is in restore-only mode and takes no new captures; the client tries another SMP.`,
        { details: { server: server.name, reason: 'restore-only' } },
      );
    }
    const dataKey = newDataKey();
    // Set once per site, at its first start: read once per process.
    this.#recoveryPublicKey ??= (await this.repo.getSetting('recovery_public_key')) as string;
    const recoveryPublicKey = this.#recoveryPublicKey;
    const now = nowIso(this.#now());
    const grant = await this.repo.transaction(async (repo) => {
      const open = (await repo.associationsBySource(computer.id)).filter((a) => a.migrationStatus !== MIGRATION_STATUS.COMPLETED);
      for (const a of open) {
        const store = a.storeId ? await repo.getStore(a.storeId) : undefined;
        if (store?.status === 'requested') return this.#grant(repo, store, 'capture', captureUsers(open), computer.name);
        if (store && store.status === 'captured') {
          throw new FerryError(
            'FERRY_E_SMP_STORE_STATE',
            `Computer ${computer.name} already has a captured store (${store.id}) waiting for restore; restore or delete it before capturing again.`,
            { details: { storeId: store.id } },
          );
        }
      }
      const folder = await this.#pickFolder(repo);
      const store: StoreRecord = {
        id: randomUUID(),
        sourceComputerId: computer.id,
        folderId: folder.id,
        serverName: this.serverName,
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
      await repo.insertKeySlot(store.id, 'site', wrapWithSiteKey(dataKey, this.#siteKey, store.id));
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
    return this.repo.transaction(async (repo) => {
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
        `No captured store is waiting for computer ${computer.name}: create a computer association with ${computer.name} as the destination (console: Assets and Compliance › User State Migration › Create Computer Association; CLI: ferry smp association), then run Request, Capture and Release State Store on the source computer before restoring here.`,
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
    const key = newKey ?? unwrapWithSiteKey((await repo.getKeySlot(store.id, 'site')) as string, this.#siteKey, store.id);
    const base = store.serverName === this.serverName ? this.serverUrl : ((await repo.getServer(store.serverName))?.url ?? this.serverUrl);
    return {
      storeId: store.id,
      kind,
      location: `${base}/stores/${store.id}`,
      key: key.toString('base64'),
      chunkSize: this.chunkSize,
      users,
      sourceComputer,
    };
  }

  async #pickFolder(repo: SmpRepository): Promise<StorageFolder> {
    const folders = await repo.listFolders(this.serverName);
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
        `No storage folder of SMP ${this.serverName} can take a capture (${folders.length} folder(s): each is at its maximum number of clients or below its minimum free space).`,
        {
          details: { server: this.serverName, folders: folders.length },
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

  // ── store access ────────────────────────────────────────────────────────────────────────

  /** The store, if `p` may write to it (its source computer, while the capture is open). */
  async #writable(p: Principal, storeId: string): Promise<{ store: StoreRecord; folder: StorageFolder; dir: string }> {
    const computer = requireComputer(p);
    const store = await this.repo.getStore(storeId);
    if (!store || store.sourceComputerId !== computer.id) throw notFound(storeId);
    if (store.status !== 'requested') {
      throw new FerryError('FERRY_E_SMP_STORE_STATE', `Store ${storeId} is ${store.status}; it no longer takes uploads.`, {
        details: { storeId, status: store.status },
      });
    }
    return this.#local(store);
  }

  /** The store, if `p` may read it (a restoring computer of one of its associations, after the capture was released). */
  async #readable(
    p: Principal,
    storeId: string,
  ): Promise<{ store: StoreRecord; folder: StorageFolder; dir: string; association: Association }> {
    const computer = requireComputer(p);
    const store = await this.repo.getStore(storeId);
    const association = store && (await this.repo.associationsByStore(storeId)).find((a) => a.restoreComputerId === computer.id);
    if (!store || !association) throw notFound(storeId);
    if (store.status !== 'captured') {
      throw new FerryError(
        'FERRY_E_SMP_STORE_STATE',
        `Store ${storeId} is ${store.status}; it can be read only after its capture was released and before its restore was released.`,
        { details: { storeId, status: store.status } },
      );
    }
    return { ...(await this.#local(store)), association };
  }

  async #local(store: StoreRecord): Promise<{ store: StoreRecord; folder: StorageFolder; dir: string }> {
    const folder = await this.repo.getFolder(store.folderId);
    if (store.serverName !== this.serverName || !folder) {
      const server = await this.repo.getServer(store.serverName);
      throw new FerryError(
        'FERRY_E_SMP_STORE_NOT_FOUND',
        `Store ${store.id} is held by SMP ${store.serverName}${server ? ` at ${server.url}` : ''}, not by this one; use the location of the grant.`,
        { details: { storeId: store.id, server: store.serverName } },
      );
    }
    return { store, folder, dir: storeDirectory(folder, store.id) };
  }

  /** Declare (or re-declare, to resume) the files of a store being captured. */
  async putManifest(p: Principal, storeId: string, entries: readonly ManifestEntry[]): Promise<UploadState> {
    const { folder, dir, store } = await this.#writable(p, storeId);
    const { files, total } = await checkManifest(entries);
    this.#checkStoreFiles?.(files.map((f) => f.path));
    if (total > this.maxStoreBytes) {
      throw new FerryError(
        'FERRY_E_SMP_TOO_LARGE',
        `The store would hold ${total} bytes, more than the ${this.maxStoreBytes} this SMP allows per store.`,
        { details: { total, limit: this.maxStoreBytes } },
      );
    }
    const digest = manifestDigest(files);
    if (store.manifestDigest !== digest) {
      const room = usableBytes(folder) + store.totalSize;
      if (total > room) {
        throw new FerryError(
          'FERRY_E_SMP_FOLDER_FULL',
          `The store needs ${total} bytes but storage folder ${folder.path} has ${Math.max(0, room)} above its minimum free space.`,
          { details: { total, room: Math.max(0, room) } },
        );
      }
      // Database first: a crash after it leaves stale files, never a stale "verified".
      await this.repo.transaction(async (repo) => {
        await repo.replaceStoreFiles(storeId, files);
        await repo.updateStore(storeId, { manifestDigest: digest, totalSize: total });
      });
      await removeStoreDirectory(dir);
    }
    const declared = await this.repo.getStoreFiles(storeId);
    await prepareStoreFiles(dir, declared);
    // Files whose chunks all arrived but whose check a crash interrupted are finished now.
    const chunks = await this.repo.getChunks(storeId);
    for (const f of declared) {
      if (!f.verified && (chunks.get(f.index)?.length ?? 0) >= chunkCount(f.size, this.chunkSize)) {
        await this.#finishOnce(storeId, dir, f).catch(() => {});
      }
    }
    return this.uploadState(p, storeId);
  }

  async uploadState(p: Principal, storeId: string): Promise<UploadState> {
    const computer = requireComputer(p);
    const store = await this.repo.getStore(storeId);
    const isRestorer = store && (await this.repo.associationsByStore(storeId)).some((a) => a.restoreComputerId === computer.id);
    if (!store || (store.sourceComputerId !== computer.id && !isRestorer)) throw notFound(storeId);
    const [files, chunks] = [await this.repo.getStoreFiles(storeId), await this.repo.getChunks(storeId)];
    return {
      storeId,
      status: store.status,
      chunkSize: this.chunkSize,
      manifestDigest: store.manifestDigest,
      files: files.map((f) => ({
        ...f,
        chunksReceived: f.verified ? range(chunkCount(f.size, this.chunkSize)) : (chunks.get(f.index) ?? []),
      })),
    };
  }

  /** Receive chunk `chunk` of file `index`; when it completes the file, verify and place it. */
  async putChunk(
    p: Principal,
    storeId: string,
    index: number,
    chunk: number,
    sha256: string,
    body: Readable,
  ): Promise<{ fileComplete: boolean }> {
    const { dir } = await this.#writable(p, storeId);
    const file = Number.isInteger(index) ? await this.repo.getStoreFile(storeId, index) : undefined;
    if (!file)
      throw new FerryError('FERRY_E_INVALID_ARGUMENT', `Store ${storeId} has no file number ${index}; declare the manifest first.`, {
        details: { index },
      });
    const count = chunkCount(file.size, this.chunkSize);
    if (!Number.isInteger(chunk) || chunk < 0 || chunk >= count)
      throw new FerryError('FERRY_E_INVALID_ARGUMENT', `File ${file.path} has chunks 0–${count - 1}, not ${chunk}.`);
    if (file.verified) {
      body.resume();
      return { fileComplete: true };
    }
    await writeChunk(
      join(dir, file.path + PART_SUFFIX),
      chunk * this.chunkSize,
      chunkLength(file.size, this.chunkSize, chunk),
      sha256,
      body,
    );
    await this.repo.addChunk(storeId, index, chunk);
    if ((await this.repo.countChunks(storeId, index)) < count) return { fileComplete: false };
    // A file sent as one chunk was just hashed whole: no need to read it again.
    await this.#finishOnce(storeId, dir, file, count === 1 ? sha256.toLowerCase() : undefined);
    return { fileComplete: true };
  }

  /** Parallel last chunks of one file, and a resuming manifest, all get here: one verifies, the others wait for it. */
  #finishOnce(storeId: string, dir: string, file: StoreFile, knownSha256?: string): Promise<void> {
    const key = `${storeId}/${file.index}`;
    let finishing = this.#finishing.get(key);
    if (!finishing) {
      finishing = this.#finishFile(storeId, dir, file, knownSha256).finally(() => this.#finishing.delete(key));
      this.#finishing.set(key, finishing);
    }
    return finishing;
  }

  async #finishFile(storeId: string, dir: string, file: StoreFile, knownSha256?: string): Promise<void> {
    if ((await this.repo.getStoreFile(storeId, file.index))?.verified) return;
    let ok: boolean;
    try {
      ok = await finishFile(dir, file, knownSha256);
    } catch (err) {
      throw mapDiskError(err, `verifying ${file.path}`);
    }
    if (!ok) {
      await this.repo.clearChunks(storeId, file.index);
      throw new FerryError(
        'FERRY_E_SMP_CHUNK_MISMATCH',
        `File ${file.path} does not match its manifest SHA-256 after all chunks arrived; upload it again.`,
        { details: { path: file.path } },
      );
    }
    await this.repo.setFileVerified(storeId, file.index, true);
  }

  /** The files of a store for its restoring computer, with the digest to report at release. */
  async readManifest(p: Principal, storeId: string): Promise<{ storeId: string; manifestDigest: string; files: ManifestEntry[] }> {
    const { store } = await this.#readable(p, storeId);
    const files = await this.repo.getStoreFiles(storeId);
    return {
      storeId,
      manifestDigest: store.manifestDigest as string,
      files: files.map((f) => ({ path: f.path, size: f.size, sha256: f.sha256 })),
    };
  }

  /** Open a store file for reading, from byte `start` to `end` inclusive. */
  async openFile(
    p: Principal,
    storeId: string,
    index: number,
    start?: number,
    end?: number,
  ): Promise<{ stream: Readable; size: number; path: string; sha256: string }> {
    const { dir } = await this.#readable(p, storeId);
    const file = Number.isInteger(index) ? await this.repo.getStoreFile(storeId, index) : undefined;
    if (!file) throw new FerryError('FERRY_E_INVALID_ARGUMENT', `Store ${storeId} has no file number ${index}.`);
    const full = join(dir, file.path);
    const size = (await stat(full).catch(() => undefined))?.size;
    // Gone or cut short outside Ferry: no retry will bring it back, so say which store is damaged.
    if (size !== file.size) {
      throw new FerryError(
        'FERRY_E_SMP_STORE_DAMAGED',
        `Store ${storeId} is damaged on SMP ${this.serverName}: its file ${file.path} is ${size === undefined ? 'missing' : `${size} bytes instead of ${file.size}`}.`,
        {
          details: { storeId, path: file.path, server: this.serverName },
        },
      );
    }
    return { stream: createReadStream(full, { start, end }), size, path: file.path, sha256: file.sha256 };
  }

  // ── Release State Store ─────────────────────────────────────────────────────────────────

  /**
   * The store's own check costs a key derivation and a full read: parallel releases of one store
   * share one run, and at most `verifyConcurrency` run at once (the rest queue), so a few
   * expensive stores cannot take the whole thread pool from every other request.
   */
  #verifyOnce(storeId: string, dir: string): Promise<void> {
    let running = this.#verifying.get(storeId);
    if (!running) {
      const verify = this.#verifyStore as NonNullable<SmpServiceOptions['verifyStore']>;
      running = this.#verifySlots
        .run(async () => {
          const slot = (await this.repo.getKeySlot(storeId, 'site')) as string;
          await verify(dir, unwrapWithSiteKey(slot, this.#siteKey, storeId));
        })
        .finally(() => this.#verifying.delete(storeId));
      this.#verifying.set(storeId, running);
    }
    return running;
  }

  /** After capture: every file verified (and the store's own check passed) → available for restore. */
  async releaseCapture(p: Principal, storeId: string): Promise<StoreRecord> {
    const { store, dir } = await this.#writable(p, storeId);
    const files = await this.repo.getStoreFiles(storeId);
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
    const now = nowIso(this.#now());
    await this.repo.transaction(async (repo) => {
      const current = await repo.getStore(storeId);
      if (current?.status !== 'requested') throw new FerryError('FERRY_E_SMP_STORE_STATE', `Store ${storeId} was already released.`);
      await repo.updateStore(storeId, { status: 'captured', capturedAt: now });
      for (const a of await repo.associationsByStore(storeId))
        await repo.updateAssociation(a.id, { migrationStatus: MIGRATION_STATUS.INPROGRESS, storeCreationDate: now });
    });
    return (await this.repo.getStore(storeId)) as StoreRecord;
  }

  /**
   * After restore: only when the client reports a verified restore of exactly this store (its
   * manifest digest). Completes the computer's association; when every association of the
   * store is complete, the deletion policy starts.
   */
  async releaseRestore(p: Principal, storeId: string, report: { verified: boolean; manifestDigest: string }): Promise<StoreRecord> {
    const { store, association } = await this.#readable(p, storeId);
    if (!report.verified || report.manifestDigest !== store.manifestDigest) {
      throw new FerryError(
        'FERRY_E_SMP_STORE_STATE',
        `The restore of store ${storeId} is not reported as verified against its manifest; release only after a successful Restore User State.`,
        { details: { storeId } },
      );
    }
    const now = this.#now();
    await this.repo.transaction(async (repo) => {
      await repo.updateAssociation(association.id, { migrationStatus: MIGRATION_STATUS.COMPLETED, storeReleaseDate: nowIso(now) });
      const all = await repo.associationsByStore(storeId);
      if (all.every((a) => a.id === association.id || a.migrationStatus === MIGRATION_STATUS.COMPLETED)) {
        const server = await repo.getServer(store.serverName);
        const deleteAfter = new Date(now.getTime() + (server?.deleteAfterSeconds ?? 0) * 1000);
        await repo.updateStore(storeId, { status: 'released', releasedAt: nowIso(now), deleteAfter: nowIso(deleteAfter) });
      }
    });
    const after = (await this.repo.getStore(storeId)) as StoreRecord;
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
    for (const a of [...(await this.repo.associationsBySource(computer.id)), ...(await this.repo.associationsByRestore(computer.id))])
      if (a.storeId) ids.add(a.storeId);
    const out: StoreRecord[] = [];
    for (const id of ids) {
      const s = await this.repo.getStore(id);
      if (s && s.status !== 'deleted' && (s.sourceComputerId === computer.id || s.status === 'captured')) out.push(s);
    }
    return out;
  }

  // ── deletion policy ─────────────────────────────────────────────────────────────────────

  /** Delete this server's stores whose retention ran out (and finish half-done deletions). */
  async deleteDueStores(): Promise<string[]> {
    const now = nowIso(this.#now());
    const done: string[] = [];
    for (const store of await this.repo.storesToDelete(this.serverName, now)) {
      await this.repo.updateStore(store.id, { status: 'deleting' });
      const folder = await this.repo.getFolder(store.folderId);
      if (folder) await removeStoreDirectory(storeDirectory(folder, store.id));
      await this.repo.transaction(async (repo) => {
        await repo.updateStore(store.id, { status: 'deleted', deletedAt: now });
        for (const a of await repo.associationsByStore(store.id)) await repo.updateAssociation(a.id, { storeDeletionDate: now });
      });
      done.push(store.id);
    }
    return done;
  }

  // ── administration ──────────────────────────────────────────────────────────────────────

  async addFolder(
    p: Principal,
    input: { path: string; maxClients: number; minFreeSpace: number; spaceUnit: SpaceUnit; serverName?: string },
  ): Promise<StorageFolder> {
    requireAdmin(p);
    if (!isAbsolute(input.path))
      throw new FerryError('FERRY_E_INVALID_ARGUMENT', `Storage folder ${input.path} must be an absolute path on the SMP server.`);
    checkFolderLimits(input);
    const serverName = input.serverName ?? this.serverName;
    const path = resolve(input.path);
    // The database refuses a second (server, path) row; say so instead of failing the insert.
    if ((await this.repo.listFolders()).some((f) => f.serverName === serverName && f.path === path)) {
      throw new FerryError(
        'FERRY_E_SMP_FOLDER_EXISTS',
        `Storage folder ${path} is already configured on ${serverName}; change its limits instead of adding it again.`,
        { details: { path, serverName } },
      );
    }
    if (serverName === this.serverName) {
      try {
        await mkdir(path, { recursive: true, mode: PRIVATE_DIR });
        freeSpace(path);
      } catch (err) {
        // A path that names a file, or that the server may not create, is the administrator's input to fix.
        const errno = (err as NodeJS.ErrnoException).code ?? '';
        if (['EEXIST', 'ENOTDIR', 'EACCES', 'EPERM', 'EROFS', 'ENAMETOOLONG', 'EINVAL', 'ELOOP'].includes(errno)) {
          throw new FerryError(
            'FERRY_E_INVALID_ARGUMENT',
            `Storage folder ${path} cannot be used: ${errno === 'EEXIST' || errno === 'ENOTDIR' ? 'it (or a folder on its path) is a file' : `the server cannot create it (${errno})`}. Give a folder path the SMP service may write.`,
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
    await this.repo.insertFolder(folder);
    return folder;
  }

  async listFolders(p: Principal): Promise<(StorageFolder & { clients: number; freeBytes?: number; minimumFreeBytes?: number })[]> {
    requireAdmin(p);
    const counts = await this.repo.countActiveStoresByFolder();
    return (await this.repo.listFolders()).map((f) => {
      const base = { ...f, clients: counts.get(f.id) ?? 0 };
      if (f.serverName !== this.serverName) return base;
      try {
        const fs = freeSpace(f.path);
        return { ...base, freeBytes: fs.freeBytes, minimumFreeBytes: minimumFreeBytes(f, fs.totalBytes) };
      } catch {
        return base;
      }
    });
  }

  async updateFolder(
    p: Principal,
    id: string,
    patch: { maxClients?: number; minFreeSpace?: number; spaceUnit?: SpaceUnit },
  ): Promise<StorageFolder> {
    requireAdmin(p);
    const folder = await this.repo.getFolder(id);
    if (!folder) throw new FerryError('FERRY_E_INVALID_ARGUMENT', `No storage folder ${id}.`);
    const next = { ...folder, ...patch };
    checkFolderLimits(next);
    await this.repo.updateFolder(id, patch);
    return next;
  }

  async removeFolder(p: Principal, id: string): Promise<void> {
    requireAdmin(p);
    if ((await this.repo.countActiveStoresByFolder()).get(id))
      throw new FerryError('FERRY_E_SMP_STORE_STATE', `Storage folder ${id} still holds stores; wait until they are deleted.`);
    await this.repo.deleteFolder(id);
  }

  async getSettings(p: Principal): Promise<SmpServerRecord> {
    requireAdmin(p);
    return this.#server();
  }

  async updateSettings(p: Principal, patch: { restoreOnly?: boolean; deleteAfterSeconds?: number }): Promise<SmpServerRecord> {
    requireAdmin(p);
    const current = await this.#server();
    const next = { ...current, ...patch };
    if (!Number.isInteger(next.deleteAfterSeconds) || next.deleteAfterSeconds < 0)
      throw new FerryError(
        'FERRY_E_INVALID_ARGUMENT',
        'The deletion delay must be zero (delete immediately) or a positive number of seconds.',
      );
    await this.repo.upsertServer(next);
    return next;
  }

  /**
   * An enrollment token. Bound to `computer`, it is the administrator's "reset computer": it may
   * re-register that computer (replacing its credential) and no other, once.
   */
  async createEnrollmentToken(
    p: Principal,
    input: { expiresInSeconds: number; uses: number; computer?: string },
  ): Promise<{ token: string; expiresAt: string; uses: number; computer?: string }> {
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
    const expiresAt = nowIso(new Date(this.#now().getTime() + input.expiresInSeconds * 1000));
    await this.repo.insertEnrollmentToken({
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
    const existing = await this.repo.findComputerByName(name);
    if (existing) return existing;
    const computer: SmpComputer = {
      id: randomUUID(),
      name,
      credentialHash: null,
      credentialExpiresAt: null,
      credentialRevokedAt: null,
      createdAt: nowIso(this.#now()),
      owner: null,
    };
    await this.repo.insertComputer(computer);
    return computer;
  }

  async listComputers(
    p: Principal,
  ): Promise<{ id: string; name: string; registered: boolean; credentialExpiresAt: string | null; credentialRevokedAt: string | null }[]> {
    requireAdmin(p);
    return (await this.repo.listComputers()).map((c) => ({
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
      await this.repo.setSetting('naa_hash', null);
      return {};
    }
    const credential = newSecret('naa');
    await this.repo.setSetting('naa_hash', hashSecret(credential));
    return { credential };
  }

  async createAssociation(
    p: Principal,
    input: { source: string; destination: string; migrationBehavior?: MigrationBehavior; userNames?: readonly string[] },
  ): Promise<Association> {
    requireAdmin(p);
    const behavior = input.migrationBehavior ?? MIGRATION_BEHAVIOR.CAPTUREANDRESTORESPECIFIED;
    const userNames = [...new Set(input.userNames ?? [])];
    if (behavior !== MIGRATION_BEHAVIOR.CAPTUREANDRESTOREALL && userNames.length === 0) {
      throw new FerryError(
        'FERRY_E_INVALID_ARGUMENT',
        'This migration behaviour restores specified accounts: name at least one user account (DOMAIN\\user).',
      );
    }
    return this.repo.transaction(async (repo) => {
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
        createdAt: nowIso(this.#now()),
        storeCreationDate: inProgress?.storeCreationDate ?? null,
        storeReleaseDate: null,
        storeDeletionDate: null,
      };
      await repo.insertAssociation(a);
      return a;
    });
  }

  async listAssociations(p: Principal): Promise<(Association & { sourceName: string; restoreName: string; storePath: string | null })[]> {
    requireAdmin(p);
    const names = new Map((await this.repo.listComputers()).map((c) => [c.id, c.name]));
    const servers = new Map((await this.repo.listServers()).map((s) => [s.name, s.url]));
    const out = [];
    for (const a of await this.repo.listAssociations()) {
      const store = a.storeId ? await this.repo.getStore(a.storeId) : undefined;
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
    if (!(await this.repo.getAssociation(id))) throw new FerryError('FERRY_E_INVALID_ARGUMENT', `No association ${id}.`);
    await this.repo.deleteAssociation(id);
  }

  async listStores(p: Principal): Promise<StoreRecord[]> {
    requireAdmin(p);
    return this.repo.listStores();
  }

  /** View Recovery Information: the data key (GetEncryptDecryptKey) and the recovery slot. */
  async recoveryInformation(p: Principal, storeId: string): Promise<{ storeId: string; key: string; recoverySlot: string }> {
    requireAdmin(p);
    const [site, recoverySlot] = [await this.repo.getKeySlot(storeId, 'site'), await this.repo.getKeySlot(storeId, 'recovery')];
    if (!site || !recoverySlot) throw new FerryError('FERRY_E_SMP_STORE_NOT_FOUND', `No store ${storeId}.`, { details: { storeId } });
    return { storeId, key: unwrapWithSiteKey(site, this.#siteKey, storeId).toString('base64'), recoverySlot };
  }

  async #server(): Promise<SmpServerRecord> {
    return (
      (await this.repo.getServer(this.serverName)) ?? {
        name: this.serverName,
        url: this.serverUrl,
        restoreOnly: false,
        deleteAfterSeconds: 0,
      }
    );
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

/** A unique constraint refused the row (SQLite or PostgreSQL). */
function isUniqueViolation(err: unknown): boolean {
  const e = err as { code?: string; message?: string };
  return e?.code === 'SQLITE_CONSTRAINT_UNIQUE' || e?.code === '23505' || /UNIQUE constraint failed/.test(e?.message ?? '');
}

function checkComputerName(computerName: string): string {
  const name = computerName.trim();
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/.test(name)) {
    throw new FerryError(
      'FERRY_E_INVALID_ARGUMENT',
      `Computer name ${JSON.stringify(computerName)} is not valid: use 1–63 letters, digits, ".", "_" or "-".`,
    );
  }
  return name;
}

function requireComputer(p: Principal): SmpComputer {
  if (p.kind === 'admin')
    throw new FerryError(
      'FERRY_E_SMP_FORBIDDEN',
      'The admin token administers the SMP; store requests and transfers use a computer credential.',
    );
  return p.computer;
}

function requireAdmin(p: Principal): void {
  if (p.kind !== 'admin') throw new FerryError('FERRY_E_SMP_FORBIDDEN', 'This route needs the admin token.');
}

function unknownComputer(name: string): FerryError {
  return new FerryError('FERRY_E_SMP_UNKNOWN_COMPUTER', `Computer ${name} is not known to the SMP; register or import it first.`, {
    details: { computer: name },
  });
}

function checkFolderLimits(f: { maxClients: number; minFreeSpace: number; spaceUnit: SpaceUnit }): void {
  if (!Number.isInteger(f.maxClients) || f.maxClients < 1 || f.maxClients > 99999)
    throw new FerryError('FERRY_E_INVALID_ARGUMENT', 'Maximum number of clients must be 1–99999.');
  const max = f.spaceUnit === 'Percent' ? 100 : 99999;
  if (!Number.isInteger(f.minFreeSpace) || f.minFreeSpace < 1 || f.minFreeSpace > max)
    throw new FerryError('FERRY_E_INVALID_ARGUMENT', `Minimum free space must be 1–${max} ${f.spaceUnit}.`);
}

/** Capture all users unless an association says "capture and restore specified". */
function captureUsers(associations: readonly Association[]): UserSelection {
  const specified = associations.filter((a) => a.migrationBehavior === MIGRATION_BEHAVIOR.CAPTUREANDRESTORESPECIFIED);
  return specified.length ? [...new Set(specified.flatMap((a) => a.userNames))] : 'all';
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}
