import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  newDataKey,
  newRecoveryKeyPair,
  newSiteKey,
  openRecoverySlot,
  sealToRecoveryKey,
  siteKeyId,
  unwrapWithSiteKey,
  wrapWithSiteKey,
} from './keys.ts';

test('site slot opens only with the site key and only for its store', () => {
  const key = newDataKey();
  const site = newSiteKey();
  const slot = wrapWithSiteKey(key, site, 'store-1');
  assert.ok(!slot.includes(key.toString('base64url')));
  assert.deepEqual(unwrapWithSiteKey(slot, site, 'store-1'), key);
  assert.throws(() => unwrapWithSiteKey(slot, newSiteKey(), 'store-1'), { code: 'FERRY_E_INTERNAL' });
  assert.throws(() => unwrapWithSiteKey(slot, site, 'store-2'), { code: 'FERRY_E_INTERNAL' });
  assert.notEqual(siteKeyId(site), siteKeyId(newSiteKey()));
});

test('recovery slot opens with the recovery private key only', () => {
  const key = newDataKey();
  const pair = newRecoveryKeyPair();
  const slot = sealToRecoveryKey(key, pair.publicKey, 'store-1');
  assert.deepEqual(openRecoverySlot(slot, pair.privateKey, 'store-1'), key);
  assert.throws(() => openRecoverySlot(slot, newRecoveryKeyPair().privateKey, 'store-1'), { code: 'FERRY_E_INVALID_ARGUMENT' });
  assert.throws(() => openRecoverySlot(slot, pair.privateKey, 'store-2'), { code: 'FERRY_E_INVALID_ARGUMENT' });
});
