// What every SMP route shares: the typed route scope, body parsers, rate limits, the error answer
// `{ code, message, details }` with the code's HTTP status, and the bearer authentication hook
// that sets `req.smpPrincipal` before any handler runs.
import rateLimit from '@fastify/rate-limit';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type {
  FastifyBaseLogger,
  FastifyInstance,
  FastifyRequest,
  RawReplyDefaultExpression,
  RawRequestDefaultExpression,
  RawServerDefault,
} from 'fastify';
import { databaseError } from '../../db/index.ts';
import { FerryError } from '../../errors/index.ts';
import { hashSecret, type Principal, type SmpService } from '../../smp/index.ts';
import { FAILED_AUTH_PER_MINUTE, FailedAuthLimiter } from '../auth-failures.ts';
import { ErrorBody } from './schemas.ts';

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

/** The SMP's route scope: bodies, params and replies typed from their TypeBox schemas. */
export type SmpApp = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  TypeBoxTypeProvider
>;

/** What each group of routes needs. */
export interface SmpRouteContext {
  readonly service: SmpService;
  readonly failures: FailedAuthLimiter;
  /** Largest manifest body. */
  readonly manifestBodyLimit: number;
}

const JSON_BODY_LIMIT = 1024 * 1024;
/** Errors that mean "this caller did not prove who it is": each counts against its address. */
const AUTH_FAILURES = new Set([
  'FERRY_E_SMP_UNAUTHORIZED',
  'FERRY_E_SMP_CREDENTIAL_EXPIRED',
  'FERRY_E_SMP_NAA_NOT_ALLOWED',
  'FERRY_E_SMP_UNKNOWN_COMPUTER',
  'FERRY_E_SMP_FORBIDDEN',
]);

export const bearer = (req: FastifyRequest): string | undefined => {
  const h = req.headers.authorization;
  return h?.startsWith('Bearer ') ? h.slice(7).trim() : undefined;
};

/** The caller the authentication hook resolved (every route but the public ones has one). */
export const principal = (req: FastifyRequest): Principal => req.smpPrincipal as Principal;

/** OpenAPI tags and security of the route groups. */
export const ADMIN_TAGS = ['admin'];
export const COMPUTER_TAGS = ['computer'];
export const SECURITY = [{ bearer: [] }];
const errorReplies = { '4xx': ErrorBody, '5xx': ErrorBody };

/** A route's answers: `reply` on 200, the coded error body otherwise. */
export const ok = <const T>(reply: T) => ({ 200: reply, ...errorReplies });

export async function addRateLimit(smp: SmpApp, perMinute: number): Promise<void> {
  await smp.register(rateLimit, {
    max: perMinute,
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
}

export function addBodyParsers(smp: SmpApp): void {
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
}

/** Any error as a FerryError: the domain's own, the database's, fastify's validation and body errors. */
function asFerryError(err: Error & { statusCode?: number; code?: string; validation?: unknown }, req: FastifyRequest): FerryError {
  if (err instanceof FerryError) return err;
  const fromDb = databaseError(err);
  if (fromDb) return fromDb;
  if (err.validation) return new FerryError('FERRY_E_INVALID_ARGUMENT', `Invalid request: ${err.message}.`);
  if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE')
    return new FerryError('FERRY_E_SMP_TOO_LARGE', 'The request body is larger than this server accepts.');
  if (err.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE')
    return new FerryError(
      'FERRY_E_INVALID_ARGUMENT',
      'Unsupported content type: send application/json (or application/octet-stream for chunks).',
    );
  if (err.statusCode && err.statusCode < 500) return new FerryError('FERRY_E_INVALID_ARGUMENT', err.message);
  req.log.error({ err }, 'unexpected error');
  return new FerryError('FERRY_E_INTERNAL', 'The SMP hit an unexpected error; see its log. Nothing was marked complete.');
}

export function addErrorHandler(smp: SmpApp): void {
  smp.setErrorHandler((err: Error & { statusCode?: number; code?: string; validation?: unknown }, req, reply) => {
    const ferry = asFerryError(err, req);
    if (ferry.httpStatus >= 500) req.log.warn({ code: ferry.code, msg: ferry.message }, 'request failed');
    if (ferry.code === 'FERRY_E_SMP_RATE_LIMITED') void reply.header('retry-after', String(ferry.details.retryAfterSeconds ?? 60));
    void reply.status(ferry.httpStatus).send(ferry.toJSON());
  });
}

/** Resolve every non-public request's bearer credential to `req.smpPrincipal`; failures count per address. */
export function addAuthentication(smp: SmpApp, service: SmpService, failures: FailedAuthLimiter): void {
  smp.decorateRequest('smpPrincipal', null);
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
}

export function failedAuthLimiter(perMinute: number | undefined): FailedAuthLimiter {
  return new FailedAuthLimiter('FERRY_E_SMP_RATE_LIMITED', { max: perMinute ?? FAILED_AUTH_PER_MINUTE });
}
