// Test support: registry fixture hives written by Ferry's own regf writer (the same hives
// `ferry sample-volume` writes), in a folder laid out as NTUSER-<RID>.DAT per user,
// NTUSER-Default.DAT, SOFTWARE (ProfileList of all users), SYSTEM and an empty SAM.
// Tests that read them cross-check with hivex (src/registry/testing/hivex.ts).
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SAMPLE_USERS } from './generate.ts';
import { emptyHive, softwareHive, systemHive, userHive } from './hives.ts';

/** [RID, profile folder name] of the users the fixture hives hold. */
export const HIVE_USERS: ReadonlyArray<readonly [number, string]> = SAMPLE_USERS.map((name, i) => [1001 + i, name] as const);

/** Write the fixture hives into `dir` (default: a new temp folder, left to the OS to clean) and return it. */
export function writeHiveFixtures(dir = mkdtempSync(join(tmpdir(), 'ferry-hives-'))): string {
  mkdirSync(dir, { recursive: true });
  for (const [rid, name] of HIVE_USERS) writeFileSync(join(dir, `NTUSER-${rid}.DAT`), userHive(name));
  writeFileSync(join(dir, 'NTUSER-Default.DAT'), userHive('Default'));
  writeFileSync(join(dir, 'SOFTWARE'), softwareHive(HIVE_USERS.map(([rid, folder]) => ({ rid, folder }))));
  writeFileSync(join(dir, 'SYSTEM'), systemHive());
  writeFileSync(join(dir, 'SAM'), emptyHive('\\SystemRoot\\System32\\Config\\SAM'));
  return dir;
}
