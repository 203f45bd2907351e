import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KnownStep } from './model.ts';
import { STEP_TYPES } from './step-types.ts';
import { buildLoadStateArgs, buildScanStateArgs, displayUsmtArgs, type UsmtPackage } from './usmt-args.ts';
import { TsEnvironment } from './variables.ts';

const capture = (
  p: Partial<KnownStep<'SMS_TaskSequence_CaptureUserStateAction'>['properties']> = {},
): KnownStep<'SMS_TaskSequence_CaptureUserStateAction'> => ({
  kind: 'step',
  type: 'SMS_TaskSequence_CaptureUserStateAction',
  name: 'Capture User State',
  description: '',
  disabled: false,
  continueOnError: false,
  extraAttributes: [],
  extraElements: [],
  extraVariables: [],
  properties: { ...STEP_TYPES.SMS_TaskSequence_CaptureUserStateAction.defaults(), UsmtPackageID: 'CM1', ...p },
});
const restore = (
  p: Partial<KnownStep<'SMS_TaskSequence_RestoreUserStateAction'>['properties']> = {},
): KnownStep<'SMS_TaskSequence_RestoreUserStateAction'> => ({
  ...capture(),
  type: 'SMS_TaskSequence_RestoreUserStateAction',
  name: 'Restore User State',
  properties: { ...STEP_TYPES.SMS_TaskSequence_RestoreUserStateAction.defaults(), UsmtRestorePackageID: 'CM1', ...p },
});
const builtin: UsmtPackage = { id: 'CM1', usmtVersion: '10.0', files: ['MigApp.xml', 'MigDocs.xml', 'MigUser.xml'], builtin: true };
const folder: UsmtPackage = {
  id: 'CM2',
  dir: '/pkg/usmt',
  usmtVersion: '10.0',
  files: ['migapp.xml', 'MigUser.xml', 'custom.xml'],
  builtin: false,
};
const old: UsmtPackage = { ...folder, usmtVersion: '3.0.1' };
const ctx = { storePath: '/vol/StateStore', logDir: '/logs' };
const none = new TsEnvironment();

test('capture, standard options: store first, MigUser+MigApp, /o, /c (continue if locked is on by default), logs', () => {
  assert.deepEqual(buildScanStateArgs(capture(), none, builtin, ctx), [
    '/vol/StateStore',
    '/i:MigUser.xml',
    '/i:MigApp.xml',
    '/o',
    '/c',
    '/l:/logs/ScanState.log',
    '/progress:/logs/ScanStateProgress.log',
  ]);
});

test('capture: every property maps to its switch', () => {
  const args = buildScanStateArgs(
    capture({
      Mode: 'Advanced',
      ConfigFiles: ['MIGAPP.xml', 'custom.xml'],
      EnableVerboseLogging: true,
      SkipEncryptedFiles: true,
      ContinueOnLockedFiles: false,
      FileAccess: 'VSS',
    }),
    none,
    folder,
    { ...ctx, windowsDir: '/vol/Windows', key: 'k3y' },
  );
  assert.deepEqual(args, [
    '/vol/StateStore',
    '/i:/pkg/usmt/migapp.xml',
    '/i:/pkg/usmt/custom.xml',
    '/o',
    '/v:5',
    '/efs:skip',
    '/vsc',
    '/encrypt:AES_256',
    '/key:k3y',
    '/l:/logs/ScanState.log',
    '/progress:/logs/ScanStateProgress.log',
    '/offlinewindir:/vol/Windows',
  ]);
  const links = buildScanStateArgs(capture({ UseHardlinks: true, FileAccess: 'VSS' }), none, builtin, { ...ctx, key: 'ignored' });
  assert.ok(links.includes('/hardlink') && links.includes('/nocompress') && links.includes('/efs:hardlink'));
  assert.ok(!links.includes('/vsc') && !links.some((a) => a.startsWith('/encrypt')), 'hard links: no VSS, no encryption');
  assert.ok(buildScanStateArgs(capture({ OfflineUserState: true }), none, builtin, ctx).includes('/offlinewindir:C:\\Windows'));
});

test('capture: variables win over properties; additional options are appended last, split as Windows does', () => {
  const env = new TsEnvironment({
    OSDMigrateMode: 'Advanced',
    OSDMigrateConfigFiles: 'MigUser.xml',
    OSDMigrateContinueOnLockedFiles: 'false',
    OSDMigrateEnableVerboseLogging: 'TRUE',
    _OSDMigrateUseHardlinks: 'true',
    OSDMigrateAdditionalCaptureOptions: '/ue:*\\Guest /config:"C:\\cfg dir\\Config.xml"',
  });
  const args = buildScanStateArgs(capture(), env, builtin, ctx);
  assert.deepEqual(args, [
    '/vol/StateStore',
    '/i:MigUser.xml',
    '/o',
    '/v:5',
    '/hardlink',
    '/nocompress',
    '/efs:hardlink',
    '/l:/logs/ScanState.log',
    '/progress:/logs/ScanStateProgress.log',
    '/ue:*\\Guest',
    '/config:C:\\cfg dir\\Config.xml',
  ]);
});

test('capture: hard links, off-line and VSS are ignored with a USMT older than 4.0', () => {
  const args = buildScanStateArgs(capture({ UseHardlinks: true, OfflineUserState: true, FileAccess: 'VSS' }), none, old, ctx);
  assert.ok(!args.some((a) => ['/hardlink', '/nocompress', '/vsc', '/efs:hardlink'].includes(a) || a.startsWith('/offline')));
});

test('restore: the store kind decides /hardlink /nocompress and /decrypt; local accounts; additional options', () => {
  assert.deepEqual(buildLoadStateArgs(restore(), none, builtin, { ...ctx, store: { type: 'compressed', encrypted: false } }), [
    '/vol/StateStore',
    '/i:MigUser.xml',
    '/i:MigApp.xml',
    '/c',
    '/l:/logs/LoadState.log',
    '/progress:/logs/LoadStateProgress.log',
  ]);
  const env = new TsEnvironment({ OSDMigrateAdditionalRestoreOptions: '/mu:old\\a:new\\a', OSDMigrateContinueOnRestore: 'false' });
  assert.deepEqual(
    buildLoadStateArgs(restore({ LocalAccounts: true, LocalAccountPassword: 'P w!', EnableVerboseLogging: true }), env, builtin, {
      ...ctx,
      windowsDir: '/vol/Windows',
      key: 'k',
      store: { type: 'compressed', encrypted: true },
    }),
    [
      '/vol/StateStore',
      '/i:MigUser.xml',
      '/i:MigApp.xml',
      '/v:5',
      '/lac:P w!',
      '/lae',
      '/decrypt:AES_256',
      '/key:k',
      '/l:/logs/LoadState.log',
      '/progress:/logs/LoadStateProgress.log',
      '/offlinewindir:/vol/Windows',
      '/mu:old\\a:new\\a',
    ],
  );
  assert.ok(buildLoadStateArgs(restore({ LocalAccounts: true }), none, builtin, ctx).includes('/lac'));
  const hl = buildLoadStateArgs(restore(), none, builtin, { ...ctx, store: { type: 'hardlink', encrypted: false } });
  assert.deepEqual(hl.slice(4, 6), ['/hardlink', '/nocompress']);
  assert.ok(
    buildLoadStateArgs(restore(), none, builtin, { ...ctx, store: { type: 'uncompressed', encrypted: false } }).includes('/nocompress'),
  );
});

test('the logged command line masks keys and passwords', () => {
  assert.equal(
    displayUsmtArgs('loadstate.exe', ['/s', '/lac:secret', '/key:abc', '/l:/a b/x.log']),
    'loadstate.exe /s /lac:******** /key:******** "/l:/a b/x.log"',
  );
});
