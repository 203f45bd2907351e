// The State Migration Point inside the all-in-one server: its HTTP routes under /smp for the
// agents' SMP client, console routes under /api/smp (the signed-in administrator acts as the
// SMP admin), SMP credentials handed to enrolled agents, and an audit trail of recovery-key views.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { EventEmitter } from 'node:events';
import type { FastifyInstance } from 'fastify';
import { openSmp, type OpenedSmp } from '../smp/server.ts';
import { registerSmpRoutes } from '../smp/routes.ts';
import { startDeletionJob, type DeletionJob } from '../../smp/index.ts';
import type { Principal, SmpService } from '../../smp/index.ts';
import { IdParams, SmpAssociationBody, SmpFolderBody, SmpSettingsBody } from './api-schema.ts';
import { consoleDoc, typed, type SiteApp } from './typed.ts';
import { appendAudit, listAudit, type SiteDb } from '../../db/index.ts';

const ADMIN: Principal = { kind: 'admin' };
const siteOwner = (siteComputerId: string): string => `site:${siteComputerId}`;
/** SMP credentials handed out with a deployment last one run; a resumed run fetches a new one. */
const RUN_CREDENTIAL_TTL_SECONDS = 24 * 3600;

export interface SmpBridge {
  readonly smp: OpenedSmp;
  readonly url: string;
  /** A fresh SMP credential for the enrolled agent `siteComputerId`, replacing its previous one; valid for one run. */
  credentialFor(computerName: string, siteComputerId: string): Promise<{ servers: string[]; credential: string; expiresAt: string }>;
  /** Revoke the computer's SMP credential at once (the site revoked or deleted it). */
  revokeComputer(computerName: string): Promise<void>;
  /** The computer associations by computer name (an in-place one has source = destination). */
  associations(): Promise<{ source: string; destination: string }[]>;
  registerRoutes(app: FastifyInstance): Promise<void>;
  registerConsoleRoutes(app: FastifyInstance, events: EventEmitter): Promise<void>;
  close(): Promise<void>;
}

export async function openSmpBridge(o: { dataDir: string; db?: string; publicUrl: string; siteDb: SiteDb }): Promise<SmpBridge> {
  const url = `${o.publicUrl.replace(/\/+$/, '')}/smp`;
  const smp = await openSmp({ dataDir: join(o.dataDir, 'smp'), publicUrl: url, name: 'site', ...(o.db ? { db: o.db } : {}) });
  const service = smp.service;
  // A fresh all-in-one server stores state under its data directory until the admin adds folders.
  if ((await service.listFolders(ADMIN)).length === 0) {
    const path = join(o.dataDir, 'smp', 'stores');
    mkdirSync(path, { recursive: true, mode: 0o700 });
    await service.addFolder(ADMIN, { path, maxClients: 100, minFreeSpace: 1, spaceUnit: 'Megabyte' });
  }
  await adoptSiteComputers(smp, o.siteDb);
  let deletion: DeletionJob | undefined;

  return {
    smp,
    url,
    async credentialFor(computerName, siteComputerId) {
      // The site vouches for its own agent only: the SMP identity is issued to the site record
      // `siteComputerId` and refused when the SMP issued it to anyone else (FERRY_E_SMP_IDENTITY_NOT_OWNED).
      const r = await service.registerOwned(computerName, siteOwner(siteComputerId), { ttlSeconds: RUN_CREDENTIAL_TTL_SECONDS });
      return { servers: [url], credential: r.credential, expiresAt: r.expiresAt };
    },
    async associations() {
      return (await service.listAssociations(ADMIN)).map((a) => ({ source: a.sourceName, destination: a.restoreName }));
    },
    async revokeComputer(computerName) {
      await service.revokeComputer(ADMIN, computerName);
    },
    async registerRoutes(app) {
      await app.register(async (scope) => registerSmpRoutes(scope, { service }), { prefix: '/smp' });
      deletion = startDeletionJob(service, 60_000, (err) => app.log.error({ err }, 'SMP deletion job failed'));
    },
    async registerConsoleRoutes(app, events) {
      const site = typed(app);
      const changed = () => events.emit('change', { kind: 'smp' });
      registerStorageRoutes(site, service, changed);
      registerAssociationRoutes(site, service, changed);
      registerStoreRoutes(site, service, o.siteDb);
    },
    async close() {
      await deletion?.stop();
      await smp.database.close();
    },
  };
}

/**
 * Once, on the first start after owners were introduced: the SMP identities the site had
 * registered for its agents (same name, no owner recorded) become owned by those agents, so that
 * an upgrade does not refuse every existing agent its SMP credential.
 */
async function adoptSiteComputers(smp: OpenedSmp, siteDb: SiteDb): Promise<void> {
  const repo = smp.service.repo;
  if (await repo.getSetting('site_owners_adopted')) return;
  for (const c of await siteDb.selectFrom('computers').select(['id', 'name']).execute()) {
    const known = await repo.findComputerByName(c.name);
    if (known && known.owner === null && known.credentialHash !== null) await repo.setComputerOwner(known.id, siteOwner(c.id));
  }
  await repo.setSetting('site_owners_adopted', new Date().toISOString());
}

const doc = (summary: string) => consoleDoc('state migration point', summary);

/** Storage folders, restore-only mode and the deletion policy. */
function registerStorageRoutes(app: SiteApp, service: SmpService, changed: () => void): void {
  app.get('/api/smp/folders', { schema: doc('Storage folders') }, async () => service.listFolders(ADMIN));
  app.post('/api/smp/folders', { schema: { ...doc('Add a storage folder'), body: SmpFolderBody } }, async (req, reply) => {
    const f = await service.addFolder(ADMIN, req.body);
    changed();
    return reply.status(201).send(f);
  });
  app.delete('/api/smp/folders/:id', { schema: { ...doc('Remove a storage folder'), params: IdParams } }, async (req) => {
    await service.removeFolder(ADMIN, req.params.id);
    changed();
    return { ok: true };
  });
  app.get('/api/smp/settings', { schema: doc('Restore-only mode and deletion policy') }, async () => service.getSettings(ADMIN));
  app.put('/api/smp/settings', { schema: { ...doc('Change restore-only mode / deletion policy'), body: SmpSettingsBody } }, async (req) => {
    const b = req.body;
    const patch: { restoreOnly?: boolean; deleteAfterSeconds?: number } = {};
    if (b.restoreOnly !== undefined) patch.restoreOnly = b.restoreOnly;
    if (b.deleteImmediately) patch.deleteAfterSeconds = 0;
    else if (b.timeDeleteAfter !== undefined) patch.deleteAfterSeconds = b.timeDeleteAfter * (b.timeUnit === 'Hours' ? 3600 : 86400);
    const s = await service.updateSettings(ADMIN, patch);
    changed();
    return s;
  });
}

/** Computers known to the SMP and their associations (source → destination). */
function registerAssociationRoutes(app: SiteApp, service: SmpService, changed: () => void): void {
  app.get('/api/smp/computers', { schema: doc('Computers known to the SMP') }, async () => service.listComputers(ADMIN));
  app.get('/api/smp/associations', { schema: doc('Computer associations') }, async () => service.listAssociations(ADMIN));
  app.post(
    '/api/smp/associations',
    { schema: { ...doc('Create a computer association'), body: SmpAssociationBody } },
    async (req, reply) => {
      const b = req.body;
      for (const name of [b.source, b.destination])
        if (!(await service.listComputers(ADMIN)).some((c) => c.name.toLowerCase() === name.toLowerCase()))
          await service.importComputer(ADMIN, name);
      const a = await service.createAssociation(ADMIN, {
        source: b.source,
        destination: b.destination,
        migrationBehavior: b.migrationBehavior,
        ...(b.userNames ? { userNames: b.userNames } : {}),
      });
      changed();
      return reply.status(201).send(a);
    },
  );
  app.delete('/api/smp/associations/:id', { schema: { ...doc('Delete an association'), params: IdParams } }, async (req) => {
    await service.deleteAssociation(ADMIN, req.params.id);
    changed();
    return { ok: true };
  });
}

/** State stores, their recovery information (each view audited) and the audit log. */
function registerStoreRoutes(app: SiteApp, service: SmpService, siteDb: SiteDb): void {
  app.get('/api/smp/stores', { schema: doc('State stores') }, async () => service.listStores(ADMIN));
  app.get('/api/smp/stores/:id/recovery', { schema: { ...doc('View Recovery Information (audited)'), params: IdParams } }, async (req) => {
    const info = await service.recoveryInformation(ADMIN, req.params.id);
    await appendAudit(siteDb, { actor: 'console administrator', action: 'view-recovery-key', target: req.params.id, address: req.ip });
    return info;
  });
  app.get('/api/audit', { schema: doc('Audit log (recovery key views)') }, async () => listAudit(siteDb));
}
