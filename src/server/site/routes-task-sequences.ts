// Console routes of the task sequences: list, create (from a template, a given sequence or an
// imported XML), validate, save a version (optimistic concurrency by ETag), copy, delete, the
// saved versions, and export as ConfigMgr XML.
import { FerryError } from '../../errors/index.ts';
import { parseSequenceDocument } from '../../site/index.ts';
import { TS_REQUEST_BODY_BYTES, type TaskSequence } from '../../tasksequence/index.ts';
import { CopyTsBody, CreateTsBody, IdParams, ImportTsBody, SaveTsBody, ValidateTsBody, VersionParams } from './api-schema.ts';
import type { SiteRepository } from '../../db/index.ts';
import {
  exportSequenceXml,
  imagePackageTemplate,
  importSequenceXml,
  newSequence,
  userStateTemplate,
  withoutMarkers,
} from '../../site/index.ts';
import { consoleDoc, type Changed, type SiteApp } from './typed.ts';

const doc = (summary: string) => consoleDoc('task sequences', summary);

/** The sequence a new task sequence starts with: the one given, or the template's. */
async function initialSequence(repo: SiteRepository, b: CreateTsBody): Promise<TaskSequence> {
  if (b.sequence) return parseSequenceDocument(b.sequence);
  const pkg = b.usmtPackageId ?? (await repo.listPackages()).find((p) => p.kind === 'usmt')?.id ?? '';
  if (b.template === 'image-package') {
    const image = b.imagePackageId ? { imagePackageId: b.imagePackageId, imageIndex: b.imageIndex ?? 1 } : {};
    return imagePackageTemplate(pkg, { ...image, hardLinks: b.hardLinks === true });
  }
  if (b.template === 'replace-capture' || b.template === 'replace-restore' || b.template === 'refresh')
    return userStateTemplate(b.template, pkg, b.localAccountPassword ?? '');
  return newSequence();
}

/** The task sequence as ConfigMgr XML, without the editor's password markers. */
function xmlOf(v: { document: TaskSequence; name: string; description: string }): string {
  return exportSequenceXml({ ...withoutMarkers(v.document), name: v.name, description: v.description });
}

export function registerTaskSequenceRoutes(app: SiteApp, repo: SiteRepository, changed: Changed): void {
  app.get('/api/task-sequences', { schema: doc('List task sequences') }, async () => repo.listTaskSequences());
  app.post(
    '/api/task-sequences',
    {
      schema: { ...doc('Create (custom, image-package template, or a given sequence)'), body: CreateTsBody },
      bodyLimit: TS_REQUEST_BODY_BYTES,
    },
    async (req, reply) => {
      const sequence = await initialSequence(repo, req.body);
      const ts = await repo.createTaskSequence({ name: req.body.name, description: req.body.description ?? '', document: sequence });
      changed('task-sequence', ts.id);
      return reply.status(201).header('etag', `"${ts.version}"`).send(ts);
    },
  );
  app.post(
    '/api/task-sequences/import',
    { schema: { ...doc('Import a task sequence XML'), body: ImportTsBody }, bodyLimit: TS_REQUEST_BODY_BYTES },
    async (req, reply) => {
      const b = req.body;
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
    { schema: { ...doc('Validate a sequence without saving'), body: ValidateTsBody }, bodyLimit: TS_REQUEST_BODY_BYTES },
    async (req) => ({ problems: await repo.problems(parseSequenceDocument(req.body.sequence)) }),
  );
  app.get(
    '/api/task-sequences/:id',
    { schema: { ...doc('Get a task sequence (ETag = version)'), params: IdParams } },
    async (req, reply) => {
      const ts = await repo.getTaskSequence(req.params.id);
      return reply.header('etag', `"${ts.version}"`).send(ts);
    },
  );
  app.put(
    '/api/task-sequences/:id',
    {
      schema: { ...doc('Save a new version; 409 if `version` is not current'), params: IdParams, body: SaveTsBody },
      bodyLimit: TS_REQUEST_BODY_BYTES,
    },
    async (req, reply) => {
      const b = req.body;
      const ifMatch = req.headers['if-match'];
      const expected = typeof ifMatch === 'string' ? Number(ifMatch.replace(/"/g, '')) : b.version;
      if (!Number.isInteger(expected))
        throw new FerryError('FERRY_E_SITE_INVALID', 'If-Match must be the version number (ETag) of the task sequence.');
      const ts = await repo.saveTaskSequence(req.params.id, expected, {
        name: b.name,
        description: b.description,
        document: parseSequenceDocument(b.sequence),
      });
      changed('task-sequence', ts.id);
      return reply.header('etag', `"${ts.version}"`).send(ts);
    },
  );
  app.delete('/api/task-sequences/:id', { schema: { ...doc('Delete (refused while deployed)'), params: IdParams } }, async (req) => {
    await repo.deleteTaskSequence(req.params.id);
    changed('task-sequence', req.params.id);
    return { ok: true };
  });
  app.post('/api/task-sequences/:id/copy', { schema: { ...doc('Copy'), params: IdParams, body: CopyTsBody } }, async (req, reply) => {
    const ts = await repo.copyTaskSequence(req.params.id, req.body.name);
    changed('task-sequence', ts.id);
    return reply.status(201).send(ts);
  });
  registerVersionRoutes(app, repo);
}

/** Saved versions, one version, and XML export of a version or of the current sequence. */
function registerVersionRoutes(app: SiteApp, repo: SiteRepository): void {
  app.get('/api/task-sequences/:id/versions', { schema: { ...doc('Saved versions'), params: IdParams } }, async (req) =>
    repo.listVersions(req.params.id),
  );
  app.get('/api/task-sequences/:id/versions/:version', { schema: { ...doc('One saved version'), params: VersionParams } }, async (req) =>
    repo.getVersion(req.params.id, req.params.version),
  );
  app.get(
    '/api/task-sequences/:id/versions/:version/export',
    { schema: { ...doc('Export one saved version as XML'), params: VersionParams } },
    async (req, reply) => {
      const v = await repo.getVersion(req.params.id, req.params.version);
      return reply
        .type('application/xml; charset=utf-8')
        .header('content-disposition', `attachment; filename="${req.params.id}-v${v.version}.xml"`)
        .send(xmlOf(v));
    },
  );
  app.get(
    '/api/task-sequences/:id/export',
    { schema: { ...doc('Export as ConfigMgr task sequence XML'), params: IdParams } },
    async (req, reply) => {
      const ts = await repo.getTaskSequence(req.params.id);
      return reply
        .type('application/xml; charset=utf-8')
        .header('content-disposition', `attachment; filename="${ts.id}.xml"`)
        .send(xmlOf(ts));
    },
  );
}
