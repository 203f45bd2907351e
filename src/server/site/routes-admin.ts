// Console-facing REST routes: task sequences, packages and images, computers, collections,
// deployments and monitoring, one module per workspace. Bodies, params and queries are checked
// by their schemas (api-schema.ts) and typed from them; the rules are in the repository and
// src/site.
import type { EventEmitter } from 'node:events';
import type { FastifyInstance } from 'fastify';
import type { OsImages } from '../../site/index.ts';
import type { SiteRepository } from '../../db/index.ts';
import { registerCollectionRoutes, registerComputerRoutes } from './routes-computers.ts';
import { registerDeploymentRoutes } from './routes-deployments.ts';
import { registerOsImageRoutes, registerPackageRoutes } from './routes-packages.ts';
import { registerTaskSequenceRoutes } from './routes-task-sequences.ts';
import type { SmpBridge } from './smp-bridge.ts';
import { typed } from './typed.ts';

export async function registerAdminRoutes(
  app: FastifyInstance,
  deps: { repo: SiteRepository; events: EventEmitter; smp?: Pick<SmpBridge, 'revokeComputer' | 'associations'>; osImages: OsImages },
): Promise<void> {
  const { repo, events } = deps;
  const site = typed(app);
  const changed = (kind: string, id: string) => events.emit('change', { kind, id });
  registerTaskSequenceRoutes(site, repo, changed);
  registerPackageRoutes(site, repo, changed);
  registerOsImageRoutes(site, deps.osImages, changed);
  registerComputerRoutes(site, repo, changed, deps.smp);
  registerCollectionRoutes(site, repo, changed);
  registerDeploymentRoutes(site, repo, changed, deps.smp);
}
