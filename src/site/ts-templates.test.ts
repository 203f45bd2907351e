import assert from 'node:assert/strict';
import { test } from 'node:test';
import { validateSequence } from '../tasksequence/index.ts';
import { parseSequenceXml, serializeSequenceXml } from '../tasksequence/index.ts';
import { validateDocument } from './ts-document.ts';
import { userStateTemplate } from './ts-templates.ts';

test(
  'the replace and refresh templates validate with ' +
    'no error and no warning, in the editor and the ' +
    'engine, before and after export',
  () => {
    for (const t of ['replace-capture', 'replace-restore', 'refresh'] as const) {
      const seq = userStateTemplate(t, 'FRY00001', 'Temp0rary!');
      assert.deepEqual(validateSequence(seq, { purpose: 'run' }), [], t);
      assert.deepEqual(validateDocument(seq, new Set(['FRY00001'])), [], t);
      assert.deepEqual(validateSequence(parseSequenceXml(serializeSequenceXml(seq)), { purpose: 'run' }), [], `${t} (exported)`);
    }
  },
);
