import { test } from 'node:test';
import assert from 'node:assert/strict';
import { editorStepTypes, newStep, STEP_TYPES, stepTypeSpec } from './step-types.ts';

test('the editor view is the catalog: every type, its defaults, the new-step runIn and the console limits', () => {
  const view = editorStepTypes();
  assert.deepEqual(new Set(view.map((s) => s.type)), new Set(Object.keys(STEP_TYPES)));
  for (const s of view) {
    const spec = stepTypeSpec(s.type)!;
    assert.deepEqual(Object.fromEntries(s.fields.map((f) => [f.property, f.default])), spec.defaults(), s.label);
    assert.deepEqual(newStep(s.type).properties, spec.defaults(), s.label);
  }
  const runIn = (type: keyof typeof STEP_TYPES) => [STEP_TYPES[type].defaultRunIn, newStep(type).runIn];
  assert.deepEqual(runIn('SMS_TaskSequence_CaptureUserStateAction'), ['FullOS', 'WinPEandFullOS']);
  assert.deepEqual(runIn('SMS_TaskSequence_RestoreUserStateAction'), ['FullOS', 'FullOS']);
  const runCommand = view.find((s) => s.type === 'SMS_TaskSequence_RunCommandLineAction')!;
  assert.equal(runCommand.fields.find((f) => f.property === 'WorkingDirectory')?.maxLength, 127);
  assert.deepEqual(STEP_TYPES.SMS_TaskSequence_RunCommandLineAction.props.find((p) => p.property === 'WorkingDirectory')?.type, {
    kind: 'string',
    maxLength: 255,
  });
});

test('variables keep the order a console export writes: by property name for ConfigMgr steps, tab order for the OS ones', () => {
  assert.deepEqual(
    STEP_TYPES.SMS_TaskSequence_RestoreUserStateAction.props.map((p) => p.property),
    ['ConfigFiles', 'ContinueOnRestore', 'EnableVerboseLogging', 'LocalAccountPassword', 'LocalAccounts', 'Mode', 'UsmtRestorePackageID'],
  );
  assert.deepEqual(
    STEP_TYPES.SMS_TaskSequence_ApplyOperatingSystemAction.props.map((p) => p.property),
    ['ImageIndex', 'ConfigFileName', 'LayeredDriver'],
  );
});
