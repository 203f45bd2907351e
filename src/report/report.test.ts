import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { EventStream } from '../events/index.ts';
import { ReportCollector } from './collector.ts';
import { renderReportHtml } from './html.ts';
import { parseReport, PATHS_PER_GROUP } from './model.ts';
import { compareReports, renderComparisonText, renderReportText } from './text.ts';

const ALICE = 'PC\\alice';

async function sampleCapture() {
  const events = new EventStream();
  const c = new ReportCollector('capture');
  c.attach(events);
  const rule = '<exclude> C:\\Users\\*\\AppData\\Local\\Temp\\* [*] (Temp, MigUser.xml:12)';
  // Scanning walks the volume; an exclusion met again while Collecting is not counted twice.
  events.phase('Scanning', 'start');
  events.emit({
    type: 'object',
    outcome: 'notMigrated',
    kind: 'file',
    object: 'C:\\Users\\alice\\AppData\\Local\\Temp\\a.tmp',
    reason: 'excludedByRule',
    detail: rule,
    user: ALICE,
    bytes: 5,
  });
  events.phase('Scanning', 'end', true);
  events.phase('Collecting', 'start');
  events.emit({
    type: 'object',
    outcome: 'notMigrated',
    kind: 'file',
    object: 'C:\\Users\\alice\\AppData\\Local\\Temp\\a.tmp',
    reason: 'excludedByRule',
    detail: rule,
    user: ALICE,
    bytes: 5,
  });
  events.emit({
    type: 'object',
    outcome: 'captured',
    kind: 'file',
    object: 'C:\\Users\\alice\\Documents\\a.docx',
    user: ALICE,
    bytes: 100,
  });
  events.emit({ type: 'object', outcome: 'captured', kind: 'file', object: 'C:\\Users\\alice\\Documents\\b.docx', user: ALICE, bytes: 50 });
  events.emit({
    type: 'object',
    outcome: 'notMigrated',
    kind: 'file',
    object: 'C:\\Users\\alice\\locked.pst',
    reason: 'unreadable',
    detail: 'FERRY_E_ACCESS_DENIED: denied',
    user: ALICE,
    bytes: 7,
  });
  events.emit({ type: 'object', outcome: 'captured', kind: 'registry', object: 'HKCU\\Control Panel\\Desktop [Wallpaper]', user: ALICE });
  events.emit({ type: 'object', outcome: 'captured', kind: 'file', object: 'C:\\ProgramData\\x.ini', bytes: 3 });
  events.warn('FERRY_W_USMT_ERRORS_SKIPPED', '1 file(s) could not be read');
  events.log('info', 'Config.xml component off', 'Cookies');
  events.phase('Collecting', 'end', true);
  return c.finish({ tool: 'ScanState', commandLine: 'scanstate s', exitCode: 3, computer: 'PC' });
}

test('a capture report counts per user, groups what did not migrate by reason and rule, and passes its schema', async () => {
  const r = parseReport(await sampleCapture());
  assert.equal(r.totals.files.captured, 3);
  assert.equal(r.totals.bytes.captured, 153);
  // Selected = captured + unreadable; an object a rule excluded was never selected.
  assert.equal(r.totals.files.selected, 4);
  assert.equal(r.totals.files.notMigrated, 2);
  const alice = r.users[ALICE]!;
  assert.equal(alice.files.captured, 2);
  assert.equal(alice.registry.captured, 1);
  const excluded = alice.notMigrated.find((g) => g.reason === 'excludedByRule')!;
  assert.equal(excluded.count, 1, 'the Scanning walk is not counted twice');
  assert.match(excluded.detail!, /MigUser\.xml:12/);
  const unreadable = alice.notMigrated.find((g) => g.reason === 'unreadable')!;
  assert.deepEqual(unreadable.paths, ['C:\\Users\\alice\\locked.pst → FERRY_E_ACCESS_DENIED: denied']);
  assert.equal(r.users.System!.files.captured, 1);
  assert.deepEqual(r.componentsOff, ['Cookies']);
  assert.equal(r.warnings[0]!.docs, 'docs/errors.md#ferry_w_usmt_errors_skipped');
  assert.ok(r.warnings[0]!.meaning.length > 0);
  assert.ok(r.ok, 'USMT 3 (skipped with /c) is a success');
  assert.deepEqual(
    r.phases.map((p) => p.name),
    ['Initializing', 'Scanning', 'Collecting', 'Finishing'],
  );
});

test('groups keep the first paths and say when they hold more', async () => {
  const events = new EventStream();
  const c = new ReportCollector('restore');
  c.attach(events);
  for (let i = 0; i < PATHS_PER_GROUP + 5; i++)
    events.emit({
      type: 'object',
      outcome: 'notMigrated',
      kind: 'file',
      object: `C:\\f${i}`,
      reason: 'keptFromTarget',
      detail: 'DestinationPriority',
    });
  const r = parseReport(await c.finish({ tool: 'LoadState', commandLine: 'loadstate s', exitCode: 0 }));
  const g = r.users.System!.notMigrated[0]!;
  assert.equal(g.count, PATHS_PER_GROUP + 5);
  assert.equal(g.paths.length, PATHS_PER_GROUP);
  assert.equal(g.truncated, true);
});

test('the comparison lists every object captured but not restored, with why, and what nothing accounts for', async () => {
  const capture = await sampleCapture();
  const events = new EventStream();
  const c = new ReportCollector('restore');
  c.attach(events);
  events.emit({
    type: 'object',
    outcome: 'restored',
    kind: 'file',
    object: 'C:\\Users\\alice\\Documents\\a.docx',
    user: ALICE,
    bytes: 100,
  });
  events.emit({
    type: 'object',
    outcome: 'notMigrated',
    kind: 'file',
    object: 'C:\\Users\\alice\\Documents\\b.docx',
    user: ALICE,
    bytes: 50,
    reason: 'keptFromTarget',
    detail: 'DestinationPriority',
  });
  c.note({ userMap: new Map([[ALICE, 'PC\\alice2']]) });
  const restore = await c.finish({ tool: 'LoadState', commandLine: 'loadstate s', exitCode: 0 });
  const cmp = compareReports(capture, restore);
  const alice = cmp.users.find((u) => u.user === ALICE)!;
  assert.equal(alice.target, 'PC\\alice2');
  assert.equal(alice.notRestored[0]!.paths[0], 'C:\\Users\\alice\\Documents\\b.docx');
  assert.equal(alice.unaccounted.registry, 1, 'the captured registry value has no outcome in the restore');
  assert.equal(cmp.users.find((u) => u.user === 'System')!.unaccounted.files, 1);
  const text = renderComparisonText(cmp);
  assert.match(text, /Kept from the target by a merge rule — DestinationPriority: 1/);
  assert.match(text, /b\.docx/);
});

test('the HTML page is self-contained and the terminal summary names reasons and rules', async () => {
  const r = await sampleCapture();
  const html = renderReportHtml(r);
  assert.doesNotMatch(html, /<script|<link|src="http|url\(/i);
  assert.match(html, /<svg role="img" aria-label="Bytes captured per user"/);
  assert.match(html, /href="docs\/errors\.md#ferry_w_usmt_errors_skipped"/);
  const text = renderReportText(r);
  assert.match(text, /Excluded by a rule — <exclude> C:\\Users\\\*\\AppData\\Local\\Temp\\\* \[\*\] \(Temp, MigUser\.xml:12\): 1/);
  assert.match(text, /FERRY_W_USMT_ERRORS_SKIPPED ×1/);
});

test('src/report/migration-report.schema.json is generated from the schema in model.ts', () => {
  const r = spawnSync(process.execPath, [new URL('../../scripts/gen-report-schema.ts', import.meta.url).pathname, '--check'], {
    encoding: 'utf8',
  });
  assert.equal(r.status, 0, r.stderr);
});
