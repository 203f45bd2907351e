import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hashSecret, randomSecret, sameSecret, secretMatches } from './index.ts';

test('a secret matches its stored hash and nothing else', () => {
  const s = randomSecret();
  assert.equal(s.length, 43);
  assert.match(hashSecret(s), /^[0-9a-f]{64}$/);
  assert.ok(secretMatches(s, hashSecret(s)));
  assert.ok(!secretMatches(s + 'x', hashSecret(s)));
  assert.ok(!secretMatches(s, null));
  assert.ok(!secretMatches(s, ''));
  assert.ok(!secretMatches(s, 'abc'));
  assert.ok(sameSecret('abc', 'abc'));
  assert.ok(!sameSecret('abc', 'abd'));
  assert.ok(!sameSecret('abc', 'abcd'));
});
