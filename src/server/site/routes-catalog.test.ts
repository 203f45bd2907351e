import { test } from 'node:test';
import assert from 'node:assert/strict';
import { stepTypesResponse } from './routes-catalog.ts';

test('GET /api/step-types is plain JSON: every step type with its fields and a new step, the condition types', () => {
  const body = stepTypesResponse();
  assert.deepEqual(JSON.parse(JSON.stringify(body)), body, 'nothing is lost in JSON');
  assert.deepEqual(
    body.stepTypes.filter((s) => s.category === 'User State').map((s) => [s.label, s.newStep.runIn]),
    [
      ['Request State Store', 'WinPEandFullOS'],
      ['Capture User State', 'WinPEandFullOS'],
      ['Restore User State', 'FullOS'],
      ['Release State Store', 'WinPEandFullOS'],
    ],
  );
  for (const s of body.stepTypes) assert.equal(s.newStep.name, s.label);
  assert.equal(body.categories[0], 'General');
  assert.equal(body.newGroup.name, 'New Group');
  assert.ok(body.conditions.some((c) => c.kind === 'variable' && c.newExpression.kind === 'variable'));
});
