import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { SecretBox } from './secret-box.ts';
import { newSequence, newStep } from './ts-document.ts';
import { hasClearPasswords, maskPasswords, openPasswords, sealPasswords, withoutMarkers } from './ts-secrets.ts';

const props = (doc: ReturnType<typeof newSequence>, i = 0) =>
  (doc.children[i] as unknown as { properties: Record<string, unknown> }).properties;

test('password properties: sealed, masked with a marker, kept when left empty, opened for the run', () => {
  const box = new SecretBox(randomBytes(32));
  const clear = newSequence([
    newStep('SMS_TaskSequence_ApplyWindowsSettingsAction', { ProductKey: 'AAAAA-BBBBB', AdminPassword: 'Adm1n-Pw' }),
    newStep('SMS_TaskSequence_SetVariableAction', { VariableName: 'X', VariableValue: 'plain' }),
  ]);
  assert.equal(hasClearPasswords(clear), true);
  const sealed = sealPasswords(box, clear);
  assert.equal(hasClearPasswords(sealed), false);
  assert.ok(!JSON.stringify(sealed).includes('Adm1n-Pw') && !JSON.stringify(sealed).includes('AAAAA-BBBBB'));
  assert.equal(props(sealed, 1).VariableValue, 'plain');

  const shown = maskPasswords(sealed);
  assert.equal(props(shown).AdminPassword, '');
  assert.equal(props(shown).AdminPasswordSet, true);
  assert.equal(props(shown).ProductKeySet, true);
  assert.equal(props(withoutMarkers(shown)).AdminPasswordSet, undefined);

  // Saved back as shown: both kept; a new value replaces one.
  props(shown).ProductKey = 'CCCCC-DDDDD';
  const saved = sealPasswords(box, shown, sealed);
  assert.equal(props(saved).AdminPasswordSet, undefined);
  const run = openPasswords(box, saved);
  assert.equal(props(run.document).AdminPassword, 'Adm1n-Pw');
  assert.equal(props(run.document).ProductKey, 'CCCCC-DDDDD');
  assert.deepEqual(run.secrets.sort(), ['Adm1n-Pw', 'CCCCC-DDDDD']);

  // A value sealed as one property does not open as another.
  const swapped = structuredClone(saved);
  props(swapped).ProductKey = props(saved).AdminPassword;
  assert.throws(() => openPasswords(box, swapped), { code: 'FERRY_E_SITE_INVALID' });
});
