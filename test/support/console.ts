// The web console bundle the browser tests serve: console/dist as `npm ci` (prepare) built it.
// Only when the console sources are newer than the bundle is it rebuilt, once for all the test
// files of a run (they wait on a lock), so a test never sees a stale console.
import { consoleBundleState, ensureConsoleBuilt } from '../../src/server/index.ts';
import { withLock } from './lock.ts';

export async function consoleBundle(): Promise<string> {
  if (consoleBundleState() === 'fresh') return ensureConsoleBuilt();
  return withLock('ferry-test-console-build', () => ensureConsoleBuilt());
}
