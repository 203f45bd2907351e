import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { TaskSequence } from '../tasksequence/index.ts';
import { parseSequenceDocument } from './sequence-document.ts';

const common = { name: 'n', description: '', disabled: false, continueOnError: false, extraAttributes: [], extraElements: [] };
const step = (extra: Record<string, unknown> = {}) => ({
  ...common,
  kind: 'step',
  type: 'SMS_TaskSequence_RunCommandLineAction',
  extraVariables: [],
  properties: { CommandLine: 'cmd /c exit 0' },
  ...extra,
});
const sequence = (children: unknown[]) => ({ version: '3.10', extraAttributes: [], extraElements: [], children });

/** The message of the FERRY_E_SITE_INVALID the document is refused with. */
function refusal(doc: unknown): string {
  try {
    parseSequenceDocument(doc);
  } catch (err) {
    assert.equal((err as { code?: string }).code, 'FERRY_E_SITE_INVALID');
    return (err as Error).message;
  }
  assert.fail('the document was accepted');
}

test('a well-formed document is returned as it is', () => {
  const doc = sequence([
    { ...common, kind: 'group', children: [step({ condition: { kind: 'variable', variable: 'X', operator: 'exists' } })] },
  ]);
  assert.equal(parseSequenceDocument(doc), doc as unknown as TaskSequence);
});

test('a bad document names the first problem by its place in the tree', () => {
  assert.equal(refusal({ children: 1 }), 'Task sequence: sequence must be an object with a children array.');
  assert.equal(
    refusal(sequence([{ ...common, kind: 'group', children: [step({ timeout: 1.5 })] }])),
    'Task sequence: children[0].children[0].timeout must be whole seconds.',
  );
  assert.equal(refusal(sequence([step({ name: 3 })])), 'Task sequence: children[0].name must be text.');
  assert.equal(refusal(sequence([step({ type: 'Other' })])), 'Task sequence: children[0].type must be an SMS_TaskSequence_* step class.');
  assert.equal(refusal(sequence([{ ...step(), kind: 'neither' }])), 'Task sequence: children[0].kind must be "group" or "step".');
  assert.equal(
    refusal(sequence([step({ properties: { X: {} } })])),
    'Task sequence: children[0].properties.X must be text, a number, true/false or a list of text.',
  );
  assert.equal(
    refusal(sequence([step({ condition: { kind: 'operator', operator: 'and', operands: [{ kind: 'wmi', query: 3 }] } })])),
    'Task sequence: children[0].condition.operands[0].query must be text.',
  );
});

test('deep nesting is refused before the schema walks it', () => {
  let node: Record<string, unknown> = { ...common, kind: 'group', children: [] };
  for (let i = 0; i < 50_000; i++) node = { ...common, kind: 'group', children: [node] };
  assert.match(refusal(sequence([node])), /nests groups or conditions too deeply/);
});
