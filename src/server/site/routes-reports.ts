// Migration reports and live progress. Agents upload the capture/restore report each USMT step
// wrote (src/report) and post the running step's progress; the console reads both. Reports are
// kept per run (deployment, computer, kind: the latest upload wins); progress lives in memory
// only (it is stale the moment a run ends) and is pushed to consoles as `progress` events.
import type { EventEmitter } from 'node:events';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { FerryError } from '../../errors/index.ts';
import { parseReport, renderReportHtml, type MigrationReport } from '../../report/index.ts';
import {
  DeploymentIdParams,
  ProgressBody,
  ReportDownloadParams,
  ReportParams,
  ReportUploadParams,
  type Progress,
  type ReportKind,
} from './api-schema.ts';
import type { SiteRepository } from '../../db/index.ts';
import { agentDoc, typed, type SiteApp } from './typed.ts';

export type { Progress } from './api-schema.ts';

/** A report body may hold a few thousand paths. */
const REPORT_BODY_LIMIT = 16 * 1024 * 1024;

type ReportDeps = { repo: SiteRepository; events: EventEmitter; progress: Map<string, Map<string, Progress>> };

export async function registerReportRoutes(app: FastifyInstance, deps: ReportDeps, side: 'agent' | 'console'): Promise<void> {
  if (side === 'agent') registerAgentReportRoutes(typed(app), deps);
  else registerConsoleReportRoutes(typed(app), deps);
}

/** The agent of the request, which the deployment `id` must target. */
async function agentFor(repo: SiteRepository, req: FastifyRequest, deploymentId: string): Promise<{ id: string; name: string }> {
  const h = req.headers.authorization;
  const m = typeof h === 'string' ? /^Bearer\s+(\S+)$/i.exec(h) : null;
  if (!m)
    throw new FerryError('FERRY_E_AGENT_REVOKED', 'The agent sent no credential; register it first with `ferry agent --enroll <token>`.');
  const me = await repo.authenticateAgent(m[1]!);
  await repo.assertTargets(deploymentId, me.id);
  return me;
}

/** The uploaded body as a migration report of `kind`, or FERRY_E_REPORT_INVALID. */
function checkedReport(body: unknown, kind: ReportKind): MigrationReport {
  let report: MigrationReport;
  try {
    report = parseReport(body);
  } catch (err) {
    throw new FerryError(
      'FERRY_E_REPORT_INVALID',
      `The uploaded report is not a migration report of version 1: ${(err as Error).message.slice(0, 500)}`,
    );
  }
  if (report.kind !== kind)
    throw new FerryError('FERRY_E_REPORT_INVALID', `The uploaded report is a ${report.kind} report, not a ${kind} report.`);
  return report;
}

function registerAgentReportRoutes(app: SiteApp, { repo, events, progress }: ReportDeps): void {
  app.put(
    '/api/agent/deployments/:id/reports/:kind',
    {
      bodyLimit: REPORT_BODY_LIMIT,
      schema: { ...agentDoc('Upload the migration report of a capture or restore (docs/report-format.md)'), params: ReportUploadParams },
    },
    async (req) => {
      const { id, kind } = req.params;
      const me = await agentFor(repo, req, id);
      await repo.saveReport(id, me.id, kind, checkedReport(req.body, kind));
      events.emit('change', { kind: 'report', id, computerId: me.id });
      return { ok: true };
    },
  );

  app.post(
    '/api/agent/deployments/:id/progress',
    {
      schema: {
        ...agentDoc('Progress of the running step (step N of M, percent, bytes, ETA)'),
        params: DeploymentIdParams,
        body: ProgressBody,
      },
    },
    async (req) => {
      const id = req.params.id;
      const me = await agentFor(repo, req, id);
      const p: Progress = { ...req.body, computerId: me.id, at: new Date().toISOString() };
      let runs = progress.get(id);
      if (!runs) progress.set(id, (runs = new Map()));
      runs.set(me.id, p);
      events.emit('progress', { id, ...p });
      return { ok: true };
    },
  );
}

function registerConsoleReportRoutes(app: SiteApp, { repo, progress }: ReportDeps): void {
  const doc = (summary: string) => ({ tags: ['monitoring'], summary });
  app.get(
    '/api/deployments/:id/computers/:computerId/reports',
    { schema: { ...doc("A computer's capture and restore reports"), params: ReportParams } },
    async (req) => repo.reports(req.params.id, req.params.computerId),
  );

  app.get(
    '/api/deployments/:id/computers/:computerId/reports/:kind.:format',
    { schema: { ...doc('Download a report as JSON or as its self-contained HTML page'), params: ReportDownloadParams } },
    async (req, reply) => {
      const { id, computerId, kind, format } = req.params;
      const found = (await repo.reports(id, computerId)).find((r) => r.kind === kind);
      if (!found) throw new FerryError('FERRY_E_SITE_NOT_FOUND', `No ${kind} report from computer ${computerId} for deployment ${id} yet.`);
      const name = `${id}-${found.report.computer ?? computerId}-${kind}.report.${format}`.replace(/[^A-Za-z0-9._-]/g, '_');
      reply.header('content-disposition', `attachment; filename="${name}"`);
      if (format === 'html') return reply.type('text/html; charset=utf-8').send(renderReportHtml(found.report));
      return reply.type('application/json; charset=utf-8').send(`${JSON.stringify(found.report, null, 2)}\n`);
    },
  );

  app.get(
    '/api/deployments/:id/progress',
    { schema: { ...doc('Live progress of the computers running this deployment'), params: DeploymentIdParams } },
    async (req) => ({ computers: [...(progress.get(req.params.id)?.values() ?? [])] }),
  );
}
