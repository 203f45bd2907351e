import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, openSync, closeSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isFerryError } from '../errors/index.ts';
import { EventStream } from '../events/index.ts';
import { allComponents, loadRuleFile, parseRuleText } from './parser.ts';
import { dedupeRuleFiles } from './rule-set.ts';
import { MAX_ATTRIBUTE_CHARS } from './xml-load.ts';

import { MICROSOFT_XML_SKIP, microsoftXml } from '../usmt/testing/microsoft-xml.ts';

test("Microsoft's three default files load: components, nesting, named elements", { skip: MICROSOFT_XML_SKIP }, async () => {
  const docs = await loadRuleFile(microsoftXml('MigDocs.xml'));
  assert.deepEqual(
    docs.components.map((c) => [c.displayName, c.context, c.id]),
    [
      ['MigDocSystem', 'System', 'http://www.microsoft.com/migration/1.0/migxmlext/migdocs/migdocsystem/data'],
      ['MigDocUser', 'User', 'http://www.microsoft.com/migration/1.0/migxmlext/migdocs/migdocuser/data'],
    ],
  );
  const user = await loadRuleFile(microsoftXml('MigUser.xml'));
  assert.equal(user.components.length, 16);
  const app = await loadRuleFile(microsoftXml('MigApp.xml'));
  assert.equal([...allComponents(app.components)].length, 124);
  assert.ok(app.named.environments.has('globalenvx64'));
  assert.ok(app.named.detections.has('outlook'));
});

const wrap = (inner: string) =>
  `<migration urlid="http://t/x"><component type="Documents" ` +
  `context="User"><displayName>C</displayName><role ` +
  `role="Data"><rules>${inner}</rules></role></component></migration>`;

function assertCode(fn: () => unknown, code: string, text?: RegExp): void {
  try {
    fn();
  } catch (err) {
    assert.ok(isFerryError(err), String(err));
    assert.equal(err.code, code, err.message);
    if (text) assert.match(err.message, text);
    return;
  }
  assert.fail(`expected ${code}`);
}

test('unknown element: coded error with file, line and element', () => {
  assertCode(
    () => parseRuleText(wrap('\n<inclued><objectSet/></inclued>'), 'my.xml'),
    'FERRY_E_MIGXML_UNKNOWN_ELEMENT',
    /my\.xml:2:1: unknown element <inclued> inside <rules>/,
  );
});

test('unknown helper function, or one used in the wrong place: coded error', () => {
  assertCode(
    () => parseRuleText(wrap('<include><objectSet><script>MigXmlHelper.GenerateEverything("x")</script></objectSet></include>')),
    'FERRY_E_MIGXML_UNKNOWN_FUNCTION',
    /GenerateEverything/,
  );
  assertCode(
    () => parseRuleText(wrap("<merge script=\"MigXmlHelper.RelativeMove('a','b')\"><objectSet/></merge>")),
    'FERRY_E_MIGXML_UNKNOWN_FUNCTION',
    /locationModify function, not valid here/,
  );
  assertCode(
    () => parseRuleText(wrap('<include><objectSet><script>MigXmlHelper.GenerateDrivePatterns("x"</script></objectSet></include>')),
    'FERRY_E_MIGXML_INVALID',
  );
});

test('enumerations and booleans are case-insensitive; internal elements are ignored', () => {
  const f = parseRuleText(
    `\uFEFF<?xml version="1.0"?>\r\n<migration urlid="u"><_locDefinition><_locDefault _loc="locNone"/></_locDefinition>
    <library prefix="MigSysHelper">MigSys.dll</library>
    <component type="documents" context="USER" defaultSupported="no" hidden="TRUE"><displayName ` +
      `_locID="x">A</displayName><paths><path type="File">x</path></paths>
    <role role="data"><rules context="UserandSystem"><include><objectSet><pattern type="file">C:\\x ` +
      `[*]</pattern></objectSet></include></rules></role></component></migration>`,
  );
  const c = f.components[0]!;
  assert.equal(c.context, 'User');
  assert.equal(c.type, 'Documents');
  assert.equal(c.defaultSupported, false);
  assert.equal(c.roles[0]!.rules[0]!.context, 'UserAndSystem');
  assertCode(() => parseRuleText(wrap('').replace('context="User"', 'context="Everyone"')), 'FERRY_E_MIGXML_INVALID', /context="Everyone"/);
  // A required enumeration left empty (what the fuzz found first): coded, naming the choices.
  assertCode(() => parseRuleText(wrap('').replace('role="Data"', 'role=" "')), 'FERRY_E_MIGXML_INVALID', /role= is required \(one of /);
});

test('Config.xml passed as a rule file gets a hint', () => {
  assertCode(() => parseRuleText('<Configuration><Documents/></Configuration>'), 'FERRY_E_MIGXML_INVALID', /pass it with \/config/);
});

test('duplicate urlid: the later file is skipped with a warning; MigDocs with MigUser warns', () => {
  const a = parseRuleText('<migration urlid="http://www.microsoft.com/migration/1.0/migxmlext/migdocs"/>', 'a.xml');
  const b = parseRuleText('<migration urlid="http://www.microsoft.com/migration/1.0/migxmlext/MIGDOCS"/>', 'b.xml');
  const u = parseRuleText('<migration urlid="http://www.microsoft.com/migration/1.0/migxmlext/miguser"/>', 'u.xml');
  const events = new EventStream();
  const seen = events.record();
  const kept = dedupeRuleFiles([a, b, u], events);
  assert.deepEqual(
    kept.map((f) => f.file),
    ['a.xml', 'u.xml'],
  );
  const codes = seen.flatMap((e) => (e.type === 'warning' ? [e.code] : []));
  assert.deepEqual(codes, ['FERRY_W_MIGXML_DUPLICATE_URLID', 'FERRY_W_MIGDOCS_WITH_MIGUSER']);
});

// "General conventions" (learn.microsoft.com/windows/deployment/usmt/usmt-general-conventions):
// "USMT doesn't fail with an error if the required child elements aren't specified. They must be
// specified for the parent element to affect the migration."
test('a <component> without <displayName> is ignored with a warning naming file, line and column; the rest is kept', () => {
  const text = [
    '<migration urlid="http://t/nodisplay">',
    '  <component type="Documents" context="System"><role ' +
      'role="Data"><rules><include><objectSet><pattern type="File">C:\\A\\* ' +
      '[*]</pattern></objectSet></include></rules></role></component>',
    '  <component type="Documents" context="System"><displayName>Kept</displayName><role ' +
      'role="Data"><rules><include><objectSet><pattern type="File">C:\\B\\* ' +
      '[*]</pattern></objectSet></include></rules></role></component>',
    '</migration>',
  ].join('\n');
  const file = parseRuleText(text, 'x.xml');
  assert.deepEqual(
    file.components.map((c) => c.displayName),
    ['Kept'],
  );
  assert.equal(file.warnings?.length, 1);
  assert.equal(file.warnings![0]!.code, 'FERRY_W_MIGXML_ELEMENT_IGNORED');
  assert.match(file.warnings![0]!.message, /^x\.xml:2:3: this <component> has no <displayName>/);
  const events = new EventStream();
  const seen = events.record();
  dedupeRuleFiles([file], events);
  assert.deepEqual(
    seen.flatMap((e) => (e.type === 'warning' ? [e.code] : [])),
    ['FERRY_W_MIGXML_ELEMENT_IGNORED'],
  );
});

test('a <variable> without a value and an <object> without <location> are ignored with a warning', () => {
  const file = parseRuleText(
    wrap('<addObjects><object><attributes>DWORD</attributes></object></addObjects>').replace(
      '<role role="Data">',
      '<environment><variable name="X"/><variable name="Y"><text>y</text></variable></environment><role role="Data">',
    ),
    'v.xml',
  );
  const c = file.components[0]!;
  assert.deepEqual(
    c.environments[0]!.variables.map((v) => v.name),
    ['Y'],
  );
  assert.equal(c.environments[0]!.ref, undefined);
  assert.deepEqual(c.roles[0]!.rules[0]!.addObjects[0]!.objects, []);
  assert.deepEqual(
    file.warnings?.map((w) => w.message.replace(/, so it.*/, '')),
    ['v.xml:1:115: this <variable> has no <text>, <script> or <objectSet>', 'v.xml:1:230: this <object> has no <location>'],
  );
});

test('a refused rule file names the file, line and column', () => {
  const text =
    '<migration urlid="u">\n  <component ' +
    'type="Documents"><displayName>C</displayName>\n    <role ' +
    'role="Data"><rulez/></role></component></migration>';
  assertCode(() => parseRuleText(text, 'y.xml'), 'FERRY_E_MIGXML_UNKNOWN_ELEMENT', /^y\.xml:3:23: unknown element <rulez>/);
  assertCode(
    () => parseRuleText(wrap('<merge script="MigXmlHelper.NoSuch()"><objectSet/></merge>'), 'z.xml'),
    'FERRY_E_MIGXML_UNKNOWN_FUNCTION',
    /^z\.xml:1:\d+: unknown helper/,
  );
});

// ── hostile input ──────────────────────────────────────────────────────────────────────────

test('unclosed tags: FERRY_E_XML_MALFORMED with the line and column', () => {
  assertCode(
    () => parseRuleText('<migration urlid="u">\n<component>\n', 'bad.xml'),
    'FERRY_E_XML_MALFORMED',
    /bad\.xml:\d+:\d+: the XML is not well-formed/,
  );
});

test('billion laughs and external entities are refused before parsing', () => {
  const lol =
    `<?xml version="1.0"?>\n<!DOCTYPE lolz [\n<!ENTITY lol ` +
    (`"lol">\n${Array.from({ length: 9 }, (_, i) => `<!ENTITY lol${i + 1} "${`&lol${i || ''};`.repeat(10)}">`).join('\n')}` +
      `\n]>\n<migration `) +
    `urlid="u">&lol9;</migration>`;
  const t0 = Date.now();
  assertCode(() => parseRuleText(lol, 'lol.xml'), 'FERRY_E_XML_MALFORMED', /lol\.xml:2: DTD and entity declarations are not allowed/);
  assert.ok(Date.now() - t0 < 1000);
  const xxe = '<?xml version="1.0"?><!DOCTYPE m [<!ENTITY x SYSTEM "file:///etc/passwd">]><migration urlid="u">&x;</migration>';
  assertCode(() => parseRuleText(xxe), 'FERRY_E_XML_MALFORMED', /DTD/);
  // A DOCTYPE inside a comment is harmless.
  assert.equal(parseRuleText('<!-- <!DOCTYPE x> --><migration urlid="u"/>').urlid, 'u');
});

test('a 100 MB attribute is refused without reading the file; a long attribute in a small file too', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ferry-xml-'));
  try {
    const big = join(dir, 'big.xml');
    const fd = openSync(big, 'w');
    writeSync(fd, '<migration urlid="');
    const chunk = Buffer.alloc(1024 * 1024, 'a');
    for (let i = 0; i < 100; i++) writeSync(fd, chunk);
    writeSync(fd, '"/>');
    closeSync(fd);
    const before = process.memoryUsage().rss;
    await assert.rejects(loadRuleFile(big), (err) => isFerryError(err, 'FERRY_E_XML_MALFORMED') && /limit/.test(err.message));
    assert.ok(process.memoryUsage().rss - before < 50 * 1024 * 1024, 'the file was not read into memory');
    const long = join(dir, 'long.xml');
    writeFileSync(long, `<migration\n urlid="${'u'.repeat(MAX_ATTRIBUTE_CHARS + 1)}"/>`);
    await assert.rejects(
      loadRuleFile(long),
      (err) => isFerryError(err, 'FERRY_E_XML_MALFORMED') && /long\.xml:2: an attribute value is longer/.test(err.message),
    );
    await assert.rejects(
      loadRuleFile(join(dir, 'missing.xml')),
      (err) => isFerryError(err, 'FERRY_E_MIGXML_FILE_NOT_FOUND') && err.usmtExitCode === 28,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('an unreadable rule file is a coded error (checked as an unprivileged user)', async (t) => {
  const { spawnSync } = await import('node:child_process');
  const dir = mkdtempSync(join(tmpdir(), 'ferry-xml-'));
  try {
    const f = join(dir, 'secret.xml');
    writeFileSync(f, '<migration urlid="u"/>', { mode: 0o000 });
    const { chmodSync } = await import('node:fs');
    chmodSync(dir, 0o755);
    if (process.getuid?.() !== 0) {
      await assert.rejects(loadRuleFile(f), (err) => isFerryError(err, 'FERRY_E_MIGXML_FILE_NOT_FOUND'));
      return;
    }
    const probe = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', 'true']);
    if (probe.status !== 0) return t.skip('setpriv is not available to drop root privileges');
    const script =
      `import('${new URL('./parser.ts', import.meta.url).pathname}').then(m => ` +
      `m.loadRuleFile(${JSON.stringify(f)})).then(() => process.exit(0), (e) => { console.log(e.code); ` +
      `process.exit(3); })`;
    const r = spawnSync(
      'setpriv',
      ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, '--input-type=module', '-e', script],
      { encoding: 'utf8' },
    );
    assert.equal(r.status, 3, r.stderr);
    assert.equal(r.stdout.trim(), 'FERRY_E_MIGXML_FILE_NOT_FOUND');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a DOCTYPE hidden after a processing instruction that looks like a comment is refused by the parser (issue 11)', () => {
  for (const text of [
    '<?x <!-- ?><!DOCTYPE m [<!ENTITY a "b">]><!-- --><migration urlid="u">&a;</migration>',
    '<?x <!-- ?><!DOCTYPE m [<!ENTITY a "b">]><!-- --><migration urlid="u"/>',
    '<?x <!-- ?>\n<!DOCTYPE m SYSTEM "http://127.0.0.1:9/x.dtd"><!-- --><migration urlid="u"/>',
  ]) {
    assertCode(() => parseRuleText(text, 'pi.xml'), 'FERRY_E_XML_MALFORMED', /pi\.xml:\d+: DTD and entity declarations are not allowed/);
  }
});
