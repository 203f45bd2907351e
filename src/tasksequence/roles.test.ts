import assert from 'node:assert/strict';
import { test } from 'node:test';
import { deploymentWarnings, userStateRole } from './roles.ts';
import { parseSequenceXml } from './xml.ts';

const seq = (steps: string) => parseSequenceXml(`<sequence version="3.10">${steps}</sequence>`);
const req = (type: string) =>
  `<step type="SMS_TaskSequence_RequestStateStoreAction" name="Request"><action/><defaultVarList><variable ` +
  `name="OSDStateRequestType" property="RequestType">${type}</variable></defaultVarList></step>`;
const capture = '<step type="SMS_TaskSequence_CaptureUserStateAction" name="Capture"><action/></step>';
const restore = '<step type="SMS_TaskSequence_RestoreUserStateAction" name="Restore"><action/></step>';

test('a restore-only sequence to a computer without an association, or a capture to a mere destination, is flagged before it runs', () => {
  const restoreOnly = userStateRole(seq(req('restore') + restore));
  assert.deepEqual(restoreOnly, { role: 'restore', smp: true });
  const assoc = [{ source: 'SRC', destination: 'DST' }];
  assert.deepEqual(deploymentWarnings(restoreOnly, ['DST'], assoc), []);
  assert.match(
    deploymentWarnings(restoreOnly, ['SRC'], assoc)[0]!,
    /SRC has no computer association as a destination and no in-place store/,
  );
  assert.deepEqual(deploymentWarnings(restoreOnly, ['PC'], [{ source: 'PC', destination: 'PC' }]), [], 'an in-place association');

  const captureOnly = userStateRole(seq(req('capture') + capture));
  assert.equal(captureOnly.role, 'capture');
  assert.match(deploymentWarnings(captureOnly, ['DST'], assoc)[0]!, /DST is only the destination of a computer association \(from SRC\)/);
  assert.deepEqual(deploymentWarnings(captureOnly, ['SRC', 'NEW'], assoc), []);

  assert.equal(userStateRole(seq(capture + restore)).role, 'both');
  assert.deepEqual(deploymentWarnings(userStateRole(seq(capture + restore)), ['DST'], []), []);
});
