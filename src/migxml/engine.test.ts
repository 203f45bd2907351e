// The worked examples of spec/migxml.md §9 and the precedence table of §6.4, run through the
// engine on small real volumes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FileAttr } from '../volume/index.ts';
import { RuleEngine } from './engine.ts';
import { parseRuleText } from './parser.ts';
import { makeTree, type TreeItem } from './testing/tree.ts';
import { MICROSOFT_XML_SKIP, microsoftXml } from '../usmt/testing/microsoft-xml.ts';

const migration = (components: string, urlid = 'http://test/a') =>
  `<?xml version="1.0"?><migration urlid="${urlid}">${components}</migration>`;

const component = (name: string, rules: string, context = 'UserAndSystem', type = 'Documents') =>
  `<component type="${type}" ` +
  `context="${context}"><displayName>${name}</displayName><role ` +
  `role="Data"><rules>${rules}</rules></role></component>`;

const set = (...patterns: string[]) => `<objectSet>${patterns.map((p) => `<pattern type="File">${p}</pattern>`).join('')}</objectSet>`;
const inc = (...p: string[]) => `<include>${set(...p)}</include>`;
const exc = (...p: string[]) => `<exclude>${set(...p)}</exclude>`;

/** Run the rules on a tree; returns the included files (Windows paths) and the engine. */
async function evaluate(xmls: string[], items: readonly (TreeItem | string)[], users: string[] = []) {
  const tree = makeTree(items, users);
  try {
    const volume = await tree.open();
    const engine = await RuleEngine.create({
      volume,
      files: xmls.map((x, i) => parseRuleText(x, `rules${i}.xml`)),
      users: await volume.profiles(),
      events: tree.events,
    });
    const files = new Set<string>();
    const dirs = new Set<string>();
    const objects = [];
    for await (const o of engine.objects()) {
      objects.push(o);
      (o.kind === 'file' ? files : dirs).add(o.winPath!);
    }
    const explain = async (p: string) => engine.explain(p);
    return { files, dirs, objects, engine, explain, cleanup: tree.cleanup };
  } catch (err) {
    tree.cleanup();
    throw err;
  }
}

async function included(xmls: string[], items: string[], users: string[] = []): Promise<string[]> {
  const r = await evaluate(xmls, items, users);
  r.cleanup();
  return [...r.files].sort();
}

test('§9.1 include with exclude by extension', async () => {
  const xml = migration(
    component('MP3 Files', `<include filter='MigXmlHelper.IgnoreIrrelevantLinks()'>${set('C:\\* [*]')}</include>${exc('C:\\* [*.mp3]')}`),
  );
  const got = await included([xml], ['C:\\a.txt', 'C:\\Music\\song.mp3', 'C:\\Music\\cover.jpg', 'C:\\Tools\\x.lnk']);
  // Windows\System32\config exists in every test tree but holds no files.
  assert.deepEqual(got, ['C:\\Music\\cover.jpg', 'C:\\Tools\\x.lnk', 'C:\\a.txt']);
});

test('§9.2 directory beats extension', async () => {
  const xml = migration(component('C', inc('C:\\Data\\* [*]') + exc('C:\\* [*.mp3]')));
  assert.deepEqual(await included([xml], ['C:\\Data\\a.mp3', 'C:\\Other\\b.mp3']), ['C:\\Data\\a.mp3']);
});

test('§9.3 files of a folder but not its own top-level files, and the subfolder itself', async () => {
  const xml = migration(component('C', inc('C:\\EngineeringDrafts\\* [*]') + exc('C:\\EngineeringDrafts\\ [*]')));
  const r = await evaluate([xml], ['C:\\EngineeringDrafts\\plan.dwg', 'C:\\EngineeringDrafts\\2019\\old.dwg']);
  try {
    assert.deepEqual([...r.files], ['C:\\EngineeringDrafts\\2019\\old.dwg']);
    assert.ok(r.dirs.has('C:\\EngineeringDrafts\\2019'));
    assert.ok(!r.dirs.has('C:\\EngineeringDrafts'));
  } finally {
    r.cleanup();
  }
});

test('§9.4 a User-context reroute runs in every user pass; the object is decided once', async () => {
  const pattern = 'C:\\EngineeringDrafts\\* [*]';
  const xml = migration(
    component(
      'Drafts',
      `${inc(pattern)}<locationModify ` +
        `script="MigXmlHelper.RelativeMove('C:\\EngineeringDrafts','%CSIDL_PERSONAL%')">${set(pattern)}</locationModify>`,
      'User',
    ),
  );
  const r = await evaluate([xml], ['C:\\EngineeringDrafts\\sub\\a.dwg'], ['ann', 'bob']);
  try {
    const files = r.objects.filter((o) => o.kind === 'file');
    assert.equal(files.length, 1);
    const o = files[0]!;
    assert.equal(o.inclusions.length, 2);
    const dests = o.inclusions.map((i) => r.engine.destinationFor(o.winPath!, false, i)).sort();
    assert.deepEqual(dests, ['C:\\Users\\ann\\Documents\\sub\\a.dwg', 'C:\\Users\\bob\\Documents\\sub\\a.dwg']);
  } finally {
    r.cleanup();
  }
});

test('§9.6 unconditionalExclude beats MigDocs; a plain exclude in another component does not', async () => {
  const migdocs = migration(
    component(
      'MigDocUser',
      `<include><objectSet><script>MigXmlHelper.GenerateDocPatterns ("FALSE","TRUE","FALSE")</script></objectSet></include>`,
      'User',
    ) +
      component(
        'MigDocSystem',
        `<include><objectSet><script>MigXmlHelper.GenerateDocPatterns ("FALSE","TRUE","FALSE")</script></objectSet></include>`,
        'System',
      ),
    'http://test/migdocs',
  );
  const tree = ['C:\\new folder\\new text document.txt', 'C:\\Users\\bob\\Documents\\notes.txt', 'C:\\Users\\bob\\Documents\\a.docx'];
  const uncond = migration(
    component(
      'NoTxt',
      `<unconditionalExclude><objectSet><script>MigXmlHelper.GenerateDrivePatterns ` +
        `("*[*.txt]", "Fixed")</script></objectSet></unconditionalExclude>`,
      'UserandSystem',
    ),
    'http://test/x',
  );
  assert.deepEqual(await included([migdocs, uncond], tree, ['bob']), ['C:\\Users\\bob\\Documents\\a.docx']);
  const plain = migration(
    component(
      'NoTxt',
      `<exclude><objectSet><script>MigXmlHelper.GenerateDrivePatterns ("*[*.txt]", "Fixed")</script></objectSet></exclude>`,
    ),
    'http://test/x',
  );
  assert.deepEqual(await included([migdocs, plain], tree, ['bob']), [
    'C:\\Users\\bob\\Documents\\a.docx',
    'C:\\Users\\bob\\Documents\\notes.txt',
    'C:\\new folder\\new text document.txt',
  ]);
  // Inside MigDocs' own component a wildcard exclude loses to the finder's exact-file include.
  const own = migration(
    component(
      'MigDocUser',
      `<include><objectSet><script>MigXmlHelper.GenerateDocPatterns ` +
        `("FALSE","TRUE","FALSE")</script></objectSet></include>${exc('%CSIDL_PERSONAL%\\* [*.txt]')}`,
      'User',
    ),
    'http://test/migdocs',
  );
  assert.deepEqual(await included([own], tree, ['bob']), ['C:\\Users\\bob\\Documents\\a.docx', 'C:\\Users\\bob\\Documents\\notes.txt']);
});

test("§9.7 Microsoft's MigUser.xml: profile folders by their component, the rest of C: by User Data", {
  skip: MICROSOFT_XML_SKIP,
}, async () => {
  const { readFileSync } = await import('node:fs');
  const migUser = readFileSync(microsoftXml('MigUser.xml'), 'utf8');
  const r = await evaluate(
    [migUser],
    [
      'C:\\Users\\bob\\Documents\\r.docx',
      'C:\\Users\\bob\\Music\\s.mp3',
      'C:\\Projects\\q.xlsx',
      'C:\\Projects\\p.psd',
      'C:\\Windows\\t.txt',
    ],
    ['bob'],
  );
  try {
    assert.deepEqual(
      [...r.files].sort(),
      ['C:\\Projects\\q.xlsx', 'C:\\Users\\bob\\Music\\s.mp3', 'C:\\Users\\bob\\Documents\\r.docx'].sort(),
    );
    const byPath = new Map(r.objects.map((o) => [o.winPath, o]));
    assert.equal(byPath.get('C:\\Users\\bob\\Documents\\r.docx')!.component, 'My Documents');
    assert.equal(byPath.get('C:\\Users\\bob\\Music\\s.mp3')!.component, 'My Music');
    assert.equal(byPath.get('C:\\Projects\\q.xlsx')!.component, 'User Data');
    // A .docx in the profile is not "User Data": its exclude of %PROFILESFOLDER% is more specific.
    const e = await r.explain('C:\\Users\\bob\\Documents\\r.docx');
    assert.equal(e.decision.rule!.component, 'My Documents');
    const w = await r.explain('C:\\Windows\\t.txt');
    assert.equal(w.decision.decision, 'exclude');
    assert.equal(w.decision.rule!.component, 'User Data');
  } finally {
    r.cleanup();
  }
});

test('§9.9 two components: an object included by any component migrates', async () => {
  const xml = migration(
    component('C1', inc('C:\\Dir1\\* [*]') + exc('C:\\Dir1\\Dir2\\* [*.txt]')) +
      component('C2', inc('C:\\Dir1\\Dir2\\* [*.txt]') + exc('C:\\Dir1\\* [*]')),
  );
  assert.deepEqual(await included([xml], ['C:\\Dir1\\a.txt', 'C:\\Dir1\\Dir2\\b.txt', 'C:\\Dir1\\Dir2\\c.doc']), [
    'C:\\Dir1\\Dir2\\b.txt',
    'C:\\Dir1\\Dir2\\c.doc',
    'C:\\Dir1\\a.txt',
  ]);
});

test('§6.4 same-component precedence table (file rows)', async () => {
  const tree = ['C:\\Dir1\\a.txt', 'C:\\Dir1\\a.doc', 'C:\\Dir1\\Dir2\\b.txt', 'C:\\Dir1\\Dir2\\b.doc', 'C:\\Dir1\\Dir3\\c.txt'];
  const rows: [string, string, string[]][] = [
    ['C:\\Dir1\\* [*]', 'C:\\* [*.txt]', tree],
    [
      'C:\\Dir1\\* [*]',
      'C:\\Dir1\\Dir2\\* [*.txt]',
      ['C:\\Dir1\\a.txt', 'C:\\Dir1\\a.doc', 'C:\\Dir1\\Dir2\\b.doc', 'C:\\Dir1\\Dir3\\c.txt'],
    ],
    ['C:\\Dir1\\* [*]', 'C:\\Dir1\\* [*.txt]', ['C:\\Dir1\\a.doc', 'C:\\Dir1\\Dir2\\b.doc']],
    ['C:\\Dir1\\Dir2\\* [*.txt]', 'C:\\Dir1\\Dir2\\* [*.txt]', []],
    ['C:\\Dir1\\* [*.txt]', 'C:\\Dir1\\Dir2\\* [*]', ['C:\\Dir1\\a.txt', 'C:\\Dir1\\Dir3\\c.txt']],
    // DOC CONFLICT row: the model keeps Dir2's .txt (deeper include node).
    ['C:\\Dir1\\Dir2\\* [*]', 'C:\\Dir1\\* [*.txt]', ['C:\\Dir1\\Dir2\\b.txt', 'C:\\Dir1\\Dir2\\b.doc']],
  ];
  for (const [i, e, want] of rows) {
    const xml = migration(component('C', inc(i) + exc(e)));
    assert.deepEqual(await included([xml], tree), [...want].sort(), `include ${i} / exclude ${e}`);
  }
});

test('§6.4 cross-component rows: an exclude without an include in its component does nothing', async () => {
  const tree = ['C:\\Dir1\\a.txt', 'C:\\Dir1\\Dir2\\b.txt', 'C:\\Dir1\\Dir2\\b.doc'];
  const xml = migration(component('C1', exc('C:\\Dir1\\Dir2\\* [*]')) + component('C2', inc('C:\\Dir1\\* [*.txt]')));
  assert.deepEqual(await included([xml], tree), ['C:\\Dir1\\Dir2\\b.txt', 'C:\\Dir1\\a.txt']);
  const conflict = migration(component('C1', inc('C:\\Dir1\\Dir2\\* [*]')) + component('C2', exc('C:\\Dir1\\* [*.txt]')));
  assert.deepEqual(await included([conflict], tree), ['C:\\Dir1\\Dir2\\b.doc', 'C:\\Dir1\\Dir2\\b.txt']);
});

test('rules in separate <rules> blocks of one component combine; context gates passes', async () => {
  const xml = migration(
    `<component type="Documents" context="UserAndSystem"><displayName>C</displayName><role role="Data">
       <rules context="User">${inc('%CSIDL_PERSONAL%\\* [*]')}</rules>
       <rules>${exc('%CSIDL_PERSONAL%\\ [*.tmp]')}</rules>
       <rules context="System">${inc('C:\\Shared\\* [*]')}</rules>
     </role></component>`,
  );
  const got = await included([xml], ['C:\\Users\\bob\\Documents\\a.doc', 'C:\\Users\\bob\\Documents\\b.tmp', 'C:\\Shared\\s.txt'], ['bob']);
  assert.deepEqual(got, ['C:\\Shared\\s.txt', 'C:\\Users\\bob\\Documents\\a.doc']);
});

test('detection: a component whose detection is FALSE contributes nothing; negation and OR work', async () => {
  const detected = (cond: string) =>
    migration(`<component type="Application" context="System"><displayName>App</displayName><role role="Settings">
      <detection><conditions operation="OR">${cond}</conditions></detection>
      <rules>${inc('C:\\App\\* [*]')}</rules></role></component>`);
  const tree = ['C:\\App\\settings.ini', 'C:\\App\\bin\\app.exe'];
  assert.deepEqual(
    await included([detected('<condition>MigXmlHelper.DoesObjectExist("File","C:\\App\\bin [app.exe]")</condition>')], tree),
    ['C:\\App\\bin\\app.exe', 'C:\\App\\settings.ini'],
  );
  assert.deepEqual(await included([detected('<condition>MigXmlHelper.DoesObjectExist("File","C:\\Nope")</condition>')], tree), []);
  assert.deepEqual(
    await included([detected('<condition negation="Yes">MigXmlHelper.DoesObjectExist("File","C:\\Nope")</condition>')], tree),
    tree.slice().sort(),
  );
  assert.deepEqual(
    await included(
      [
        detected(
          '<condition>MigXmlHelper.DoesObjectExist("File","C:\\Nope")</condition>' +
            '<condition>MigXmlHelper.DoesObjectExist("File","C:\\App\\* [*.ini]")</condition>',
        ),
      ],
      tree,
    ),
    tree.slice().sort(),
  );
});

test('environment variables of a component, named environments and rules', async () => {
  const xml = migration(
    `<namedElements>
       <environment name="Env"><variable name="AppRoot"><text>C:\\App</text></variable></environment>
       <rules name="AppRules">${inc('%AppRoot%\\* [*.cfg]')}</rules>
     </namedElements>
     <component type="Application" context="System"><displayName>App</displayName>
       <environment name="Env"/>
       <environment><variable name="Sub"><text>%AppRoot%\\data</text></variable></environment>
       <role role="Settings"><rules name="AppRules"/><rules>${inc('%Sub%\\ [*]')}</rules></role></component>`,
  );
  assert.deepEqual(await included([xml], ['C:\\App\\a.cfg', 'C:\\App\\x\\b.cfg', 'C:\\App\\data\\d.bin', 'C:\\App\\c.txt']), [
    'C:\\App\\a.cfg',
    'C:\\App\\data\\d.bin',
    'C:\\App\\x\\b.cfg',
  ]);
});

test("Microsoft's MigDocs document finder skips hidden+system files, AppData, Windows and Program Files", {
  skip: MICROSOFT_XML_SKIP,
}, async () => {
  const { readFileSync } = await import('node:fs');
  const migDocs = readFileSync(microsoftXml('MigDocs.xml'), 'utf8');
  const hs = FileAttr.HIDDEN | FileAttr.SYSTEM | FileAttr.ARCHIVE;
  const r = await evaluate(
    [migDocs],
    [
      { path: 'C:\\pagefile.sys', attributes: hs },
      'C:\\readme.txt',
      'C:\\Data\\report.docx',
      'C:\\Program Files\\App\\app.exe',
      'C:\\Windows\\win.ini',
      'C:\\Users\\bob\\Documents\\r.docx',
      { path: 'C:\\Users\\bob\\Documents\\desktop.ini', attributes: hs },
      'C:\\Users\\bob\\AppData\\Local\\Temp\\x.tmp',
      'C:\\Users\\Public\\Documents\\shared.docx',
    ],
    ['bob'],
  );
  try {
    assert.deepEqual(
      [...r.files].sort(),
      ['C:\\Data\\report.docx', 'C:\\Users\\Public\\Documents\\shared.docx', 'C:\\Users\\bob\\Documents\\r.docx', 'C:\\readme.txt'].sort(),
    );
    // The finder never generates include patterns for hidden+system files.
    // Explain still names an exclude that matches what nothing includes (the reason it stays).
    assert.notEqual((await r.explain('C:\\pagefile.sys')).decision.decision, 'include');
    assert.notEqual((await r.explain('C:\\Users\\bob\\Documents\\desktop.ini')).decision.decision, 'include');
  } finally {
    r.cleanup();
  }
});

test('locationModify Move keeps the path below the deepest known folder; destination in explain', async () => {
  const xml = migration(
    component(
      'Mp3',
      `<include><objectSet><script>MigXmlHelper.GenerateDrivePatterns("* ` +
        `[*.mp3]","Fixed")</script></objectSet></include><locationModify ` +
        `script="MigXmlHelper.Move('C:\\Music')"><objectSet><script>MigXmlHelper.GenerateDrivePatterns("* ` +
        `[*.mp3]","Fixed")</script></objectSet></locationModify>`,
      'System',
    ),
  );
  const r = await evaluate([xml], ['C:\\Party\\x.mp3']);
  try {
    const e = await r.explain('C:\\Party\\x.mp3');
    assert.equal(e.decision.decision, 'include');
    assert.equal(e.destination, 'C:\\Music\\Party\\x.mp3');
  } finally {
    r.cleanup();
  }
});

test('merge: the most specific merge rule of the component decides', async () => {
  const xml = migration(
    component(
      'C',
      `${inc('C:\\* [*]')}<merge script="MigXmlHelper.SourcePriority()">${set('C:\\* [*]')}</merge><merge ` +
        `script="MigXmlHelper.DestinationPriority()">${set('C:\\subfolder\\* [*]')}</merge>`,
      'System',
    ),
  );
  const r = await evaluate([xml], ['C:\\subfolder\\a.txt', 'C:\\b.txt']);
  try {
    const objs = new Map(r.objects.map((o) => [o.winPath, o]));
    const a = objs.get('C:\\subfolder\\a.txt')!;
    const b = objs.get('C:\\b.txt')!;
    assert.equal(r.engine.mergeScriptFor(a.winPath!, false, a.inclusions[0]!.component)?.name, 'DestinationPriority');
    assert.equal(r.engine.mergeScriptFor(b.winPath!, false, b.inclusions[0]!.component)?.name, 'SourcePriority');
  } finally {
    r.cleanup();
  }
});

test('§9.11 includeAttributes/excludeAttributes: the most specific rule decides which metadata travels', async () => {
  const attrs = (kind: string, p: string) => `<${kind} attributes="TimeFields">${set(p)}</${kind}>`;
  const xml = migration(
    component(
      'Txt',
      inc('%SYSTEMDRIVE%\\ [*.txt]') +
        attrs('excludeAttributes', '%SYSTEMDRIVE%\\ [a*.txt]') +
        attrs('includeAttributes', '%SYSTEMDRIVE%\\ [aa.txt]'),
      'System',
    ),
  );
  const r = await evaluate([xml], ['C:\\b.txt', 'C:\\ab.txt', 'C:\\aa.txt', 'C:\\sub\\c.txt']);
  try {
    assert.deepEqual([...r.files].sort(), ['C:\\aa.txt', 'C:\\ab.txt', 'C:\\b.txt']);
    const comp = r.objects[0]!.inclusions[0]!.component;
    assert.deepEqual(r.engine.metadataFor('C:\\b.txt', false, comp), { security: true, timeFields: true });
    assert.deepEqual(r.engine.metadataFor('C:\\ab.txt', false, comp), { security: true, timeFields: false });
    assert.deepEqual(r.engine.metadataFor('C:\\aa.txt', false, comp), { security: true, timeFields: true });
  } finally {
    r.cleanup();
  }
});

test('excluded paths (a store on the source volume) are never collected', async () => {
  const tree = makeTree(['C:\\Data\\a.txt', 'C:\\Data\\Store\\USMT\\USMT.MIG']);
  try {
    const volume = await tree.open();
    const files = [parseRuleText(migration(component('C', inc('C:\\Data\\* [*]'), 'System')))];
    const engine = await RuleEngine.create({ volume, files, users: [], excludedPaths: ['C:\\Data\\Store'] });
    const got: string[] = [];
    for await (const o of engine.objects()) got.push(o.winPath!);
    assert.deepEqual(got.sort(), ['C:\\Data', 'C:\\Data\\a.txt']);
  } finally {
    tree.cleanup();
  }
});

test('DoesFileVersionMatch / IsFileVersionAbove / IsFileVersionBelow read the PE version resource', async () => {
  const { peWithVersion, versionResource } = await import('./testing/pe-image.ts');
  const exe = peWithVersion(versionResource([9, 1, 0, 0], { ProductVersion: '9.1.0.0', FileVersion: '9.1.0.0' }));
  const detected = (cond: string) =>
    migration(`<component type="Application" context="System"><displayName>App</displayName><role role="Settings">
      <detection><conditions>${cond}</conditions></detection><rules>${inc('C:\\App\\ [*.ini]')}</rules></role></component>`);
  const tree = [{ path: 'C:\\App\\app.exe', content: exe }, 'C:\\App\\a.ini'];
  const run = async (cond: string) => {
    const r = await evaluate([detected(cond)], tree);
    r.cleanup();
    return [...r.files];
  };
  assert.deepEqual(await run('<condition>MigXmlHelper.DoesFileVersionMatch("C:\\App\\app.exe","ProductVersion","9.*")</condition>'), [
    'C:\\App\\a.ini',
  ]);
  assert.deepEqual(await run('<condition>MigXmlHelper.DoesFileVersionMatch("C:\\App\\app.exe","ProductVersion","8.*")</condition>'), []);
  assert.deepEqual(await run('<condition>MigXmlHelper.IsFileVersionAbove("C:\\App\\app.exe","FileVersion","9.0.9")</condition>'), [
    'C:\\App\\a.ini',
  ]);
  assert.deepEqual(await run('<condition>MigXmlHelper.IsFileVersionBelow("C:\\App\\app.exe","FileVersion","9.0.9")</condition>'), []);
});

test('GenerateUserPatterns expands a pattern for every migrated user (optionally not the current one)', async () => {
  const xml = migration(
    component(
      'Others',
      `<include><objectSet><script>MigXmlHelper.GenerateUserPatterns("File","%CSIDL_PERSONAL%\\* ` +
        `[*.doc]","FALSE")</script></objectSet></include>`,
      'User',
    ),
  );
  const r = await evaluate([xml], ['C:\\Users\\ann\\Documents\\a.doc', 'C:\\Users\\bob\\Documents\\b.doc'], ['ann', 'bob']);
  try {
    const owner = new Map(
      r.objects.filter((o) => o.kind === 'file').map((o) => [o.winPath, o.inclusions.map((i) => i.pass.user!.userName)]),
    );
    assert.deepEqual(owner.get('C:\\Users\\ann\\Documents\\a.doc'), ['bob']);
    assert.deepEqual(owner.get('C:\\Users\\bob\\Documents\\b.doc'), ['ann']);
  } finally {
    r.cleanup();
  }
});

test('IsSameObject and GenerateDrivePatterns for drive types an offline volume does not have', async () => {
  const xml = migration(
    `<component type="Documents" context="User"><displayName>Docs</displayName><role role="Data">
      <detects><detect><condition ` +
      `negation="Yes">MigXmlHelper.IsSameObject("File","%CSIDL_PERSONAL%","%CSIDL_COMMON_DOCUMENTS%")</condition></detect></detects>
      <rules>${inc('%CSIDL_PERSONAL%\\* [*]')}<include><objectSet><script>MigXmlHelper.GenerateDrivePatterns("* ` +
      `[*.usb]","Removable")</script></objectSet></include></rules></role></component>`,
  );
  assert.deepEqual(
    await included([xml], ['C:\\Users\\bob\\Documents\\r.docx', 'C:\\x.usb', 'C:\\Users\\Public\\Documents\\s.docx'], ['bob']),
    ['C:\\Users\\bob\\Documents\\r.docx'],
  );
});

test("§6.7 another component's locationModify applies the object in both places", async () => {
  const xml = migration(
    component('Inc', inc('C:\\Drafts\\* [*]'), 'System') +
      component(
        'Move',
        `<locationModify ` +
          `script="MigXmlHelper.RelativeMove('C:\\Drafts','C:\\Archive\\Drafts')">${set('C:\\Drafts\\* [*]')}</locationModify>`,
        'System',
      ),
  );
  const r = await evaluate([xml], ['C:\\Drafts\\a.dwg']);
  try {
    const o = r.objects.find((x) => x.winPath === 'C:\\Drafts\\a.dwg')!;
    assert.equal(o.destination, 'C:\\Drafts\\a.dwg');
    assert.deepEqual(r.engine.destinationsFor(o.winPath!, false, o.inclusions[0]!), ['C:\\Drafts\\a.dwg', 'C:\\Archive\\Drafts\\a.dwg']);
    // explain shows every place LoadState writes it.
    assert.deepEqual((await r.explain('C:\\Drafts\\a.dwg')).destinations, ['C:\\Drafts\\a.dwg', 'C:\\Archive\\Drafts\\a.dwg']);
  } finally {
    r.cleanup();
  }
});

test('FileProperties filter: size and date ranges', async () => {
  const xml = migration(
    component('Big', `<include filter='MigXmlHelper.FileProperties("filesize","gte","1KB")'>${set('C:\\Data\\* [*]')}</include>`, 'System'),
  );
  const r = await evaluate([xml], [{ path: 'C:\\Data\\big.bin', content: Buffer.alloc(2048) }, 'C:\\Data\\small.txt']);
  try {
    assert.deepEqual([...r.files], ['C:\\Data\\big.bin']);
  } finally {
    r.cleanup();
  }
});

test('the walk skips folders whose every reaching include is beaten by a covering exclude', async () => {
  const xml = migration(
    component(
      'User Data',
      `<include><objectSet><script>MigXmlHelper.GenerateDrivePatterns ("* [*.doc]", ` +
        `"Fixed")</script></objectSet></include>${exc('%CSIDL_WINDOWS%\\* [*]', '%PROFILESFOLDER%\\* [*]')}`,
      'System',
    ),
  );
  const windowsFiles = Array.from({ length: 50 }, (_, i) => `C:\\Windows\\System32\\f${i}.doc`);
  const r = await evaluate([xml], ['C:\\Projects\\a.doc', ...windowsFiles]);
  try {
    assert.deepEqual([...r.files], ['C:\\Projects\\a.doc']);
    assert.ok(r.engine.stats.walked < 20, `walked ${r.engine.stats.walked} entries`);
    assert.equal((await r.explain('C:\\Windows\\System32\\f1.doc')).decision.decision, 'exclude');
  } finally {
    r.cleanup();
  }
});

test('§6.5 Config.xml migrate="no" removes a component as if it were not in the XML', async () => {
  const { parseConfigText, isComponentDisabled } = await import('./config-xml.ts');
  const xml = migration(
    component('My Documents', inc('%CSIDL_PERSONAL%\\* [*]'), 'User') + component('Doc files', inc('%CSIDL_PERSONAL%\\* [*.doc]'), 'User'),
    'http://t/cfg',
  );
  const config = parseConfigText(`<Configuration><Documents>
    <component displayname="My Documents" migrate="no" ID="http://t/cfg/my documents/data"/>
    <component displayname="Doc files" migrate="yes" ID="http://t/cfg/doc files/data"/></Documents></Configuration>`);
  const tree = makeTree(['C:\\Users\\bob\\Documents\\a.doc', 'C:\\Users\\bob\\Documents\\b.xlsx'], ['bob']);
  try {
    const volume = await tree.open();
    const engine = await RuleEngine.create({
      volume,
      files: [parseRuleText(xml)],
      users: await volume.profiles(),
      isDisabled: (c) => isComponentDisabled(config, c),
    });
    const got: string[] = [];
    for await (const o of engine.objects()) if (o.kind === 'file') got.push(o.winPath!);
    assert.deepEqual(got, ['C:\\Users\\bob\\Documents\\a.doc']);
  } finally {
    tree.cleanup();
  }
});

test('explain names the exclude that keeps an object out even when nothing includes it', async () => {
  const xml = migration(
    component('Data', `<include><objectSet><pattern type="File">C:\\Data\\* [*]</pattern></objectSet></include>`, 'System') +
      component(
        'Caches',
        `<unconditionalExclude><objectSet><pattern type="File">C:\\Temp\\* [*]</pattern></objectSet></unconditionalExclude>`,
        'System',
      ),
  );
  const r = await evaluate([xml], ['C:\\Data\\a.txt', 'C:\\Temp\\t.tmp', 'C:\\Other\\o.txt']);
  try {
    const t = await r.explain('C:\\Temp\\t.tmp');
    assert.equal(t.decision.decision, 'exclude');
    assert.equal(t.decision.rule?.kind, 'unconditionalExclude');
    assert.equal(t.decision.rule?.component, 'Caches');
    assert.equal((await r.explain('C:\\Other\\o.txt')).decision.decision, 'none');
    assert.equal((await r.explain('C:\\Data\\a.txt')).decision.decision, 'include');
  } finally {
    r.cleanup();
  }
});

// Explain and plan must always agree (issue 13): every file and folder of a tree is explained and
// compared with what the walk migrates, over a rule set mixing the documented shapes — component
// precedence (usmt-conflicts-and-precedence), a mid-path `*` (usmt-include-files-and-settings),
// filters (usmt-xml-elements-library), an unconditionalExclude and a user-context component.
test('explain agrees with plan on every object of a tree', async () => {
  const items = [
    'C:\\Dir1\\a.txt',
    'C:\\Dir1\\Dir2\\b.txt',
    'C:\\Dir1\\Dir2\\c.doc',
    'C:\\Projects\\x\\EngineeringDrafts\\d.dwg',
    'C:\\Projects\\y\\e.dwg',
    'C:\\Data\\big.iso',
    'C:\\Data\\small.txt',
    'C:\\Users\\bob\\Documents\\r.docx',
    'C:\\Users\\bob\\Documents\\s.mp3',
    'C:\\Users\\bob\\Music\\t.mp3',
  ];
  const xml = migration(
    component('C1', inc('C:\\Dir1\\* [*]') + exc('C:\\Dir1\\Dir2\\* [*.txt]'), 'System') +
      component('C2', inc('C:\\Dir1\\Dir2\\* [*.txt]') + exc('C:\\Dir1\\* [*]'), 'System') +
      component('Drafts', inc('C:\\*\\EngineeringDrafts\\* [*]'), 'System') +
      component(
        'Small',
        `<include filter='MigXmlHelper.FileProperties("filesize","lt","1KB")'>${set('C:\\Data\\* [*]')}</include>`,
        'System',
      ) +
      component('Docs', inc('%CSIDL_PERSONAL%\\* [*]') + exc('%CSIDL_PERSONAL%\\* [*.mp3]'), 'User') +
      component('No iso', `<unconditionalExclude>${set('C:\\* [*.iso]')}</unconditionalExclude>`, 'System'),
  );
  const r = await evaluate(
    [xml],
    [...items.filter((i) => !i.endsWith('.iso')), { path: 'C:\\Data\\big.iso', content: Buffer.alloc(4096) }],
    ['bob'],
  );
  try {
    const planned = new Map(r.objects.map((o) => [o.winPath!.toLowerCase(), o.rule.pattern]));
    assert.ok(planned.has('c:\\projects\\x\\engineeringdrafts\\d.dwg'));
    assert.ok(!planned.has('c:\\data\\big.iso'));
    const all = new Set<string>();
    for (const f of items) {
      const segs = f.split('\\');
      for (let i = 2; i <= segs.length; i++) all.add(segs.slice(0, i).join('\\'));
    }
    for (const path of all) {
      const { decision } = await r.explain(path);
      const plan = planned.get(path.toLowerCase());
      assert.equal(
        decision.decision === 'include',
        plan !== undefined,
        `explain ${path}: ${decision.decision}; plan: ${plan ?? 'not migrated'}`,
      );
      if (plan) assert.equal(decision.rule?.pattern, plan, path);
    }
  } finally {
    r.engine.close();
    r.cleanup();
  }
});

test('a reference to an undefined named element is refused with file, line and column (USMT exit 28)', async () => {
  const xml = migration(
    component('C', '')
      .replace('<rules></rules>', '<rules>\n</rules>')
      .replace('<role role="Data">', '<role role="Data"><detection name="Nowhere"/>'),
  );
  await assert.rejects(
    evaluate([xml], []),
    (err: Error & { code?: string; usmtExitCode?: number }) =>
      err.code === 'FERRY_E_MIGXML_INVALID' &&
      /^rules0\.xml:1:\d+: <detections> named "Nowhere"/.test(err.message) &&
      err.usmtExitCode === 28,
  );
});

test('§6.7 only a matching locationModify of another component adds a place; contexts may differ', async () => {
  const move = (from: string, to: string, pattern: string) =>
    `<locationModify script="MigXmlHelper.RelativeMove('${from}','${to}')">${set(pattern)}</locationModify>`;
  const xml = migration(
    component('Drafts', inc('C:\\Drafts\\* [*]') + move('C:\\Drafts', 'C:\\Moved', 'C:\\Drafts\\* [*]'), 'System') +
      component('Elsewhere', move('C:\\Other', 'C:\\Else', 'C:\\Other\\* [*]'), 'System') +
      component('Archive', inc('C:\\Archive\\* [*]'), 'System') +
      component('Personal copy', move('C:\\Archive', '%CSIDL_PERSONAL%\\Archive', 'C:\\Archive\\* [*]'), 'User'),
  );
  const r = await evaluate([xml], ['C:\\Drafts\\a.dwg', 'C:\\Archive\\b.txt'], ['bob', 'ann']);
  try {
    // An unrelated locationModify elsewhere does not bring the original path back.
    assert.deepEqual((await r.explain('C:\\Drafts\\a.dwg')).destination, 'C:\\Moved\\a.dwg');
    assert.equal((await r.explain('C:\\Drafts\\a.dwg')).destinations, undefined);
    // A System include and a user-context reroute: the original place and every user's Documents.
    assert.deepEqual((await r.explain('C:\\Archive\\b.txt')).destinations, [
      'C:\\Archive\\b.txt',
      'C:\\Users\\ann\\Documents\\Archive\\b.txt',
      'C:\\Users\\bob\\Documents\\Archive\\b.txt',
    ]);
  } finally {
    r.engine.close();
    r.cleanup();
  }
});
