// Include/exclude filters at ScanState and at LoadState (spec §5.4).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { scanFilter } from './helpers.ts';
import { parseScriptCall } from './script-call.ts';

const call = (text: string) => parseScriptCall(text, { file: 'test' });

test('NeverRestore is TRUE at ScanState and FALSE at LoadState', () => {
  assert.equal(scanFilter(call('MigXmlHelper.NeverRestore()'), undefined, null), true);
  assert.equal(scanFilter(call('MigXmlHelper.NeverRestore()'), undefined, null, { linkRelevant: true }), false);
});

test('IgnoreIrrelevantLinks keeps everything at ScanState; at LoadState it is what the shortcut check found', () => {
  const iil = call('MigXmlHelper.IgnoreIrrelevantLinks()');
  assert.equal(scanFilter(iil, undefined, null), true);
  assert.equal(scanFilter(iil, undefined, null, { linkRelevant: true }), true);
  assert.equal(scanFilter(iil, undefined, null, { linkRelevant: false }), false);
  assert.equal(
    scanFilter(call('MigXmlHelper.AnswerNo()'), undefined, null, { linkRelevant: true }),
    false,
    'other filters are the same in both phases',
  );
});
