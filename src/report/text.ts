// A report as a terminal summary, and the comparison of a capture report with its restore report.
import type { MigrationReport, ReportGroup } from './model.ts';

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(v < 10 ? 2 : 1)} ${units[i]}`;
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${ms} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  return `${m} min ${Math.round(s - m * 60)} s`;
}

const PATHS_IN_TERMINAL = 5;
/** The `tool` of a report made from a store's catalog (`ferry report STORE`). */
export const STORE_CATALOG = 'store catalog';

function table(rows: readonly (readonly string[])[]): string[] {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) =>
    r
      .map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!)))
      .join('  ')
      .trimEnd(),
  );
}

function groupLines(groups: readonly ReportGroup[], indent: string, paths = PATHS_IN_TERMINAL): string[] {
  const out: string[] = [];
  for (const g of groups) {
    out.push(`${indent}${g.label}${g.detail ? ` — ${g.detail}` : ''}: ${g.count}${g.bytes ? ` (${formatBytes(g.bytes)})` : ''}`);
    for (const p of g.paths.slice(0, paths)) out.push(`${indent}    ${p}`);
    const more = g.count - Math.min(paths, g.paths.length);
    if (more > 0) out.push(`${indent}    … and ${more} more${paths >= g.paths.length && g.truncated ? ' (not listed in the report)' : ''}`);
  }
  return out;
}

/** The terminal summary of one report. */
export function renderReportText(r: MigrationReport): string {
  const verb = r.kind === 'capture' ? 'captured' : 'restored';
  const out: string[] = [];
  const fromCatalog = r.tool === STORE_CATALOG;
  if (fromCatalog)
    out.push(
      `Store ${r.store?.path ?? ''}${r.store?.type ? ` (${r.store.type})` : ''}${r.computer ? `, captured on ${r.computer}` : ''}: ` +
        `its catalog (the capture's own report has reasons and timings)`,
    );
  else
    out.push(
      `Ferry ${r.kind} report${r.computer ? ` — ${r.computer}` : ''}: ${r.tool} ` +
        `returned ${r.exitCode} (${r.ok ? 'success' : 'failed'}) in ${formatDuration(r.durationMs)}`,
      `  ${r.commandLine}`,
    );
  const moved = r.kind === 'capture' ? r.totals.bytes.captured : r.totals.bytes.restored;
  out.push(
    `Files: ${r.totals.files.selected} selected, ${r.totals.files[verb]} ${verb} ` +
      `(${formatBytes(moved)}), ${r.totals.files.notMigrated} not migrated, ${r.totals.files.changed} ` +
      `changed; ` +
      (`registry: ${r.totals.registry[verb]} ${verb}, ${r.totals.registry.notMigrated} not migrated; ` +
        `INI: ${r.totals.ini[verb]} ${verb}, ${r.totals.ini.notMigrated} not migrated.`),
  );
  const storeText = r.store
    ? `${formatBytes(r.store.bytesOnDisk)} on ` +
      `disk${r.store.compressionRatio !== undefined ? `, ${Math.round(r.store.compressionRatio * 100)} % of the data` : ''}`
    : '';
  if (fromCatalog) out.push(`Store size: ${storeText}.`);
  else
    out.push(
      `Throughput ${formatBytes(r.totals.throughputBytesPerSecond)}/s` +
        `${r.store ? `; store ${r.store.path}${r.store.type ? ` (${r.store.type})` : ''}: ${storeText}` : ''}.`,
    );
  out.push('');
  out.push(
    ...table([
      ['User', 'files', verb, 'bytes', 'not migrated', 'registry', 'INI'],
      ...Object.entries(r.users).map(([name, u]) => [
        name + (r.userMap?.[name] && r.userMap[name] !== name ? ` → ${r.userMap[name]}` : ''),
        `${u.files.selected}`,
        `${u.files[verb]}`,
        formatBytes(u.bytes[verb]),
        `${u.notMigrated.reduce((n, g) => n + g.count, 0)}`,
        `${u.registry[verb]}`,
        `${u.ini[verb]}`,
      ]),
    ]),
  );
  for (const [name, u] of Object.entries(r.users)) {
    if (!u.notMigrated.length && !u.changed.length) continue;
    out.push('', `${name}:`);
    if (u.notMigrated.length) out.push('  Not migrated:', ...groupLines(u.notMigrated, '    '));
    if (u.changed.length) out.push('  Changed on the way:', ...groupLines(u.changed, '    '));
  }
  if (r.componentsOff.length) out.push('', `Components turned off in Config.xml: ${r.componentsOff.join(', ')}`);
  if (r.warnings.length) {
    out.push('', 'Warnings and errors:');
    for (const w of r.warnings) out.push(`  ${w.code} ×${w.count} (${w.docs}): ${w.messages[0] ?? w.meaning}`);
  }
  if (r.phases.length)
    out.push('', `Phases: ${r.phases.map((p) => `${p.name} ${formatDuration(p.durationMs)}${p.ok ? '' : ' (failed)'}`).join(', ')}`);
  return `${out.join('\n')}\n`;
}

export interface ComparedUser {
  readonly user: string;
  readonly target?: string;
  readonly captured: { readonly files: number; readonly registry: number; readonly ini: number };
  readonly restored: { readonly files: number; readonly registry: number; readonly ini: number };
  /** Store objects the restore did not apply, by reason, as the restore report lists them. */
  readonly notRestored: readonly ReportGroup[];
  /** Captured objects the restore report accounts for neither as restored nor as not migrated (an interrupted restore). */
  readonly unaccounted: { readonly files: number; readonly registry: number; readonly ini: number };
}

export interface Comparison {
  readonly capture: { readonly startedAt: string; readonly computer?: string };
  readonly restore: { readonly startedAt: string; readonly computer?: string };
  readonly users: readonly ComparedUser[];
  readonly notRestored: number;
  readonly unaccounted: number;
}

/** Every object a capture stored that its restore did not apply, per user, with why. */
export function compareReports(capture: MigrationReport, restore: MigrationReport): Comparison {
  const users: ComparedUser[] = [];
  const names = new Set([...Object.keys(capture.users), ...Object.keys(restore.users)]);
  let notRestored = 0;
  let unaccounted = 0;
  for (const name of names) {
    const c = capture.users[name];
    const r = restore.users[name];
    const captured = { files: c?.files.captured ?? 0, registry: c?.registry.captured ?? 0, ini: c?.ini.captured ?? 0 };
    const restored = { files: r?.files.restored ?? 0, registry: r?.registry.restored ?? 0, ini: r?.ini.restored ?? 0 };
    const missing = { files: r?.files.notMigrated ?? 0, registry: r?.registry.notMigrated ?? 0, ini: r?.ini.notMigrated ?? 0 };
    const gap = (k: 'files' | 'registry' | 'ini') => Math.max(0, captured[k] - restored[k] - missing[k]);
    const u: ComparedUser = {
      user: name,
      ...(restore.userMap?.[name] ? { target: restore.userMap[name] } : {}),
      captured,
      restored,
      notRestored: r?.notMigrated ?? [],
      unaccounted: { files: gap('files'), registry: gap('registry'), ini: gap('ini') },
    };
    notRestored += u.notRestored.reduce((n, g) => n + g.count, 0);
    unaccounted += u.unaccounted.files + u.unaccounted.registry + u.unaccounted.ini;
    users.push(u);
  }
  return {
    capture: { startedAt: capture.startedAt, ...(capture.computer ? { computer: capture.computer } : {}) },
    restore: { startedAt: restore.startedAt, ...(restore.computer ? { computer: restore.computer } : {}) },
    users,
    notRestored,
    unaccounted,
  };
}

/** The capture-versus-restore comparison as text: per user, what was captured, restored, not restored and unaccounted for. */
export function renderComparisonText(c: Comparison): string {
  const out: string[] = [
    `Captured ${c.capture.startedAt}${c.capture.computer ? ` on ${c.capture.computer}` : ''}; ` +
      `restored ${c.restore.startedAt}${c.restore.computer ? ` on ${c.restore.computer}` : ''}.`,
  ];
  out.push(
    `${c.notRestored} object(s) captured but not restored` +
      (c.unaccounted
        ? `; ${c.unaccounted} captured object(s) the restore report does not account for (was the restore interrupted?)`
        : '') +
      '.',
  );
  for (const u of c.users) {
    out.push(
      '',
      `${u.user}${u.target && u.target !== u.user ? ` → ${u.target}` : ''}: files ${u.restored.files}/${u.captured.files} ` +
        `restored, registry ${u.restored.registry}/${u.captured.registry}, INI ${u.restored.ini}/${u.captured.ini}`,
    );
    out.push(...groupLines(u.notRestored, '  ', Number.MAX_SAFE_INTEGER));
    const gap = u.unaccounted.files + u.unaccounted.registry + u.unaccounted.ini;
    if (gap)
      out.push(
        `  Not accounted for by the restore: ${u.unaccounted.files} ` +
          `file(s), ${u.unaccounted.registry} registry value(s), ${u.unaccounted.ini} INI ` +
          `setting(s)`,
      );
  }
  return `${out.join('\n')}\n`;
}
