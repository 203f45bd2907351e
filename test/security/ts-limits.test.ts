// Issue 11 item 7: a console export zip is read lazily within size limits, and task sequence
// import, save, validate and export share one set of limits, so whatever is imported can be
// saved, validated and exported, and every export imports again.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { isFerryError } from '../../src/errors/index.ts';
import { loadSequenceFile, TS_LIMITS } from '../../src/tasksequence/index.ts';
import { craftZip } from '../support/zip-craft.ts';
import { call, signIn, startSite } from '../site-helpers.ts';

const code = (c: string) => (e: unknown) => isFerryError(e) && e.code === c;
const root = new URL('../..', import.meta.url).pathname;

function tmp(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'ferry-ts-limits-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const step = (i: number) =>
  `<step type="SMS_TaskSequence_RunCommandLineAction" name="Run ${i}"><action>cmd /c exit ` +
  `0</action><defaultVarList><variable name="CommandLine" property="CommandLine">cmd /c exit ` +
  `0</variable></defaultVarList></step>`;
const nested = (depth: number) =>
  `<sequence version="3.10">${'<group name="g">'.repeat(depth)}${step(0)}${'</group>'.repeat(depth)}</sequence>`;

test('a 2 MB zip of 40 × 60 MiB XML entries fails fast with FERRY_E_TS_TOO_LARGE and little memory (ferry ts show)', async (t) => {
  const dir = tmp(t);
  const zip = join(dir, 'export.zip');
  writeFileSync(zip, craftZip(Array.from({ length: 40 }, (_, i) => ({ name: `TS${i}/object.xml`, zeros: 60 * 1024 * 1024 }))));
  const rss = process.memoryUsage().rss;
  const t0 = performance.now();
  await assert.rejects(loadSequenceFile(zip), code('FERRY_E_TS_TOO_LARGE'));
  assert.ok(performance.now() - t0 < 1000);
  assert.ok(process.memoryUsage().rss - rss < 100 * 1024 * 1024, 'no entry was buffered');
  // The CLI as an administrator runs it: a coded error, bounded memory.
  const r = spawnSync(process.execPath, ['--max-old-space-size=256', join(root, 'src/cli/main.ts'), 'ts', 'show', zip], {
    encoding: 'utf8',
    timeout: 30_000,
  });
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /FERRY_E_TS_TOO_LARGE/);
});

test('a zip whose XML entries are each under the entry limit but together over the total is refused before any is read', async (t) => {
  const dir = tmp(t);
  const zip = join(dir, 'export.zip');
  const n = Math.ceil(TS_LIMITS.maxZipXmlBytes / (TS_LIMITS.maxZipEntryBytes - 1)) + 1;
  writeFileSync(zip, craftZip(Array.from({ length: n }, (_, i) => ({ name: `x${i}.xml`, zeros: TS_LIMITS.maxZipEntryBytes - 1 }))));
  await assert.rejects(loadSequenceFile(zip), code('FERRY_E_TS_TOO_LARGE'));
});

test('a console export zip within limits still loads its object.xml', async (t) => {
  const dir = tmp(t);
  const zip = join(dir, 'ok.zip');
  const seq = `<sequence version="3.10">${step(1)}</sequence>`.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  const objectXml =
    `<INSTANCE CLASSNAME="SMS_TaskSequencePackage"><PROPERTY ` +
    `NAME="Name"><VALUE>T</VALUE></PROPERTY><PROPERTY ` +
    `NAME="Sequence"><VALUE>${seq}</VALUE></PROPERTY></INSTANCE>`;
  writeFileSync(
    zip,
    craftZip([
      { name: 'big.bin', zeros: 20 * 1024 * 1024 },
      { name: 'TS/object.xml', data: Buffer.from(objectXml) },
    ]),
  );
  const loaded = await loadSequenceFile(zip);
  assert.equal(loaded.form, 'zip');
  assert.equal(loaded.sequence.children.length, 1);
});

test('one set of limits for import, save, validate and export on the site', async (t) => {
  const s = await startSite();
  t.after(() => s.close());
  const session = await signIn(s);
  // Deeper than the limit: refused at import with the coded error (it could not be saved).
  const deep = await call(s, session, 'POST', '/api/task-sequences/import', { xml: nested(TS_LIMITS.maxDepth + 1) });
  assert.equal(deep.status, 413, JSON.stringify(deep.body));
  assert.equal(deep.body.code, 'FERRY_E_TS_TOO_LARGE');
  // Over the size limit: refused at import too.
  const many = Math.ceil(TS_LIMITS.maxXmlBytes / step(0).length) + 10;
  const big = await call(s, session, 'POST', '/api/task-sequences/import', {
    xml: `<sequence version="3.10">${Array.from({ length: many }, (_, i) => step(i)).join('')}</sequence>`,
  });
  assert.equal(big.status, 413, JSON.stringify(big.body).slice(0, 300));
  assert.equal(big.body.code, 'FERRY_E_TS_TOO_LARGE');
  // At the limits: imported, then saved, validated, exported and imported again.
  const atLimit =
    `<sequence ` +
    (`version="3.10">${'<group name="g">'.repeat(TS_LIMITS.maxDepth)}${Array.from({ length: 300 }, (_, i) => step(i)).join('')}` +
      `${'</group>'.repeat(TS_LIMITS.maxDepth)}</sequence>`);
  const imp = await call(s, session, 'POST', '/api/task-sequences/import', { xml: atLimit, name: 'At the limits' });
  assert.equal(imp.status, 201, JSON.stringify(imp.body).slice(0, 300));
  const id = imp.body.id as string;
  const got = await call(s, session, 'GET', `/api/task-sequences/${id}`);
  const val = await call(s, session, 'POST', '/api/task-sequences/validate', { sequence: got.body.document });
  assert.equal(val.status, 200, JSON.stringify(val.body).slice(0, 300));
  const save = await call(s, session, 'PUT', `/api/task-sequences/${id}`, {
    name: got.body.name,
    description: got.body.description,
    version: got.body.version,
    sequence: got.body.document,
  });
  assert.equal(save.status, 200, JSON.stringify(save.body).slice(0, 300));
  const res = await fetch(`${s.url}/api/task-sequences/${id}/export`, { headers: { cookie: session.cookie } });
  const xml = await res.text();
  assert.ok(Buffer.byteLength(xml) <= TS_LIMITS.maxXmlBytes);
  const again = await call(s, session, 'POST', '/api/task-sequences/import', { xml, name: 'Re-imported' });
  assert.equal(again.status, 201, JSON.stringify(again.body).slice(0, 300));
});
