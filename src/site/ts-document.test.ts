import { test } from 'node:test';
import assert from 'node:assert/strict';
import { imagePackageTemplate, newStep, STEP_CATALOG, validateDocument, validateStep } from './ts-document.ts';
import { serializeSequenceXml, parseSequenceXml } from '../tasksequence/index.ts';
import { validateSequence, hasErrors } from '../tasksequence/index.ts';
import { STEP_TYPES } from '../tasksequence/index.ts';

const messages = (s: Parameters<typeof validateStep>[0], pkgs?: Set<string>) =>
  validateStep(s, pkgs).map((p) => `${p.property}: ${p.message}`);

test('the User State menu holds the four steps in order, each with the model defaults', () => {
  assert.deepEqual(
    STEP_CATALOG.filter((s) => s.category === 'User State').map((s) => s.label),
    ['Request State Store', 'Capture User State', 'Restore User State', 'Release State Store'],
  );
  for (const spec of STEP_CATALOG) {
    const model = STEP_TYPES[spec.type as keyof typeof STEP_TYPES];
    assert.ok(model, spec.type);
    const step = newStep(spec.type);
    assert.deepEqual(step.properties, { ...model.defaults(), ...step.properties }, `${spec.label}: same property names as the model`);
    for (const [k, v] of Object.entries(model.defaults() as Record<string, unknown>))
      assert.deepEqual((step.properties as Record<string, unknown>)[k], v, `${spec.label}.${k} default`);
  }
});

test('property validation messages', () => {
  const req = newStep('SMS_TaskSequence_RequestStateStoreAction', { SMPRetryCount: 31, SMPRetryTime: -1 });
  assert.deepEqual(messages(req), [
    'SMPRetryCount: Number of retries must be a whole number from 0 to 30.',
    'SMPRetryTime: Retry delay (in seconds) must be a whole number from 0 to 600.',
  ]);
  const cap = newStep('SMS_TaskSequence_CaptureUserStateAction', {
    Mode: 'Advanced',
    ConfigFiles: ['config.xml'],
    FileAccess: 'VSS',
    UseHardlinks: true,
  });
  assert.deepEqual(messages(cap, new Set(['FRY00001'])), [
    'UsmtPackageID: Select the user state migration tool package; the step cannot run without it.',
    'ConfigFiles: config.xml cannot be chosen here; pass it with OSDMigrateAdditionalCaptureOptions instead.',
    'UseHardlinks: Hard links and VSS cannot be combined.',
  ]);
  assert.deepEqual(messages(newStep('SMS_TaskSequence_CaptureUserStateAction', { UsmtPackageID: 'NOPE0001' }), new Set(['FRY00001'])), [
    'UsmtPackageID: Package NOPE0001 does not exist; select an existing package.',
  ]);
  const res = newStep('SMS_TaskSequence_RestoreUserStateAction', { UsmtRestorePackageID: 'FRY00001', LocalAccounts: true });
  assert.deepEqual(messages(res), ['LocalAccountPassword: Enter the password for restored local accounts.']);
  const setVar = newStep('SMS_TaskSequence_SetVariableAction', { VariableName: '_SMSTSReadOnly' });
  assert.deepEqual(messages(setVar), ['VariableName: Variables that start with "_" are read-only and cannot be set.']);
  const named = Object.assign(newStep('SMS_TaskSequence_ReleaseStateStoreAction'), { name: 'x'.repeat(51) });
  assert.deepEqual(messages(named), ['name: Name can be at most 50 characters.']);
});

test('the image-package template is valid for the editor and the engine and survives XML', () => {
  const seq = imagePackageTemplate('FRY00001');
  assert.deepEqual(validateDocument(seq, new Set(['FRY00001'])), []);
  assert.equal(hasErrors(validateSequence(seq)), false);
  const back = parseSequenceXml(serializeSequenceXml(seq));
  assert.deepEqual(
    back.children.map((g) => g.name),
    ['Capture Files and Settings', 'Restore User Files and Settings'],
  );
  const disabled = imagePackageTemplate('');
  disabled.children[0]!.disabled = true;
  assert.equal(validateDocument(disabled).length, 1, 'disabled items are not checked');
});

test("with an image package the template is ConfigMgr's whole sequence; hardware-only steps are kept verbatim", () => {
  const seq = imagePackageTemplate('FRY00001', { imagePackageId: 'FRY00002', imageIndex: 2, hardLinks: true });
  assert.deepEqual(validateDocument(seq, new Set(['FRY00001', 'FRY00002'])), []);
  assert.equal(hasErrors(validateSequence(seq)), false);
  const back = parseSequenceXml(serializeSequenceXml(seq));
  assert.deepEqual(
    back.children.map((g) => [g.name, g.kind === 'group' ? g.children.map((c) => c.name) : []]),
    [
      ['Capture Files and Settings', ['Set Local State Location', 'Capture User State']],
      [
        'Install Operating System',
        [
          'Restart in Windows PE',
          'Partition Disk 0 - BIOS',
          'Partition Disk 0 - UEFI',
          'Apply Operating System',
          'Apply Windows Settings',
          'Apply Network Settings',
          'Apply Device Drivers',
        ],
      ],
      ['Setup Operating System', ['Setup Windows and ConfigMgr', 'Install Updates']],
      ['Restore User Files and Settings', ['Restore User State']],
    ],
  );
  assert.deepEqual(
    STEP_CATALOG.filter((s) => s.category === 'Images').map((s) => s.label),
    ['Apply Operating System Image', 'Setup Windows and ConfigMgr'],
  );
});
