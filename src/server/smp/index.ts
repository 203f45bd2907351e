// The SMP HTTP edge: the fastify plugin, the standalone server, and the pieces the all-in-one server reuses.

/** Mount the SMP API (typed routes over `SmpService`) on a fastify instance or scope. */
export { registerSmpRoutes, type SmpRouteDeps } from './routes.ts';
/**
 * `createSmpServer`: a standalone SMP (`ferry smp serve`) listening on port 0 unless given one;
 * `openSmp`: the SMP's database and service for a server that mounts the routes itself (the
 * all-in-one site); `addApiDocs`: `/openapi.json` and the `/docs` page.
 */
export {
  createSmpServer,
  openSmp,
  addApiDocs,
  type CreateSmpServerOptions,
  type OpenSmpOptions,
  type OpenedSmp,
  type SmpServer,
} from './server.ts';
