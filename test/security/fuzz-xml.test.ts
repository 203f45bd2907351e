// Fuzz targets for the text parsers of untrusted input (issue 11): MigXML rule files, Config.xml,
// task sequence XML (plain and the console's object.xml) and CMTrace logs, by mutating real seeds.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { allComponents, compilePattern, generateConfig, parseConfigText, parseRuleText, splitLocation } from '../../src/migxml/index.ts';
import {
  formatCmTraceLine,
  parseCmTrace,
  parseSequenceDocument,
  serializeSequenceXml,
  validateSequence,
} from '../../src/tasksequence/index.ts';
import { fuzz, FuzzFinding, mutatedText } from './fuzz-support.ts';

const ROOT = new URL('../..', import.meta.url).pathname;
const RULES = ['MigUser.xml', 'MigApp.xml', 'MigDocs.xml'].map((f) => readFileSync(join(ROOT, 'src/usmt/xml', f), 'utf8'));
const SMALL_RULES = [
  `<migration urlid="http://t/x"><component type="Documents" context="User"><displayName>C</displayName><role ` +
    `role="Data"><detects><detect><condition>MigXmlHelper.DoesObjectExist("File","%CSIDL_PERSONAL%\\* ` +
    `[*]")</condition></detect></detects><rules><include filter='MigXmlHelper.IgnoreIrrelevantLinks()'><objectSet><pattern ` +
    `type="File">%CSIDL_PERSONAL%\\* [*.doc*]</pattern><script>MigXmlHelper.GenerateDrivePatterns("* [*.txt]", ` +
    `"Fixed")</script></objectSet></include><exclude><objectSet><pattern type="Registry">HKCU\\Software\\X ` +
    `[Y]</pattern></objectSet></exclude><locationModify script="MigXmlHelper.RelativeMove('C:\\a','C:\\b')"><objectSet><pattern ` +
    `type="File">C:\\a\\* [*]</pattern></objectSet></locationModify><contentModify ` +
    `script="MigXmlHelper.MergeDelimitedContent(';','Source')"><objectSet><pattern type="Registry">HKCU\\Environment ` +
    `[Path]</pattern></objectSet></contentModify><merge script="MigXmlHelper.SourcePriority()"><objectSet><pattern ` +
    `type="Ini">%windir%\\x.ini|Sec [Key]</pattern></objectSet></merge></rules></role></component></migration>`,
];

test('fuzz: MigXML rule files', async (t) => {
  await fuzz(
    t,
    'MigXML',
    mutatedText([...RULES, ...SMALL_RULES]),
    (text) => {
      const rules = parseRuleText(text, 'fuzz.xml');
      for (const { component } of allComponents(rules.components)) void component;
    },
    { budgetMs: 4_000 },
  );
});

test('fuzz: MigXML location patterns', async (t) => {
  const seeds = [
    '%CSIDL_PERSONAL%\\* [*.doc*]',
    'HKCU\\Software\\X\\* [*]',
    'C:\\a^[b^]\\c [d]',
    '%windir%\\x.ini|Sec [Key]',
    '\\\\srv\\share\\* [*]',
  ];
  await fuzz(
    t,
    'MigXML patterns',
    mutatedText(seeds, 6),
    (text) => {
      splitLocation(text);
      compilePattern('File', text);
      compilePattern('Registry', text);
    },
    { budgetMs: 2_000 },
  );
});

test('fuzz: Config.xml', async (t) => {
  const config = generateConfig(RULES.map((r, i) => parseRuleText(r, `r${i}.xml`)));
  const seeds = [
    config,
    '<Configuration><Policies><ErrorControl><fileError><nonFatal errorCode="33">C:\\x\\* ' +
      '[*]</nonFatal></fileError></ErrorControl><HardLinkStoreControl><fileLocked><createHardLink>C:\\* ' +
      '[*]</createHardLink></fileLocked></HardLinkStoreControl></Policies><ProfileControl><localGroups><mappings><changeGroup ' +
      'from="Administrators" to="Users" appliesTo="MigratedUsers"><include><pattern>DomainX\\*</pattern></include></changeGroup>' +
      '</mappings></localGroups></ProfileControl></Configuration>',
  ];
  await fuzz(t, 'Config.xml', mutatedText(seeds), (text) => parseConfigText(text, 'config.xml'), { budgetMs: 2_500 });
});

const TS_DIR = join(ROOT, 'src/tasksequence/examples');
const TS_SEEDS = readdirSync(TS_DIR)
  .filter((f) => f.endsWith('.xml'))
  .map((f) => readFileSync(join(TS_DIR, f), 'utf8'));
const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const OBJECT_XML =
  `<?xml version="1.0" encoding="utf-16"?><INSTANCE CLASSNAME="SMS_TaskSequencePackage"><PROPERTY ` +
  `NAME="PackageID" TYPE="string"><VALUE>CM100001</VALUE></PROPERTY><PROPERTY ` +
  `NAME="Name"><VALUE>Fuzz</VALUE></PROPERTY><PROPERTY ` +
  `NAME="Sequence"><VALUE>${esc(TS_SEEDS[0]!)}</VALUE></PROPERTY></INSTANCE>`;

test('fuzz: task sequence XML and object.xml (parse, validate, export, re-import)', async (t) => {
  await fuzz(
    t,
    'task sequence XML',
    mutatedText([...TS_SEEDS, OBJECT_XML]),
    (text) => {
      const loaded = parseSequenceDocument(text, 'fuzz.xml');
      validateSequence(loaded.sequence);
      // What was imported must export and import again (one set of limits).
      const again = parseSequenceDocument(serializeSequenceXml(loaded.sequence), 'fuzz export');
      if (again.sequence.children.length !== loaded.sequence.children.length)
        throw new FuzzFinding('the export of an imported sequence lost steps');
    },
    { budgetMs: 4_000 },
  );
});

test('fuzz: CMTrace (smsts.log) reader', async (t) => {
  const lines = Array.from({ length: 5 }, (_, i) =>
    formatCmTraceLine({
      message: `line ${i}\nsecond`,
      component: 'TSManager',
      type: ((i % 3) + 1) as 1 | 2 | 3,
      time: new Date(2026, 0, 1),
    }),
  ).join('\r\n');
  await fuzz(
    t,
    'CMTrace',
    mutatedText([lines], 10, ['<![LOG[', ']LOG]!>', '<time="', '" date="', 'type="4"', '"', '>', '\r\n']),
    (text) => {
      parseCmTrace(text);
    },
    { budgetMs: 1_500 },
  );
});

test('abuse: a CMTrace log of many unterminated records parses in linear time', () => {
  const text = '<![LOG[x'.repeat(50_000);
  const t0 = performance.now();
  assert.deepEqual(parseCmTrace(text), []);
  assert.ok(performance.now() - t0 < 2_000, `${(performance.now() - t0).toFixed(0)} ms`);
});
