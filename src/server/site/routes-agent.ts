// Agent-facing routes: registration with the enrollment token, then bearer-credential calls to
// read policy (deployments and whether each is due), fetch a deployment's task sequence and
// variables, ask to run an available deployment, and stream status messages back.
import type { EventEmitter } from 'node:events';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type, type Static } from 'typebox';
import { FerryError } from '../../errors/index.ts';
import { sameSecret } from './auth.ts';
import type { SiteRepository, StatusInput } from './repository.ts';
import type { SmpBridge } from './smp-bridge.ts';
import { STATUS_MESSAGES } from './status-messages.ts';

const Register = Type.Object({ name: Type.String({ minLength: 1, maxLength: 63 }), enrollToken: Type.String({ maxLength: 200 }) });
const StatusKindT = Type.Union(Object.keys(STATUS_MESSAGES).map((k) => Type.Literal(k)));
const Status = Type.Object({
  messages: Type.Array(
    Type.Object({
      kind: StatusKindT,
      step: Type.Optional(Type.Integer({ minimum: 0 })),
      groupName: Type.Optional(Type.String({ maxLength: 300 })),
      actionName: Type.Optional(Type.String({ maxLength: 300 })),
      exitCode: Type.Optional(Type.Integer()),
      actionOutput: Type.Optional(Type.String({ maxLength: 20000 })),
      time: Type.Optional(Type.String({ maxLength: 40 })),
    }),
    { maxItems: 500 },
  ),
});
const DeploymentId = Type.Object({ id: Type.String({ maxLength: 20 }) });

export async function registerAgentRoutes(app: FastifyInstance, deps: { repo: SiteRepository; events: EventEmitter; enrollToken: string; smp?: SmpBridge }): Promise<void> {
  const { repo, events } = deps;
  const agent = (req: FastifyRequest) => {
    const h = req.headers.authorization;
    const m = typeof h === 'string' ? /^Bearer\s+(\S+)$/i.exec(h) : null;
    if (!m) throw new FerryError('FERRY_E_AGENT_REVOKED', 'The agent sent no credential; register it first with `ferry agent --enroll <token>`.');
    return repo.authenticateAgent(m[1]!);
  };
  const tag = (summary: string, extra: Record<string, unknown> = {}) => ({ schema: { tags: ['agent'], summary, security: [{ agent: [] }], ...extra } });

  app.post('/api/agent/register', { schema: { tags: ['agent'], summary: "Register a new computer with the site's enrollment token, or a reset computer with its reset token; returns the credential", body: Register } }, async (req, reply) => {
    const b = req.body as Static<typeof Register>;
    const r = await repo.registerComputer(b.name, b.enrollToken, sameSecret(b.enrollToken, deps.enrollToken));
    events.emit('change', { kind: 'computer', id: r.id });
    return reply.status(201).send({ computerId: r.id, credential: r.credential });
  });

  app.get('/api/agent/policy', tag('Deployments for this computer, each with `due`'), async (req) => {
    const me = await agent(req);
    return { computer: me, deployments: await repo.policyFor(me.id) };
  });

  app.get('/api/agent/deployments/:id', tag('The deployment with its task sequence and variables', { params: DeploymentId }), async (req) => {
    const me = await agent(req);
    const id = (req.params as { id: string }).id;
    const d = await repo.assertTargets(id, me.id);
    const ts = await repo.getTaskSequence(d.taskSequenceId);
    return {
      deployment: d,
      taskSequence: { id: ts.id, name: ts.name, version: ts.version, sequence: ts.document },
      variables: await repo.runVariables(id, me.id),
      hiddenVariables: await repo.runHiddenVariableNames(id, me.id),
      packages: await repo.listPackages(),
      smp: deps.smp ? await deps.smp.credentialFor(me.name) : null,
    };
  });

  app.post('/api/agent/deployments/:id/request', tag('Run an available deployment now (user request)', { params: DeploymentId }), async (req) => {
    const me = await agent(req);
    await repo.requestRun((req.params as { id: string }).id, me.id);
    return { ok: true };
  });

  app.post('/api/agent/deployments/:id/status', tag('Report status messages', { params: DeploymentId, body: Status }), async (req) => {
    const me = await agent(req);
    const id = (req.params as { id: string }).id;
    await repo.recordStatus(id, me.id, (req.body as Static<typeof Status>).messages as StatusInput[]);
    events.emit('change', { kind: 'status', id, computerId: me.id });
    return { ok: true };
  });
}
