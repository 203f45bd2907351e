// The SMP HTTP edge: the fastify plugin, the standalone server, and the pieces the all-in-one server reuses.
export { registerSmpRoutes, type SmpRouteDeps } from './routes.ts';
export {
  createSmpServer,
  openSmp,
  addApiDocs,
  type CreateSmpServerOptions,
  type OpenSmpOptions,
  type OpenedSmp,
  type SmpServer,
} from './server.ts';
