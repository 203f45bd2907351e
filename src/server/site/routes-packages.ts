// Console routes of the software library: USMT packages and operating system image packages
// (a WIM registered by its path on the site server, or uploaded into the site).
import type { Readable } from 'node:stream';
import { FerryError } from '../../errors/index.ts';
import type { OsImages } from '../../site/index.ts';
import { CreatePackageBody, IdParams, RegisterImageBody, UploadImageQuery } from './api-schema.ts';
import type { SiteRepository } from '../../db/index.ts';
import { consoleDoc, type Changed, type SiteApp } from './typed.ts';

const isStream = (body: unknown): body is Readable => !!body && typeof (body as { pipe?: unknown }).pipe === 'function';

export function registerPackageRoutes(app: SiteApp, repo: SiteRepository, changed: Changed): void {
  const doc = (summary: string) => consoleDoc('packages', summary);
  app.get('/api/packages', { schema: doc('List packages') }, async () => repo.listPackages());
  app.post('/api/packages', { schema: { ...doc('Add a USMT package'), body: CreatePackageBody } }, async (req, reply) => {
    const b = req.body;
    const id = await repo.createPackage({
      name: b.name,
      description: b.description ?? '',
      kind: 'usmt',
      source: b.source ?? 'builtin:ferry-usmt',
    });
    changed('package', id);
    return reply.status(201).send((await repo.listPackages()).find((p) => p.id === id));
  });
  app.delete('/api/packages/:id', { schema: { ...doc('Delete a package'), params: IdParams } }, async (req) => {
    await repo.deletePackage(req.params.id);
    return { ok: true };
  });
}

export function registerOsImageRoutes(app: SiteApp, osImages: OsImages, changed: Changed): void {
  const doc = (summary: string) => consoleDoc('operating system images', summary);
  app.addContentTypeParser('application/octet-stream', (_req, payload, done) => done(null, payload));
  app.get('/api/os-images', { schema: doc('Operating system image packages with the images of each WIM (wiminfo)') }, async () =>
    osImages.list(),
  );
  app.post(
    '/api/os-images',
    { schema: { ...doc('Register a WIM by its path on the site server'), body: RegisterImageBody } },
    async (req, reply) => {
      const img = await osImages.register(req.body);
      changed('package', img.id);
      return reply.status(201).send(img);
    },
  );
  app.put(
    '/api/os-images/upload',
    { schema: { ...doc('Upload a WIM (application/octet-stream) into the site and register it'), querystring: UploadImageQuery } },
    async (req, reply) => {
      const body: unknown = req.body;
      if (!isStream(body)) throw new FerryError('FERRY_E_INVALID_ARGUMENT', 'Send the WIM file as application/octet-stream.');
      const img = await osImages.upload(req.query, body);
      changed('package', img.id);
      return reply.status(201).send(img);
    },
  );
  app.delete(
    '/api/os-images/:id',
    { schema: { ...doc('Delete an image package (and its uploaded file)'), params: IdParams } },
    async (req) => {
      await osImages.remove(req.params.id);
      changed('package', req.params.id);
      return { ok: true };
    },
  );
}
