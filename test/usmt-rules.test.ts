// End to end: the /i rules given to LoadState decide what is applied (usmt-cli.md §3.2,
// migxml.md §5.4, §6.3): objects they do not include or exclude, NeverRestore objects and
// components Config.xml turns off stay in the store; IgnoreIrrelevantLinks drops only shortcuts
// whose include names it. Real scanstate → loadstate on a small generated volume.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';

import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getAttributeSync, setAttributeSync } from '@napi-rs/xattr';
import { buildShellLink } from '../src/usmt/index.ts';
import { generateSampleVolume } from '../src/sample-volume/index.ts';
import { runFerry, type InProcessResult } from '../src/cli/testing.ts';

const URLID = 'http://test/ferry/usmt-rules';
let work: string;
let windir: string;

/** The tool in-process, as `ferry <tool>` runs it. */
function run(tool: 'scanstate' | 'loadstate', args: readonly string[]): Promise<InProcessResult> {
  return runFerry([tool, ...args], { cwd: work });
}
const show = (r: InProcessResult) => `exit ${r.status}\n${r.stdout.slice(-1500)}\n${r.stderr.slice(-1500)}`;

/** One System-context Documents component per entry: [name, rules XML]. */
function ruleFile(name: string, components: readonly (readonly [string, string])[]): string {
  const body = components
    .map(
      ([display, rules]) =>
        `<component type="Documents" ` +
        `context="System"><displayName>${display}</displayName><role ` +
        `role="Data"><rules>${rules}</rules></role></component>`,
    )
    .join('\n');
  const path = join(work, name);
  writeFileSync(path, `<?xml version="1.0" encoding="UTF-8"?>\n<migration urlid="${URLID}">\n${body}\n</migration>\n`);
  return path;
}
const inc = (pattern: string, filter?: string) =>
  `<include${filter ? ` filter="MigXmlHelper.${filter}()"` : ''}><objectSet><pattern ` +
  `type="File">${pattern}</pattern></objectSet></include>`;
const exc = (pattern: string) => `<exclude><objectSet><pattern type="File">${pattern}</pattern></objectSet></exclude>`;

const A = 'C:\\Users\\alice';
const COMMON = [
  ['Vault', inc(`${A}\\Vault\\* [*]`, 'NeverRestore')],
  ['Tunes', inc(`${A}\\Tunes\\* [*]`)],
  ['Shortcuts', inc(`${A}\\Shortcuts\\* [*]`, 'IgnoreIrrelevantLinks')],
  ['Tools', inc(`${A}\\Tools\\* [*]`)],
  [
    'Notes',
    inc(`${A}\\Notes\\* [*]`) +
      `<merge script="MigXmlHelper.SourcePriority()"><objectSet><pattern type="File">${A}\\Notes\\* [*]</pattern></objectSet></merge>` +
      (`<contentModify ` +
        `script="MigXmlHelper.KeepExisting('TimeFields','FileAttrib:H')"><objectSet><pattern ` +
        `type="File">${A}\\Notes\\* [*]</pattern></objectSet></contentModify>`),
  ],
] as const;
let scanRules: string;
let loadRules: string;
let store: string;

before(async () => {
  work = mkdtempSync(join(tmpdir(), 'ferry-usmt-rules-'));
  const vol = join(work, 'vol');
  generateSampleVolume({ out: vol, size: 3 << 20, users: 1, seed: 11 });
  windir = join(vol, 'Windows');
  const put = (rel: string, data: string | Buffer) => {
    mkdirSync(join(vol, rel, '..'), { recursive: true });
    writeFileSync(join(vol, rel), data);
  };
  put('Users/alice/Projects/plan.txt', 'plan');
  put('Users/alice/Projects/report.docx', 'report');
  put('Users/alice/Vault/secret.txt', 'secret');
  put('Users/alice/Extra/x.txt', 'extra');
  put('Users/alice/Tunes/song.txt', 'song');
  put('Users/alice/Shortcuts/Here.lnk', buildShellLink(`${A}\\Projects\\plan.txt`));
  put('Users/alice/Shortcuts/Gone.lnk', buildShellLink('C:\\Program Files\\Retired\\retired.exe'));
  put('Users/alice/Notes/n.txt', 'notes from the store');
  put('Users/alice/Tools/Old.lnk', buildShellLink('C:\\Program Files\\Retired\\retired.exe'));
  scanRules = ruleFile('scan.xml', [['Projects', inc(`${A}\\Projects\\* [*]`)], ['Extra', inc(`${A}\\Extra\\* [*]`)], ...COMMON]);
  // LoadState's set: Extra is gone, Projects excludes .docx, Cleanup deletes the target's stale .tmp files.
  loadRules = ruleFile('load.xml', [
    ['Projects', inc(`${A}\\Projects\\* [*]`) + exc(`${A}\\Projects\\* [*.docx]`)],
    ['Cleanup', `<destinationCleanup><objectSet><pattern type="File">${A}\\Cache\\* [*.tmp]</pattern></objectSet></destinationCleanup>`],
    ...COMMON,
  ]);
  store = join(work, 'store');
  const scan = await run('scanstate', [store, `/offlinewindir:${windir}`, `/i:${scanRules}`, '/nocompress']);
  assert.equal(scan.status, 0, show(scan));
});

after(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

async function restore(
  name: string,
  extra: readonly string[],
  prepare?: (target: string) => void,
  from = [store, '/nocompress'],
): Promise<{ target: string; log: string; out: InProcessResult }> {
  const target = join(work, name);
  mkdirSync(join(target, 'Windows/System32'), { recursive: true });
  prepare?.(target);
  const log = join(work, `${name}.log`);
  const out = await run('loadstate', [
    from[0]!,
    `/offlinewindir:${join(target, 'Windows')}`,
    ...from.slice(1),
    '/lac',
    '/v:5',
    `/l:${log}`,
    ...extra,
  ]);
  assert.equal(out.status, 0, show(out));
  return { target, log: readFileSync(log, 'utf8'), out };
}

test(
  'the LoadState /i rules and Config.xml decide what ' + 'is applied; NeverRestore is never applied; each ' + 'skip is logged and counted',
  async () => {
    const config = join(work, 'config.xml');
    writeFileSync(
      config,
      `<?xml version="1.0" encoding="UTF-8"?>\n<Configuration><Documents><component ` +
        `displayname="Tunes" migrate="no" ID="${URLID}/tunes/data"/></Documents></Configuration>\n`,
    );
    const { target, log } = await restore('target-rules', [`/i:${loadRules}`, `/config:${config}`]);
    const at = (rel: string) => existsSync(join(target, 'Users/alice', rel));
    assert.ok(at('Projects/plan.txt'), 'included by the LoadState rules');
    assert.ok(!at('Projects/report.docx'), 'excluded by the LoadState rules');
    assert.ok(!at('Extra/x.txt'), 'in the store, but no LoadState rule includes it');
    assert.ok(!at('Vault/secret.txt'), 'NeverRestore: gathered, never applied');
    assert.ok(!at('Tunes/song.txt'), 'its component is turned off in Config.xml');
    assert.match(log, /Not applied: C:\\Users\\alice\\Projects\\report\.docx \(excluded by the LoadState rules \(Projects: <exclude> /);
    assert.match(log, /Not applied: C:\\Users\\alice\\Extra\\x\.txt \(not included by the LoadState rules\)/);
    assert.match(log, /Not applied: C:\\Users\\alice\\Vault\\secret\.txt \(NeverRestore/);
    assert.match(log, /Not applied: C:\\Users\\alice\\Tunes\\song\.txt \(its component "Tunes" is turned off in Config\.xml\)/);
    const summary =
      /Not applied: (\d+) not included by the LoadState rules, (\d+) of components turned off in Config\.xml, (\d+) NeverRestore/.exec(log);
    assert.ok(summary, 'the summary counts what was not applied');
    assert.ok(Number(summary[1]) >= 2 && Number(summary[2]) >= 1 && Number(summary[3]) >= 1, summary[0]);
  },
);

test('IgnoreIrrelevantLinks drops only shortcuts whose include names it; without /i everything in the store is applied', async () => {
  const { target, log } = await restore('target-links', [`/i:${loadRules}`]);
  const at = (rel: string) => existsSync(join(target, 'Users/alice', rel));
  assert.ok(at('Shortcuts/Here.lnk'), 'its target is restored in the same run');
  assert.ok(!at('Shortcuts/Gone.lnk'), 'its include names IgnoreIrrelevantLinks and its target is missing');
  assert.match(log, /Dropped the shortcut C:\\Users\\alice\\Shortcuts\\Gone\.lnk/);
  assert.ok(at('Tools/Old.lnk'), 'its include has no IgnoreIrrelevantLinks: restored though its target is missing');

  const all = await restore('target-no-rules', []);
  const got = (rel: string) => existsSync(join(all.target, 'Users/alice', rel));
  for (const rel of ['Projects/report.docx', 'Extra/x.txt', 'Shortcuts/Gone.lnk', 'Tools/Old.lnk'])
    assert.ok(got(rel), `no /i: ${rel} is applied`);
  assert.ok(got('Vault/secret.txt'), 'no /i: no rule says NeverRestore, so the store applies it');
});

for (const kind of ['uncompressed', 'hard-link'] as const) {
  test(
    `<contentModify> KeepExisting: a file replaced by SourcePriority keeps the ` +
      `times and the hidden bit of the target's copy (${kind} store)`,
    async () => {
      const old = new Date('2001-02-03T04:05:06Z');
      let from = [store, '/nocompress'];
      if (kind === 'hard-link') {
        from = [join(work, 'store-hardlink'), '/hardlink', '/nocompress'];
        const scan = await run('scanstate', [from[0]!, `/offlinewindir:${windir}`, `/i:${scanRules}`, '/hardlink', '/nocompress']);
        assert.equal(scan.status, 0, show(scan));
      }
      const source = join(windir, '../Users/alice/Notes/n.txt');
      const sourceMtime = statSync(source).mtimeMs;
      const { target, log } = await restore(
        `target-keep-${kind}`,
        [`/i:${loadRules}`],
        (t) => {
          const file = join(t, 'Users/alice/Notes/n.txt');
          mkdirSync(join(file, '..'), { recursive: true });
          writeFileSync(file, "the target's notes");
          setAttributeSync(file, 'user.DOSATTRIB', Buffer.from('0x22'));
          utimesSync(file, old, old);
        },
        from,
      );
      const file = join(target, 'Users/alice/Notes/n.txt');
      assert.equal(readFileSync(file, 'utf8'), 'notes from the store', 'SourcePriority overwrites');
      assert.equal(statSync(file).mtimeMs, old.getTime(), "TimeFields kept from the target's copy");
      const attributes = Number(getAttributeSync(file, 'user.DOSATTRIB')?.toString());
      assert.equal(attributes & 0x2, 0x2, 'the hidden bit kept');
      assert.match(
        log,
        /KeepExisting\('TimeFields','FileAttrib:H'\): C:\\Users\\alice\\Notes\\n\.txt keeps its existing times, attributes/,
      );
      assert.equal(statSync(source).mtimeMs, sourceMtime, "the source (and a hard-link store's copy) keeps its own times");
    },
  );
}

test('<destinationCleanup> deletes, before applying, only the target files its pattern names, each one logged', async () => {
  const { target, log, out } = await restore('target-cleanup', [`/i:${loadRules}`], (t) => {
    for (const rel of ['Cache/a.tmp', 'Cache/deep/b.TMP', 'Cache/keep.txt', 'Other/c.tmp']) {
      mkdirSync(join(t, 'Users/alice', rel, '..'), { recursive: true });
      writeFileSync(join(t, 'Users/alice', rel), rel);
    }
  });
  const at = (rel: string) => existsSync(join(target, 'Users/alice', rel));
  assert.ok(!at('Cache/a.tmp') && !at('Cache/deep/b.TMP'), 'the named files are deleted');
  assert.ok(at('Cache/keep.txt') && at('Cache/deep') && at('Other/c.tmp'), 'nothing else: other files and the folders stay');
  assert.match(
    log,
    /Deleted C:\\Users\\alice\\Cache\\a\.tmp on the target before applying: <destinationCleanup> C:\\Users\\alice\\Cache\\\* \[\*\.tmp\] \(Cleanup, /i,
  );
  assert.match(log, /Deleted C:\\Users\\alice\\Cache\\deep\\b\.TMP on the target/i);
  assert.match(`${out.stdout}${log}`, /Deleted 2 target file\(s\) and registry value\(s\) named by <destinationCleanup> rules/);
  assert.ok(at('Projects/plan.txt'), 'then the store is applied');
});
