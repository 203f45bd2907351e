// End to end: INI settings as migration objects (migxml.md §3.1, §3.2, §6.6). ScanState stores
// the settings an Ini include selects from a file on the source volume; LoadState writes them into
// the target's INI file (created if missing, every other line and its encoding kept, the
// DestinationPriority setting left alone); plan and explain see the same objects; Microsoft's
// MigApp.xml (281 Ini patterns; FERRY_TEST_MICROSOFT_XML_DIR) still loads and plans.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { count, newSummary, openPlanning } from '../src/migxml/index.ts';
import { MICROSOFT_XML_SKIP, microsoftXml } from './support/shared.ts';
import { generateSampleVolume } from '../src/sample-volume/index.ts';
import { runFerry, type InProcessResult } from '../src/cli/testing.ts';

const INI = 'C:\\Apps\\Tool\\tool.ini';
let work: string;
let windir: string;
let rules: string;
let store: string;

/** The tool in-process, as `ferry <tool>` runs it. */
const run = (tool: 'scanstate' | 'loadstate', args: readonly string[]): Promise<InProcessResult> =>
  runFerry([tool, ...args], { cwd: work });
const show = (r: InProcessResult) => `exit ${r.status}\n${r.stdout.slice(-1500)}\n${r.stderr.slice(-1500)}`;
const utf16 = (text: string) => Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);

before(async () => {
  work = mkdtempSync(join(tmpdir(), 'ferry-usmt-ini-'));
  const vol = join(work, 'vol');
  generateSampleVolume({ out: vol, size: 2 << 20, users: 1, seed: 5 });
  windir = join(vol, 'Windows');
  mkdirSync(join(vol, 'Apps/Tool'), { recursive: true });
  mkdirSync(join(vol, 'Users/alice/AppData/Roaming/Tool'), { recursive: true });
  writeFileSync(
    join(vol, 'Users/alice/AppData/Roaming/Tool/user.ini'),
    utf16('[Prefs]\r\nTheme=dark\r\nFont=Consolas\r\nName=Zoë 日本\r\n'),
  );
  writeFileSync(
    join(vol, 'Apps/Tool/tool.ini'),
    '; tool settings\r\n[General]\r\nColor=blue\r\nSize=12\r\nSecret=hunter2\r\n[Paths]\r\nData=C:\\Data\r\n[Window]\r\nX=5\r\n',
  );
  const pattern = (kind: string, p: string, script = '') =>
    `<${kind}${script}><objectSet><pattern type="Ini">${p}</pattern></objectSet></${kind}>`;
  // Detected only when its file holds a setting the DoesObjectExist pattern (with wildcards) matches.
  const userComponent = (name: string, detect: string) =>
    `<component type="Application" context="User"><displayName>${name}</displayName><role role="Settings">` +
    (`<detects><detect><condition>MigXmlHelper.DoesObjectExist("Ini","%CSIDL_APPDATA%\\Tool\\user.ini|${detect}` +
      `")</condition></detect></detects>`) +
    `<rules>${pattern('include', '%CSIDL_APPDATA%\\Tool\\user.ini|Prefs[*]')}</rules></role></component>\n`;
  rules = join(work, 'ini.xml');
  writeFileSync(
    rules,
    `<?xml version="1.0" encoding="UTF-8"?>\n<migration urlid="http://test/ferry/ini">\n<component ` +
      `type="Application" context="System"><displayName>Tool</displayName><role role="Settings"><rules>` +
      pattern('include', `${INI}|General[*]`) +
      pattern('include', `${INI}|P*s[Data]`) +
      pattern('exclude', `${INI}|General[Secret]`) +
      pattern('merge', `${INI}|General[Size]`, ' script="MigXmlHelper.DestinationPriority()"') +
      `</rules></role></component>\n` +
      userComponent('ToolUser', 'Pr*[The*]') +
      userComponent('Absent', 'Missing[*]') +
      `</migration>\n`,
  );
  store = join(work, 'store');
  const scan = await run('scanstate', [store, `/offlinewindir:${windir}`, `/i:${rules}`, '/nocompress', '/o']);
  assert.equal(scan.status, 0, show(scan));
});

after(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

test('plan and explain see the INI settings the rules select', async () => {
  const { engine } = await openPlanning({ windowsDir: windir, ruleFiles: [rules] });
  try {
    const summary = newSummary();
    const found: string[] = [];
    const user: string[] = [];
    for await (const o of engine.objects()) {
      count(summary, o);
      if (o.kind === 'ini' && o.component === 'Tool') found.push(`${o.winPath}=${o.ini!.value}`);
      if (o.kind === 'ini' && o.component !== 'Tool') user.push(`${o.component} ${o.user?.userName} ${o.winPath}=${o.ini!.value}`);
    }
    assert.deepEqual(found.sort(), [`${INI}|General[Color]=blue`, `${INI}|General[Size]=12`, `${INI}|Paths[Data]=C:\\Data`]);
    const appData = 'C:\\Users\\alice\\AppData\\Roaming\\Tool\\user.ini';
    assert.deepEqual(
      user.sort(),
      [
        `ToolUser alice ${appData}|Prefs[Font]=Consolas`,
        `ToolUser alice ${appData}|Prefs[Name]=Zoë 日本`,
        `ToolUser alice ${appData}|Prefs[Theme]=dark`,
      ],
      'the Absent component is not detected',
    );
    assert.equal(summary.total.ini, 6);
    assert.equal(summary.byComponent.get('Tool')?.ini, 3);
    const secret = await engine.explain(`${INI}|General[Secret]`);
    assert.equal(secret.decision.decision, 'exclude');
    assert.equal(secret.decision.rule?.pattern, `${INI}|General[Secret]`);
    const color = await engine.explain(`${INI}|general[color]`);
    assert.equal(color.decision.decision, 'include');
    assert.equal(color.destination, `${INI}|general[color]`);
    assert.equal((await engine.explain(`${INI}|Window[X]`)).decision.decision, 'none');
  } finally {
    engine.close();
  }
});

test(
  'LoadState writes the settings into the target INI: file created when missing; an existing file ' +
    'keeps its encoding and other lines; DestinationPriority keeps the target value',
  async () => {
    // Target 1: no tool.ini yet.
    const fresh = join(work, 'fresh');
    mkdirSync(join(fresh, 'Windows/System32'), { recursive: true });
    const a = await run('loadstate', [
      store,
      `/offlinewindir:${join(fresh, 'Windows')}`,
      '/nocompress',
      `/i:${rules}`,
      '/lac',
      `/l:${join(work, 'fresh.log')}`,
    ]);
    assert.equal(a.status, 0, show(a));
    assert.equal(
      readFileSync(join(fresh, 'Apps/Tool/tool.ini'), 'latin1'),
      '[General]\r\nColor=blue\r\nSize=12\r\n\r\n[Paths]\r\nData=C:\\Data\r\n',
    );

    // Target 2: a UTF-16 tool.ini with its own settings.
    const existing = join(work, 'existing');
    mkdirSync(join(existing, 'Windows/System32'), { recursive: true });
    mkdirSync(join(existing, 'Apps/Tool'), { recursive: true });
    writeFileSync(join(existing, 'Apps/Tool/tool.ini'), utf16('[General]\r\nColor=red\r\nSize=99\r\nLocal=1\r\n[Other]\r\nk=v\r\n'));
    const log = join(work, 'existing.log');
    const b = await run('loadstate', [
      store,
      `/offlinewindir:${join(existing, 'Windows')}`,
      '/nocompress',
      `/i:${rules}`,
      '/lac',
      '/v:5',
      `/l:${log}`,
    ]);
    assert.equal(b.status, 0, show(b));
    const bytes = readFileSync(join(existing, 'Apps/Tool/tool.ini'));
    assert.deepEqual(bytes.subarray(0, 2), Buffer.from([0xff, 0xfe]), 'still UTF-16LE with its BOM');
    assert.equal(
      bytes.subarray(2).toString('utf16le'),
      '[General]\r\nColor=blue\r\nSize=99\r\nLocal=1\r\n[Other]\r\nk=v\r\n\r\n[Paths]\r\nData=C:\\Data\r\n',
    );
    assert.match(readFileSync(log, 'utf8'), /INI settings: 5 applied, 1 kept from the target/);
  },
);

test('/mu relocates an INI file in a profile to the new profile', async () => {
  const target = join(work, 'moved');
  mkdirSync(join(target, 'Windows/System32'), { recursive: true });
  const r = await run('loadstate', [
    store,
    `/offlinewindir:${join(target, 'Windows')}`,
    '/nocompress',
    `/i:${rules}`,
    '/lac',
    '/mu:alice:alice2',
    `/l:${join(work, 'moved.log')}`,
  ]);
  assert.equal(r.status, 0, show(r));
  const bytes = readFileSync(join(target, 'Users/alice2/AppData/Roaming/Tool/user.ini'));
  assert.deepEqual(bytes.subarray(0, 2), Buffer.from([0xff, 0xfe]), 'a new file holding non-ASCII text is UTF-16LE');
  assert.equal(bytes.subarray(2).toString('utf16le'), '[Prefs]\r\nTheme=dark\r\nFont=Consolas\r\nName=Zoë 日本\r\n');
  assert.equal(existsSync(join(target, 'Users/alice/AppData/Roaming/Tool/user.ini')), false);
});

test("Microsoft's MigApp.xml (281 Ini patterns) loads and plans without error", { skip: MICROSOFT_XML_SKIP }, async () => {
  const { engine } = await openPlanning({ windowsDir: windir, ruleFiles: [microsoftXml('MigApp.xml')] });
  try {
    const summary = newSummary();
    for await (const o of engine.objects()) count(summary, o);
    assert.ok(summary.total.objects >= 0);
    assert.ok(Number.isInteger(summary.total.ini));
  } finally {
    engine.close();
  }
});
