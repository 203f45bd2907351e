// A cross-process lock for work that concurrent test files share once per machine (the console
// bundle, the PostgreSQL template cluster): a directory created atomically, holding the owner's
// pid, so a lock left by a killed run is taken over instead of waited on forever.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

function ownerAlive(dir: string): boolean {
  try {
    process.kill(Number(readFileSync(join(dir, 'pid'), 'utf8')), 0);
    return true;
  } catch (err) {
    // EPERM: the process exists under another user. No pid file yet: its owner is writing it.
    return (err as NodeJS.ErrnoException).code === 'EPERM' || (err as NodeJS.ErrnoException).code === 'ENOENT';
  }
}

/** Run `fn` while holding the lock `name` (a folder in the OS temp dir); waits for other holders. */
export async function withLock<T>(name: string, fn: () => Promise<T> | T): Promise<T> {
  const dir = join(tmpdir(), `${name}.lock`);
  const started = Date.now();
  for (;;) {
    try {
      mkdirSync(dir);
      writeFileSync(join(dir, 'pid'), String(process.pid));
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      // A dead owner, or one holding it for ten minutes, leaves the lock to us.
      if (!ownerAlive(dir) || Date.now() - started > 600_000) rmSync(dir, { recursive: true, force: true });
      else await new Promise((r) => setTimeout(r, 100));
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
