// Migration reports and live progress. Agents upload the capture/restore report each USMT step
// wrote (src/report) and post the running step's progress; the console reads both. Reports are
// kept per run (deployment, computer, kind: the latest upload wins); progress lives in memory
// only (it is stale the moment a run ends) and is pushed to consoles as `progress` events.
import type { EventEmitter } from 'node:events';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type, type Static } from 'typebox';
import { FerryError } from '../../errors/index.ts';
import { renderReportHtml } from '../../report/index.ts';
import { parseReport, type MigrationReport } from '../../report/index.ts';
import type { SiteRepository } from './repository.ts';

const Kind = Type.Union([Type.Literal('capture'), Type.Literal('restore')]);
const RunParams = Type.Object({ id: Type.String({ maxLength: 20 }), kind: Kind });
const ConsoleParams = Type.Object({ id: Type.String({ maxLength: 20 }), computerId: Type.String({ maxLength: 64 }) });
const DownloadParams = Type.Object({
  id: Type.String({ maxLength: 20 }),
  computerId: Type.String({ maxLength: 64 }),
  kind: Kind,
  format: Type.Union([Type.Literal('json'), Type.Literal('html')]),
});
export const ProgressBody = Type.Object({
  step: Type.String({ maxLength: 300 }),
  stepIndex: Type.Integer({ minimum: 0 }),
  stepCount: Type.Integer({ minimum: 0 }),
  phase: Type.Optional(Type.String({ maxLength: 100 })),
  percent: Type.Optional(Type.Number({ minimum: 0, maximum: 100 })),
  bytesDone: Type.Optional(Type.Number({ minimum: 0 })),
  bytesTotal: Type.Optional(Type.Number({ minimum: 0 })),
  etaSeconds: Type.Optional(Type.Number({ minimum: 0 })),
  running: Type.Boolean(),
});
export type Progress = Static<typeof ProgressBody> & { computerId: string; at: string };

/** A report body may hold a few thousand paths. */
const REPORT_BODY_LIMIT = 16 * 1024 * 1024;

export async function registerReportRoutes(
  app: FastifyInstance,
  deps: { repo: SiteRepository; events: EventEmitter; progress: Map<string, Map<string, Progress>> },
  side: 'agent' | 'console',
): Promise<void> {
  const { repo, events, progress } = deps;
  if (side === 'agent') {
    const agent = async (req: FastifyRequest) => {
      const h = req.headers.authorization;
      const m = typeof h === 'string' ? /^Bearer\s+(\S+)$/i.exec(h) : null;
      if (!m)
        throw new FerryError(
          'FERRY_E_AGENT_REVOKED',
          'The agent sent no credential; register it first with `ferry agent --enroll <token>`.',
        );
      const me = await repo.authenticateAgent(m[1]!);
      await repo.assertTargets((req.params as { id: string }).id, me.id);
      return me;
    };
    const tag = (summary: string, extra: Record<string, unknown> = {}) => ({
      schema: { tags: ['agent'], summary, security: [{ agent: [] }], ...extra },
    });

    app.put(
      '/api/agent/deployments/:id/reports/:kind',
      {
        bodyLimit: REPORT_BODY_LIMIT,
        ...tag('Upload the migration report of a capture or restore (docs/report-format.md)', { params: RunParams }),
      },
      async (req) => {
        const me = await agent(req);
        const { id, kind } = req.params as Static<typeof RunParams>;
        let report: MigrationReport;
        try {
          report = parseReport(req.body);
        } catch (err) {
          throw new FerryError(
            'FERRY_E_REPORT_INVALID',
            `The uploaded report is not a migration report of version 1: ${(err as Error).message.slice(0, 500)}`,
          );
        }
        if (report.kind !== kind)
          throw new FerryError('FERRY_E_REPORT_INVALID', `The uploaded report is a ${report.kind} report, not a ${kind} report.`);
        const row = { deployment_id: id, computer_id: me.id, kind, body: JSON.stringify(report), received_at: new Date().toISOString() };
        await repo.db
          .deleteFrom('migration_reports')
          .where('deployment_id', '=', id)
          .where('computer_id', '=', me.id)
          .where('kind', '=', kind)
          .execute();
        await repo.db.insertInto('migration_reports').values(row).execute();
        events.emit('change', { kind: 'report', id, computerId: me.id });
        return { ok: true };
      },
    );

    app.post(
      '/api/agent/deployments/:id/progress',
      tag('Progress of the running step (step N of M, percent, bytes, ETA)', {
        params: Type.Object({ id: Type.String({ maxLength: 20 }) }),
        body: ProgressBody,
      }),
      async (req) => {
        const me = await agent(req);
        const id = (req.params as { id: string }).id;
        const p: Progress = { ...(req.body as Static<typeof ProgressBody>), computerId: me.id, at: new Date().toISOString() };
        let runs = progress.get(id);
        if (!runs) progress.set(id, (runs = new Map()));
        runs.set(me.id, p);
        events.emit('progress', { id, ...p });
        return { ok: true };
      },
    );
    return;
  }

  const tag = (summary: string, extra: Record<string, unknown> = {}) => ({ schema: { tags: ['monitoring'], summary, ...extra } });
  const load = async (id: string, computerId: string) => {
    const rows = await repo.db
      .selectFrom('migration_reports')
      .selectAll()
      .where('deployment_id', '=', id)
      .where('computer_id', '=', computerId)
      .execute();
    return rows
      .map((r) => ({ kind: r.kind as 'capture' | 'restore', receivedAt: r.received_at, report: JSON.parse(r.body) as MigrationReport }))
      .sort((a, b) => a.kind.localeCompare(b.kind));
  };

  app.get(
    '/api/deployments/:id/computers/:computerId/reports',
    tag("A computer's capture and restore reports", { params: ConsoleParams }),
    async (req) => {
      const { id, computerId } = req.params as Static<typeof ConsoleParams>;
      return load(id, computerId);
    },
  );

  app.get(
    '/api/deployments/:id/computers/:computerId/reports/:kind.:format',
    tag('Download a report as JSON or as its self-contained HTML page', { params: DownloadParams }),
    async (req, reply) => {
      const { id, computerId, kind, format } = req.params as Static<typeof DownloadParams>;
      const found = (await load(id, computerId)).find((r) => r.kind === kind);
      if (!found) throw new FerryError('FERRY_E_SITE_NOT_FOUND', `No ${kind} report from computer ${computerId} for deployment ${id} yet.`);
      const name = `${id}-${found.report.computer ?? computerId}-${kind}.report.${format}`.replace(/[^A-Za-z0-9._-]/g, '_');
      reply.header('content-disposition', `attachment; filename="${name}"`);
      if (format === 'html') return reply.type('text/html; charset=utf-8').send(renderReportHtml(found.report));
      return reply.type('application/json; charset=utf-8').send(`${JSON.stringify(found.report, null, 2)}\n`);
    },
  );

  app.get(
    '/api/deployments/:id/progress',
    tag('Live progress of the computers running this deployment', { params: Type.Object({ id: Type.String({ maxLength: 20 }) }) }),
    async (req) => {
      const id = (req.params as { id: string }).id;
      return { computers: [...(progress.get(id)?.values() ?? [])] };
    },
  );
}
