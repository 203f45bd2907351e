import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseScanStateArgs, type ScanStateOptions } from './scanstate-options.ts';
import { parseLoadStateArgs, type LoadStateOptions } from './loadstate-options.ts';
import { parseUsmtUtilsArgs, type UsmtUtilsOptions } from './usmtutils-options.ts';
import { usmtExitCodeOf } from './testing.ts';

const codeOf = usmtExitCodeOf;
const scan = (line: string) => parseScanStateArgs(split(line)) as ScanStateOptions;
const load = (line: string) => parseLoadStateArgs(split(line)) as LoadStateOptions;
const utils = (line: string) => parseUsmtUtilsArgs(split(line)) as UsmtUtilsOptions;
/** Split like a shell: spaces separate, double quotes group. */
function split(line: string): string[] {
  return [...line.matchAll(/(?:[^\s"]+|"[^"]*")+/g)].map((m) => m[0].replace(/"/g, ''));
}

test('ScanState: the spec examples parse', () => {
  const a = scan('\\\\server\\share\\migration\\mystore /i:MigApp.xml /i:MigDocs.xml /o /config:Config.xml /v:13 /encrypt /key:"mykey"');
  assert.equal(a.mode, 'capture');
  assert.equal(a.storePath, '\\\\server\\share\\migration\\mystore');
  assert.deepEqual(a.ruleFiles, ['MigApp.xml', 'MigDocs.xml']);
  assert.equal(a.verbosity, 13);
  assert.deepEqual(a.encryption, { algId: '3DES', keySource: { key: 'mykey' } });
  assert.equal(a.storeKind, 'compressed');
  assert.equal(a.logFile, 'ScanState.log');

  const g = scan('/i:MigApp.xml /i:MigDocs.xml /genconfig:Config.xml /v:13');
  assert.equal(g.mode, 'genconfig');
  assert.equal(g.generatePath, 'Config.xml');

  const p = scan('C:\\store /p:C:\\spaceRequirements.xml');
  assert.equal(p.mode, 'estimate');
  assert.equal(p.estimatePath, 'C:\\spaceRequirements.xml');

  const e = scan('/i:MigDocs.xml /i:MigApp.xml \\\\server\\share\\migration\\mystore /efs:copyraw');
  assert.equal(e.efs, 'copyraw');

  const h = scan('/store/x /hardlink /nocompress /offlinewindir:/mnt/v/Windows /ue:*\\* /ui:fabrikam\\user2 /uel:2024/01/31');
  assert.equal(h.storeKind, 'hardlink');
  assert.deepEqual(h.offline, { kind: 'windir', path: '/mnt/v/Windows' });
  assert.deepEqual(h.users.exclude, ['*\\*']);
  assert.ok(h.users.lastLogon && 'since' in h.users.lastLogon);
});

test('ScanState: compatibility matrix and value checks (§2.1–2.7)', () => {
  const cases: [string, number][] = [
    ['', 11],
    ['/i:a.xml', 11], // no store
    ['s1 s2', 11],
    ['s /hardlink', 11],
    ['s /hardlink /nocompress /vsc', 11],
    ['s /nocompress /encrypt /key:k', 11],
    ['s /encrypt', 11],
    ['s /key:k', 11],
    ['s /keyfile:k.txt', 11],
    ['s /encrypt /key:k /keyfile:k.txt', 11],
    ['s /encrypt:RC4 /key:k', 11],
    ['s /efs:maybe', 11],
    ['s /efs:hardlink', 11],
    ['s /offline:o.xml /offlinewindir:W', 11],
    ['s /all /ue:a\\b', 11],
    ['s /all /uel:3', 11],
    ['s /uel:yesterday', 11],
    ['s /ue:a\\b\\c', 11],
    ['s /offlinewindir:W /uel:0', 11],
    ['s /listfiles:l.txt /p:p.xml', 11],
    ['s /p', 11],
    ['s /r:x', 11],
    ['s /w:1.5', 11],
    ['s /v:3', 11],
    ['/genconfig:c.xml s', 11],
    ['/genconfig:c.xml /c', 11],
    ['/genconfig:c.xml /encrypt /key:k', 11],
    ['/genconfig:c.xml /genmigxml:m.xml', 11],
    ['s /auto /v:5', 11],
    ['s /auto /all', 11],
    ['s /o /o', 11],
    ['s /frobnicate', 11],
  ];
  for (const [line, code] of cases)
    assert.equal(
      codeOf(() => scan(line)),
      code,
      line,
    );
  assert.equal(scan('s /p /nocompress').estimatePath, '');
  assert.equal(scan('s /encrypt:aes_256 /keyfile:k.txt').encryption?.algId, 'AES_256');
  assert.deepEqual(scan('s /auto:/usmt').ruleFiles, ['/usmt/MigDocs.xml', '/usmt/MigApp.xml']);
  assert.equal(scan('s /auto').verbosity, 5);
  assert.equal(scan('s /r:5 /w:0').retries, 5);
  assert.deepEqual(parseScanStateArgs(['/?']), { help: true });
});

test('an empty /key value is an incomplete option (11); a single-level /name is taken as an option', () => {
  assert.equal(
    codeOf(() => parseScanStateArgs(['s', '/encrypt', '/key:""'])),
    11,
  );
  assert.equal(
    codeOf(() => parseLoadStateArgs(['/st'])),
    11,
  );
});

test('LoadState: options, /mu /md parsing and conflicts (§3)', () => {
  const a = load('\\\\server\\share\\migration\\mystore /i:MigApp.xml /i:MigDocs.xml /v:13 /decrypt /key:"mykey"');
  assert.equal(a.storePath, '\\\\server\\share\\migration\\mystore');
  assert.deepEqual(a.decryption, { algId: '3DES', keySource: { key: 'mykey' } });
  assert.equal(a.logFile, 'LoadState.log');

  const m = load(
    '/tmp/st /offlinewindir:/t/Windows /mu:PC1\\alice:contoso\\alice2 /mu:bob:robert /md:corporate:fabrikam /md:*:farnorth /lac:Pa55 /lae',
  );
  assert.deepEqual(m.userMoves, [
    { fromDomain: 'PC1', fromUser: 'alice', toDomain: 'contoso', toUser: 'alice2' },
    { fromUser: 'bob', toUser: 'robert' },
  ]);
  assert.deepEqual(m.domainMoves, [
    { from: 'corporate', to: 'fabrikam' },
    { from: '*', to: 'farnorth' },
  ]);
  assert.deepEqual(m.createLocalAccounts, { password: 'Pa55', enable: true });
  assert.equal(m.targetWindowsDir, '/t/Windows');
  assert.deepEqual(load('/tmp/st/ /lac').createLocalAccounts, { password: '', enable: false });

  const cases: [string, number][] = [
    ['/i:a.xml', 11],
    ['s /lae', 11],
    ['s /mu:a*:b', 11],
    ['s /mu:nocolon', 11],
    ['s /md:onlyone', 11],
    ['s /nocompress /decrypt /key:k', 11],
    ['s /hardlink', 11],
    ['s /decrypt', 11],
    ['s /key:k', 11],
    ['s /all /ui:a\\b', 11],
    ['s /listfiles:x', 11],
    ['s /p:x', 11],
    ['s /offline:o.xml', 36],
  ];
  for (const [line, code] of cases)
    assert.equal(
      codeOf(() => load(line)),
      code,
      line,
    );
});

test('UsmtUtils: one command, report types, interleaved positionals (§4)', () => {
  assert.deepEqual(utils('/verify D:\\s\\USMT\\USMT.MIG'), {
    tool: 'usmtutils',
    verbosity: 0,
    command: 'verify',
    report: 'summary',
    file: 'D:\\s\\USMT\\USMT.MIG',
  });
  const v = utils('/verify:failureonly f.mig /decrypt:AES_192 /keyfile:D:\\encryptionKey.txt');
  assert.equal(v.command === 'verify' && v.report, 'failureonly');
  assert.deepEqual(v.decryption, { algId: 'AES_192', keySource: { keyFile: 'D:\\encryptionKey.txt' } });
  const x = utils('/extract store.mig /i:"*.txt,*.pdf" C:\\Out /e:*.exe /o');
  assert.ok(x.command === 'extract');
  assert.deepEqual(
    [x.file, x.destination, x.include, x.exclude, x.overwrite],
    ['store.mig', 'C:\\Out', ['*.txt', '*.pdf'], ['*.exe'], true],
  );
  const rd = utils('/rd D:\\store /y');
  assert.ok(rd.command === 'rd' && rd.storeDir === 'D:\\store' && rd.noPrompt);
  assert.equal(utils('/ec').command, 'ec');
  const cases: [string, number][] = [
    ['', 11],
    ['/verify', 11],
    ['/verify:weekly f', 11],
    ['/verify a /extract b c', 11],
    ['/extract onlyone', 11],
    ['/rd a /o', 11],
    ['/verify f /key:k', 11],
  ];
  for (const [line, code] of cases)
    assert.equal(
      codeOf(() => utils(line)),
      code,
      line,
    );
});
