// API documentation shared by the standalone State Migration Point and the all-in-one site
// server: the OpenAPI document (@fastify/swagger) and a swagger-ui page at /docs whose assets are
// served from the installed package, so reading the docs makes no request off this server.
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';

type SecuritySchemes = Record<
  string,
  { type: 'http'; scheme: string } | { type: 'apiKey'; in: 'cookie' | 'header' | 'query'; name: string }
>;

/** Collect the OpenAPI document of every route registered after this; register it on the root app. */
export async function registerOpenApi(
  app: FastifyInstance,
  info: { title: string; version: string; securitySchemes: SecuritySchemes },
): Promise<void> {
  await app.register(swagger, {
    openapi: { info: { title: info.title, version: info.version }, components: { securitySchemes: info.securitySchemes } },
  });
}

/**
 * `/openapi.json` and the swagger-ui page `/docs` in `scope` (whose hooks, e.g. a session check,
 * apply to both); the document covers every route of the app, not only the scope's.
 */
export async function serveApiDocs(scope: FastifyInstance): Promise<void> {
  // Left unset, validatorUrl renders as null: no badge fetched from validator.swagger.io.
  await scope.register(swaggerUi, { routePrefix: '/docs' });
  scope.get('/openapi.json', { schema: { hide: true } }, async () => scope.swagger());
}
