import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { buildShellLink, parseShellLink } from './shell-link.ts';

test('a local target is read from LinkInfo', () => {
  assert.deepEqual(parseShellLink(buildShellLink('C:\\Users\\alice\\Documents\\plan.docx')), {
    kind: 'local',
    path: 'C:\\Users\\alice\\Documents\\plan.docx',
  });
});

test('damaged, truncated or foreign data is unparseable (null), never a throw', () => {
  const good = buildShellLink('C:\\x.txt');
  for (let n = 0; n < good.length; n += 7) assert.doesNotThrow(() => parseShellLink(good.subarray(0, n)));
  assert.equal(parseShellLink(good.subarray(0, 40)), null);
  assert.equal(parseShellLink(Buffer.from('not a link')), null);
  for (let i = 0; i < 200; i++) {
    const junk = randomBytes(300);
    buildShellLink('C:\\x').copy(junk, 0, 0, 20);
    assert.doesNotThrow(() => parseShellLink(junk));
  }
});
