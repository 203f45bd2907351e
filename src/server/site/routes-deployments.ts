// Console routes of deployments and monitoring: deploy a task sequence to a collection (with
// the checks of what it would get wrong), list and delete deployments, per-computer status and
// each computer's status messages.
import { deploymentWarnings, userStateRole } from '../../tasksequence/index.ts';
import {
  ComputerMessagesParams,
  CreateDeploymentBody,
  DeploymentCheckQuery,
  DeploymentStatusParams,
  IdParams,
  type Assignment,
} from './api-schema.ts';
import type { SiteRepository } from '../../db/index.ts';
import type { SmpBridge } from './smp-bridge.ts';
import { consoleDoc, type Changed, type SiteApp } from './typed.ts';

/** What deploying the sequence to the collection would get wrong (association missing, capture on a destination). */
async function deploymentCheck(
  repo: SiteRepository,
  smp: Pick<SmpBridge, 'associations'> | undefined,
  q: { taskSequenceId: string; collectionId: string },
): Promise<{ warnings: string[] }> {
  const ts = await repo.getTaskSequence(q.taskSequenceId);
  const members = new Set((await repo.getCollection(q.collectionId)).members);
  const names = (await repo.listComputers()).filter((c) => members.has(c.id)).map((c) => c.name);
  return { warnings: deploymentWarnings(userStateRole(ts.document), names, smp ? await smp.associations() : []) };
}

export function registerDeploymentRoutes(
  app: SiteApp,
  repo: SiteRepository,
  changed: Changed,
  smp: Pick<SmpBridge, 'associations'> | undefined,
): void {
  const doc = (summary: string) => consoleDoc('deployments', summary);
  app.get('/api/deployments', { schema: doc('Deployments with status counts') }, async () => repo.listDeployments());
  app.get(
    '/api/deployments/check',
    {
      schema: {
        ...doc('What deploying this sequence to this collection would get wrong (association missing, capture on a destination)'),
        querystring: DeploymentCheckQuery,
      },
    },
    async (req) => deploymentCheck(repo, smp, req.query),
  );
  app.post(
    '/api/deployments',
    { schema: { ...doc('Deploy a task sequence to a collection'), body: CreateDeploymentBody } },
    async (req, reply) => {
      const b = req.body;
      const asap: Assignment[] = [{ kind: 'asap' }];
      const d = await repo.createDeployment({
        taskSequenceId: b.taskSequenceId,
        collectionId: b.collectionId,
        purpose: b.purpose,
        ...(b.availableAt ? { availableAt: b.availableAt } : {}),
        ...(b.expiresAt ? { expiresAt: b.expiresAt } : {}),
        schedule: b.schedule ?? (b.purpose === 'required' ? asap : []),
        rerun: b.rerun ?? 'always',
        comments: b.comments ?? '',
      });
      changed('deployment', d.id);
      return reply.status(201).send(d);
    },
  );
  app.get('/api/deployments/:id', { schema: { ...doc('One deployment'), params: IdParams } }, async (req) =>
    repo.getDeployment(req.params.id),
  );
  app.delete('/api/deployments/:id', { schema: { ...doc('Delete a deployment and its status'), params: IdParams } }, async (req) => {
    await repo.deleteDeployment(req.params.id);
    changed('deployment', req.params.id);
    return { ok: true };
  });
  const monitoring = (summary: string) => consoleDoc('monitoring', summary);
  app.get(
    '/api/deployments/:id/status',
    { schema: { ...monitoring('Per-computer status category'), params: DeploymentStatusParams } },
    async (req) => repo.deploymentStatus(req.params.id),
  );
  app.get(
    '/api/deployments/:id/computers/:computerId/messages',
    { schema: { ...monitoring('Status messages of one computer (step history)'), params: ComputerMessagesParams } },
    async (req) => repo.statusMessages(req.params.id, req.params.computerId),
  );
}
