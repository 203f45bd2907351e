// `ferry smp serve`: a standalone State Migration Point (fastify) with its data directory,
// database, API docs and the deletion job. The all-in-one server builds the same pieces with
// `openSmp` and mounts `registerSmpRoutes` next to the site's routes.
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { pino } from 'pino';
import type { AddressInfo } from 'node:net';
import { hostname } from 'node:os';
import { setFlagsFromString } from 'node:v8';
import { openDatabase, type FerryDatabase } from '../../db/index.ts';
import { migrate, type MigrationSet } from '../../db/index.ts';
import { KyselySmpRepository } from '../../db/index.ts';
import { smpMigrations, type SmpTables } from '../../db/index.ts';
import { defaultDatabasePath, loadDataDir } from '../../smp/index.ts';
import { startDeletionJob, type DeletionJob } from '../../smp/index.ts';
import { SmpService } from '../../smp/index.ts';
import { checkSmpStoreManifest, verifyUploadedStore } from '../../smp/index.ts';
import { registerOpenApi, serveApiDocs } from '../api-docs.ts';
import { SHARED_SCHEMA_COMPILERS } from '../schema-compilers.ts';
import { registerSmpRoutes } from './routes.ts';
import { FERRY_VERSION } from '../../version.ts';

export interface OpenSmpOptions {
  readonly dataDir: string;
  /** `postgres://…` or a SQLite path; default `<dataDir>/smp.sqlite`. */
  readonly db?: string;
  /** An already open database to use instead of `db` (the all-in-one server's); it is migrated, not closed. */
  readonly database?: FerryDatabase<unknown>;
  /** This SMP's name in the site (default `<hostname>:<port>`). */
  readonly name?: string;
  /** Base URL clients use to reach the SMP routes (store locations are built from it). */
  readonly publicUrl: string;
  /** Site key file shared by the SMPs of a site (default `<dataDir>/site.key`, created on first start). */
  readonly siteKeyFile?: string;
  readonly chunkSize?: number;
  readonly maxStoreBytes?: number;
  readonly credentialTtlSeconds?: number;
  /** How long after expiry a credential may still renew itself (default 7 days). */
  readonly credentialRenewalGraceSeconds?: number;
  /** Check a store's own authentication before releasing its capture (default: src/store's verify); `false` accepts any files. */
  readonly verifyStore?: ((dir: string, dataKey: Buffer) => Promise<void>) | false | undefined;
  /** Extra migration sets to apply to the same database (the all-in-one server's own). */
  readonly extraMigrations?: readonly MigrationSet[];
  /** The clock of credential expiry and retention (tests move it instead of sleeping). */
  readonly now?: () => Date;
}

export interface OpenedSmp {
  readonly service: SmpService;
  readonly database: FerryDatabase<SmpTables>;
  /** Secrets created by this start, to print once. */
  readonly firstStart: { readonly adminToken?: string; readonly recoveryKey?: string };
}

/** The database opened and migrated, the service built; it knows its name and URL only at `init`. */
async function prepareSmp(
  o: Omit<OpenSmpOptions, 'publicUrl' | 'name'>,
): Promise<{ service: SmpService; database: FerryDatabase<SmpTables>; adminToken?: string }> {
  const secrets = loadDataDir(o.dataDir, o.siteKeyFile);
  const shared = o.database as FerryDatabase<SmpTables> | undefined;
  if (shared) await migrate(shared.db, [smpMigrations, ...(o.extraMigrations ?? [])]);
  const database: FerryDatabase<SmpTables> = shared
    ? { ...shared, close: async () => {} }
    : await openDatabase<SmpTables>(o.db ?? defaultDatabasePath(o.dataDir), { migrations: [smpMigrations, ...(o.extraMigrations ?? [])] });
  const service = new SmpService({
    repo: new KyselySmpRepository(database.db),
    siteKey: secrets.siteKey,
    adminTokenHash: secrets.adminTokenHash,
    ...(o.chunkSize ? { chunkSize: o.chunkSize } : {}),
    ...(o.maxStoreBytes ? { maxStoreBytes: o.maxStoreBytes } : {}),
    ...(o.credentialTtlSeconds ? { credentialTtlSeconds: o.credentialTtlSeconds } : {}),
    ...(o.credentialRenewalGraceSeconds !== undefined ? { credentialRenewalGraceSeconds: o.credentialRenewalGraceSeconds } : {}),
    ...(o.now ? { now: o.now } : {}),
    // Verifying stores is also the policy that an SMP holds only encrypted Ferry stores.
    ...(o.verifyStore === false ? {} : { verifyStore: o.verifyStore ?? verifyUploadedStore, checkStoreFiles: checkSmpStoreManifest }),
  });
  return { service, database, ...(secrets.adminToken ? { adminToken: secrets.adminToken } : {}) };
}

/** Register the server under its name and URL. */
async function initSmp(
  prepared: Awaited<ReturnType<typeof prepareSmp>>,
  identity: { serverName: string; serverUrl: string },
): Promise<OpenedSmp> {
  const init = await prepared.service.init(identity);
  return {
    service: prepared.service,
    database: prepared.database,
    firstStart: {
      ...(prepared.adminToken ? { adminToken: prepared.adminToken } : {}),
      ...(init.recoveryKey ? { recoveryKey: init.recoveryKey } : {}),
    },
  };
}

/**
 * Open an SMP whose public URL is known in advance (the all-in-one server's): data directory,
 * database (migrated), service, initialised. Routes are mounted separately with `registerSmpRoutes`.
 */
export async function openSmp(o: OpenSmpOptions): Promise<OpenedSmp> {
  const prepared = await prepareSmp(o);
  try {
    return await initSmp(prepared, { serverName: o.name ?? hostname(), serverUrl: o.publicUrl });
  } catch (err) {
    await prepared.database.close();
    throw err;
  }
}

export interface CreateSmpServerOptions extends Omit<OpenSmpOptions, 'publicUrl' | 'name'> {
  readonly host?: string;
  /** Serve HTTPS with this PEM key and certificate (chain). */
  readonly tls?: { readonly key: string | Buffer; readonly cert: string | Buffer };
  /** Default 0: the system picks a free port (see `SmpServer.url`). */
  readonly port?: number;
  readonly name?: string;
  readonly publicUrl?: string;
  /** fastify/pino logger options; `false` for none. Default: JSON access log on stdout, written asynchronously. */
  readonly logger?: FastifyServerOptions['logger'];
  readonly rateLimitPerMinute?: number;
  /** How often the deletion job looks for stores whose retention ran out. */
  readonly deletionIntervalMs?: number;
}

export interface SmpServer {
  readonly app: FastifyInstance;
  readonly url: string;
  readonly service: SmpService;
  readonly firstStart: OpenedSmp['firstStart'];
  readonly deletion: DeletionJob;
  close(): Promise<void>;
}

/** The SMP's public API docs: `/openapi.json` and the swagger-ui page `/docs`. */
export async function addApiDocs(app: FastifyInstance, title: string): Promise<void> {
  await registerOpenApi(app, { title, version: FERRY_VERSION, securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } });
  await serveApiDocs(app);
}

/**
 * Let V8 start a full (incremental) marking only when the old generation nears its limit. By
 * default it starts one as soon as the room left is below the young generation's size: with the
 * SMP's ~32 MB of live heap and a transfer's stream of short-lived socket buffers that was a
 * mark-compact every 0.2–0.3 s, a third of the server's CPU on upload (32 against 9 per 512 MiB).
 * The flag is only a threshold, read at every check; the heap's limits stay V8's own.
 */
function startMarkingLate(): void {
  setFlagsFromString('--incremental-marking-soft-trigger=90');
}

/**
 * Start a State Migration Point listening on `host:port` (127.0.0.1 and a free port by default).
 * It listens first, on port 0 unless one is given, and only then learns its URL and name (which
 * default to the bound port); requests that arrive meanwhile wait for it.
 *
 * @example
 * const smp = await createSmpServer({ dataDir: '/var/lib/ferry-smp' });
 * console.log(smp.url, smp.firstStart.adminToken);
 * await smp.close();
 */
export async function createSmpServer(o: CreateSmpServerOptions): Promise<SmpServer> {
  startMarkingLate();
  const host = o.host ?? '127.0.0.1';
  const prepared = await prepareSmp(o);
  const app = Fastify({
    // The access log is written asynchronously: lines that arrive while a write is under way go
    // out together in the next one, and pino flushes what is left when the process exits.
    logger: o.logger ?? { level: 'info', stream: pino.destination({ dest: 1, sync: false }) },
    // The chunk route streams its body itself; this bounds every other body.
    bodyLimit: 1024 * 1024,
    schemaController: SHARED_SCHEMA_COMPILERS,
    ...(o.tls ? { https: { key: o.tls.key, cert: o.tls.cert } } : {}),
  }) as unknown as FastifyInstance;
  let started!: () => void;
  let failed!: (err: unknown) => void;
  const ready = new Promise<void>((resolve, reject) => {
    started = resolve;
    failed = reject;
  });
  ready.catch(() => {});
  app.addHook('onRequest', async () => ready);
  let opened: OpenedSmp;
  try {
    await addApiDocs(app, 'Ferry State Migration Point');
    await registerSmpRoutes(app, {
      service: prepared.service,
      ...(o.rateLimitPerMinute ? { rateLimitPerMinute: o.rateLimitPerMinute } : {}),
    });
    await app.listen({ host, port: o.port ?? 0 });
    const port = (app.server.address() as AddressInfo).port;
    const url = (o.publicUrl ?? `${o.tls ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${port}`).replace(/\/+$/, '');
    opened = await initSmp(prepared, { serverName: o.name ?? `${hostname()}:${port}`, serverUrl: url });
  } catch (err) {
    failed(err);
    await app.close();
    await prepared.database.close();
    throw err;
  }
  started();
  const deletion = startDeletionJob(
    opened.service,
    o.deletionIntervalMs ?? 60_000,
    (err) => app.log.error({ err }, 'deletion job failed'),
    (ids) => app.log.info({ stores: ids }, 'deleted released stores'),
  );
  opened.service.onStoreReleased((store) => {
    if (store.deleteAfter && store.deleteAfter <= (o.now?.() ?? new Date()).toISOString()) void deletion.runOnce();
  });
  return {
    app,
    url: opened.service.serverUrl,
    service: opened.service,
    firstStart: opened.firstStart,
    deletion,
    async close() {
      await deletion.stop();
      await app.close();
      await opened.database.close();
    },
  };
}
