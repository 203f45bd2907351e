// Console routes of the assets: registered computers (device variables, revoke, reset, delete;
// the State Migration Point credential goes with the site credential) and device collections.
import { CollectionBody, IdParams, SetVariablesBody } from './api-schema.ts';
import type { SiteRepository } from '../../db/index.ts';
import type { SmpBridge } from './smp-bridge.ts';
import { consoleDoc, type Changed, type SiteApp } from './typed.ts';

export function registerComputerRoutes(
  app: SiteApp,
  repo: SiteRepository,
  changed: Changed,
  smp: Pick<SmpBridge, 'revokeComputer'> | undefined,
): void {
  const doc = (summary: string) => consoleDoc('computers', summary);
  app.get('/api/computers', { schema: doc('Registered computers') }, async () => repo.listComputers());
  app.get(
    '/api/computers/retired',
    { schema: doc('Deleted computers: each name stays unusable until reset (POST /api/computers/{id}/reset)') },
    async () => repo.listRetiredComputers(),
  );
  app.get('/api/computers/:id', { schema: { ...doc('One computer'), params: IdParams } }, async (req) => repo.getComputer(req.params.id));
  app.put(
    '/api/computers/:id/variables',
    { schema: { ...doc('Set device variables'), params: IdParams, body: SetVariablesBody } },
    async (req) => {
      await repo.setComputerVariables(req.params.id, req.body.variables);
      changed('computer', req.params.id);
      return repo.getComputer(req.params.id);
    },
  );
  // The agent's SMP credential goes with its site credential: the SMP refuses it at once.
  app.post(
    '/api/computers/:id/revoke',
    { schema: { ...doc('Revoke the agent credential (and its State Migration Point credential)'), params: IdParams } },
    async (req) => {
      const id = req.params.id;
      const { name } = await repo.getComputer(id);
      await repo.setComputerRevoked(id, true);
      await smp?.revokeComputer(name);
      changed('computer', id);
      return repo.getComputer(id);
    },
  );
  app.post(
    '/api/computers/:id/reset',
    {
      schema: {
        ...doc("Reset: a one-time enrollment token (shown once, valid a day) with which the computer's agent re-registers"),
        params: IdParams,
      },
    },
    async (req) => {
      const r = await repo.resetComputer(req.params.id);
      changed('computer', req.params.id);
      return r;
    },
  );
  app.delete(
    '/api/computers/:id',
    { schema: { ...doc('Delete a computer record (its State Migration Point credential is revoked)'), params: IdParams } },
    async (req) => {
      const id = req.params.id;
      const { name } = await repo.getComputer(id);
      await repo.deleteComputer(id);
      await smp?.revokeComputer(name);
      changed('computer', id);
      return { ok: true };
    },
  );
}

const collectionInput = (b: CollectionBody) => ({
  name: b.name,
  description: b.description ?? '',
  rule: b.rule ?? { namePattern: '' },
  members: b.members ?? [],
  variables: b.variables ?? [],
});

export function registerCollectionRoutes(app: SiteApp, repo: SiteRepository, changed: Changed): void {
  const doc = (summary: string) => consoleDoc('collections', summary);
  app.get('/api/collections', { schema: doc('Device collections') }, async () => repo.listCollections());
  app.get('/api/collections/:id', { schema: { ...doc('One collection'), params: IdParams } }, async (req) =>
    repo.getCollection(req.params.id),
  );
  app.post('/api/collections', { schema: { ...doc('Create a collection'), body: CollectionBody } }, async (req, reply) => {
    const c = await repo.createCollection(collectionInput(req.body));
    changed('collection', c.id);
    return reply.status(201).send(c);
  });
  app.put(
    '/api/collections/:id',
    { schema: { ...doc('Update members, rule and variables'), params: IdParams, body: CollectionBody } },
    async (req) => {
      const c = await repo.updateCollection(req.params.id, collectionInput(req.body));
      changed('collection', c.id);
      return c;
    },
  );
  app.delete('/api/collections/:id', { schema: { ...doc('Delete (refused while deployed to)'), params: IdParams } }, async (req) => {
    await repo.deleteCollection(req.params.id);
    changed('collection', req.params.id);
    return { ok: true };
  });
}
