// The SMP HTTP API as a fastify plugin: usable on its own (`createSmpServer`) or inside the
// all-in-one server under a prefix. Every route but health and registration needs a bearer
// credential; errors are `{ code, message, details }` with the code's HTTP status.
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type, type Static } from 'typebox';
import { databaseError } from '../../db/index.ts';
import { FerryError } from '../../errors/index.ts';
import { hashSecret } from '../../smp/index.ts';
import type { Principal, SmpService } from '../../smp/index.ts';
import type { MigrationBehavior } from '../../smp/index.ts';
import { FAILED_AUTH_PER_MINUTE, FailedAuthLimiter } from '../auth-failures.ts';
import * as S from './schemas.ts';

export interface SmpRouteDeps {
  readonly service: SmpService;
  /** Requests per minute per credential (or per address without one). Default 1200. */
  readonly rateLimitPerMinute?: number;
  /** Largest manifest body (a million-file store's). Default 64 MiB; every other JSON body is at most 1 MiB, registration 16 KiB. */
  readonly jsonBodyLimit?: number;
  /** Failed authentications per minute per client address before 429. Default 30. */
  readonly failedAuthPerMinute?: number;
}

const JSON_BODY_LIMIT = 1024 * 1024;
const REGISTER_BODY_LIMIT = 16 * 1024;
/** Errors that mean "this caller did not prove who it is": each counts against its address. */
const AUTH_FAILURES = new Set([
  'FERRY_E_SMP_UNAUTHORIZED',
  'FERRY_E_SMP_CREDENTIAL_EXPIRED',
  'FERRY_E_SMP_NAA_NOT_ALLOWED',
  'FERRY_E_SMP_UNKNOWN_COMPUTER',
  'FERRY_E_SMP_FORBIDDEN',
]);
const REGISTER_FAILURES = new Set(['FERRY_E_SMP_UNAUTHORIZED', 'FERRY_E_SMP_ENROLLMENT_REFUSED', 'FERRY_E_SMP_COMPUTER_REGISTERED']);

declare module 'fastify' {
  interface FastifyRequest {
    smpPrincipal: Principal | null;
  }
  interface FastifyContextConfig {
    smpPublic?: boolean;
    /** A public route that checks a secret (registration): failures count against the address. */
    smpAuthAttempt?: boolean;
  }
}

const bearer = (req: FastifyRequest): string | undefined => {
  const h = req.headers.authorization;
  return h?.startsWith('Bearer ') ? h.slice(7).trim() : undefined;
};

const principal = (req: FastifyRequest): Principal => req.smpPrincipal as Principal;

const errorReply = { '4xx': S.ErrorBody, '5xx': S.ErrorBody };

export async function registerSmpRoutes(app: FastifyInstance, deps: SmpRouteDeps): Promise<void> {
  const { service } = deps;
  const failures = new FailedAuthLimiter('FERRY_E_SMP_RATE_LIMITED', { max: deps.failedAuthPerMinute ?? FAILED_AUTH_PER_MINUTE });
  await app.register(async (smp) => {
    smp.decorateRequest('smpPrincipal', null);

    await smp.register(rateLimit, {
      max: deps.rateLimitPerMinute ?? 1200,
      timeWindow: 60_000,
      keyGenerator: (req) => {
        const token = bearer(req);
        return token ? `t:${hashSecret(token).slice(0, 24)}` : `ip:${req.ip}`;
      },
      errorResponseBuilder: (_req, ctx) =>
        new FerryError('FERRY_E_SMP_RATE_LIMITED', `Too many requests; retry in ${Math.ceil(ctx.ttl / 1000)} s.`, {
          details: { retryAfterSeconds: Math.ceil(ctx.ttl / 1000) },
        }),
    });

    smp.removeAllContentTypeParsers();
    // Routes that take more (the manifest) or less (registration) say so with their own bodyLimit;
    // fastify answers 413 from Content-Length before reading the body.
    smp.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit: JSON_BODY_LIMIT }, (_req, body, done) => {
      try {
        done(null, body === '' ? {} : JSON.parse(body as string));
      } catch (err) {
        done(new FerryError('FERRY_E_INVALID_ARGUMENT', `The request body is not valid JSON: ${(err as Error).message}.`), undefined);
      }
    });
    // Chunk bodies are streamed by the handler (req.raw), never buffered.
    smp.addContentTypeParser('application/octet-stream', (_req, _payload, done) => done(null));

    smp.setErrorHandler((err: Error & { statusCode?: number; code?: string; validation?: unknown }, req, reply) => {
      let ferry: FerryError;
      const fromDb = databaseError(err);
      if (err instanceof FerryError) ferry = err;
      else if (fromDb) ferry = fromDb;
      else if (err.validation) ferry = new FerryError('FERRY_E_INVALID_ARGUMENT', `Invalid request: ${err.message}.`);
      else if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE')
        ferry = new FerryError('FERRY_E_SMP_TOO_LARGE', 'The request body is larger than this server accepts.');
      else if (err.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE')
        ferry = new FerryError(
          'FERRY_E_INVALID_ARGUMENT',
          'Unsupported content type: send application/json (or application/octet-stream for chunks).',
        );
      else if (err.statusCode && err.statusCode < 500) ferry = new FerryError('FERRY_E_INVALID_ARGUMENT', err.message);
      else {
        req.log.error({ err }, 'unexpected error');
        ferry = new FerryError('FERRY_E_INTERNAL', 'The SMP hit an unexpected error; see its log. Nothing was marked complete.');
      }
      if (ferry.httpStatus >= 500) req.log.warn({ code: ferry.code, msg: ferry.message }, 'request failed');
      if (ferry.code === 'FERRY_E_SMP_RATE_LIMITED') void reply.header('retry-after', String(ferry.details.retryAfterSeconds ?? 60));
      void reply.status(ferry.httpStatus).send(ferry.toJSON());
    });

    smp.addHook('onRequest', async (req) => {
      const config = req.routeOptions.config;
      if (config?.smpAuthAttempt) failures.check(req.ip);
      if (config?.smpPublic) return;
      const naaComputer = req.headers['x-ferry-computer'];
      req.smpPrincipal = await failures.guard(
        req.ip,
        () => service.authenticate(bearer(req), typeof naaComputer === 'string' ? naaComputer : undefined),
        AUTH_FAILURES,
      );
    });

    const admin = ['admin'];
    const computer = ['computer'];
    const security = [{ bearer: [] }];

    smp.get(
      '/health',
      {
        config: { smpPublic: true },
        schema: {
          tags: ['health'],
          response: { 200: { type: 'object', properties: { status: { type: 'string' }, server: { type: 'string' } } } },
        },
      },
      async () => ({
        status: 'ok',
        server: service.serverName,
      }),
    );

    smp.post(
      '/register',
      {
        config: { smpPublic: true, smpAuthAttempt: true },
        bodyLimit: REGISTER_BODY_LIMIT,
        schema: {
          tags: computer,
          summary: 'Get a computer credential: enrollment token (new computer, or one bound to it) or current credential (renewal)',
          body: S.RegisterBody,
          response: { 200: S.RegisterReply, ...errorReply },
        },
      },
      async (req) => {
        const b = req.body as Static<typeof S.RegisterBody>;
        return failures.guard(
          req.ip,
          () =>
            service.register(b.computerName, {
              ...(b.enrollmentToken ? { enrollmentToken: b.enrollmentToken } : {}),
              ...(b.currentCredential ? { currentCredential: b.currentCredential } : {}),
            }),
          REGISTER_FAILURES,
        );
      },
    );

    smp.post(
      '/requests/capture',
      { schema: { tags: computer, security, summary: 'Request State Store (capture)', response: { 200: S.StoreGrant, ...errorReply } } },
      async (req) => service.requestCapture(principal(req)),
    );
    smp.post(
      '/requests/restore',
      { schema: { tags: computer, security, summary: 'Request State Store (restore)', response: { 200: S.StoreGrant, ...errorReply } } },
      async (req) => service.requestRestore(principal(req)),
    );

    smp.get(
      '/stores',
      {
        schema: {
          tags: computer,
          security,
          summary: "This computer's stores",
          response: { 200: Type.Array(S.StoreRecord), ...errorReply },
        },
      },
      async (req) => service.listOwnStores(principal(req)),
    );

    smp.get(
      '/stores/:id',
      {
        schema: {
          tags: computer,
          security,
          summary: 'Upload state of a store (for resuming)',
          params: S.StoreIdParams,
          response: { 200: S.UploadState, ...errorReply },
        },
      },
      async (req) => service.uploadState(principal(req), (req.params as Static<typeof S.StoreIdParams>).id),
    );

    smp.put(
      '/stores/:id/manifest',
      {
        bodyLimit: deps.jsonBodyLimit ?? 64 * 1024 * 1024,
        schema: {
          tags: computer,
          security,
          summary: 'Declare the files of a store being captured',
          params: S.StoreIdParams,
          body: S.ManifestBody,
          response: { 200: S.UploadState, ...errorReply },
        },
      },
      async (req) =>
        service.putManifest(
          principal(req),
          (req.params as Static<typeof S.StoreIdParams>).id,
          (req.body as Static<typeof S.ManifestBody>).files,
        ),
    );

    smp.put(
      '/stores/:id/files/:index/chunks/:chunk',
      {
        schema: {
          tags: computer,
          security,
          summary: 'Upload one chunk (application/octet-stream; header x-ferry-sha256)',
          params: S.ChunkParams,
          headers: {
            type: 'object',
            properties: { 'x-ferry-sha256': { type: 'string', pattern: '^[0-9a-fA-F]{64}$' } },
            required: ['x-ferry-sha256'],
          },
          response: { 200: S.ChunkReply, ...errorReply },
        },
      },
      async (req, reply) => {
        const p = req.params as Static<typeof S.ChunkParams>;
        const declared = Number(req.headers['content-length'] ?? NaN);
        if (declared > service.chunkSize) {
          reply.raw.setHeader('connection', 'close');
          throw new FerryError('FERRY_E_SMP_TOO_LARGE', `A chunk is at most ${service.chunkSize} bytes; this one declares ${declared}.`, {
            details: { chunkSize: service.chunkSize },
          });
        }
        try {
          return await service.putChunk(principal(req), p.id, p.index, p.chunk, String(req.headers['x-ferry-sha256']), req.raw);
        } catch (err) {
          // Refused before the body was read (auth, state): do not keep a half-read connection.
          if (!req.raw.readableEnded) reply.raw.setHeader('connection', 'close');
          throw err;
        }
      },
    );

    smp.get(
      '/stores/:id/manifest',
      {
        schema: {
          tags: computer,
          security,
          summary: 'Files of a store to restore',
          params: S.StoreIdParams,
          response: { 200: S.ManifestReply, ...errorReply },
        },
      },
      async (req) => service.readManifest(principal(req), (req.params as Static<typeof S.StoreIdParams>).id),
    );

    smp.get(
      '/stores/:id/files/:index',
      { schema: { tags: computer, security, summary: 'Download a store file (Range supported)', params: S.FileParams } },
      async (req, reply: FastifyReply) => {
        const p = req.params as Static<typeof S.FileParams>;
        const range = parseRange(req.headers.range);
        const opened = await service.openFile(principal(req), p.id, p.index, range?.start, range?.end);
        void reply.header('accept-ranges', 'bytes').header('x-ferry-sha256', opened.sha256).type('application/octet-stream');
        if (range) {
          const end = Math.min(range.end ?? opened.size - 1, opened.size - 1);
          if (range.start >= opened.size && opened.size > 0) {
            opened.stream.destroy();
            return reply.status(416).header('content-range', `bytes */${opened.size}`).send();
          }
          void reply
            .status(206)
            .header('content-range', `bytes ${range.start}-${end}/${opened.size}`)
            .header('content-length', String(Math.max(0, end - range.start + 1)));
        } else {
          void reply.header('content-length', String(opened.size));
        }
        return reply.send(opened.stream);
      },
    );

    smp.post(
      '/stores/:id/release',
      {
        schema: {
          tags: computer,
          security,
          summary: 'Release State Store',
          params: S.StoreIdParams,
          body: S.ReleaseBody,
          response: { 200: S.StoreRecord, ...errorReply },
        },
      },
      async (req) => {
        const id = (req.params as Static<typeof S.StoreIdParams>).id;
        const b = req.body as Static<typeof S.ReleaseBody>;
        return b.kind === 'capture'
          ? service.releaseCapture(principal(req), id)
          : service.releaseRestore(principal(req), id, { verified: b.verified === true, manifestDigest: b.manifestDigest ?? '' });
      },
    );

    // ── administration ────────────────────────────────────────────────────────────────────
    smp.get('/admin/folders', { schema: { tags: admin, security, response: { 200: Type.Array(S.Folder), ...errorReply } } }, async (req) =>
      service.listFolders(principal(req)),
    );
    smp.post(
      '/admin/folders',
      {
        schema: { tags: admin, security, summary: 'Add a storage folder', body: S.FolderBody, response: { 200: S.Folder, ...errorReply } },
      },
      async (req) => service.addFolder(principal(req), req.body as Static<typeof S.FolderBody>),
    );
    smp.patch(
      '/admin/folders/:id',
      { schema: { tags: admin, security, params: S.IdParams, body: S.FolderPatch, response: { 200: S.Folder, ...errorReply } } },
      async (req) => service.updateFolder(principal(req), (req.params as { id: string }).id, req.body as Static<typeof S.FolderPatch>),
    );
    smp.delete('/admin/folders/:id', { schema: { tags: admin, security, params: S.IdParams } }, async (req, reply) => {
      await service.removeFolder(principal(req), (req.params as { id: string }).id);
      return reply.status(204).send();
    });

    smp.get('/admin/settings', { schema: { tags: admin, security, response: { 200: S.Settings, ...errorReply } } }, async (req) =>
      service.getSettings(principal(req)),
    );
    smp.patch(
      '/admin/settings',
      {
        schema: {
          tags: admin,
          security,
          summary: 'Restore-only mode and deletion policy of this SMP',
          body: S.SettingsPatch,
          response: { 200: S.Settings, ...errorReply },
        },
      },
      async (req) => {
        const b = req.body as Static<typeof S.SettingsPatch>;
        const patch: { restoreOnly?: boolean; deleteAfterSeconds?: number } = {};
        if (b.restoreOnly !== undefined) patch.restoreOnly = b.restoreOnly;
        if (b.deleteImmediately) patch.deleteAfterSeconds = 0;
        else if (b.timeDeleteAfter !== undefined)
          patch.deleteAfterSeconds = b.timeDeleteAfter * { Days: 86400, Hours: 3600, Seconds: 1 }[b.timeUnit ?? 'Days'];
        return service.updateSettings(principal(req), patch);
      },
    );

    smp.post(
      '/admin/enrollment-tokens',
      {
        schema: {
          tags: admin,
          security,
          summary: 'Create an enrollment token (shown once)',
          body: S.EnrollmentBody,
          response: { 200: S.EnrollmentReply, ...errorReply },
        },
      },
      async (req) => {
        const b = (req.body ?? {}) as Static<typeof S.EnrollmentBody>;
        return service.createEnrollmentToken(principal(req), {
          expiresInSeconds: b.expiresInSeconds ?? 86400,
          uses: b.uses ?? 1,
          ...(b.computer ? { computer: b.computer } : {}),
        });
      },
    );

    smp.get(
      '/admin/computers',
      { schema: { tags: admin, security, response: { 200: Type.Array(S.ComputerReply), ...errorReply } } },
      async (req) => service.listComputers(principal(req)),
    );
    smp.post(
      '/admin/computers',
      {
        schema: {
          tags: admin,
          security,
          summary: 'Import a computer (e.g. a destination)',
          body: S.ComputerBody,
          response: { 200: S.ComputerReply, ...errorReply },
        },
      },
      async (req) => {
        const c = await service.importComputer(principal(req), (req.body as Static<typeof S.ComputerBody>).name);
        return {
          id: c.id,
          name: c.name,
          registered: c.credentialHash !== null,
          credentialExpiresAt: c.credentialExpiresAt,
          credentialRevokedAt: c.credentialRevokedAt,
        };
      },
    );
    smp.post(
      '/admin/computers/:name/revoke',
      {
        schema: {
          tags: admin,
          security,
          summary: "Revoke a computer's credential now (it re-registers only with a token bound to it)",
          params: S.NameParams,
          response: { 200: Type.Object({ revoked: Type.Boolean() }), ...errorReply },
        },
      },
      async (req) => {
        const name = (req.params as Static<typeof S.NameParams>).name;
        if (!(await service.revokeComputer(principal(req), name)))
          throw new FerryError('FERRY_E_SMP_UNKNOWN_COMPUTER', `Computer ${name} is not known to the SMP.`, {
            details: { computer: name },
          });
        return { revoked: true };
      },
    );

    smp.put(
      '/admin/naa',
      {
        schema: {
          tags: admin,
          security,
          summary: 'Enable (new credential, shown once) or disable the Network Access Account',
          body: S.NaaBody,
          response: { 200: S.NaaReply, ...errorReply },
        },
      },
      async (req) => service.setNetworkAccessAccount(principal(req), (req.body as Static<typeof S.NaaBody>).enabled),
    );

    smp.get(
      '/admin/associations',
      { schema: { tags: admin, security, response: { 200: Type.Array(S.Association), ...errorReply } } },
      async (req) => service.listAssociations(principal(req)),
    );
    smp.post(
      '/admin/associations',
      {
        schema: {
          tags: admin,
          security,
          summary: 'Create a computer association',
          body: S.AssociationBody,
          response: { 200: S.Association, ...errorReply },
        },
      },
      async (req) => {
        const b = req.body as Static<typeof S.AssociationBody>;
        return service.createAssociation(principal(req), {
          source: b.source,
          destination: b.destination,
          ...(b.migrationBehavior === undefined ? {} : { migrationBehavior: b.migrationBehavior as MigrationBehavior }),
          ...(b.userNames ? { userNames: b.userNames } : {}),
        });
      },
    );
    smp.delete('/admin/associations/:id', { schema: { tags: admin, security, params: S.IdParams } }, async (req, reply) => {
      await service.deleteAssociation(principal(req), (req.params as { id: string }).id);
      return reply.status(204).send();
    });

    smp.get(
      '/admin/stores',
      { schema: { tags: admin, security, response: { 200: Type.Array(S.StoreRecord), ...errorReply } } },
      async (req) => service.listStores(principal(req)),
    );
    smp.get(
      '/admin/stores/:id/recovery',
      {
        schema: {
          tags: admin,
          security,
          summary: 'View Recovery Information',
          params: S.IdParams,
          response: { 200: S.RecoveryReply, ...errorReply },
        },
      },
      async (req) => service.recoveryInformation(principal(req), (req.params as { id: string }).id),
    );
  });
}

/** `bytes=START-` or `bytes=START-END` (one range; that is all the client asks for). */
function parseRange(header: string | undefined): { start: number; end?: number } | undefined {
  if (!header) return undefined;
  const m = /^bytes=(\d+)-(\d*)$/.exec(header.trim());
  if (!m)
    throw new FerryError(
      'FERRY_E_INVALID_ARGUMENT',
      `Unsupported Range header ${JSON.stringify(header)}; send bytes=START- or bytes=START-END.`,
    );
  const start = Number(m[1]);
  const end = m[2] ? Number(m[2]) : undefined;
  // Past 2^53 a number is no longer an exact byte offset, and far beyond any store file.
  if (!Number.isSafeInteger(start) || (end !== undefined && !Number.isSafeInteger(end))) {
    throw new FerryError(
      'FERRY_E_INVALID_ARGUMENT',
      `The Range ${JSON.stringify(header.slice(0, 100))} is beyond any file size; send offsets below 2^53.`,
    );
  }
  if (end !== undefined && end < start) throw new FerryError('FERRY_E_INVALID_ARGUMENT', 'The Range end is before its start.');
  return end === undefined ? { start } : { start, end };
}
