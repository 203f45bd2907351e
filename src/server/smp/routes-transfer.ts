// The routes of a store's transfers: upload state, manifest and chunks for the capturing computer,
// manifest and ranged file reads for the restoring one, and Release State Store.
import type { OutgoingHttpHeaders } from 'node:http';
import { FerryError } from '../../errors/index.ts';
import { Manifest, StoreRecord, UploadState } from '../../smp/index.ts';
import { COMPUTER_TAGS, ok, principal, SECURITY, type SmpApp, type SmpRouteContext } from './plumbing.ts';
import { sendFileRange } from './send-file.ts';
import { ChunkHeaders, ChunkParams, ChunkReply, FileParams, ManifestBody, ReleaseBody, StoreIdParams } from './schemas.ts';

export function registerTransferRoutes(smp: SmpApp, { service, manifestBodyLimit }: SmpRouteContext): void {
  const schema = { tags: COMPUTER_TAGS, security: SECURITY };
  smp.get(
    '/stores/:id',
    { schema: { ...schema, summary: 'Upload state of a store (for resuming)', params: StoreIdParams, response: ok(UploadState) } },
    async (req) => service.uploadState(principal(req), req.params.id),
  );

  smp.put(
    '/stores/:id/manifest',
    {
      bodyLimit: manifestBodyLimit,
      schema: {
        ...schema,
        summary: 'Declare the files of a store being captured',
        params: StoreIdParams,
        body: ManifestBody,
        response: ok(UploadState),
      },
    },
    async (req) => service.putManifest(principal(req), req.params.id, req.body.files),
  );

  smp.put(
    '/stores/:id/files/:index/chunks/:chunk',
    {
      schema: {
        ...schema,
        summary: 'Upload one chunk (application/octet-stream; header x-ferry-sha256)',
        params: ChunkParams,
        headers: ChunkHeaders,
        response: ok(ChunkReply),
      },
    },
    async (req, reply) => {
      const { id, index, chunk } = req.params;
      const declared = Number(req.headers['content-length'] ?? Number.NaN);
      if (declared > service.chunkSize) {
        reply.raw.setHeader('connection', 'close');
        throw new FerryError('FERRY_E_SMP_TOO_LARGE', `A chunk is at most ${service.chunkSize} bytes; this one declares ${declared}.`, {
          details: { chunkSize: service.chunkSize },
        });
      }
      try {
        return await service.putChunk(principal(req), id, index, chunk, req.headers['x-ferry-sha256'], req.raw);
      } catch (err) {
        // Refused before the body was read (auth, state): do not keep a half-read connection.
        if (!req.raw.readableEnded) reply.raw.setHeader('connection', 'close');
        throw err;
      }
    },
  );

  smp.post(
    '/stores/:id/commit',
    {
      schema: {
        ...schema,
        summary: 'End an upload: the server fsyncs the store, then answers its upload state (the durability point)',
        params: StoreIdParams,
        response: ok(UploadState),
      },
    },
    async (req) => service.commit(principal(req), req.params.id),
  );

  smp.get(
    '/stores/:id/manifest',
    { schema: { ...schema, summary: 'Files of a store to restore', params: StoreIdParams, response: ok(Manifest) } },
    async (req) => service.readManifest(principal(req), req.params.id),
  );

  smp.get(
    '/stores/:id/files/:index',
    { schema: { ...schema, summary: 'Download a store file (Range supported)', params: FileParams } },
    async (req, reply) => {
      const range = parseRange(req.headers.range);
      const opened = await service.openFile(principal(req), req.params.id, req.params.index);
      const { handle, size } = opened;
      try {
        void reply.header('accept-ranges', 'bytes').header('x-ferry-sha256', opened.sha256).type('application/octet-stream');
        if (range && range.start >= size && size > 0) {
          return reply.status(416).header('content-range', `bytes */${size}`).send();
        }
        const start = range?.start ?? 0;
        const end = Math.min(range?.end ?? size - 1, size - 1);
        const length = Math.max(0, end - start + 1);
        if (range) void reply.status(206).header('content-range', `bytes ${start}-${end}/${size}`);
        void reply.header('content-length', String(length));
        // Written by hand from reused blocks (see send-file.ts); the headers set so far go with it.
        reply.hijack();
        reply.raw.writeHead(reply.statusCode, reply.getHeaders() as OutgoingHttpHeaders);
        await sendFileRange(reply.raw, handle, start, length).catch((err: unknown) => {
          req.log.warn({ err, path: opened.path }, 'download cut short');
          reply.raw.destroy();
        });
        return reply;
      } finally {
        await handle.close();
      }
    },
  );

  smp.post(
    '/stores/:id/release',
    { schema: { ...schema, summary: 'Release State Store', params: StoreIdParams, body: ReleaseBody, response: ok(StoreRecord) } },
    async (req) => {
      const b = req.body;
      return b.kind === 'capture'
        ? service.releaseCapture(principal(req), req.params.id)
        : service.releaseRestore(principal(req), req.params.id, { verified: b.verified === true, manifestDigest: b.manifestDigest ?? '' });
    },
  );
}

/** `bytes=START-` or `bytes=START-END` (one range; that is all the client asks for). */
export function parseRange(header: string | undefined): { start: number; end?: number } | undefined {
  if (!header) return undefined;
  const m = /^bytes=(\d+)-(\d*)$/.exec(header.trim());
  if (!m)
    throw new FerryError(
      'FERRY_E_INVALID_ARGUMENT',
      `Unsupported Range header ${JSON.stringify(header)}; send bytes=START- or bytes=START-END.`,
    );
  const start = Number(m[1]);
  const end = m[2] ? Number(m[2]) : undefined;
  // Past 2^53 a number is no longer an exact byte offset, and far beyond any store file.
  if (!Number.isSafeInteger(start) || (end !== undefined && !Number.isSafeInteger(end))) {
    throw new FerryError(
      'FERRY_E_INVALID_ARGUMENT',
      `The Range ${JSON.stringify(header.slice(0, 100))} is beyond any file size; send offsets below 2^53.`,
    );
  }
  if (end !== undefined && end < start) throw new FerryError('FERRY_E_INVALID_ARGUMENT', 'The Range end is before its start.');
  return end === undefined ? { start } : { start, end };
}
