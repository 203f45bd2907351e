// Where the read-only shared/ folder (spec, fixtures, gen-profiles) is: beside the checkout, as
// in development and CI, unless FERRY_SHARED_DIR says otherwise.
import { join } from 'node:path';

export const SHARED_DIR = process.env.FERRY_SHARED_DIR ?? new URL('../../../shared', import.meta.url).pathname;
export const USMT_FIXTURES = join(SHARED_DIR, 'fixtures/usmt');
export const HIVE_FIXTURES = join(SHARED_DIR, 'fixtures/hives/dat');
export const GEN_PROFILES = join(SHARED_DIR, 'tools/gen-profiles');
