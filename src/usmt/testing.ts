// Helpers for tests of USMT command lines (public to tests only, see .dependency-cruiser.cjs).
import assert from 'node:assert/strict';
import { FerryError } from '../errors/index.ts';

/**
 * The USMT exit code of the FerryError `fn` throws; fails the test when it throws nothing or
 * something else.
 *
 * @example
 * assert.equal(usmtExitCodeOf(() => parseScanStateArgs(['/hardlink'])), 11);
 */
export function usmtExitCodeOf(fn: () => unknown): number {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof FerryError, String(err));
    return err.usmtExitCode;
  }
  assert.fail('expected an error');
}
