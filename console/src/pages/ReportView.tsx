// One capture or restore report in Monitoring: headline figures, charts (plain SVG), the per-user
// table with what was not migrated and why, and the warnings. Downloads come from the server.
import type { MigrationReport, StoredReport } from '../api.ts';
import { formatBytes, formatDuration } from '../format.ts';

type UserReport = MigrationReport['users'][string];
type Verb = 'captured' | 'restored';

/** Objects (files, folders, registry values, INI settings) a user's report lists as not migrated. */
const objectsNotMigrated = (u: UserReport): number => u.notMigrated.reduce((n, g) => n + g.count, 0);

/** The three charts' rows: bytes per user, objects not migrated by reason, time per phase. */
function chartData(r: MigrationReport, verb: Verb) {
  // The account name alone: the domain is usually the same for all and would be cut off.
  const bytesPerUser = Object.entries(r.users).map(([name, u]) => ({
    label: name.slice(name.lastIndexOf('\\') + 1),
    value: u.bytes[verb],
    text: formatBytes(u.bytes[verb]),
  }));
  const reasons = new Map<string, number>();
  for (const u of Object.values(r.users)) for (const g of u.notMigrated) reasons.set(g.label, (reasons.get(g.label) ?? 0) + g.count);
  const notMigrated = [...reasons].sort((a, b) => b[1] - a[1]).map(([label, value]) => ({ label, value, text: `${value}` }));
  const phases = r.phases.map((p) => ({ label: p.name, value: p.durationMs, text: formatDuration(p.durationMs) }));
  return { bytesPerUser, notMigrated, phases };
}

function figures(r: MigrationReport, verb: Verb): [string, string, string][] {
  const notMigrated = Object.values(r.users).reduce((n, u) => n + objectsNotMigrated(u), 0);
  const store = r.store
    ? `${formatBytes(r.store.bytesOnDisk)}` +
      `${r.store.compressionRatio !== undefined ? ` (${Math.round(r.store.compressionRatio * 100)} %)` : ''}`
    : undefined;
  return [
    ['files', `Files ${verb}`, `${r.totals.files[verb]} of ${r.totals.files.selected}`],
    ['bytes', `Bytes ${verb}`, formatBytes(r.totals.bytes[verb])],
    ['not-migrated', 'Objects not migrated', String(notMigrated)],
    ['registry', `Registry values ${verb}`, String(r.totals.registry[verb])],
    ['duration', 'Duration', formatDuration(r.durationMs)],
    ['throughput', 'Throughput', `${formatBytes(r.totals.throughputBytesPerSecond)}/s`],
    ...(store !== undefined ? [['store', 'Store size', store] as [string, string, string]] : []),
  ];
}

export function ReportView({ deploymentId, computerId, stored }: { deploymentId: string; computerId: string; stored: StoredReport }) {
  const r = stored.report;
  const verb = r.kind === 'capture' ? 'captured' : 'restored';
  const c = chartData(r, verb);
  const base = `/api/deployments/${encodeURIComponent(deploymentId)}/computers/${encodeURIComponent(computerId)}/reports/${r.kind}`;
  return (
    <section className="report" data-testid={`report-${r.kind}`} aria-label={`${r.kind} report`}>
      <h4>
        {r.kind === 'capture' ? 'Capture' : 'Restore'} report — {r.tool} returned {r.exitCode}
        <span className="downloads">
          <a href={`${base}.json`} download>
            Download JSON
          </a>
          <a href={`${base}.html`} download>
            Download HTML
          </a>
        </span>
      </h4>
      <div className="figures">
        {figures(r, verb).map(([key, label, value]) => (
          <div key={key} className="figure" data-figure={key}>
            <span>{label}</span>
            <b>{value}</b>
          </div>
        ))}
      </div>
      <div className="charts">
        <BarChart title={`Bytes ${verb} per user`} items={c.bytesPerUser} />
        <BarChart title="Objects not migrated, by reason" items={c.notMigrated} />
        <BarChart title="Time per step" items={c.phases} />
      </div>
      <UserTable r={r} verb={verb} />
      {r.warnings.length ? (
        <ul className="report-warnings">
          {r.warnings.map((w) => (
            <li key={w.code}>
              <code>{w.code}</code> ×{w.count}: {w.messages[0] ?? w.meaning} <i>{w.remedy}</i>
            </li>
          ))}
        </ul>
      ) : null}
    </section>
  );
}

function UserTable({ r, verb }: { r: MigrationReport; verb: Verb }) {
  return (
    <table className="grid">
      <thead>
        <tr>
          <th>User</th>
          <th className="num">Files {verb}</th>
          <th className="num">Bytes {verb}</th>
          <th className="num">Not migrated</th>
          <th>Reasons</th>
        </tr>
      </thead>
      <tbody>
        {Object.entries(r.users).map(([name, u]) => (
          <tr key={name} data-user={name}>
            <td>
              {name}
              {r.userMap?.[name] && r.userMap[name] !== name ? ` → ${r.userMap[name]}` : ''}
            </td>
            <td className="num" data-col="files">
              {u.files[verb]}
            </td>
            <td className="num">{formatBytes(u.bytes[verb])}</td>
            <td className="num">{objectsNotMigrated(u)}</td>
            <td>
              {u.notMigrated.length === 0 ? '—' : null}
              {u.notMigrated.map((g, i) => (
                <details key={i}>
                  <summary>
                    {g.label}: {g.count}
                    {g.detail ? <code> {g.detail}</code> : null}
                  </summary>
                  <ul className="paths">
                    {g.paths.slice(0, 10).map((p) => (
                      <li key={p}>
                        <code>{p}</code>
                      </li>
                    ))}
                    {g.count > 10 ? <li>… and {g.count - 10} more (download the report)</li> : null}
                  </ul>
                </details>
              ))}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

const COLORS = ['#2563eb', '#16a34a', '#d97706', '#dc2626', '#7c3aed', '#0891b2', '#be185d', '#4d7c0f'];

/** A horizontal bar chart in plain SVG. */
function BarChart({ title, items }: { title: string; items: { label: string; value: number; text: string }[] }) {
  if (!items.length) return null;
  const max = Math.max(1, ...items.map((i) => i.value));
  const row = 22;
  const labelW = 140;
  const barW = 170;
  const width = labelW + barW + 70;
  return (
    <figure className="chart">
      <figcaption>{title}</figcaption>
      <svg role="img" aria-label={title} viewBox={`0 0 ${width} ${items.length * row + 6}`} width="100%">
        {items.map((it, i) => {
          const w = Math.max(it.value > 0 ? 2 : 0, Math.round((it.value / max) * barW));
          const y = i * row + 3;
          const label = it.label.length > 21 ? `${it.label.slice(0, 20)}…` : it.label;
          return (
            <g key={it.label}>
              <text x={labelW - 6} y={y + 14} textAnchor="end">
                {label}
              </text>
              <rect x={labelW} y={y + 2} width={w} height={15} rx={2} fill={COLORS[i % COLORS.length]}>
                <title>{`${it.label}: ${it.text}`}</title>
              </rect>
              <text x={labelW + w + 5} y={y + 14}>
                {it.text}
              </text>
            </g>
          );
        })}
      </svg>
    </figure>
  );
}
