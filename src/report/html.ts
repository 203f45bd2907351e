// The report as one self-contained HTML page: no script, no external file, inline CSS and SVG
// charts (bytes per user, objects not migrated by reason, time per phase).
import type { MigrationReport, ReportGroup } from './model.ts';
import { formatBytes, formatDuration } from './text.ts';

const PATHS_SHOWN = 20;

const esc = (s: string): string =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

const COLORS = ['#2563eb', '#16a34a', '#d97706', '#dc2626', '#7c3aed', '#0891b2', '#be185d', '#4d7c0f', '#9a3412', '#475569'];

/** A horizontal bar chart: one row per item, value labels at the bar's end. */
export function barChart(title: string, items: readonly { label: string; value: number; text: string }[]): string {
  if (!items.length) return '';
  const max = Math.max(1, ...items.map((i) => i.value));
  const row = 26;
  const labelW = 220;
  const barW = 360;
  const h = items.length * row + 8;
  const rows = items
    .map((it, i) => {
      const w = Math.max(it.value > 0 ? 2 : 0, Math.round((it.value / max) * barW));
      const y = i * row + 4;
      return (
        `<text x="${labelW - 8}" y="${y + 15}" text-anchor="end">${esc(truncate(it.label, 32))}</text>` +
        (`<rect x="${labelW}" y="${y + 3}" width="${w}" height="16" rx="2" ` +
          `fill="${COLORS[i % COLORS.length]}"><title>${esc(it.label)}: ${esc(it.text)}</title></rect>`) +
        `<text x="${labelW + w + 6}" y="${y + 15}">${esc(it.text)}</text>`
      );
    })
    .join('');
  return (
    `<figure><figcaption>${esc(title)}</figcaption><svg role="img" aria-label="${esc(title)}" viewBox="0 ` +
    `0 ${labelW + barW + 110} ${h}" width="100%" style="max-width:${labelW + barW + 110}px">${rows}</svg></figure>`
  );
}

const truncate = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

/** Objects (files, folders, registry values, INI settings) a user's report lists as not migrated. */
export const objectsNotMigrated = (u: MigrationReport['users'][string]): number => u.notMigrated.reduce((n, g) => n + g.count, 0);

/** Chart data every view of a report shares (this page and the console). */
export function chartData(r: MigrationReport) {
  const moved = (u: MigrationReport['users'][string]) => (r.kind === 'capture' ? u.bytes.captured : u.bytes.restored);
  // The account name alone: the domain is usually the same for all and would be cut off.
  const bytesPerUser = Object.entries(r.users).map(([name, u]) => ({
    label: name.slice(name.lastIndexOf('\\') + 1),
    value: moved(u),
    text: formatBytes(moved(u)),
  }));
  const reasons = new Map<string, number>();
  for (const u of Object.values(r.users)) for (const g of u.notMigrated) reasons.set(g.label, (reasons.get(g.label) ?? 0) + g.count);
  const notMigrated = [...reasons].sort((a, b) => b[1] - a[1]).map(([label, value]) => ({ label, value, text: `${value}` }));
  const phases = r.phases.map((p) => ({ label: p.name, value: p.durationMs, text: formatDuration(p.durationMs) }));
  return { bytesPerUser, notMigrated, phases };
}

function groupList(title: string, groups: readonly ReportGroup[]): string {
  if (!groups.length) return '';
  const items = groups
    .map((g) => {
      const shown = g.paths.slice(0, PATHS_SHOWN);
      const more = g.count - shown.length;
      return (
        `<details><summary><b>${esc(g.label)}</b>${g.detail ? ` — <code>${esc(g.detail)}</code>` : ''}: ${g.count} ` +
        `object(s)${g.bytes ? `, ${formatBytes(g.bytes)}` : ''}</summary>` +
        (`<ul ` +
          (`class="paths">${shown.map((p) => `<li><code>${esc(p)}</code></li>`).join('')}` +
            `${more > 0 ? `<li>… and ${more} more</li>` : ''}</ul></details>`))
      );
    })
    .join('');
  return `<h4>${esc(title)}</h4>${items}`;
}

const STYLE =
  `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;color:#0f172a;background:#f8fafc}
main{max-width:1100px;margin:0 auto;padding:24px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:18px;margin:28px 0 8px}h3{font-size:16px;margin:20px 0 ` +
  `6px}h4{font-size:14px;margin:12px 0 4px}
.meta{color:#475569}.ok{color:#15803d}.bad{color:#b91c1c}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(170px,1fr));gap:10px;margin:16px 0}
.card{background:#fff;border:1px solid #e2e8f0;border-radius:6px;padding:10px 12px}.card b{display:block;font-size:20px}
table{border-collapse:collapse;background:#fff;width:100%;margin:6px 0}` +
  `th,td{border:1px solid #e2e8f0;padding:5px 8px;text-align:left;word-break:normal;overflow-wrap:normal}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
figure{margin:12px 0;background:#fff;border:1px solid #e2e8f0;border-radius:6px;padding:10px}figcaption{font-weight:600;margin-bottom:6px}
svg text{font:12px system-ui,sans-serif;fill:#0f172a}
details{margin:4px 0}summary{cursor:pointer}ul.paths{margin:4px 0 ` +
  `8px;padding-left:22px;max-height:320px;overflow:auto}code{font-size:12px;overflow-wrap:anywhere}
.charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(420px,1fr));gap:12px}
`;

/** The whole page. */
export function renderReportHtml(r: MigrationReport): string {
  const c = chartData(r);
  const verb = r.kind === 'capture' ? 'captured' : 'restored';
  const moved = r.kind === 'capture' ? r.totals.files.captured : r.totals.files.restored;
  const movedBytes = r.kind === 'capture' ? r.totals.bytes.captured : r.totals.bytes.restored;
  const cards = [
    ['Files selected', `${r.totals.files.selected}`],
    [`Files ${verb}`, `${moved}`],
    [`Bytes ${verb}`, formatBytes(movedBytes)],
    ['Objects not migrated', `${Object.values(r.users).reduce((n, u) => n + objectsNotMigrated(u), 0)}`],
    [`Registry values ${verb}`, `${r.kind === 'capture' ? r.totals.registry.captured : r.totals.registry.restored}`],
    [`INI settings ${verb}`, `${r.kind === 'capture' ? r.totals.ini.captured : r.totals.ini.restored}`],
    ['Duration', formatDuration(r.durationMs)],
    ['Throughput', `${formatBytes(r.totals.throughputBytesPerSecond)}/s`],
    ...(r.store ? [['Store size', formatBytes(r.store.bytesOnDisk)]] : []),
    ...(r.store?.compressionRatio !== undefined ? [['Store / data', `${Math.round(r.store.compressionRatio * 100)} %`]] : []),
  ];
  const userRows = Object.entries(r.users)
    .map(([name, u]) => {
      const to = r.userMap?.[name];
      return (
        `<tr><td>${esc(name)}${to && to !== name ? ` → ${esc(to)}` : ''}</td><td ` +
        `class="n">${u.files.selected}</td><td class="n">${u.files[verb]}</td><td ` +
        `class="n">${formatBytes(u.bytes[verb])}</td><td class="n">${u.files.notMigrated}</td><td ` +
        `class="n">${u.registry[verb]}</td><td class="n">${u.registry.notMigrated}</td><td ` +
        `class="n">${u.ini[verb]}</td><td class="n">${u.ini.notMigrated}</td></tr>`
      );
    })
    .join('');
  const perUser = Object.entries(r.users)
    .map(([name, u]) =>
      u.notMigrated.length || u.changed.length
        ? `<h3>${esc(name)}</h3>${groupList('Not migrated', u.notMigrated)}${groupList('Migrated, changed on the way', u.changed)}`
        : '',
    )
    .join('');
  const warnings = r.warnings.length
    ? `<table><thead><tr><th>Code</th><th class="n">Count</th><th>Meaning / what to do</th><th>First messages</th></tr></thead>` +
      `<tbody>${r.warnings
        .map(
          (w) =>
            `<tr><td><a href="${esc(w.docs)}"><code>${esc(w.code)}</code></a></td><td ` +
            (`class="n">${w.count}</td><td>${esc(w.meaning)}<br><i>${esc(w.remedy)}</i></td><td>` +
              `${w.messages.map((m) => esc(m)).join('<br>')}</td></tr>`),
        )
        .join('')}</tbody></table>`
    : '<p>None.</p>';
  const componentsOff = r.componentsOff.length
    ? `<p>Components turned off in Config.xml: ${r.componentsOff.map((n) => `<code>${esc(n)}</code>`).join(', ')}</p>`
    : '';
  const phaseRows = r.phases
    .map(
      (p) =>
        `<tr><td>${esc(p.name)}</td><td>${esc(p.startedAt)}</td><td class="n">${formatDuration(p.durationMs)}</td>` +
        `<td class="${p.ok ? 'ok' : 'bad'}">${p.ok ? 'ok' : 'failed'}</td></tr>`,
    )
    .join('');
  return (
    `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>Ferry ${r.kind} report${r.computer ? ` — ${esc(r.computer)}` : ''}</title><style>${STYLE}</style></head>
<body><main>
<h1>Ferry ${r.kind} report${r.computer ? ` — ${esc(r.computer)}` : ''}</h1>
<p class="meta">${esc(r.tool)} · ${esc(r.startedAt)} · return code <b class="${r.ok ? 'ok' : 'bad'}">${r.exitCode}</b>` +
    `${r.store ? ` · store <code>${esc(r.store.path)}</code>${r.store.type ? ` (${r.store.type})` : ''}` : ''}</p>
<p class="meta"><code>${esc(r.commandLine)}</code></p>
<div class="cards">${cards.map(([k, v]) => `<div class="card">${esc(k!)}<b>${esc(v!)}</b></div>`).join('')}</div>
<div class="charts">${barChart(`Bytes ${verb} per user`, c.bytesPerUser)}${barChart('Objects not migrated, by reason', c.notMigrated)}` +
    `${barChart('Time per phase', c.phases)}</div>
<h2>Users</h2>
<table><thead><tr><th>User</th><th class="n">Files selected</th><th class="n">Files ${verb}</th><th class="n">Bytes ${verb}</th><th ` +
    `class="n">Files not migrated</th><th class="n">Registry ${verb}</th><th class="n">Registry not migrated</th><th class="n">INI ` +
    `${verb}</th><th class="n">INI not migrated</th></tr></thead><tbody>${userRows}` +
    `</tbody></table>
${componentsOff}
<h2>What did not migrate, and why</h2>
${perUser || '<p>Every selected object migrated unchanged.</p>'}
<h2>Warnings and errors</h2>
${warnings}
<h2>Phases</h2>
<table><thead><tr><th>Phase</th><th>Started</th><th class="n">Duration</th><th>Result</th></tr></thead><tbody>` +
    `${phaseRows}</tbody></table>
<p class="meta">Report format ${esc(r.format)} version ${r.version} (docs/report-format.md).</p>
</main></body></html>
`
  );
}
