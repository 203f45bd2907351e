// The console in a real browser: register a WIM under Software Library › Operating Systems ›
// Operating System Images (its images read with wiminfo), then add Apply Operating System Image
// from the editor's Add › Images menu, pick the image package and index, and save.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { call, signIn } from './site-helpers.ts';
import { NO_CHROMIUM, startConsoleSite } from './support/console.ts';

const NO_WIMLIB = spawnSync('sh', ['-c', 'command -v wimcapture && command -v wiminfo']).status !== 0;

test('console: register an operating system image and add Apply Operating System Image from Add › Images', {
  timeout: 180_000,
}, async (t) => {
  if (NO_CHROMIUM) return t.skip(NO_CHROMIUM);
  if (NO_WIMLIB) return t.skip('wimtools is not installed (apt-get install wimtools)');
  const work = mkdtempSync(join(tmpdir(), 'ferry-console-osimage-'));
  const wim = join(work, 'install.wim');
  // The image is captured while the browser starts.
  let started: Awaited<ReturnType<typeof startConsoleSite>>;
  try {
    started = await startConsoleSite({}, () => {
      mkdirSync(join(work, 'tree', 'Windows', 'System32'), { recursive: true });
      writeFileSync(join(work, 'tree', 'Windows', 'System32', 'ntoskrnl.exe'), 'kernel');
      assert.equal(spawnSync('wimcapture', [join(work, 'tree'), wim, 'Windows 11 Pro', '--flags', 'Professional']).status, 0);
    });
  } catch (err) {
    rmSync(work, { recursive: true, force: true });
    throw err;
  }
  const { s, browser } = started;
  try {
    const page = await browser.newPage({ viewport: { width: 1366, height: 860 } });
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(String(e)));
    await page.goto(`${s.url}/?token=${s.site.auth.issueSignInToken()}`);
    await page.getByRole('heading', { name: 'Task Sequences' }).waitFor();

    // Software Library › Operating Systems › Operating System Images: add by path.
    await page.getByRole('link', { name: 'Operating System Images' }).click();
    await page.getByRole('button', { name: 'Add Operating System Image' }).click();
    await page.getByLabel('Name', { exact: true }).fill('Windows 11 23H2');
    await page.getByLabel(/Path of the image file/).fill(wim);
    await page.getByRole('dialog').getByRole('button', { name: 'Add', exact: true }).click();
    await page.getByRole('cell', { name: 'Windows 11 23H2', exact: true }).waitFor();
    const images = page.getByRole('table', { name: 'Images' });
    await images.getByRole('cell', { name: 'Windows 11 Pro', exact: true }).waitFor();
    await images.getByRole('cell', { name: 'Professional', exact: true }).waitFor();
    const imageId = (await call(s, await signIn(s), 'GET', '/api/os-images')).body[0].id as string;

    // A file that is not a WIM is refused with its code.
    writeFileSync(join(work, 'bad.wim'), 'nope');
    await page.getByRole('button', { name: 'Add Operating System Image' }).click();
    await page.getByLabel('Name', { exact: true }).fill('Broken');
    await page.getByLabel(/Path of the image file/).fill(join(work, 'bad.wim'));
    await page.getByRole('dialog').getByRole('button', { name: 'Add', exact: true }).click();
    await page.getByRole('dialog').getByRole('alert').getByText('FERRY_E_OSIMAGE_CORRUPT', { exact: false }).waitFor();
    await page.getByRole('dialog').getByRole('button', { name: 'Cancel' }).click();

    // The editor: Add › Images › Apply Operating System Image, pick the image package.
    await page.getByRole('link', { name: 'Task Sequences' }).click();
    await page.getByRole('button', { name: 'Create Task Sequence' }).click();
    await page.getByLabel('Create a new custom task sequence').check();
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByLabel('Task sequence name').fill('Refresh with an image');
    await page.getByRole('dialog').getByRole('button', { name: 'Create', exact: true }).click();
    await page.getByRole('heading', { name: /Task Sequence Editor/ }).waitFor();
    await page.getByRole('button', { name: /^Add/ }).click();
    await page.getByRole('menuitem', { name: /^Images/ }).click();
    assert.deepEqual(await page.getByRole('menu', { name: 'Images' }).getByRole('menuitem').allInnerTexts(), [
      'Apply Operating System Image',
      'Setup Windows and ConfigMgr',
    ]);
    await page.getByRole('menuitem', { name: 'Apply Operating System Image', exact: true }).click();
    await page.getByText('Select the image package; the step cannot run without it.').first().waitFor();
    await page.getByLabel('Image package').selectOption(imageId);
    await page.getByLabel('Image', { exact: true }).fill('1');
    assert.equal(await page.getByLabel('Next available partition').isChecked(), true);
    await page.getByRole('button', { name: 'Apply', exact: true }).click();
    await page.getByText(/Saved version/).waitFor();

    const list = await call(s, await signIn(s), 'GET', '/api/task-sequences');
    const ts = await call(s, await signIn(s), 'GET', `/api/task-sequences/${list.body[0].id}`);
    const step = ts.body.document.children[0];
    assert.deepEqual(
      [step.type, step.properties.ImagePackageID, step.properties.ImageIndex, step.properties.Destination],
      ['SMS_TaskSequence_ApplyOperatingSystemAction', imageId, 1, 'NextAvailable'],
    );
    const xml = await fetch(`${s.url}/api/task-sequences/${list.body[0].id}/export`, {
      headers: { cookie: (await signIn(s)).cookie },
    }).then((r) => r.text());
    assert.match(xml, new RegExp(`OSDApplyOS\\.exe /image:${imageId},%OSDImageIndex%`));
    assert.deepEqual(pageErrors, []);
  } finally {
    await started.close();
    rmSync(work, { recursive: true, force: true });
  }
});
