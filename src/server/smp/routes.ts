// The SMP HTTP API as a fastify plugin: usable on its own (`createSmpServer`) or inside the
// all-in-one server under a prefix. Every route but health and registration needs a bearer
// credential; errors are `{ code, message, details }` with the code's HTTP status. The routes
// come in groups: a computer's own (routes-computer.ts), store transfers (routes-transfer.ts)
// and administration (routes-admin.ts); what they share is in plumbing.ts.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import type { SmpService } from '../../smp/index.ts';
import { addAuthentication, addBodyParsers, addErrorHandler, addRateLimit, failedAuthLimiter, type SmpRouteContext } from './plumbing.ts';
import { registerAdminRoutes } from './routes-admin.ts';
import { registerComputerRoutes } from './routes-computer.ts';
import { registerTransferRoutes } from './routes-transfer.ts';

export interface SmpRouteDeps {
  readonly service: SmpService;
  /** Requests per minute per credential (or per address without one). Default 1200. */
  readonly rateLimitPerMinute?: number;
  /** Largest manifest body (a million-file store's). Default 64 MiB; every other JSON body is at most 1 MiB, registration 16 KiB. */
  readonly jsonBodyLimit?: number;
  /** Failed authentications per minute per client address before 429. Default 30. */
  readonly failedAuthPerMinute?: number;
}

/**
 * Mount the SMP API on `app` (in its own encapsulated scope: its parsers, error handler and
 * authentication hook reach only these routes).
 *
 * @example
 * await app.register(async (scope) => registerSmpRoutes(scope, { service }), { prefix: '/smp' });
 */
export async function registerSmpRoutes(app: FastifyInstance, deps: SmpRouteDeps): Promise<void> {
  const ctx: SmpRouteContext = {
    service: deps.service,
    failures: failedAuthLimiter(deps.failedAuthPerMinute),
    manifestBodyLimit: deps.jsonBodyLimit ?? 64 * 1024 * 1024,
  };
  await app.register(async (scope) => {
    const smp = scope.withTypeProvider<TypeBoxTypeProvider>();
    // Order matters: the rate limit's hook runs before authentication's.
    await addRateLimit(smp, deps.rateLimitPerMinute ?? 1200);
    addBodyParsers(smp);
    addErrorHandler(smp);
    addAuthentication(smp, ctx.service, ctx.failures);
    registerComputerRoutes(smp, ctx);
    registerTransferRoutes(smp, ctx);
    registerAdminRoutes(smp, ctx);
  });
}
