// The replace journey in a real browser, the way a ConfigMgr administrator does it: a computer
// association SRC → DST through the Create Computer Association wizard, a capture sequence and a
// restore sequence from the wizard's replace templates, each deployed to its own collection
// (capture on SRC, then restore on DST), and Monitoring showing both runs. Then the volumes:
// DST holds SRC's users' files byte for byte, and neither volume has a `name(1).ext` duplicate.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NO_CHROMIUM, startAgents, startConsoleSite } from './support/console.ts';
import { generateSampleVolume, parseSize } from '../src/sample-volume/index.ts';
import { filesUnder } from './support/files.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const ARTIFACTS = join(ROOT, 'test-artifacts', 'console-replace');

test('console: the real replace — association, capture on SRC, restore on DST, Monitoring, files on DST', {
  timeout: 300_000,
}, async (t) => {
  if (NO_CHROMIUM) return t.skip(NO_CHROMIUM);
  const work = mkdtempSync(join(tmpdir(), 'ferry-replace-'));
  // The volumes are made while the browser starts.
  let started: Awaited<ReturnType<typeof startConsoleSite>>;
  try {
    started = await startConsoleSite({ withSmp: true }, () => {
      for (const [name, users, size] of [
        ['src', '2', '8M'],
        ['dst', '0', '1M'],
      ] as const) {
        generateSampleVolume({ out: join(work, name), size: parseSize(size), users: Number(users) });
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
    const skip = ['All Users', 'Default', 'Default User', 'Public', 'desktop.ini'];
    const sourceUsers = readdirSync(join(work, 'src/Users')).filter((u) => !skip.includes(u));
    assert.equal(sourceUsers.length, 2);
    const before = new Map(sourceUsers.map((u) => [u, filesUnder(join(work, 'src/Users', u))]));
    const sourceBefore = new Set(filesUnder(join(work, 'src/Users')));

    agents = startAgents(t, s, work, [
      ['SRC', 'src'],
      ['DST', 'dst'],
    ]);

    const page = await browser.newPage({ viewport: { width: 1366, height: 860 } });
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(String(e)));
    let shot = 0;
    const screenshot = (name: string) =>
      page.screenshot({ path: join(ARTIFACTS, `${String(++shot).padStart(2, '0')}-${name}.png`), fullPage: true });
    await page.goto(`${s.url}/?token=${s.site.auth.issueSignInToken()}`);
    await page.getByRole('heading', { name: 'Task Sequences' }).waitFor();
    await page.getByRole('link', { name: 'Devices' }).click();
    await page.getByRole('cell', { name: 'SRC', exact: true }).waitFor({ timeout: 20_000 });
    await page.getByRole('cell', { name: 'DST', exact: true }).waitFor();

    // Assets and Compliance › User State Migration › Create Computer Association.
    await page.getByRole('link', { name: 'User State Migration' }).click();
    await page.getByRole('button', { name: 'Create Computer Association' }).click();
    const wizard = page.getByRole('dialog');
    await wizard.getByLabel('Source computer').fill('SRC');
    await wizard.getByLabel('Destination computer').fill('DST');
    await wizard.getByRole('button', { name: 'Next' }).click();
    await wizard.getByLabel('Capture and restore all user accounts').check();
    await wizard.getByRole('button', { name: 'Next' }).click();
    await screenshot('association-summary');
    await wizard.getByRole('button', { name: 'Create' }).click();
    await page.getByRole('cell', { name: 'DST', exact: true }).waitFor();

    // The two replace templates; each validates with no warning, so Deploy is enabled.
    const createFromTemplate = async (template: string, name: string, password?: string) => {
      await page.getByRole('link', { name: 'Task Sequences' }).click();
      await page.getByRole('button', { name: 'Create Task Sequence' }).click();
      await page.getByLabel(template).check();
      await page.getByRole('button', { name: 'Next' }).click();
      await page.getByLabel('Task sequence name').fill(name);
      if (password) await page.getByLabel('Password for restored local accounts').fill(password);
      await page.getByRole('dialog').getByRole('button', { name: 'Create', exact: true }).click();
      await page.getByRole('heading', { name: /Task Sequence Editor/ }).waitFor();
    };
    await createFromTemplate('Replace: capture user state on the old computer', 'Replace - capture');
    await createFromTemplate('Replace: restore user state on the new computer', 'Replace - restore', 'Temp0rary!Pass');

    const collection = async (name: string, member: string) => {
      await page.getByRole('link', { name: 'Device Collections' }).click();
      await page.getByRole('button', { name: 'Create Device Collection' }).click();
      const dialog = page.getByRole('dialog');
      await dialog.getByLabel('Name', { exact: true }).fill(name);
      await dialog.getByLabel(member, { exact: true }).check();
      await dialog.getByRole('button', { name: 'Create' }).click();
      await page.getByRole('cell', { name, exact: true }).waitFor();
    };
    await collection('Old computers', 'SRC');
    await collection('New computers', 'DST');

    const deploy = async (tsName: string, collectionLabel: string) => {
      await page.getByRole('link', { name: 'Task Sequences' }).click();
      await page.locator('table.grid').first().getByRole('cell', { name: tsName, exact: true }).click();
      await page.getByRole('button', { name: 'Deploy' }).click();
      await page.getByLabel('Collection').selectOption({ label: collectionLabel });
      for (let i = 0; i < 2; i++) await page.getByRole('button', { name: 'Next' }).click();
      // The summary page asks the site what this deployment would get wrong: once its answer is
      // in and rendered (the next frame), there is no warning to show.
      const [checked] = await Promise.all([
        page.waitForResponse((r) => new URL(r.url()).pathname === '/api/deployments/check'),
        page.getByRole('button', { name: 'Next' }).click(),
      ]);
      assert.deepEqual((await checked.json()).warnings, [], `${tsName} on ${collectionLabel}: no warnings`);
      await page.evaluate(() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done))));
      assert.equal(
        await page.getByRole('alert', { name: 'Before you deploy' }).count(),
        0,
        `${tsName} on ${collectionLabel} is not flagged`,
      );
      await page.getByRole('button', { name: 'Deploy' }).click();
      await page.getByRole('heading', { name: /Deployment status/ }).waitFor();
    };
    // The page refreshes on the site's change events: wait on the row's cells, not on a clock.
    const waitSuccess = async (tsName: string) => {
      const row = page.locator('tbody tr', { hasText: tsName }).first();
      const ended = await page
        .waitForFunction(
          (name) => {
            const tr = [...document.querySelectorAll('tbody tr')].find((r) => r.textContent?.includes(name));
            const cell = (c: string) => tr?.querySelector<HTMLElement>(`td[data-category="${c}"]`)?.innerText;
            return cell('Success') === '1' || (cell('Error') ?? '0') !== '0';
          },
          tsName,
          { timeout: 120_000, polling: 100 },
        )
        .then(
          () => true,
          () => false,
        );
      assert.equal(await row.locator('td[data-category="Error"]').innerText(), '0', `${tsName} failed: ${await row.innerText()}`);
      assert.ok(
        ended && (await row.locator('td[data-category="Success"]').innerText()) === '1',
        `${tsName} did not finish: ${await row.innerText()}`,
      );
    };
    // The wizard flags a restore-only sequence on a computer that no association names as a destination.
    await page.getByRole('link', { name: 'Task Sequences' }).click();
    await page.locator('table.grid').first().getByRole('cell', { name: 'Replace - restore', exact: true }).click();
    await page.getByRole('button', { name: 'Deploy' }).click();
    await page.getByLabel('Collection').selectOption({ label: 'Old computers (1 members)' });
    for (let i = 0; i < 3; i++) await page.getByRole('button', { name: 'Next' }).click();
    const flagged = page.getByRole('alert', { name: 'Before you deploy' });
    await flagged.waitFor();
    assert.match(await flagged.innerText(), /SRC has no computer association as a destination/);
    await screenshot('deploy-flagged');
    await page.getByRole('button', { name: 'Cancel' }).click();

    await deploy('Replace - capture', 'Old computers (1 members)');
    await waitSuccess('Replace - capture');
    await deploy('Replace - restore', 'New computers (1 members)');
    await waitSuccess('Replace - restore');

    // Monitoring shows both runs, each with its user-state steps.
    await page.getByRole('link', { name: 'Deployments' }).click();
    for (const [tsName, computer, step] of [
      ['Replace - capture', 'SRC', 'Capture User State'],
      ['Replace - restore', 'DST', 'Restore User State'],
    ] as const) {
      await page.locator('tbody tr', { hasText: tsName }).first().click();
      await page.getByRole('link', { name: computer, exact: true }).click();
      const messages = page.locator('table.messages tbody tr');
      await messages.first().waitFor();
      const rows = (await messages.allInnerTexts()).map((r) => r.replace(/\t/g, ' '));
      assert.ok(
        rows.some((r) => r.includes('11143')),
        `${tsName}: completed\n${rows.join('\n')}`,
      );
      assert.ok(
        rows.some((r) => r.includes('11134') && r.includes(step)),
        `${tsName}: ${step}\n${rows.join('\n')}`,
      );
      await screenshot(`monitoring-${computer}`);
    }

    // DST holds SRC's users' files, byte for byte; no `name(1).ext` anywhere.
    for (const [u, list] of before) {
      const docs = list.filter((f) => /^(Documents|Desktop|Pictures)\//.test(f));
      assert.ok(docs.length > 0, `${u} has documents to migrate`);
      for (const f of docs) {
        const got = join(work, 'dst/Users', u, f);
        assert.ok(existsSync(got), `DST lacks ${u}\\${f}`);
        assert.ok(readFileSync(got).equals(readFileSync(join(work, 'src/Users', u, f))), `${u}\\${f} differs`);
      }
    }
    // A `name(1).ext` that was not on SRC before the run is a collision copy.
    const dupe = (f: string) => /\(\d+\)(\.[^./\\]*)?$/.test(f) && !sourceBefore.has(f);
    for (const vol of ['src', 'dst']) assert.deepEqual(filesUnder(join(work, vol, 'Users')).filter(dupe), [], `${vol}: duplicates`);
    assert.deepEqual(pageErrors, []);
  } finally {
    await agents?.stop();
    await started.close();
    rmSync(work, { recursive: true, force: true });
  }
});
