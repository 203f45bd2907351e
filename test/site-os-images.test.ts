// Operating system image packages in the site over real HTTP: register a WIM by path, upload
// one, the images wiminfo reads, refusal of a file that is not a WIM, the template with an image
// package, and the agent's download (resumed from a partial file, SHA-256 checked).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, statSync, truncateSync, writeFileSync, copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { SiteClient } from '../src/agent/index.ts';
import { call, signIn, startSite } from './site-helpers.ts';

const SKIP =
  spawnSync('sh', ['-c', 'command -v wimcapture && command -v wiminfo']).status === 0
    ? false
    : 'wimtools is not installed (apt-get install wimtools)';

test('image packages: register by path, upload, wiminfo images, refusal, template, agent download resumed', { skip: SKIP }, async () => {
  const s = await startSite();
  try {
    const session = await signIn(s);
    const tree = join(s.dataDir, 'tree');
    mkdirSync(join(tree, 'Windows', 'System32'), { recursive: true });
    writeFileSync(join(tree, 'Windows', 'System32', 'kernel32.dll'), Buffer.alloc(200_000, 7));
    const wim = join(s.dataDir, 'install.wim');
    assert.equal(spawnSync('wimcapture', [tree, wim, 'Windows 11 Pro', '--flags', 'Professional', '--compress=none']).status, 0);
    spawnSync('wimappend', [tree, wim, 'Windows 11 Enterprise', '--flags', 'Enterprise']);

    const reg = await call(s, session, 'POST', '/api/os-images', { name: 'Windows 11', path: wim });
    assert.equal(reg.status, 201, JSON.stringify(reg.body));
    assert.deepEqual(
      reg.body.images.map((i: { index: number; name: string; edition: string }) => [i.index, i.name, i.edition]),
      [
        [1, 'Windows 11 Pro', 'Professional'],
        [2, 'Windows 11 Enterprise', 'Enterprise'],
      ],
    );
    assert.equal(reg.body.size, statSync(wim).size);

    const bad = join(s.dataDir, 'bad.wim');
    writeFileSync(bad, 'not a wim');
    const refused = await call(s, session, 'POST', '/api/os-images', { name: 'Broken', path: bad });
    assert.equal(refused.body.code, 'FERRY_E_OSIMAGE_CORRUPT');
    assert.equal(
      (await call(s, session, 'POST', '/api/os-images', { name: 'Gone', path: join(s.dataDir, 'nope.wim') })).body.code,
      'FERRY_E_OSIMAGE_NOT_FOUND',
    );

    const up = await fetch(`${s.url}/api/os-images/upload?name=Uploaded`, {
      method: 'PUT',
      headers: { cookie: session.cookie, 'x-ferry-csrf': session.csrf, 'content-type': 'application/octet-stream' },
      body: readFileSync(wim),
    });
    const uploaded = (await up.json()) as { id: string; path: string; images: unknown[] };
    assert.equal(up.status, 201, JSON.stringify(uploaded));
    assert.equal(uploaded.images.length, 2);
    assert.ok(uploaded.path.startsWith(join(s.dataDir, 'os-images')));
    const list = await call(s, session, 'GET', '/api/os-images');
    assert.deepEqual(
      list.body.map((p: { name: string }) => p.name),
      ['Windows 11', 'Uploaded'],
    );

    const ts = await call(s, session, 'POST', '/api/task-sequences', {
      name: 'Refresh',
      template: 'image-package',
      imagePackageId: reg.body.id,
      imageIndex: 2,
      hardLinks: true,
    });
    assert.equal(ts.status, 201);
    const apply = ts.body.document.children[1].children[3];
    assert.deepEqual(
      [apply.name, apply.properties.ImagePackageID, apply.properties.ImageIndex],
      ['Apply Operating System', reg.body.id, 2],
    );
    assert.equal((await call(s, session, 'GET', '/api/task-sequences')).body[0].errors, 0);

    // The agent: a partial download is resumed and the whole file checked.
    const agent = await new SiteClient(s.url).register('PC1', s.site.enrollToken);
    const client = new SiteClient(s.url, agent.credential);
    const dir = join(s.dataDir, 'agent-images');
    mkdirSync(dir);
    const dest = join(dir, `${uploaded.id}.wim`);
    copyFileSync(wim, `${dest}.part`);
    truncateSync(`${dest}.part`, 1000);
    assert.equal(await client.downloadOsImage(uploaded.id, dir), dest);
    assert.deepEqual(readFileSync(dest), readFileSync(wim));
    assert.equal(await client.downloadOsImage(uploaded.id, dir), dest, 'kept while it matches');
    await assert.rejects(new SiteClient(s.url, 'wrong').downloadOsImage(uploaded.id, dir));

    assert.equal((await call(s, session, 'DELETE', `/api/os-images/${uploaded.id}`)).status, 200);
    assert.throws(() => statSync(uploaded.path), 'the uploaded file is removed with its package');
  } finally {
    await s.close();
  }
});
