// Agent-facing routes: registration with the enrollment token, then bearer-credential calls to
// read policy (deployments and whether each is due), fetch a deployment's task sequence and
// variables, ask to run an available deployment, and stream status messages back.
import type { EventEmitter } from 'node:events';
import { createReadStream } from 'node:fs';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { FerryError } from '../../errors/index.ts';
import { STATUS_MESSAGES, type OsImages, type StatusKind } from '../../site/index.ts';
import type { FailedAuthLimiter } from '../auth-failures.ts';
import { DeploymentIdParams, RegisterAgentBody } from './api-schema.ts';
import { sameSecret } from '../../secrets/index.ts';
import type { SiteRepository } from '../../db/index.ts';
import type { SmpBridge } from './smp-bridge.ts';
import { agentDoc, typed, type SiteApp } from './typed.ts';

const StatusKindT = Type.Union((Object.keys(STATUS_MESSAGES) as StatusKind[]).map((k) => Type.Literal(k)));
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

declare module 'fastify' {
  interface FastifyRequest {
    siteAgent: { id: string; name: string } | null;
  }
}

/** Registration bodies are a name and a token: anything bigger is refused (413) before it is read. */
const REGISTER_BODY_LIMIT = 16 * 1024;
const ENROLL_FAILURES = new Set(['FERRY_E_AGENT_ENROLLMENT_REFUSED', 'FERRY_E_AGENT_ALREADY_REGISTERED', 'FERRY_E_AGENT_NAME_RETIRED']);

type AgentDeps = {
  repo: SiteRepository;
  events: EventEmitter;
  enrollToken: string;
  smp?: SmpBridge;
  failures: FailedAuthLimiter;
  osImages: OsImages;
};

/** The computer the request's bearer credential belongs to (set by the onRequest hook). */
function agentOf(req: FastifyRequest): { id: string; name: string } {
  if (!req.siteAgent)
    throw new FerryError('FERRY_E_AGENT_REVOKED', 'The agent is not authenticated; register it first with `ferry agent --enroll <token>`.');
  return req.siteAgent;
}

export async function registerAgentRoutes(app: FastifyInstance, deps: AgentDeps): Promise<void> {
  const { repo, failures } = deps;
  app.decorateRequest('siteAgent', null);
  // Every agent route but registration is authenticated before its body is read; a failure
  // counts against the address (30 a minute, then 429).
  app.addHook('onRequest', async (req) => {
    failures.check(req.ip);
    if (req.routeOptions.url === '/api/agent/register') return;
    const h = req.headers.authorization;
    const m = typeof h === 'string' ? /^Bearer\s+(\S+)$/i.exec(h) : null;
    req.siteAgent = await failures.guard(req.ip, async () => {
      if (!m)
        throw new FerryError(
          'FERRY_E_AGENT_REVOKED',
          'The agent sent no credential; register it first with `ferry agent --enroll <token>`.',
        );
      return repo.authenticateAgent(m[1]!);
    });
  });
  const site = typed(app);
  registerEnrollment(site, deps);
  registerRunRoutes(site, deps);
}

/** Registration with the site's enrollment token (or a reset token): returns the credential. */
function registerEnrollment(app: SiteApp, deps: AgentDeps): void {
  app.post(
    '/api/agent/register',
    {
      bodyLimit: REGISTER_BODY_LIMIT,
      schema: {
        tags: ['agent'],
        summary:
          "Register a new computer with the site's enrollment token, or a reset computer with its reset token; returns the credential",
        body: RegisterAgentBody,
      },
    },
    async (req, reply) => {
      const b = req.body;
      const r = await deps.failures.guard(
        req.ip,
        () => deps.repo.registerComputer(b.name, b.enrollToken, sameSecret(b.enrollToken, deps.enrollToken)),
        ENROLL_FAILURES,
      );
      deps.events.emit('change', { kind: 'computer', id: r.id });
      return reply.status(201).send({ computerId: r.id, credential: r.credential });
    },
  );
}

/** Policy, a deployment with its sequence and variables, image content, run requests, status. */
function registerRunRoutes(app: SiteApp, deps: AgentDeps): void {
  const { repo, events } = deps;
  app.get('/api/agent/policy', { schema: agentDoc('Deployments for this computer, each with `due`') }, async (req) => {
    const me = agentOf(req);
    return { computer: me, deployments: await repo.policyFor(me.id) };
  });

  app.get(
    '/api/agent/deployments/:id',
    { schema: { ...agentDoc('The deployment with its task sequence and variables'), params: DeploymentIdParams } },
    async (req) => {
      const me = agentOf(req);
      const id = req.params.id;
      const d = await repo.assertTargets(id, me.id);
      // Only here do password properties of the sequence leave the site in clear.
      const ts = await repo.runTaskSequence(d.taskSequenceId);
      return {
        deployment: d,
        taskSequence: { id: ts.id, name: ts.name, version: ts.version, sequence: ts.document },
        variables: await repo.runVariables(id, me.id),
        hiddenVariables: await repo.runHiddenVariableNames(id, me.id),
        packages: await repo.listPackages(),
        smp: deps.smp ? await deps.smp.credentialFor(me.name, me.id) : null,
      };
    },
  );

  app.get(
    '/api/agent/os-images/:id/content',
    { schema: { ...agentDoc('The WIM of an operating system image package (Range supported)'), params: DeploymentIdParams } },
    async (req, reply) => {
      agentOf(req);
      return sendImage(deps.osImages, req.params.id, req.headers.range, reply);
    },
  );

  app.post(
    '/api/agent/deployments/:id/request',
    { schema: { ...agentDoc('Run an available deployment now (user request)'), params: DeploymentIdParams } },
    async (req) => {
      await repo.requestRun(req.params.id, agentOf(req).id);
      return { ok: true };
    },
  );

  app.post(
    '/api/agent/deployments/:id/status',
    { schema: { ...agentDoc('Report status messages'), params: DeploymentIdParams, body: Status } },
    async (req) => {
      const me = agentOf(req);
      await repo.recordStatus(req.params.id, me.id, req.body.messages);
      events.emit('change', { kind: 'status', id: req.params.id, computerId: me.id });
      return { ok: true };
    },
  );
}

/**
 * Image content for Apply Operating System Image: Range requests resume a download; the
 * x-ferry-sha256 header is what the agent checks the whole file against.
 */
async function sendImage(osImages: OsImages, id: string, rangeHeader: string | undefined, reply: FastifyReply): Promise<FastifyReply> {
  const img = await osImages.get(id);
  if (!img || img.error)
    throw new FerryError('FERRY_E_OSIMAGE_NOT_FOUND', img?.error ?? `Operating system image package ${id} does not exist in the site.`, {
      details: { id },
    });
  const range = /^bytes=(\d+)-$/.exec(String(rangeHeader ?? '').trim());
  const start = range ? Number(range[1]) : 0;
  void reply.header('accept-ranges', 'bytes').header('x-ferry-sha256', img.sha256).type('application/octet-stream');
  if (start >= img.size && img.size > 0) return reply.status(416).header('content-range', `bytes */${img.size}`).send();
  if (range) void reply.status(206).header('content-range', `bytes ${start}-${img.size - 1}/${img.size}`);
  void reply.header('content-length', String(img.size - start));
  return reply.send(createReadStream(img.path, { start }));
}
