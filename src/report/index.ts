export { REPORT_WRITTEN, loadReport, writeReportFiles } from './io.ts';
export { compareReports, renderComparisonText, renderReportText } from './text.ts';
export { renderReportHtml } from './html.ts';
export { parseReport, reportJsonSchema } from './parse.ts';
export type { MigrationReport } from './model.ts';
export { ReportCollector } from './collector.ts';
