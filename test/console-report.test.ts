// Migration reports and live progress in the console, in a real browser: two agents (SRC and
// DST volumes from `ferry sample-volume`) run a capture and then a restore through a shared local store;
// Monitoring shows the running computer's step progress and the deployment's progress bar, then
// each computer's report with charts. The report's numbers are checked against the volumes
// (files under the new profile on DST = the report's restored count), and screenshots of the
// report and progress views at 1440 and 1024 px go to test-artifacts/console-report/.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lstatSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { newGroup, newSequence, newStep } from '../src/server/index.ts';
import { parseReport } from '../src/report/index.ts';
import { generateSampleVolume, parseSize } from '../src/sample-volume/index.ts';
import { call, signIn } from './site-helpers.ts';
import { NO_CHROMIUM, startAgents, startConsoleSite } from './support/console.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const ARTIFACTS = join(ROOT, 'test-artifacts', 'console-report');
const WIDTHS = [1440, 1024] as const;

async function until<T>(what: string, f: () => Promise<T | undefined>, ms = 90_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Files under a host folder; NTUSER.DAT is the hive LoadState writes, not a store file. */
function countFiles(dir: string): number {
  let n = 0;
  for (const e of readdirSync(dir)) {
    if (/^ntuser\.dat/i.test(e)) continue;
    n += lstatSync(join(dir, e)).isDirectory() ? countFiles(join(dir, e)) : 1;
  }
  return n;
}

test('console: live progress and migration reports with charts, checked against the volumes', { timeout: 300_000 }, async (t) => {
  if (NO_CHROMIUM) return t.skip(NO_CHROMIUM);
  const work = mkdtempSync(join(tmpdir(), 'ferry-console-report-'));
  // The volumes are made while the browser starts.
  let started: Awaited<ReturnType<typeof startConsoleSite>>;
  try {
    started = await startConsoleSite({}, () => {
      for (const [name, size, users] of [
        ['src', '12M', '2'],
        ['dst', '1M', '0'],
      ] as const) {
        generateSampleVolume({ out: join(work, name), size: parseSize(size), users: Number(users), seed: 21 });
      }
    });
  } catch (err) {
    rmSync(work, { recursive: true, force: true });
    throw err;
  }
  const { s, browser } = started;
  let agents: ReturnType<typeof startAgents> | undefined;
  try {
    mkdirSync(ARTIFACTS, { recursive: true });
    agents = startAgents(t, s, work, [
      ['SRC', 'src'],
      ['DST', 'dst'],
    ]);
    const session = await signIn(s);
    const computers = await until('both agents registered', async () => {
      const list = (await call(s, session, 'GET', '/api/computers')).body as { id: string; name: string }[];
      const src = list.find((c) => c.name === 'SRC');
      const dst = list.find((c) => c.name === 'DST');
      return src && dst ? { src, dst } : undefined;
    });
    const pkg = ((await call(s, session, 'GET', '/api/packages')).body as { id: string }[])[0]!.id;

    // Capture on SRC, restore on DST, through a store folder both agents see (local mode).
    const on = (machine: string) => ({
      kind: 'operator' as const,
      operator: 'and' as const,
      operands: [{ kind: 'variable' as const, variable: '_SMSTSMachineName', operator: 'equals' as const, value: machine }],
    });
    const setVar = (name: string, value: string) =>
      Object.assign(newStep('SMS_TaskSequence_SetVariableAction', { VariableName: name, VariableValue: value }), { name: `Set ${name}` });
    // The capture waits until the test has seen the run live in the console (`go` appears), at
    // most 30 s; no shell is involved in Run Command Line, so the loop is sh's own.
    const go = join(work, 'go');
    const wait = Object.assign(
      newStep('SMS_TaskSequence_RunCommandLineAction', {
        CommandLine: `sh -c "i=0; while [ ! -e ${go} ] && [ $i -lt 600 ]; do sleep 0.05; i=$((i+1)); done"`,
      }),
      { name: 'Wait for the console' },
    );
    const sequence = newSequence([
      setVar('OSDStateStorePath', join(work, 'store')),
      Object.assign(
        newGroup('Capture Files and Settings', [wait, newStep('SMS_TaskSequence_CaptureUserStateAction', { UsmtPackageID: pkg })]),
        { condition: on('SRC') },
      ),
      Object.assign(
        newGroup('Restore Files and Settings', [
          newStep('SMS_TaskSequence_RestoreUserStateAction', {
            UsmtRestorePackageID: pkg,
            LocalAccounts: true,
            LocalAccountPassword: 'Pa55word!',
          }),
        ]),
        { condition: on('DST') },
      ),
    ]);
    const ts = (await call(s, session, 'POST', '/api/task-sequences', { name: 'Refresh with report', sequence })).body;
    assert.ok(ts.id, JSON.stringify(ts));
    const deploy = async (computer: { id: string; name: string }) => {
      const col = (await call(s, session, 'POST', '/api/collections', { name: `${computer.name} only`, members: [computer.id] })).body;
      return (await call(s, session, 'POST', '/api/deployments', { taskSequenceId: ts.id, collectionId: col.id, purpose: 'required' })).body
        .id as string;
    };
    const ended = async (dep: string): Promise<string | undefined> => {
      const c = (await call(s, session, 'GET', `/api/deployments/${dep}/status`)).body.computers[0];
      return c.category === 'Success' || c.category === 'Error' ? c.category : undefined;
    };
    const finished = (dep: string) => until(`deployment ${dep} finished`, () => ended(dep), 180_000);

    const page = await browser.newPage({ viewport: { width: WIDTHS[0], height: 900 } });
    const failed: string[] = [];
    page.on('response', (r) => r.status() >= 400 && failed.push(`${r.status()} ${r.url()}`));
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(String(e)));
    const shoot = async (name: string) => {
      for (const width of WIDTHS) {
        await page.setViewportSize({ width, height: 900 });
        // The layout at the new width is done once two frames have been drawn.
        await page.evaluate(() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done))));
        await page.screenshot({ path: join(ARTIFACTS, `${name}-${width}.png`), fullPage: true });
      }
      await page.setViewportSize({ width: WIDTHS[0], height: 900 });
    };
    await page.goto(`${s.url}/?token=${s.site.auth.issueSignInToken()}`);

    // Capture: watch SRC run, live.
    const capture = await deploy(computers.src);
    await page.goto(`${s.url}/#/monitoring/${capture}/${encodeURIComponent(computers.src.id)}`);
    const live = page.getByTestId('computer-progress');
    await live.waitFor({ timeout: 60_000 });
    assert.match((await live.innerText()).replace(/\s+/g, ' '), /Step \d+ of 4: /);
    await page.getByTestId('deployment-progress').waitFor();
    writeFileSync(go, '');
    // The capture itself: percent, bytes and an ETA from ScanState's progress events, when the
    // page catches it running (a small capture may end between two polls: then stop waiting).
    await until(
      'capture progress',
      async () =>
        // Once the run has ended the live panel may be gone: ask the site first, then the page.
        (await ended(capture)) || /Capture User State.*\d+(\.\d)?%/s.test(await live.innerText({ timeout: 1000 }).catch(() => ''))
          ? true
          : undefined,
      60_000,
    ).catch(() => undefined);
    await shoot('progress');
    assert.equal(await finished(capture), 'Success');

    // Restore on DST.
    const restore = await deploy(computers.dst);
    assert.equal(await finished(restore), 'Success');

    // The reports the agents uploaded pass the schema and match the volumes.
    const reportsOf = async (dep: string, c: { id: string }) =>
      (await call(s, session, 'GET', `/api/deployments/${dep}/computers/${encodeURIComponent(c.id)}/reports`)).body as {
        kind: string;
        report: unknown;
      }[];
    const captured = parseReport(
      (await until('capture report', async () => (await reportsOf(capture, computers.src)).find((r) => r.kind === 'capture'), 180_000))!
        .report,
    );
    const restored = parseReport(
      (await until('restore report', async () => (await reportsOf(restore, computers.dst)).find((r) => r.kind === 'restore'), 180_000))!
        .report,
    );
    const users = Object.keys(restored.users).filter((u) => u !== 'System');
    assert.equal(users.length, 2);
    let onDst = 0;
    for (const u of users) {
      const name = (restored.userMap?.[u] ?? u).split('\\').pop()!;
      const files = countFiles(join(work, 'dst/Users', name));
      assert.equal(files, restored.users[u]!.files.restored, `files on DST under ${name} = the report's restored count`);
      assert.equal(restored.users[u]!.files.restored + restored.users[u]!.files.notMigrated, captured.users[u]!.files.captured, u);
      onDst += files;
    }
    assert.ok(onDst > 0);

    // The console shows them, with charts, and offers the raw report.
    await page.goto(`${s.url}/#/monitoring/${restore}/${encodeURIComponent(computers.dst.id)}`);
    const view = page.getByTestId('report-restore');
    await view.waitFor();
    for (const u of users) {
      const cell = view.locator(`tr[data-user="${u.replace(/\\/g, '\\\\')}"] td[data-col="files"]`);
      assert.equal(Number(await cell.innerText()), restored.users[u]!.files.restored);
    }
    assert.equal((await view.locator('svg[role=img]').count()) >= 2, true, 'charts: bytes per user, time per step (and reasons when any)');
    assert.match(
      await view.locator('[data-figure="files"] b').innerText(),
      new RegExp(`^${restored.totals.files.restored} of ${restored.totals.files.selected}$`),
    );
    const json = await page.request.get(
      `${s.url}/api/deployments/${restore}/computers/${encodeURIComponent(computers.dst.id)}/reports/restore.json`,
    );
    assert.equal(json.status(), 200);
    assert.deepEqual(parseReport(await json.json()).totals, restored.totals);
    const html = await page.request.get(
      `${s.url}/api/deployments/${restore}/computers/${encodeURIComponent(computers.dst.id)}/reports/restore.html`,
    );
    assert.match(await html.text(), /<svg role="img"/);
    await shoot('restore-report');
    await view.screenshot({ path: join(ARTIFACTS, 'report-for-readme.png') });

    await page.goto(`${s.url}/#/monitoring/${capture}/${encodeURIComponent(computers.src.id)}`);
    await page.getByTestId('report-capture').waitFor();
    await shoot('capture-report');
    // The deployment list: headers break between words only.
    await page.goto(`${s.url}/#/monitoring`);
    await page.getByRole('cell', { name: capture, exact: true }).waitFor();
    for (const width of WIDTHS) {
      await page.setViewportSize({ width, height: 900 });
      for (const header of ['Purpose', 'Success', 'Compliance']) {
        const box = await page.getByRole('columnheader', { name: header, exact: true }).evaluate((th) => {
          const range = document.createRange();
          range.selectNodeContents(th);
          return range.getClientRects().length;
        });
        assert.equal(box, 1, `"${header}" fits on one line at ${width} px`);
      }
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert.ok(overflow <= 0, `the deployment list fits in ${width} px (overflows by ${overflow} px)`);
    }
    await shoot('deployments');

    // The editor: read-only hint, search, collapse/expand, ConfigMgr's operator words, password confirmation.
    await page.goto(`${s.url}/#/task-sequences/${ts.id}/view`);
    const tree = page.getByRole('tree', { name: 'Steps' });
    await tree.waitFor();
    await page.getByText('Select a step or group to see its properties.').waitFor();
    assert.equal(await page.getByText(/use Add to insert one/).count(), 0);
    await page.getByRole('button', { name: 'Collapse all' }).click();
    assert.equal(await tree.getByRole('button', { name: /Capture User State/ }).count(), 0);
    await page.getByRole('button', { name: 'Expand Capture Files and Settings' }).click();
    await tree.getByRole('button', { name: /Capture User State/ }).waitFor();
    await page.getByRole('button', { name: 'Expand all' }).click();
    await page.getByLabel('Search steps').fill('restore');
    await tree.getByRole('button', { name: /Restore User State/ }).waitFor();
    assert.equal(await tree.getByRole('button', { name: /Capture User State/ }).count(), 0, 'search hides what does not match');
    await page.getByLabel('Search steps').fill('');
    await page.goto(`${s.url}/#/task-sequences/${ts.id}/edit`);
    await tree.getByRole('button', { name: /^\S?\s*Restore Files and Settings/ }).click();
    await page.getByRole('tab', { name: 'Options' }).click();
    const operator = page.getByLabel('Condition', { exact: true });
    assert.equal(await operator.locator('option:checked').innerText(), 'equals');
    const words = await operator.locator('option').allInnerTexts();
    for (const w of ['not equals', 'less than or equals', 'greater than']) assert.ok(words.includes(w), `${w} in ${words.join(', ')}`);
    assert.ok(!words.some((w) => /notEquals|lessEqual/.test(w)));
    await shoot('editor-conditions');
    await page.getByRole('tab', { name: 'Properties' }).click();
    await tree.getByRole('button', { name: /Restore User State/ }).click();
    await page.getByLabel('Confirm Password', { exact: true }).waitFor();
    await page.getByLabel('Password', { exact: true }).fill('changed');
    await page.getByText('The passwords do not match.').waitFor();
    await shoot('editor-password');
    assert.deepEqual(failed, [], 'no failed requests (favicon included)');
    assert.deepEqual(pageErrors, []);
  } finally {
    await agents?.stop();
    await started.close();
    rmSync(work, { recursive: true, force: true });
  }
});
