import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { FerryError } from '../errors/index.ts';
import { currentPlatform } from './index.ts';

test('live-Windows operations are refused with FERRY_E_NOT_SUPPORTED_ON_PLATFORM and the alternative', async () => {
  const p = currentPlatform();
  const refused = (hint: RegExp) => (e: FerryError) => e.code === 'FERRY_E_NOT_SUPPORTED_ON_PLATFORM' && hint.test(e.message);
  await assert.rejects(p.createSnapshot('C:'), refused(/\/offlinewindir:/));
  await assert.rejects(p.createLocalAccount({ userName: 'alice', password: '', enabled: false }), refused(/accounts-plan\.json/));
  await assert.rejects(p.openLiveRegistry('HKLM\\SOFTWARE'), refused(/hive files/));
  await assert.rejects(p.readEncryptedRaw('C:\\x.efs'), refused(/\/efs:skip/));
});
