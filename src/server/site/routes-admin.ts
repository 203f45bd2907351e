// Console-facing REST routes: task sequences, packages, computers, collections, deployments and
// monitoring. Bodies are checked by their JSON schemas (typebox) and then by the repository.
import type { EventEmitter } from 'node:events';
import type { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { Type, type Static } from 'typebox';
import { FerryError } from '../../errors/index.ts';
import { checkDocumentShape } from './document-shape.ts';
import type { Assignment, SiteRepository } from './repository.ts';
import type { OsImages } from './os-images.ts';
import type { SmpBridge } from './smp-bridge.ts';
import { exportSequenceXml, importSequenceXml } from './ts-xml.ts';
import { withoutMarkers } from './ts-secrets.ts';
import { imagePackageTemplate, newSequence } from './ts-document.ts';
import { TS_LIMITS, TS_REQUEST_BODY_BYTES } from '../../tasksequence/index.ts';
import { userStateTemplate } from './ts-templates.ts';
import { deploymentWarnings, userStateRole } from '../../tasksequence/index.ts';

const Id = Type.Object({ id: Type.String({ maxLength: 100 }) });
const Name = Type.String({ minLength: 1, maxLength: 200 });
const Desc = Type.String({ maxLength: 2000 });
const VariableT = Type.Object({ name: Type.String({ maxLength: 300 }), value: Type.String({ maxLength: 5000 }), hidden: Type.Boolean() });
const Sequence = Type.Object({ children: Type.Array(Type.Unknown()) }, { additionalProperties: true });

const CreateTs = Type.Object({
  name: Name,
  description: Type.Optional(Desc),
  template: Type.Optional(
    Type.Union([
      Type.Literal('custom'),
      Type.Literal('image-package'),
      Type.Literal('replace-capture'),
      Type.Literal('replace-restore'),
      Type.Literal('refresh'),
    ]),
  ),
  usmtPackageId: Type.Optional(Type.String({ maxLength: 20 })),
  /** The password restored local accounts get (replace-restore and refresh templates). */
  localAccountPassword: Type.Optional(Type.String({ maxLength: 255 })),
  /** The operating system image package: the template becomes the whole refresh. */
  imagePackageId: Type.Optional(Type.String({ maxLength: 20 })),
  imageIndex: Type.Optional(Type.Integer({ minimum: 1, maximum: 999 })),
  /** Capture locally by using links instead of a state migration point. */
  hardLinks: Type.Optional(Type.Boolean()),
  sequence: Type.Optional(Sequence),
});
const SaveTs = Type.Object({ name: Name, description: Desc, sequence: Sequence, version: Type.Integer({ minimum: 1 }) });
const ImportTs = Type.Object({
  name: Type.Optional(Name),
  description: Type.Optional(Desc),
  xml: Type.String({ minLength: 1, maxLength: 2 * TS_LIMITS.maxXmlBytes }),
});
const CreatePackage = Type.Object({
  name: Name,
  description: Type.Optional(Desc),
  source: Type.Optional(Type.String({ maxLength: 1000 })),
});
const CollectionBody = Type.Object({
  name: Name,
  description: Type.Optional(Desc),
  rule: Type.Optional(Type.Object({ namePattern: Type.String({ maxLength: 200 }) })),
  members: Type.Optional(Type.Array(Type.String({ maxLength: 100 }), { maxItems: 10000 })),
  variables: Type.Optional(Type.Array(VariableT, { maxItems: 1000 })),
});
const AssignmentT = Type.Union([
  Type.Object({ kind: Type.Literal('asap') }),
  Type.Object({ kind: Type.Literal('at'), at: Type.String({ maxLength: 40 }) }),
]);
const CreateDeployment = Type.Object({
  taskSequenceId: Type.String({ maxLength: 20 }),
  collectionId: Type.String({ maxLength: 20 }),
  purpose: Type.Union([Type.Literal('available'), Type.Literal('required')]),
  availableAt: Type.Optional(Type.String({ maxLength: 40 })),
  expiresAt: Type.Optional(Type.String({ maxLength: 40 })),
  schedule: Type.Optional(Type.Array(AssignmentT, { maxItems: 50 })),
  rerun: Type.Optional(Type.Union([Type.Literal('never'), Type.Literal('always'), Type.Literal('ifFailed'), Type.Literal('ifSucceeded')])),
  comments: Type.Optional(Type.String({ maxLength: 2000 })),
});

export async function registerAdminRoutes(
  app: FastifyInstance,
  deps: { repo: SiteRepository; events: EventEmitter; smp?: Pick<SmpBridge, 'revokeComputer' | 'associations'>; osImages: OsImages },
): Promise<void> {
  const { repo, events, osImages } = deps;
  const changed = (kind: string, id: string) => events.emit('change', { kind, id });
  const tag = (t: string, summary: string, extra: Record<string, unknown> = {}) => ({
    schema: { tags: [t], summary, security: [{ session: [], csrf: [] }], ...extra },
  });

  // ── task sequences ────────────────────────────────────────────────────────────────────
  app.get('/api/task-sequences', tag('task sequences', 'List task sequences'), async () => repo.listTaskSequences());
  app.post(
    '/api/task-sequences',
    {
      ...tag('task sequences', 'Create (custom, image-package template, or a given sequence)', { body: CreateTs }),
      bodyLimit: TS_REQUEST_BODY_BYTES,
    },
    async (req, reply) => {
      const b = req.body as Static<typeof CreateTs>;
      const pkg = b.usmtPackageId ?? (await repo.listPackages()).find((p) => p.kind === 'usmt')?.id ?? '';
      const image = b.imagePackageId ? { imagePackageId: b.imagePackageId, imageIndex: b.imageIndex ?? 1 } : {};
      const sequence = b.sequence
        ? checkDocumentShape(b.sequence)
        : b.template === 'image-package'
          ? imagePackageTemplate(pkg, { ...image, hardLinks: b.hardLinks === true })
          : b.template === 'replace-capture' || b.template === 'replace-restore' || b.template === 'refresh'
            ? userStateTemplate(b.template, pkg, b.localAccountPassword ?? '')
            : newSequence();
      const ts = await repo.createTaskSequence({ name: b.name, description: b.description ?? '', document: sequence });
      changed('task-sequence', ts.id);
      return reply.status(201).header('etag', `"${ts.version}"`).send(ts);
    },
  );
  app.post(
    '/api/task-sequences/import',
    { ...tag('task sequences', 'Import a task sequence XML', { body: ImportTs }), bodyLimit: TS_REQUEST_BODY_BYTES },
    async (req, reply) => {
      const b = req.body as Static<typeof ImportTs>;
      const imported = importSequenceXml(b.xml);
      const ts = await repo.createTaskSequence({
        name: b.name ?? imported.name ?? 'Imported task sequence',
        description: b.description ?? imported.description ?? '',
        document: imported,
      });
      changed('task-sequence', ts.id);
      return reply.status(201).send(ts);
    },
  );
  app.post(
    '/api/task-sequences/validate',
    {
      ...tag('task sequences', 'Validate a sequence without saving', { body: Type.Object({ sequence: Sequence }) }),
      bodyLimit: TS_REQUEST_BODY_BYTES,
    },
    async (req) => {
      const sequence = checkDocumentShape((req.body as { sequence: unknown }).sequence);
      return { problems: await repo.problems(sequence) };
    },
  );
  app.get('/api/task-sequences/:id', tag('task sequences', 'Get a task sequence (ETag = version)', { params: Id }), async (req, reply) => {
    const ts = await repo.getTaskSequence((req.params as { id: string }).id);
    return reply.header('etag', `"${ts.version}"`).send(ts);
  });
  app.put(
    '/api/task-sequences/:id',
    {
      ...tag('task sequences', 'Save a new version; 409 if `version` is not current', { params: Id, body: SaveTs }),
      bodyLimit: TS_REQUEST_BODY_BYTES,
    },
    async (req, reply) => {
      const b = req.body as Static<typeof SaveTs>;
      const ifMatch = req.headers['if-match'];
      const expected = typeof ifMatch === 'string' ? Number(ifMatch.replace(/"/g, '')) : b.version;
      if (!Number.isInteger(expected))
        throw new FerryError('FERRY_E_SITE_INVALID', 'If-Match must be the version number (ETag) of the task sequence.');
      const ts = await repo.saveTaskSequence((req.params as { id: string }).id, expected, {
        name: b.name,
        description: b.description,
        document: checkDocumentShape(b.sequence),
      });
      changed('task-sequence', ts.id);
      return reply.header('etag', `"${ts.version}"`).send(ts);
    },
  );
  app.delete('/api/task-sequences/:id', tag('task sequences', 'Delete (refused while deployed)', { params: Id }), async (req) => {
    const id = (req.params as { id: string }).id;
    await repo.deleteTaskSequence(id);
    changed('task-sequence', id);
    return { ok: true };
  });
  app.post(
    '/api/task-sequences/:id/copy',
    tag('task sequences', 'Copy', { params: Id, body: Type.Object({ name: Type.Optional(Name) }) }),
    async (req, reply) => {
      const ts = await repo.copyTaskSequence((req.params as { id: string }).id, (req.body as { name?: string }).name);
      changed('task-sequence', ts.id);
      return reply.status(201).send(ts);
    },
  );
  app.get('/api/task-sequences/:id/versions', tag('task sequences', 'Saved versions', { params: Id }), async (req) =>
    repo.listVersions((req.params as { id: string }).id),
  );
  app.get(
    '/api/task-sequences/:id/versions/:version',
    tag('task sequences', 'One saved version', { params: Type.Object({ id: Type.String(), version: Type.Integer() }) }),
    async (req) => {
      const p = req.params as { id: string; version: number };
      return repo.getVersion(p.id, p.version);
    },
  );
  app.get(
    '/api/task-sequences/:id/versions/:version/export',
    tag('task sequences', 'Export one saved version as XML', { params: Type.Object({ id: Type.String(), version: Type.Integer() }) }),
    async (req, reply) => {
      const p = req.params as { id: string; version: number };
      const v = await repo.getVersion(p.id, p.version);
      const xml = exportSequenceXml({ ...withoutMarkers(v.document), name: v.name, description: v.description });
      return reply
        .type('application/xml; charset=utf-8')
        .header('content-disposition', `attachment; filename="${p.id}-v${v.version}.xml"`)
        .send(xml);
    },
  );
  app.get(
    '/api/task-sequences/:id/export',
    tag('task sequences', 'Export as ConfigMgr task sequence XML', { params: Id }),
    async (req, reply) => {
      const ts = await repo.getTaskSequence((req.params as { id: string }).id);
      const xml = exportSequenceXml({ ...withoutMarkers(ts.document), name: ts.name, description: ts.description });
      const file = `${ts.id}.xml`;
      return reply.type('application/xml; charset=utf-8').header('content-disposition', `attachment; filename="${file}"`).send(xml);
    },
  );

  // ── packages ──────────────────────────────────────────────────────────────────────────
  app.get('/api/packages', tag('packages', 'List packages'), async () => repo.listPackages());
  app.post('/api/packages', tag('packages', 'Add a USMT package', { body: CreatePackage }), async (req, reply) => {
    const b = req.body as Static<typeof CreatePackage>;
    const id = await repo.createPackage({
      name: b.name,
      description: b.description ?? '',
      kind: 'usmt',
      source: b.source ?? 'builtin:ferry-usmt',
    });
    changed('package', id);
    return reply.status(201).send((await repo.listPackages()).find((p) => p.id === id));
  });
  app.delete('/api/packages/:id', tag('packages', 'Delete a package', { params: Id }), async (req) => {
    await repo.deletePackage((req.params as { id: string }).id);
    return { ok: true };
  });

  // ── operating system images ─────────────────────────────────────────────────────────────
  const RegisterImage = Type.Object({ name: Name, description: Type.Optional(Desc), path: Type.String({ minLength: 1, maxLength: 1000 }) });
  const UploadQuery = Type.Object({ name: Name, description: Type.Optional(Desc) });
  app.addContentTypeParser('application/octet-stream', (_req, payload, done) => done(null, payload));
  app.get(
    '/api/os-images',
    tag('operating system images', 'Operating system image packages with the images of each WIM (wiminfo)'),
    async () => osImages.list(),
  );
  app.post(
    '/api/os-images',
    tag('operating system images', 'Register a WIM by its path on the site server', { body: RegisterImage }),
    async (req, reply) => {
      const img = await osImages.register(req.body as Static<typeof RegisterImage>);
      changed('package', img.id);
      return reply.status(201).send(img);
    },
  );
  app.put(
    '/api/os-images/upload',
    tag('operating system images', 'Upload a WIM (application/octet-stream) into the site and register it', { querystring: UploadQuery }),
    async (req, reply) => {
      const q = req.query as Static<typeof UploadQuery>;
      if (!(req.body && typeof (req.body as { pipe?: unknown }).pipe === 'function'))
        throw new FerryError('FERRY_E_INVALID_ARGUMENT', 'Send the WIM file as application/octet-stream.');
      const img = await osImages.upload(q, req.body as Readable);
      changed('package', img.id);
      return reply.status(201).send(img);
    },
  );
  app.delete(
    '/api/os-images/:id',
    tag('operating system images', 'Delete an image package (and its uploaded file)', { params: Id }),
    async (req) => {
      await osImages.remove((req.params as { id: string }).id);
      changed('package', (req.params as { id: string }).id);
      return { ok: true };
    },
  );

  // ── computers ─────────────────────────────────────────────────────────────────────────
  app.get('/api/computers', tag('computers', 'Registered computers'), async () => repo.listComputers());
  app.get(
    '/api/computers/retired',
    tag('computers', 'Deleted computers: each name stays unusable until reset (POST /api/computers/{id}/reset)'),
    async () => repo.listRetiredComputers(),
  );
  app.get('/api/computers/:id', tag('computers', 'One computer', { params: Id }), async (req) =>
    repo.getComputer((req.params as { id: string }).id),
  );
  app.put(
    '/api/computers/:id/variables',
    tag('computers', 'Set device variables', { params: Id, body: Type.Object({ variables: Type.Array(VariableT, { maxItems: 1000 }) }) }),
    async (req) => {
      const id = (req.params as { id: string }).id;
      await repo.setComputerVariables(id, (req.body as { variables: Static<typeof VariableT>[] }).variables);
      changed('computer', id);
      return repo.getComputer(id);
    },
  );
  // The agent's SMP credential goes with its site credential: the SMP refuses it at once.
  app.post(
    '/api/computers/:id/revoke',
    tag('computers', 'Revoke the agent credential (and its State Migration Point credential)', { params: Id }),
    async (req) => {
      const id = (req.params as { id: string }).id;
      const { name } = await repo.getComputer(id);
      await repo.setComputerRevoked(id, true);
      await deps.smp?.revokeComputer(name);
      changed('computer', id);
      return repo.getComputer(id);
    },
  );
  app.post(
    '/api/computers/:id/reset',
    tag('computers', "Reset: a one-time enrollment token (shown once, valid a day) with which the computer's agent re-registers", {
      params: Id,
    }),
    async (req) => {
      const id = (req.params as { id: string }).id;
      const r = await repo.resetComputer(id);
      changed('computer', id);
      return r;
    },
  );
  app.delete(
    '/api/computers/:id',
    tag('computers', 'Delete a computer record (its State Migration Point credential is revoked)', { params: Id }),
    async (req) => {
      const id = (req.params as { id: string }).id;
      const { name } = await repo.getComputer(id);
      await repo.deleteComputer(id);
      await deps.smp?.revokeComputer(name);
      changed('computer', id);
      return { ok: true };
    },
  );

  // ── collections ───────────────────────────────────────────────────────────────────────
  const collectionInput = (b: Static<typeof CollectionBody>) => ({
    name: b.name,
    description: b.description ?? '',
    rule: b.rule ?? { namePattern: '' },
    members: b.members ?? [],
    variables: b.variables ?? [],
  });
  app.get('/api/collections', tag('collections', 'Device collections'), async () => repo.listCollections());
  app.get('/api/collections/:id', tag('collections', 'One collection', { params: Id }), async (req) =>
    repo.getCollection((req.params as { id: string }).id),
  );
  app.post('/api/collections', tag('collections', 'Create a collection', { body: CollectionBody }), async (req, reply) => {
    const c = await repo.createCollection(collectionInput(req.body as Static<typeof CollectionBody>));
    changed('collection', c.id);
    return reply.status(201).send(c);
  });
  app.put(
    '/api/collections/:id',
    tag('collections', 'Update members, rule and variables', { params: Id, body: CollectionBody }),
    async (req) => {
      const c = await repo.updateCollection((req.params as { id: string }).id, collectionInput(req.body as Static<typeof CollectionBody>));
      changed('collection', c.id);
      return c;
    },
  );
  app.delete('/api/collections/:id', tag('collections', 'Delete (refused while deployed to)', { params: Id }), async (req) => {
    const id = (req.params as { id: string }).id;
    await repo.deleteCollection(id);
    changed('collection', id);
    return { ok: true };
  });

  // ── deployments and monitoring ────────────────────────────────────────────────────────
  app.get('/api/deployments', tag('deployments', 'Deployments with status counts'), async () => repo.listDeployments());
  app.get(
    '/api/deployments/check',
    tag('deployments', 'What deploying this sequence to this collection would get wrong (association missing, capture on a destination)', {
      querystring: Type.Object({ taskSequenceId: Type.String({ maxLength: 20 }), collectionId: Type.String({ maxLength: 20 }) }),
    }),
    async (req) => {
      const q = req.query as { taskSequenceId: string; collectionId: string };
      const ts = await repo.getTaskSequence(q.taskSequenceId);
      const members = new Set((await repo.getCollection(q.collectionId)).members);
      const names = (await repo.listComputers()).filter((c) => members.has(c.id)).map((c) => c.name);
      return { warnings: deploymentWarnings(userStateRole(ts.document), names, deps.smp ? await deps.smp.associations() : []) };
    },
  );
  app.post(
    '/api/deployments',
    tag('deployments', 'Deploy a task sequence to a collection', { body: CreateDeployment }),
    async (req, reply) => {
      const b = req.body as Static<typeof CreateDeployment>;
      const d = await repo.createDeployment({
        taskSequenceId: b.taskSequenceId,
        collectionId: b.collectionId,
        purpose: b.purpose,
        ...(b.availableAt ? { availableAt: b.availableAt } : {}),
        ...(b.expiresAt ? { expiresAt: b.expiresAt } : {}),
        schedule: (b.schedule ?? (b.purpose === 'required' ? [{ kind: 'asap' }] : [])) as Assignment[],
        rerun: b.rerun ?? 'always',
        comments: b.comments ?? '',
      });
      changed('deployment', d.id);
      return reply.status(201).send(d);
    },
  );
  app.get('/api/deployments/:id', tag('deployments', 'One deployment', { params: Id }), async (req) =>
    repo.getDeployment((req.params as { id: string }).id),
  );
  app.delete('/api/deployments/:id', tag('deployments', 'Delete a deployment and its status', { params: Id }), async (req) => {
    const id = (req.params as { id: string }).id;
    await repo.deleteDeployment(id);
    changed('deployment', id);
    return { ok: true };
  });
  app.get('/api/deployments/:id/status', tag('monitoring', 'Per-computer status category'), async (req) =>
    repo.deploymentStatus((req.params as { id: string }).id),
  );
  app.get(
    '/api/deployments/:id/computers/:computerId/messages',
    tag('monitoring', 'Status messages of one computer (step history)', {
      params: Type.Object({ id: Type.String(), computerId: Type.String() }),
    }),
    async (req) => {
      const p = req.params as { id: string; computerId: string };
      return repo.statusMessages(p.id, p.computerId);
    },
  );
}
