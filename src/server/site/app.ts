// The site server: one fastify app with the REST API (+ /openapi.json and the /docs page), the agent API, live
// status events and the built console. Every console request needs a session (from the one-time
// sign-in token); state-changing console requests need the CSRF header; agents use their own
// bearer credential. Errors are coded JSON: `{ code, message, details }`.
import { EventEmitter } from 'node:events';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import type { Server as HttpServer, IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import fastifyCookie from '@fastify/cookie';
import fastifyStatic from '@fastify/static';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { FerryError, isFerryError } from '../../errors/index.ts';
import { registerOpenApi, serveApiDocs } from '../api-docs.ts';
import { FailedAuthLimiter } from '../auth-failures.ts';
import { databaseError, isPostgresUrl, openDatabase, type FerryDatabase } from '../../db/index.ts';
import { siteMigrations, type SiteTables } from '../../db/index.ts';
import { loadSiteKey, OsImages, SecretBox } from '../../site/index.ts';
import { redeemMintedToken } from './sign-in-links.ts';
import { randomSecret } from '../../secrets/index.ts';
import { ConsoleAuth, cookieOptions, CSRF_COOKIE, CSRF_HEADER, SESSION_COOKIE } from './auth.ts';
import { SiteRepository } from '../../db/index.ts';
import { registerAdminRoutes } from './routes-admin.ts';
import { registerAgentRoutes } from './routes-agent.ts';
import { registerCatalogRoutes } from './routes-catalog.ts';
import { registerReportRoutes, type Progress } from './routes-reports.ts';
import { openSmpBridge, type SmpBridge } from './smp-bridge.ts';
import { SHARED_SCHEMA_COMPILERS } from '../schema-compilers.ts';

export interface SiteOptions {
  dataDir: string;
  /** Database: a `postgres://` URL or a SQLite file; default `<dataDir>/site.db`. */
  db?: string;
  /** Built console folder (index.html + assets); the console is not served when absent. */
  consoleDir?: string;
  logger?: boolean;
  /** Serve HTTPS with this PEM key and certificate (chain); the console cookies are then `Secure`. */
  tls?: { key: string | Buffer; cert: string | Buffer };
  /**
   * An HTTP server already listening (`ferry serve` listens first, so that it knows its URL even
   * on port 0): the site answers its requests instead of listening itself. The caller closes it
   * after `close()`.
   */
  server?: HttpServer;
  /** Run the State Migration Point in this process; `publicUrl` is where agents reach the server. */
  smp?: { publicUrl: string };
}

export interface Site {
  app: FastifyInstance;
  repo: SiteRepository;
  database: FerryDatabase<SiteTables>;
  auth: ConsoleAuth;
  /** The enrollment token local agents register with (`<dataDir>/enroll-token`). */
  enrollToken: string;
  /** Emits `change` with `{ kind, id }` whenever status or objects change (SSE feed). */
  events: EventEmitter;
  smp?: SmpBridge;
  close(): Promise<void>;
}

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

function readOrCreateSecret(file: string): string {
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const s = randomSecret();
  writeFileSync(file, `${s}\n`, { mode: 0o600 });
  return s;
}

const SIGNED_OUT_PAGE =
  `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Ferry — sign in</title>
<style>body{font:16px system-ui,sans-serif;max-width:40rem;margin:4rem auto;padding:0 ` +
  `1rem;color:#1b1f24}code{background:#eef1f4;padding:.1rem .3rem}</style></head>
<body><h1>Ferry console</h1><p>You are not signed in. Open the sign-in URL that <code>ferry serve</code> printed in its terminal
(it carries a one-time token). For a new link, without restarting the server, run
<code>ferry console-link --data DIR</code> on the server with its data directory (default ` +
  `<code>.ferry-data</code>).</p></body></html>`;

/** What the site's routes share: its objects, the sign-in state and the event feed. */
interface SiteState {
  options: SiteOptions;
  database: FerryDatabase<SiteTables>;
  repo: SiteRepository;
  osImages: OsImages;
  auth: ConsoleAuth;
  /** Failed sign-ins, sessions, agent credentials and enrollments: 30 a minute per address, then 429. */
  failures: FailedAuthLimiter;
  /** Requests whose sign-in token was wrong (counted once, not again for the missing session). */
  failedSignIn: WeakSet<FastifyRequest>;
  enrollToken: string;
  events: EventEmitter;
  progress: Map<string, Map<string, Progress>>;
  smp: SmpBridge | undefined;
}

/** Open the database (migrated), seal old clear secrets, create the defaults, open the SMP. */
async function openSiteState(options: SiteOptions): Promise<SiteState> {
  // The site's keys, tokens and database are the server's alone.
  mkdirSync(options.dataDir, { recursive: true, mode: 0o700 });
  chmodSync(options.dataDir, 0o700);
  const database = await openDatabase<SiteTables>(options.db ?? join(options.dataDir, 'site.db'), { migrations: [siteMigrations] });
  const repo = new SiteRepository(database.db, new SecretBox(loadSiteKey(options.dataDir)));
  await repo.sealStoredSecrets();
  const osImages = new OsImages(repo, options.dataDir);
  await repo.ensureDefaultPackage();
  await repo.ensureAllSystems();
  const events = new EventEmitter();
  events.setMaxListeners(0);
  const smp = options.smp
    ? await openSmpBridge({
        dataDir: options.dataDir,
        publicUrl: options.smp.publicUrl,
        siteDb: database.db,
        ...(options.db && isPostgresUrl(options.db) ? { db: options.db } : {}),
      })
    : undefined;
  return {
    options,
    database,
    repo,
    osImages,
    auth: new ConsoleAuth(),
    failures: new FailedAuthLimiter('FERRY_E_SITE_RATE_LIMITED'),
    failedSignIn: new WeakSet<FastifyRequest>(),
    enrollToken: readOrCreateSecret(join(options.dataDir, 'enroll-token')),
    events,
    progress: new Map(),
    smp,
  };
}

/** Coded JSON for every error: database, Ferry, validation, other 4xx; anything else is a logged 500. */
function sendError(err: unknown, req: FastifyRequest, reply: FastifyReply) {
  const fromDb = databaseError(err);
  if (fromDb) return reply.status(fromDb.httpStatus).send(fromDb.toJSON());
  if (isFerryError(err)) {
    if (err.code === 'FERRY_E_SITE_RATE_LIMITED') void reply.header('retry-after', String(err.details.retryAfterSeconds ?? 60));
    return reply.status(err.httpStatus).send(err.toJSON());
  }
  const e = err as { validation?: unknown; statusCode?: number; message?: string; code?: string };
  if (e.validation)
    return reply.status(400).send({
      code: 'FERRY_E_SITE_INVALID',
      message: `Invalid request: ${e.message}. Fix the fields and submit again.`,
      details: { validation: e.validation },
    });
  if (e.statusCode && e.statusCode >= 400 && e.statusCode < 500)
    return reply
      .status(e.statusCode)
      .send({ code: 'FERRY_E_SITE_INVALID', message: e.message ?? 'Invalid request.', details: { fastify: e.code } });
  req.log.error(err);
  return reply.status(500).send({
    code: 'FERRY_E_INTERNAL',
    message: 'An unexpected internal error occurred; the server log has the details. Nothing was changed.',
    details: {},
  });
}

/** The Fastify app with cookies, coded errors, the 404 answer and the OpenAPI document. */
async function createApp(options: SiteOptions): Promise<FastifyInstance> {
  const server = options.server;
  // forceCloseConnections: open event streams (Monitoring tabs) must not hold up a shutdown.
  const app = Fastify({
    logger: options.logger ?? false,
    bodyLimit: 4 * 1024 * 1024,
    trustProxy: false,
    forceCloseConnections: true,
    schemaController: SHARED_SCHEMA_COMPILERS,
    ...(options.tls ? { https: { key: options.tls.key, cert: options.tls.cert } } : {}),
    ...(server ? { serverFactory: (handler: (req: IncomingMessage, res: ServerResponse) => void) => server.on('request', handler) } : {}),
  }) as unknown as FastifyInstance;
  // The maintained parser: a malformed cookie (a stray `%`) is kept raw, never a 500.
  await app.register(fastifyCookie);
  app.setErrorHandler(sendError);
  app.setNotFoundHandler((req, reply) => {
    reply
      .status(404)
      .send({ code: 'FERRY_E_SITE_NOT_FOUND', message: `No such resource: ${req.method} ${req.url.split('?')[0]}.`, details: {} });
  });
  await registerOpenApi(app, {
    title: 'Ferry site API',
    version: '1',
    securitySchemes: {
      session: { type: 'apiKey', in: 'cookie', name: SESSION_COOKIE },
      csrf: { type: 'apiKey', in: 'header', name: CSRF_HEADER },
      agent: { type: 'http', scheme: 'bearer' },
      // The State Migration Point routes (/smp) take computer or SMP-admin credentials.
      bearer: { type: 'http', scheme: 'bearer' },
    },
  });
  return app;
}

/**
 * The one-time sign-in link works on any console path: it sets the session and redirects to
 * the same path without the token.
 */
function registerSignInLink(app: FastifyInstance, st: SiteState): void {
  app.addHook('onRequest', async (req, reply) => {
    if (req.method !== 'GET' || !req.url.includes('token=')) return;
    const url = new URL(req.url, 'http://x');
    const token = url.searchParams.get('token');
    if (!token) return;
    st.failures.check(req.ip);
    const s = st.auth.signIn(token) ?? (redeemMintedToken(st.options.dataDir, token) ? st.auth.openSession() : undefined);
    if (!s) {
      st.failures.fail(req.ip);
      st.failedSignIn.add(req);
      return;
    }
    const secure = req.protocol === 'https';
    reply
      .setCookie(SESSION_COOKIE, s.session, cookieOptions({ httpOnly: true, secure }))
      .setCookie(CSRF_COOKIE, s.csrf, cookieOptions({ httpOnly: false, secure }));
    url.searchParams.delete('token');
    return reply.redirect(`${url.pathname}${url.search}`, 303);
  });
}

/** Console requests need a session; state-changing ones the CSRF header. Agent routes pass. */
function guardConsole(site: FastifyInstance, st: SiteState): void {
  site.addHook('onRequest', async (req: FastifyRequest, reply: FastifyReply) => {
    const path = req.url.split('?')[0]!;
    if (path.startsWith('/api/agent/')) return; // agent routes authenticate by credential
    st.failures.check(req.ip);
    const session = st.auth.session(req.cookies[SESSION_COOKIE]);
    if (!session) {
      // One failure per request: a wrong sign-in token already counted.
      if (!st.failedSignIn.has(req)) st.failures.fail(req.ip);
      if (path.startsWith('/api/') || path === '/openapi.json' || path === '/docs/json')
        throw new FerryError(
          'FERRY_E_SITE_AUTH_REQUIRED',
          'Sign in first: open the URL that `ferry serve` printed, or a new one from `ferry console-link --data DIR`.',
        );
      return reply.status(401).type('text/html; charset=utf-8').header('cache-control', 'no-store').send(SIGNED_OUT_PAGE);
    }
    if (UNSAFE.has(req.method)) {
      const header = req.headers[CSRF_HEADER];
      if (typeof header !== 'string' || header !== session.csrf)
        throw new FerryError('FERRY_E_SITE_CSRF', `Missing or wrong ${CSRF_HEADER} header; reload the console page and try again.`);
    }
  });
  site.addHook('onSend', async (_req, reply, payload) => {
    reply.header('x-content-type-options', 'nosniff');
    reply.header('referrer-policy', 'no-referrer');
    reply.header('x-frame-options', 'DENY');
    reply.header(
      'content-security-policy',
      "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; " +
        "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
    );
    return payload;
  });
}

/** Sign-out and live monitoring: server-sent events, one `change` per status update or object save. */
function registerSessionRoutes(site: FastifyInstance, st: SiteState): void {
  site.post('/api/session/sign-out', { schema: { tags: ['session'] } }, async (req, reply) => {
    st.auth.signOut(req.cookies[SESSION_COOKIE]);
    reply.clearCookie(SESSION_COOKIE, { path: '/' }).clearCookie(CSRF_COOKIE, { path: '/' });
    return { ok: true };
  });
  site.get('/api/events', { schema: { tags: ['monitoring'], summary: 'Server-sent events: change notifications' } }, (req, reply) => {
    reply.hijack();
    reply.raw.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
    reply.raw.write('retry: 2000\n\n');
    const send = (e: unknown) => reply.raw.write(`event: change\ndata: ${JSON.stringify(e)}\n\n`);
    // Progress has its own event name: listeners of `change` do not reload on every tick.
    const sendProgress = (e: unknown) => reply.raw.write(`event: progress\ndata: ${JSON.stringify(e)}\n\n`);
    const ping = setInterval(() => reply.raw.write(': ping\n\n'), 15000);
    st.events.on('change', send);
    st.events.on('progress', sendProgress);
    req.raw.on('close', () => {
      clearInterval(ping);
      st.events.off('change', send);
      st.events.off('progress', sendProgress);
    });
  });
}

/** The built console (or a page saying it is not built). */
async function serveConsole(site: FastifyInstance, consoleDir: string | undefined): Promise<void> {
  if (consoleDir && existsSync(join(consoleDir, 'index.html'))) {
    await site.register(fastifyStatic, { root: consoleDir, prefix: '/', index: ['index.html'], wildcard: true, cacheControl: false });
    return;
  }
  site.get('/', { schema: { hide: true } }, async (_req, reply) =>
    reply
      .type('text/html; charset=utf-8')
      .send('<!doctype html><title>Ferry</title><p>The console bundle is not built; `ferry serve` builds it.</p>'),
  );
}

/** Everything the console reaches, behind the session / CSRF checks. */
async function registerConsoleScope(app: FastifyInstance, st: SiteState): Promise<void> {
  const { repo, events, osImages, progress, smp } = st;
  await app.register(async (site) => {
    guardConsole(site, st);
    // The docs sit behind the session like the rest of the console: one sign-in link
    // (`/docs/?token=…`) opens them, and the page's own fetch of the document carries the cookie.
    await serveApiDocs(site);
    registerSessionRoutes(site, st);
    await registerAdminRoutes(site, { repo, events, osImages, ...(smp ? { smp } : {}) });
    await registerReportRoutes(site, { repo, events, progress }, 'console');
    await registerCatalogRoutes(site);
    if (smp) await smp.registerConsoleRoutes(site, events);
    await serveConsole(site, st.options.consoleDir);
  });
}

/** Build the site server (REST API, agent API, console) over its database; the caller listens. */
export async function createSite(options: SiteOptions): Promise<Site> {
  const st = await openSiteState(options);
  const { repo, events, progress, smp, database, auth, enrollToken, failures, osImages } = st;
  const app = await createApp(options);
  if (smp) await smp.registerRoutes(app);
  registerSignInLink(app, st);
  await registerConsoleScope(app, st);
  await app.register(async (agentScope) =>
    registerAgentRoutes(agentScope, { repo, events, enrollToken, failures, osImages, ...(smp ? { smp } : {}) }),
  );
  await app.register(async (agentScope) => registerReportRoutes(agentScope, { repo, events, progress }, 'agent'));

  await app.ready();
  return {
    app,
    repo,
    database,
    auth,
    enrollToken,
    events,
    ...(smp ? { smp } : {}),
    async close() {
      await app.close();
      await smp?.close();
      await database.close();
    },
  };
}
