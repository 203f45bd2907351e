// End to end: Microsoft's documented USMT examples, each built as written on its page and run
// through ScanState → LoadState in process on small generated volumes (issue 13, "The MigXML
// engine follows Microsoft's documented examples"). Pages (learn.microsoft.com/windows/deployment/usmt/…):
//   usmt-conflicts-and-precedence, usmt-include-files-and-settings, usmt-reroute-files-and-settings,
//   usmt-xml-elements-library, usmt-general-conventions. Where they contradict each other,
//   spec/migxml.md decides and the test names its section.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventStream, type FerryEvent } from '../src/events/index.ts';
import { openPlanning } from '../src/migxml/index.ts';
import { makeTree, type Tree, type TreeItem } from '../src/migxml/testing/tree.ts';
import { peWithVersion, versionResource } from '../src/migxml/testing/pe-image.ts';
import { HiveEditor, openHive, RegType } from '../src/registry/index.ts';
import { loadState } from '../src/usmt/index.ts';
import { parseLoadStateArgs, type LoadStateOptions } from '../src/usmt/index.ts';
import { scanState } from '../src/usmt/index.ts';
import { parseScanStateArgs, type ScanStateOptions } from '../src/usmt/index.ts';
import { exitCodeOf } from '../src/usmt/index.ts';

interface Run {
  readonly work: string;
  readonly source: Tree;
  readonly target: Tree;
  readonly events: FerryEvent[];
  rules(name: string, xml: string): string;
  scan(args?: readonly string[]): Promise<number>;
  load(args?: readonly string[]): Promise<number>;
  /** Host path on the target of a Windows path on C:. */
  onTarget(winPath: string): string;
}

const host = (root: string, winPath: string) =>
  join(
    root,
    ...winPath
      .replace(/^[A-Za-z]:\\?/, '')
      .split('\\')
      .filter(Boolean),
  );

async function withRun(source: Tree, target: Tree, fn: (r: Run) => Promise<void>): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'ferry-documented-'));
  const events: FerryEvent[] = [];
  const ctx = () => {
    const stream = new EventStream();
    stream.on((e) => void events.push(e));
    return { events: stream, cwd: work };
  };
  const store = join(work, 'store');
  const ruleFiles: string[] = [];
  try {
    await fn({
      work,
      source,
      target,
      events,
      rules(name, xml) {
        const path = join(work, name);
        writeFileSync(path, xml);
        ruleFiles.push(path);
        return path;
      },
      async scan(args = []) {
        const options = parseScanStateArgs([
          store,
          `/offlinewindir:${source.windowsDir}`,
          ...ruleFiles.map((f) => `/i:${f}`),
          '/o',
          '/nocompress',
          ...args,
        ]) as ScanStateOptions;
        return (await scanState(options, ctx())).exitCode;
      },
      async load(args = []) {
        const options = parseLoadStateArgs([
          store,
          `/offlinewindir:${target.windowsDir}`,
          ...ruleFiles.map((f) => `/i:${f}`),
          '/nocompress',
          ...args,
        ]) as LoadStateOptions;
        return (await loadState(options, ctx())).exitCode;
      },
      onTarget: (winPath) => host(target.root, winPath),
    });
  } finally {
    rmSync(work, { recursive: true, force: true });
    source.cleanup();
    target.cleanup();
  }
}

const migration = (components: string) =>
  `<?xml version="1.0" encoding="UTF-8"?>\n<migration ` +
  `urlid="http://www.microsoft.com/migration/1.0/migxmlext/test">\n${components}\n</migration>\n`;
const component = (name: string, context: string, rules: string) =>
  `<component type="Documents" ` +
  `context="${context}"><displayName>${name}</displayName><role ` +
  `role="Data"><rules>${rules}</rules></role></component>`;
const fileSet = (...patterns: string[]) => `<objectSet>${patterns.map((p) => `<pattern type="File">${p}</pattern>`).join('')}</objectSet>`;
const include = (...patterns: string[]) => `<include>${fileSet(...patterns)}</include>`;

/** Every file under a host folder, as Windows paths on C:. */
function filesOn(root: string, under = ''): string[] {
  const out: string[] = [];
  const walk = (dir: string, win: string) => {
    for (const name of readdirSync(dir)) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) walk(p, `${win}\\${name}`);
      else out.push(`${win}\\${name}`);
    }
  };
  const start = host(root, `C:\\${under}`);
  if (existsSync(start)) walk(start, `C:${under ? `\\${under}` : ''}`);
  return out.sort();
}

// Reroute files and settings, "Reroute a folder": "migrates directories and files from
// C:\EngineeringDrafts into the My Documents folder of every user" (migxml.md §9.4).
test('Reroute files and settings: a user-context reroute into %CSIDL_PERSONAL% reaches every user', async () => {
  const items: TreeItem[] = [
    { path: 'C:\\EngineeringDrafts\\sub\\a.dwg', content: 'drawing' },
    { path: 'C:\\EngineeringDrafts\\b.dwg', content: 'b' },
  ];
  await withRun(makeTree(items, ['bob', 'ann']), makeTree([], ['bob', 'ann']), async (r) => {
    r.rules(
      'drafts.xml',
      migration(
        component(
          'Engineering Drafts Documents to Personal Folder',
          'User',
          include('C:\\EngineeringDrafts\\* [*]') +
            (`<locationModify ` +
              (`script="MigXmlHelper.RelativeMove('C:\\EngineeringDrafts','%CSIDL_PERSONAL%')">` +
                `${fileSet('C:\\EngineeringDrafts\\* [*]')}</locationModify>`)),
        ),
      ),
    );
    assert.equal(await r.scan(), 0);
    assert.equal(await r.load(), 0);
    for (const user of ['bob', 'ann']) {
      assert.equal(readFileSync(r.onTarget(`C:\\Users\\${user}\\Documents\\sub\\a.dwg`), 'utf8'), 'drawing', `${user} gets the drafts`);
      assert.ok(existsSync(r.onTarget(`C:\\Users\\${user}\\Documents\\b.dwg`)));
    }
    assert.ok(!existsSync(r.onTarget('C:\\EngineeringDrafts\\sub\\a.dwg')), 'the same component reroutes it: not at its original place');
    assert.deepEqual(
      filesOn(r.target.root, 'Users').filter((f) => /\(\d+\)/.test(f)),
      [],
      'no name(1) duplicates',
    );
  });
});

// Conflicts and precedence, "What happens when there is a <locationModify> rule in one component
// and an <include> rule for the same file in another component?": "the file is migrated to both
// places" (migxml.md §6.7).
test('Conflicts and precedence: included by one component, rerouted by another: migrated in both places', async () => {
  await withRun(
    makeTree([
      { path: 'C:\\Drafts\\a.dwg', content: 'a' },
      { path: 'C:\\Drafts\\deep\\b.dwg', content: 'b' },
    ]),
    makeTree([]),
    async (r) => {
      r.rules(
        'both.xml',
        migration(
          component('Drafts', 'System', include('C:\\Drafts\\* [*]')) +
            component(
              'Archive',
              'System',
              `<locationModify ` +
                `script="MigXmlHelper.RelativeMove('C:\\Drafts','C:\\Archive\\Drafts')">${fileSet('C:\\Drafts\\* [*]')}</locationModify>`,
            ),
        ),
      );
      assert.equal(await r.scan(), 0);
      assert.equal(await r.load(), 0);
      assert.deepEqual(
        filesOn(r.target.root).filter((f) => /Drafts/.test(f)),
        ['C:\\Archive\\Drafts\\a.dwg', 'C:\\Archive\\Drafts\\deep\\b.dwg', 'C:\\Drafts\\a.dwg', 'C:\\Drafts\\deep\\b.dwg'],
      );
    },
  );
});

// Include files and settings, "To migrate a specific folder from any location": C:\*\EngineeringDrafts\* [*]
// and *\EngineeringDrafts\* [*]; "if multiple folders exist with the same name, they are all migrated".
test('Include files and settings: a * in the middle of a folder path finds the folder at any depth', async () => {
  const items = [
    'C:\\Projects\\EngineeringDrafts\\a.dwg',
    'C:\\Old\\2019\\Q4\\EngineeringDrafts\\sub\\b.dwg',
    'C:\\Projects\\Other\\c.dwg',
    'C:\\EngineeringDrafts\\root.dwg',
  ];
  for (const [pattern, expected] of [
    ['C:\\*\\EngineeringDrafts\\* [*]', ['C:\\Old\\2019\\Q4\\EngineeringDrafts\\sub\\b.dwg', 'C:\\Projects\\EngineeringDrafts\\a.dwg']],
    [
      '*\\EngineeringDrafts\\* [*]',
      ['C:\\EngineeringDrafts\\root.dwg', 'C:\\Old\\2019\\Q4\\EngineeringDrafts\\sub\\b.dwg', 'C:\\Projects\\EngineeringDrafts\\a.dwg'],
    ],
  ] as const) {
    await withRun(makeTree(items), makeTree([]), async (r) => {
      r.rules('any.xml', migration(component('Engineering Drafts', 'System', include(pattern))));
      assert.equal(await r.scan(), 0);
      assert.equal(await r.load(), 0);
      assert.deepEqual(
        filesOn(r.target.root).filter((f) => f.endsWith('.dwg')),
        [...expected],
        pattern,
      );
    });
  }
});

// XML elements library, <merge>: HigherValue() / LowerValue() keep the higher / lower registry
// value; NewestVersion() keeps the file with the newer version resource.
test('XML elements library: <merge> HigherValue / LowerValue on registry values, NewestVersion on files', async () => {
  const KEY = 'Ferry\\Merge';
  const hive = (tree: Tree, values: Record<string, number | string>) => {
    const e = HiveEditor.create({ rootName: 'SOFTWARE' });
    for (const [name, v] of Object.entries(values)) e.setValue(KEY, name, typeof v === 'number' ? RegType.DWORD : RegType.SZ, v);
    e.save(join(tree.root, 'Windows', 'System32', 'config', 'SOFTWARE'));
    return tree;
  };
  const exe = (v: number[]) => peWithVersion(versionResource(v, { FileVersion: v.join('.'), ProductVersion: v.join('.') }));
  const source = hive(
    makeTree([
      { path: 'C:\\App\\new.exe', content: exe([2, 0, 0, 0]) },
      { path: 'C:\\App\\old.exe', content: exe([1, 0, 0, 0]) },
    ]),
    { HighWins: 5, HighKept: 2, LowWins: 1, LowKept: 8, Text: '12' },
  );
  const target = hive(
    makeTree([
      { path: 'C:\\App\\new.exe', content: exe([1, 5, 0, 0]) },
      { path: 'C:\\App\\old.exe', content: exe([3, 0, 0, 0]) },
    ]),
    { HighWins: 3, HighKept: 9, LowWins: 4, LowKept: 6, Text: '7' },
  );
  const reg = (p: string) => `<objectSet><pattern type="Registry">${p}</pattern></objectSet>`;
  const R = `HKLM\\Software\\${KEY}`;
  await withRun(source, target, async (r) => {
    r.rules(
      'merge.xml',
      migration(
        `<component type="Application" context="System"><displayName>Merge by value</displayName><role role="Settings"><rules>` +
          `<include>${reg(`${R} [*]`)}</include>` +
          `<merge script="MigXmlHelper.HigherValue()">${reg(`${R} [High*]`)}${reg(`${R} [Text]`)}</merge>` +
          `<merge script="MigXmlHelper.LowerValue()">${reg(`${R} [Low*]`)}</merge>` +
          `<include>${fileSet('C:\\App\\* [*]')}</include>` +
          `<merge script='MigXmlHelper.NewestVersion("FileVersion")'>${fileSet('C:\\App\\* [*]')}</merge>` +
          `</rules></role></component>`,
      ),
    );
    assert.equal(await r.scan(), 0);
    assert.equal(await r.load(), 0);
    const after = openHive(join(target.root, 'Windows', 'System32', 'config', 'SOFTWARE'));
    const value = (n: string) => after.key(KEY)?.value(n)?.data;
    assert.deepEqual(
      {
        HighWins: value('HighWins'),
        HighKept: value('HighKept'),
        LowWins: value('LowWins'),
        LowKept: value('LowKept'),
        Text: value('Text'),
      },
      { HighWins: 5, HighKept: 9, LowWins: 1, LowKept: 6, Text: '12' },
    );
    assert.deepEqual(
      readFileSync(r.onTarget('C:\\App\\new.exe')),
      exe([2, 0, 0, 0]),
      'the store version 2.0 is newer than the target 1.5: replaced',
    );
    assert.deepEqual(readFileSync(r.onTarget('C:\\App\\old.exe')), exe([3, 0, 0, 0]), 'the target version 3.0 is newer: kept');
    assert.deepEqual(filesOn(r.target.root, 'App'), ['C:\\App\\new.exe', 'C:\\App\\old.exe'], 'no name(1) copies');
  });
});

// General conventions: "USMT doesn't fail with an error if the required child elements aren't
// specified. They must be specified for the parent element to affect the migration."
test('General conventions: a component without <displayName> is ignored with a warning; the run goes on', async () => {
  await withRun(makeTree(['C:\\Keep\\k.txt', 'C:\\Nameless\\n.txt']), makeTree([]), async (r) => {
    r.rules(
      'partial.xml',
      migration(
        `<component type="Documents" context="System"><role ` +
          `role="Data"><rules>${include('C:\\Nameless\\* [*]')}</rules></role></component>\n` +
          component('Keep', 'System', include('C:\\Keep\\* [*]')),
      ),
    );
    assert.equal(await r.scan(), 0);
    assert.equal(await r.load(), 0);
    assert.ok(existsSync(r.onTarget('C:\\Keep\\k.txt')));
    assert.ok(!existsSync(r.onTarget('C:\\Nameless\\n.txt')));
    const warning = r.events.find((e) => e.type === 'warning' && e.code === 'FERRY_W_MIGXML_ELEMENT_IGNORED');
    assert.ok(warning && warning.type === 'warning' && /partial\.xml:3:1: /.test(warning.message), JSON.stringify(warning));
  });
});

test("a rule file Ferry refuses: the error names file, line and column, and the exit code is USMT's 28", async () => {
  await withRun(makeTree(['C:\\Keep\\k.txt']), makeTree([]), async (r) => {
    r.rules(
      'broken.xml',
      migration(component('Keep', 'System', `<include><objectSet><pattern type="File">C:\\Keep\\* [*]</pattern></objectSet></inclde>`)),
    );
    const err = await r.scan().then(
      () => null,
      (e: unknown) => e,
    );
    assert.ok(err, 'ScanState refuses the file');
    assert.equal(exitCodeOf(err), 28);
    assert.match((err as Error).message, /broken\.xml:3:\d+: /);
  });
});

// Exclude files and settings: "the only way to specify which users to include and exclude is by
// using the User options on the command line"; a user who is not migrated has none of their
// files migrated, even through another pass's `%ProfilesFolder%\* [*.doc]` (GenerateUserPatterns).
// Plan and explain agree with ScanState on every file of the volume.
test('Exclude files and settings: a profile excluded with /ue keeps its files, whatever pattern reaches them', async () => {
  const items = [
    'C:\\Users\\bob\\Documents\\b.doc',
    'C:\\Users\\ann\\Documents\\a.doc',
    'C:\\Users\\carol\\Documents\\c.doc',
    'C:\\Users\\carol\\Desktop\\notes.doc',
    'C:\\Shared\\s.doc',
  ];
  await withRun(makeTree(items, ['bob', 'ann', 'carol']), makeTree([], ['bob', 'ann']), async (r) => {
    const rules = r.rules(
      'docs.xml',
      migration(
        component(
          "Every user's documents",
          'System',
          `<include><objectSet><script>MigXmlHelper.GenerateUserPatterns("File","%PROFILESFOLDER%\\* ` +
            `[*.doc]","TRUE")</script></objectSet></include>` +
            include('C:\\Shared\\* [*]'),
        ),
      ),
    );
    const ue = ['/ue:*\\carol'];
    // Plan and explain, as `ferry plan` / `ferry explain` build them.
    const planning = await openPlanning({
      windowsDir: r.source.windowsDir,
      ruleFiles: [rules],
      selection: { include: [], exclude: ['*\\carol'] },
    });
    try {
      const planned = new Set<string>();
      for await (const o of planning.engine.objects()) if (o.kind === 'file') planned.add(o.winPath!.toLowerCase());
      assert.deepEqual([...planned].sort(), ['c:\\shared\\s.doc', 'c:\\users\\ann\\documents\\a.doc', 'c:\\users\\bob\\documents\\b.doc']);
      for (const f of [...items, 'C:\\Users\\bob\\NTUSER.DAT', 'C:\\Users\\carol\\NTUSER.DAT']) {
        const { decision } = await planning.engine.explain(f);
        assert.equal(decision.decision === 'include', planned.has(f.toLowerCase()), `explain ${f}: ${decision.decision}`);
        if (f.includes('carol')) assert.match(decision.reason ?? '', /not migrated/);
      }
    } finally {
      planning.engine.close();
      planning.volume.close();
    }
    assert.equal(await r.scan(ue), 0);
    assert.equal(await r.load(), 0);
    assert.deepEqual(
      filesOn(r.target.root).filter((f) => f.endsWith('.doc')),
      ['C:\\Shared\\s.doc', 'C:\\Users\\ann\\Documents\\a.doc', 'C:\\Users\\bob\\Documents\\b.doc'],
    );
    assert.ok(!existsSync(r.onTarget('C:\\Users\\carol')), 'nothing of carol reaches the target');
    // Captured with every user, restored without carol: her files stay in the store, even those
    // the System pass collected.
    assert.equal(await r.scan(), 0);
    assert.equal(await r.load(ue), 0);
    assert.ok(!existsSync(r.onTarget('C:\\Users\\carol')), "LoadState /ue leaves carol's files in the store");
  });
});

// Conflicts and precedence, "What happens when there are conflicting <merge> rules?" /
// "How does the <merge> rule work when files exist on the destination?": its table of outcomes
// for C:\Data. The third row says C:\Data\Folder\SampleB.txt is "not restored", which contradicts
// the page's own default rename rule: migxml.md §6.6 (DOC CONFLICT) keeps the default rule, so
// the store copy arrives as SampleB(1).txt.
test('Conflicts and precedence: the <merge> table for files that exist on the destination', async () => {
  const source = ['C:\\Data\\SampleA.txt', 'C:\\Data\\SampleB.txt', 'C:\\Data\\Folder\\SampleB.txt'].map((path) => ({
    path,
    content: `source ${path}`,
  }));
  const existing = ['C:\\Data\\SampleB.txt', 'C:\\Data\\Folder\\SampleB.txt'].map((path) => ({ path, content: `target ${path}` }));
  const rows = [
    [
      'DestinationPriority',
      'c:\\data\\* [*]',
      { 'C:\\Data\\SampleA.txt': 'source', 'C:\\Data\\SampleB.txt': 'target', 'C:\\Data\\Folder\\SampleB.txt': 'target' },
    ],
    [
      'SourcePriority',
      'c:\\data\\* [*]',
      { 'C:\\Data\\SampleA.txt': 'source', 'C:\\Data\\SampleB.txt': 'source', 'C:\\Data\\Folder\\SampleB.txt': 'source' },
    ],
    [
      'SourcePriority',
      'c:\\data\\ [*]',
      {
        'C:\\Data\\SampleA.txt': 'source',
        'C:\\Data\\SampleB.txt': 'source',
        'C:\\Data\\Folder\\SampleB.txt': 'target',
        'C:\\Data\\Folder\\SampleB(1).txt': 'source',
      },
    ],
  ] as const;
  for (const [script, pattern, expected] of rows) {
    await withRun(makeTree(source), makeTree(existing), async (r) => {
      r.rules(
        'merge.xml',
        migration(
          component('Data', 'System', include('c:\\data\\* [*]') + `<merge script="MigXmlHelper.${script}()">${fileSet(pattern)}</merge>`),
        ),
      );
      assert.equal(await r.scan(), 0);
      assert.equal(await r.load(), 0);
      const got = Object.fromEntries(filesOn(r.target.root, 'Data').map((f) => [f, readFileSync(r.onTarget(f), 'utf8').split(' ')[0]]));
      assert.deepEqual(got, expected, `${script} on ${pattern}`);
    });
  }
});
