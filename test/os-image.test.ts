// The "Install an existing image package" template end to end on a sample volume with users:
// capture into a hard-link store → Apply Operating System Image (a WIM built here with
// wimcapture from a "fresh Windows" tree) → Apply Windows/Network Settings → Setup Windows and
// ConfigMgr (the restart into the new OS) → restore. Once on a directory volume, once on an NTFS
// image file mounted with ntfs-3g (wimlib's NTFS mode). Skipped, with the reason, without wimlib
// (or without FUSE / mkntfs for the NTFS run).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { after, test } from 'node:test';
import { imagePackageTemplate } from '../src/server/index.ts';
import { Engine } from '../src/tasksequence/index.ts';
import { localPackages } from '../src/tasksequence/index.ts';
import { writeDocumentsPackage } from '../src/tasksequence/test-support.ts';
import { parseSequenceXml, serializeSequenceXml } from '../src/tasksequence/index.ts';
import { generateSampleVolume } from '../src/sample-volume/index.ts';

const ok = (cmd: string, args: string[]) => {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  return { ok: !r.error && r.status === 0, out: `${r.stdout ?? ''}${r.stderr ?? ''}${r.error ? String(r.error) : ''}` };
};
const NO_WIMLIB = ['wimcapture', 'wimapply', 'wiminfo'].find((t) => !ok('sh', ['-c', `command -v ${t}`]).ok);
const SKIP = NO_WIMLIB ? `${NO_WIMLIB} is not installed (apt-get install wimtools)` : false;

const base = mkdtempSync(join(tmpdir(), 'ferry-osimage-'));
chmodSync(base, 0o755);
after(() => rmSync(base, { recursive: true, force: true }));
const PASSWORD = 'Adm1n-Secret!';

function gen(out: string, users: number, seed: number): void {
  generateSampleVolume({ out, size: 1 << 20, users, seed });
}

/** A "fresh Windows" tree (no users) captured with wimcapture; built once. */
let wimPath: string | undefined;
function freshImage(): string {
  if (wimPath) return wimPath;
  const tree = join(base, 'fresh');
  gen(tree, 0, 90);
  for (const f of ['pagefile.sys', 'hiberfil.sys', 'swapfile.sys', 'DumpStack.log.tmp', 'System Volume Information', '$Recycle.Bin'])
    rmSync(join(tree, f), { recursive: true, force: true });
  writeFileSync(join(tree, 'Windows', 'System32', 'fresh-build.dll'), 'the new operating system');
  wimPath = join(base, 'install.wim');
  const r = ok('wimcapture', [tree, wimPath, 'Windows 11 Pro', '--flags', 'Professional']);
  assert.ok(r.ok, r.out);
  return wimPath;
}

function walk(dir: string, into: string[] = [], root = dir): string[] {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    const st = lstatSync(p);
    if (st.isDirectory()) walk(p, into, root);
    else if (st.isFile()) into.push(relative(root, p));
  }
  return into;
}
const sha = (p: string) => createHash('sha256').update(readFileSync(p)).digest('hex');

/** Each user's Documents (what the small USMT package captures): relative path → digest. */
function userDocuments(root: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const u of readdirSync(join(root, 'Users'))) {
    const docs = join(root, 'Users', u, 'Documents');
    if (['Public', 'Default'].includes(u) || lstatSync(join(root, 'Users', u)).isSymbolicLink() || !existsSync(docs)) continue;
    for (const f of walk(docs)) out.set(join(u, 'Documents', f), sha(join(docs, f)));
  }
  return out;
}

/** Run the template on `root` (optionally an NTFS `device` mounted there) and check everything. */
async function refresh(root: string, device?: string): Promise<void> {
  const wim = freshImage();
  const before = userDocuments(root);
  assert.ok(before.size > 0, 'the sample volume has user documents');
  const oldProfiles = readdirSync(join(root, 'Users')).filter(
    (u) => !['Public', 'Default', 'All Users', 'Default User', 'desktop.ini'].includes(u),
  );
  writeFileSync(join(root, 'Windows', 'old-os-only.txt'), 'the old operating system');

  const usmtPkg = writeDocumentsPackage(join(base, `usmt-${Math.random().toString(36).slice(2)}`));
  const template = imagePackageTemplate('FRY00001', { imagePackageId: 'FRY00002', imageIndex: 1, hardLinks: true });
  const sequence = parseSequenceXml(serializeSequenceXml(template));
  const engine = await Engine.start({
    sequence,
    computer: { root, ...(device ? { device } : {}), name: 'PC-REFRESH' },
    packages: localPackages({ FRY00001: usmtPkg, FRY00002: wim }),
    variables: {
      deployment: {
        OSDMigrateLocalAccounts: 'true',
        OSDMigrateLocalAccountPassword: 'Temp0rary!',
        OSDRandomAdminPassword: 'false',
        OSDLocalAdminPassword: PASSWORD,
      },
    },
  });
  const first = await engine.run();
  assert.equal(first.status, 'restart', `Setup Windows and ConfigMgr restarts into the new OS; log ${first.logPath}`);
  assert.equal(engine.variables().OSDTargetSystemDrive, 'C:');

  // The image is on the volume: the old profiles and the old OS's files are gone, the store and
  // the working folder are kept, the answer file is where Windows setup reads it.
  for (const u of oldProfiles) assert.ok(!existsSync(join(root, 'Users', u)), `old profile ${u} deleted`);
  assert.ok(!existsSync(join(root, 'Windows', 'old-os-only.txt')), 'the old Windows is gone');
  assert.equal(readFileSync(join(root, 'Windows', 'System32', 'fresh-build.dll'), 'utf8'), 'the new operating system');
  assert.ok(existsSync(join(root, '_SMSTaskSequence', 'UserState', 'USMT', 'catalog.mig')), 'the hard-link store is kept');
  assert.ok(existsSync(join(root, '_SMSTaskSequence', 'state.json')), 'the working folder is kept');
  const unattend = readFileSync(join(root, 'Windows', 'Panther', 'Unattend', 'unattend.xml'), 'utf8');
  assert.match(unattend, /<ComputerName>PC-REFRESH<\/ComputerName>/);
  assert.match(unattend, /<JoinWorkgroup>WORKGROUP<\/JoinWorkgroup>/);
  assert.ok(
    unattend.includes(Buffer.from(`${PASSWORD}AdministratorPassword`, 'utf16le').toString('base64')),
    'administrator password encoded for Windows setup',
  );
  assert.ok(!unattend.includes(PASSWORD), 'no clear-text password in the answer file');

  const second = await Engine.resume(first.stateDir);
  assert.equal(second.variables()._SMSTSInWinPE, 'false', 'the restore runs in the new operating system');
  const done = await second.run();
  assert.equal(done.status, 'succeeded', `log ${done.logPath}`);

  // Every captured file is back byte for byte, with no "name(1)" copies; the image's Windows stays.
  const after = userDocuments(root);
  for (const [f, digest] of before) assert.equal(after.get(f), digest, `${f} restored byte-identical`);
  const copies = walk(join(root, 'Users')).filter((f) => /\(\d+\)(\.[^./\\]*)?$/.test(f));
  assert.deepEqual(copies, [], 'no name(1) copies');
  assert.equal(readFileSync(join(root, 'Windows', 'System32', 'fresh-build.dll'), 'utf8'), 'the new operating system');

  const log = readFileSync(join(root, 'Windows', 'CCM', 'Logs', 'smsts.log'), 'utf8');
  // Hardware-only steps: skipped for this platform, not failed.
  for (const step of ['Partition Disk 0 - BIOS', 'Apply Device Drivers', 'Install Updates', 'Restart in Windows PE']) {
    assert.match(log, new RegExp(`\\(${step}\\) is skipped.*for this platform`), step);
  }
  assert.match(log, /Deleted \d+ item\(s\) from C:\\ and kept C:\\_SMSTaskSequence/);
  assert.ok(!log.includes(PASSWORD) && !log.includes('Temp0rary!'), 'no password in smsts.log');
  if (device) assert.match(log, /Applied in wimlib's NTFS mode to /);
  // The engine removes a restored local store after a successful sequence.
  assert.ok(!existsSync(join(root, '_SMSTaskSequence', 'UserState')), 'no leftover store');
}

test('the image-package template refreshes a directory volume: capture, apply image, set up, restore', { skip: SKIP }, async () => {
  const root = join(base, 'dirvol');
  gen(root, 2, 31);
  await refresh(root);
});

function ntfsUnavailable(): string | false {
  if (SKIP) return SKIP;
  if (!existsSync('/dev/fuse')) return '/dev/fuse is not available (no FUSE in this environment)';
  for (const tool of ['mkntfs', 'ntfs-3g'])
    if (!ok('sh', ['-c', `command -v ${tool}`]).ok) return `${tool} is not installed (apt-get install ntfs-3g)`;
  return false;
}

test("the same refresh on an NTFS image file through ntfs-3g and wimlib's NTFS mode", { skip: ntfsUnavailable() }, async (t) => {
  const img = join(base, 'disk.img');
  const mnt = join(base, 'ntfs');
  mkdirSync(mnt);
  ok('truncate', ['-s', '160M', img]);
  const mk = ok('mkntfs', ['-F', '-Q', img]);
  if (!mk.ok) return t.skip(`mkntfs failed: ${mk.out.trim()}`);
  if (!ok('ntfs-3g', [img, mnt]).ok) return t.skip('ntfs-3g could not mount the image (FUSE not permitted here)');
  try {
    const stage = join(base, 'ntfs-stage');
    gen(stage, 2, 32);
    const cp = ok('cp', ['-a', `${stage}/.`, mnt]);
    assert.ok(cp.ok, cp.out);
    await refresh(mnt, img);
  } finally {
    if (!ok('umount', [mnt]).ok) ok('fusermount', ['-u', mnt]);
  }
});

test('a missing file, a corrupt WIM, a missing index and a foreign destination fail before anything is deleted', {
  skip: SKIP,
}, async () => {
  const root = join(base, 'errors');
  mkdirSync(join(root, 'Users', 'alice', 'Documents'), { recursive: true });
  writeFileSync(join(root, 'Users', 'alice', 'Documents', 'keep.txt'), 'keep');
  const corrupt = join(base, 'corrupt.wim');
  writeFileSync(corrupt, 'not a wim');
  const cases: [string, Record<string, string>, string][] = [
    [join(base, 'nope.wim'), {}, 'FERRY_E_OSIMAGE_NOT_FOUND'],
    [corrupt, {}, 'FERRY_E_OSIMAGE_CORRUPT'],
    [freshImage(), { OSDImageIndex: '7' }, 'FERRY_E_OSIMAGE_INDEX_MISSING'],
  ];
  const run = async (wim: string, vars: Record<string, string>, xmlTarget = '', before = '') => {
    const seq = parseSequenceXml(
      `<sequence version="3.10">${before}<step type="SMS_TaskSequence_ApplyOperatingSystemAction" name="Apply Operating ` +
        `System" runIn="WinPEandFullOS"><action>OSDApplyOS.exe /image:IMG00001,%OSDImageIndex%${xmlTarget} ` +
        `/runfromnet:False</action><defaultVarList><variable name="OSDImageIndex" ` +
        `property="ImageIndex">1</variable></defaultVarList></step></sequence>`,
    );
    const engine = await Engine.start({
      sequence: seq,
      computer: { root },
      stateDir: join(base, `errors-state-${Math.random()}`),
      packages: localPackages({ IMG00001: wim }),
      variables: { deployment: vars },
    });
    const r = await engine.run();
    assert.equal(r.status, 'failed');
    return readFileSync(r.logPath, 'utf8');
  };
  for (const [wim, vars, code] of cases) {
    assert.match(await run(wim, vars), new RegExp(code));
    assert.equal(readFileSync(join(root, 'Users', 'alice', 'Documents', 'keep.txt'), 'utf8'), 'keep', `${code}: nothing deleted`);
  }
  assert.match(await run(freshImage(), {}, ' /target:D:'), /FERRY_E_OSIMAGE_TARGET_REFUSED/);
  assert.match(await run(freshImage(), {}, ' /target:1,2'), /FERRY_E_OSIMAGE_TARGET_REFUSED/);
  // A capture that failed (continue on error) leaves the profiles as the only copy: no wipe.
  // (Its store is on a drive this computer does not have, so ScanState never starts.)
  const failedCapture =
    '<step type="SMS_TaskSequence_SetVariableAction" name="Set Local State ' +
    'Location"><action/><defaultVarList><variable name="VariableName" ' +
    'property="VariableName">OSDStateStorePath</variable><variable name="VariableValue" ' +
    'property="VariableValue">D:\\UserState</variable></defaultVarList></step>' +
    ('<step type="SMS_TaskSequence_CaptureUserStateAction" name="Capture User State" ' +
      'continueOnError="true"><action/><defaultVarList><variable name="_OSDMigrateUsmtPackageID" ' +
      'property="UsmtPackageID">FRY00001</variable></defaultVarList></step>');
  assert.match(await run(freshImage(), {}, '', failedCapture), /FERRY_E_OSIMAGE_CAPTURE_FAILED/);
  assert.ok(existsSync(join(root, 'Users', 'alice', 'Documents', 'keep.txt')));
});
