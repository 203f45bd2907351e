// Ferry's bundled default rule files (MigUser.xml, MigApp.xml, MigDocs.xml) evaluated by the
// rule engine on a generated volume (`ferry sample-volume`), and compared with Microsoft's
// MigUser.xml + MigApp.xml when FERRY_TEST_MICROSOFT_XML_DIR names them.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { EventStream, type FerryEvent } from '../../events/index.ts';
import { HiveEditor, RegType } from '../../registry/index.ts';
import { newSummary, count, openPlanning, type DecidedObject, type PlanSummary } from '../../migxml/index.ts';
import { generateSampleVolume } from '../../sample-volume/index.ts';
import { MICROSOFT_XML_SKIP, microsoftXml } from '../testing/microsoft-xml.ts';

const HERE = new URL('.', import.meta.url).pathname;
const USERS = ['alice', 'bob.smith'];

let dir = '';
let windowsDir = '';

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'ferry-default-rules-'));
  const vol = join(dir, 'vol');
  generateSampleVolume({ out: vol, size: 20 << 20, users: 2, seed: 7 });
  windowsDir = join(vol, 'Windows');
  // What the sample volume does not make: a thumbnail cache among the pictures and a shell library.
  writeFileSync(join(vol, 'Users', 'alice', 'Pictures', 'Thumbs.db'), 'thumbs');
  const libraries = join(vol, 'Users', 'alice', 'AppData', 'Roaming', 'Microsoft', 'Windows', 'Libraries');
  mkdirSync(libraries, { recursive: true });
  writeFileSync(join(libraries, 'Documents.library-ms'), '<libraryDescription/>');
  // bob keeps a stock Windows wallpaper: the value migrates, the image stays (the destination has it).
  const web = join(vol, 'Windows', 'Web', 'Wallpaper', 'Windows');
  mkdirSync(web, { recursive: true });
  writeFileSync(join(web, 'img0.jpg'), 'jpeg');
  const ntuser = join(vol, 'Users', 'bob.smith', 'NTUSER.DAT');
  const hive = HiveEditor.open(ntuser);
  hive.setValue('Control Panel\\Desktop', 'Wallpaper', RegType.SZ, 'C:\\Windows\\Web\\Wallpaper\\Windows\\img0.jpg');
  hive.save(ntuser);
});

after(() => rmSync(dir, { recursive: true, force: true }));

interface Evaluation {
  readonly objects: DecidedObject[];
  readonly files: Set<string>;
  readonly registry: Set<string>;
  readonly summary: PlanSummary;
  readonly warnings: FerryEvent[];
}

async function evaluate(ruleFiles: string[]): Promise<Evaluation> {
  const events = new EventStream();
  const warnings: FerryEvent[] = [];
  events.on((e) => {
    if (e.type === 'warning') warnings.push(e);
  });
  const { engine } = await openPlanning({ windowsDir, ruleFiles, events });
  try {
    const objects: DecidedObject[] = [];
    const summary = newSummary();
    for await (const o of engine.objects()) {
      objects.push(o);
      count(summary, o);
    }
    const files = new Set(objects.filter((o) => o.kind === 'file').map((o) => o.winPath!));
    // HKCU values are per user: keep the user in the key.
    const registry = new Set(objects.filter((o) => o.kind === 'registry').map((o) => `${o.user?.userName ?? ''}:${o.regLocation}`));
    return { objects, files, registry, summary, warnings };
  } finally {
    engine.close();
  }
}

const ferry = (...names: string[]) => names.map((n) => join(HERE, n));
const microsoft = (...names: string[]) => names.map((n) => microsoftXml(n));
const under = (files: Set<string>, prefix: string) => [...files].filter((f) => f.toLowerCase().startsWith(`${prefix.toLowerCase()}\\`));

/** Warnings: the sample volume itself causes none. */
const unexpected = (e: Evaluation) => e.warnings.filter((w) => w.type === 'warning');

function assertNothingUnwanted(files: Set<string>): void {
  for (const bad of [
    /\\AppData\\Local\\Temp(\\|$)/i,
    /\\INetCache(\\|$)/i,
    /\\thumbcache_[^\\]*\.db$/i,
    /\\Thumbs\.db$/i,
    /^C:\\pagefile\.sys$/i,
    /^C:\\hiberfil\.sys$/i,
    /^C:\\swapfile\.sys$/i,
    /^C:\\Windows\\/i,
    /^C:\\Program Files( \(x86\))?\\/i,
    /\\Google\\Chrome\\User Data\\[^\\]+\\Cache\\/i,
    /\\Mozilla\\Firefox\\Profiles\\[^\\]+\\cache2\\/i,
    /\\AppData\\Local\\Mozilla\\/i,
  ]) {
    assert.deepEqual(
      [...files].filter((f) => bad.test(f)),
      [],
      `nothing matching ${bad}`,
    );
  }
}

test('each default file loads and evaluates on its own', async () => {
  for (const name of ['MigUser.xml', 'MigApp.xml', 'MigDocs.xml']) {
    const e = await evaluate(ferry(name));
    assert.deepEqual(unexpected(e), [], name);
    assert.ok(e.summary.total.files > 0, `${name} collects files`);
  }
});

test('MigUser.xml + MigApp.xml: known folders, application settings and Windows settings, no caches', async () => {
  const e = await evaluate(ferry('MigUser.xml', 'MigApp.xml'));
  assert.deepEqual(unexpected(e), []);
  for (const user of USERS) {
    const profile = `C:\\Users\\${user}`;
    for (const folder of ['Documents', 'Desktop', 'Favorites', 'Pictures', 'Downloads', 'Links', 'Searches', 'Contacts', 'Saved Games']) {
      assert.ok(under(e.files, `${profile}\\${folder}`).length > 0, `${user}: ${folder}`);
    }
    assert.ok(under(e.files, `${profile}\\AppData\\Roaming\\Microsoft\\Signatures`).length > 0, `${user}: Outlook signatures`);
    assert.ok(under(e.files, `${profile}\\AppData\\Roaming\\Microsoft\\Sticky Notes`).length > 0, `${user}: Sticky Notes`);
    for (const f of ['Preferences', 'Bookmarks'])
      assert.ok(e.files.has(`${profile}\\AppData\\Local\\Google\\Chrome\\User Data\\Default\\${f}`), `${user}: Chrome ${f}`);
    const firefox = under(e.files, `${profile}\\AppData\\Roaming\\Mozilla\\Firefox\\Profiles`);
    for (const f of ['places.sqlite', 'prefs.js'])
      assert.ok(
        firefox.some((p) => p.endsWith(`\\${f}`)),
        `${user}: Firefox ${f}`,
      );
    for (const v of [
      'HKCU\\Control Panel\\Desktop [Wallpaper]',
      'HKCU\\Control Panel\\International [LocaleName]',
      'HKCU\\Keyboard Layout\\Preload [1]',
      'HKCU\\Network\\Z [RemotePath]',
      'HKCU\\Printers\\Connections\\,,printsrv01.corp.example,HR-Laser [Server]',
      'HKCU\\Software\\Microsoft\\Windows NT\\CurrentVersion\\Windows [Device]',
      'HKCU\\Environment [OneDrive]',
      'HKCU\\Software\\Microsoft\\Office\\16.0\\Common\\MailSettings [NewSignature]',
      'HKCU\\Software\\Microsoft\\Windows\\CurrentVersion\\Explorer\\Advanced [HideFileExt]',
    ]) {
      assert.ok(e.registry.has(`${user}:${v}`), `${user}: ${v}`);
    }
  }
  // alice's wallpaper is her own picture, bob's a stock Windows one (assertNothingUnwanted: not collected).
  assert.equal(e.objects.find((o) => o.winPath === 'C:\\Users\\alice\\Pictures\\wallpaper.jpg')?.kind, 'file');
  // Source paths of known folders stay behind: the destination has its own.
  assert.ok(![...e.registry].some((r) => /\\Explorer\\(User )?Shell Folders/i.test(r)), 'Shell Folders');
  assert.ok(under(e.files, 'C:\\Users\\Public\\Documents').length > 0, 'Public Documents');
  // User Data: documents outside the profiles, by extension.
  assert.ok(
    under(e.files, 'C:\\Data').some((f) => /\.(pdf|docx|eml)$/i.test(f)),
    'documents under C:\\Data',
  );
  assert.deepEqual(under(e.files, 'C:\\$Recycle.Bin'), [], 'deleted files');
  assertNothingUnwanted(e.files);

  const explained = await evaluatePath(['MigUser.xml', 'MigApp.xml'], 'C:\\Users\\alice\\Pictures\\Thumbs.db');
  assert.equal(explained.decision.decision, 'exclude');
  assert.equal(explained.decision.rule?.kind, 'unconditionalExclude');
});

async function evaluatePath(names: string[], path: string) {
  const { engine } = await openPlanning({ windowsDir, ruleFiles: ferry(...names) });
  try {
    return await engine.explain(path);
  } finally {
    engine.close();
  }
}

test('MigDocs.xml + MigApp.xml: profile documents, data folders and shell libraries', async () => {
  const e = await evaluate(ferry('MigDocs.xml', 'MigApp.xml'));
  assert.deepEqual(unexpected(e), []);
  for (const user of USERS) {
    assert.ok(under(e.files, `C:\\Users\\${user}\\Documents`).length > 0, `${user}: Documents`);
    assert.ok(under(e.files, `C:\\Users\\${user}\\AppData\\Roaming\\Microsoft\\Signatures`).length > 0, `${user}: signatures (MigApp)`);
  }
  const data = under(e.files, 'C:\\Data');
  assert.ok(data.length > 0, 'C:\\Data');
  assert.ok(
    data.some((f) => f.endsWith('.json')),
    'the finder takes every file of a data folder, not only documents',
  );
  assert.ok(e.files.has('C:\\Users\\alice\\AppData\\Roaming\\Microsoft\\Windows\\Libraries\\Documents.library-ms'), 'shell library');
  assertNothingUnwanted(e.files);
});

test('Ferry MigDocs.xml with MigUser.xml draws the same warning as Microsoft files (urlid …/migxmlext/migdocs and …/miguser)', async () => {
  const e = await evaluate(ferry('MigDocs.xml', 'MigUser.xml'));
  assert.ok(e.warnings.some((w) => w.type === 'warning' && w.code === 'FERRY_W_MIGDOCS_WITH_MIGUSER'));
});

test('compared with Microsoft MigUser.xml + MigApp.xml on the same volume', { skip: MICROSOFT_XML_SKIP }, async (t) => {
  const ours = await evaluate(ferry('MigUser.xml', 'MigApp.xml'));
  const theirs = await evaluate(microsoft('MigUser.xml', 'MigApp.xml'));
  const onlyTheirs = [...theirs.files].filter((f) => !ours.files.has(f));
  const onlyOurs = [...ours.files].filter((f) => !theirs.files.has(f));
  t.diagnostic(
    `Ferry: ${ours.summary.total.files} files, ${ours.summary.total.folders} ` +
      `folders, ${ours.summary.total.registry} registry objects, ${ours.summary.total.bytes} ` +
      `bytes; ` +
      (`Microsoft: ${theirs.summary.total.files} files, ${theirs.summary.total.folders} ` +
        `folders, ${theirs.summary.total.registry} registry objects, ${theirs.summary.total.bytes} bytes; `) +
      `only Microsoft: ${onlyTheirs.length} files, only Ferry: ${onlyOurs.length} files`,
  );
  // Everything Microsoft's files collect, Ferry's collect too, except deleted files in the
  // Recycle Bin and thumbnail caches, which Ferry leaves out on purpose.
  assert.deepEqual(
    onlyTheirs.filter((f) => !/^C:\\\$Recycle\.Bin\\|\\Thumbs\.db$/i.test(f)),
    [],
  );
  assert.ok(onlyOurs.length > 0);
});
