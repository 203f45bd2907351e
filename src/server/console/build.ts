// The web console's bundle (console/ → console/dist). It is built at install time (`npm ci` runs
// the `prepare` script, `npm run build` does it by hand), so `ferry serve` serves files and needs
// no devDependency at run time. A development checkout whose console sources are newer than the
// bundle gets it rebuilt with Vite on start, when Vite is installed.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FerryError } from '../../errors/index.ts';

const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const CONSOLE_DIST = resolve(REPO_ROOT, 'console/dist');

/**
 * What the bundle is built from: the console's own files, and the one module outside console/
 * that it imports (the REST API's schemas, type-only: .dependency-cruiser.cjs allows no other).
 * build.test.ts checks that every import leaving console/src is listed here.
 */
export const CONSOLE_SOURCES = [
  'console/src',
  'console/public',
  'console/index.html',
  'console/vite.config.ts',
  'src/server/site/api-schema.ts',
] as const;

/** Newest modification time of the console's sources. */
function newestSource(): number {
  let newest = 0;
  const visit = (p: string) => {
    const st = statSync(p);
    if (st.isDirectory()) for (const e of readdirSync(p)) visit(join(p, e));
    else newest = Math.max(newest, st.mtimeMs);
  };
  for (const p of CONSOLE_SOURCES) visit(resolve(REPO_ROOT, p));
  return newest;
}

/** 'fresh': the bundle is there and newer than its sources; 'stale': older; 'missing'. */
export function consoleBundleState(): 'fresh' | 'stale' | 'missing' {
  const index = resolve(CONSOLE_DIST, 'index.html');
  if (!existsSync(index)) return 'missing';
  return statSync(index).mtimeMs >= newestSource() ? 'fresh' : 'stale';
}

/** Whether Vite (a devDependency) can be loaded. */
export async function viteInstalled(): Promise<boolean> {
  try {
    await import('vite');
    return true;
  } catch {
    return false;
  }
}

/** Bundle console/ into console/dist with Vite. */
export async function buildConsole(logLevel: 'warn' | 'error' | 'info' = 'warn'): Promise<string> {
  try {
    const { build } = await import('vite');
    await build({ configFile: resolve(REPO_ROOT, 'console/vite.config.ts'), logLevel });
  } catch (err) {
    throw new FerryError('FERRY_E_CONSOLE_BUILD_FAILED', `Building the console failed: ${(err as Error).message}`, { cause: err });
  }
  return CONSOLE_DIST;
}

/**
 * The console folder to serve. A fresh bundle is served as is; a missing or stale one is rebuilt
 * when Vite is installed (a development checkout); a stale one without Vite is served with a
 * note; a missing one without Vite is FERRY_E_CONSOLE_BUILD_FAILED saying how to build it.
 */
export async function ensureConsoleBuilt(log: (s: string) => void = () => {}): Promise<string> {
  const state = consoleBundleState();
  if (state === 'fresh') return CONSOLE_DIST;
  if (await viteInstalled()) {
    log(state === 'missing' ? 'Building the web console…' : 'The console sources changed: rebuilding the web console…');
    return buildConsole();
  }
  if (state === 'stale') {
    log('Note: console/dist is older than the console sources; run `npm run build` to rebuild it.');
    return CONSOLE_DIST;
  }
  throw new FerryError(
    'FERRY_E_CONSOLE_BUILD_FAILED',
    'The web console is not built (console/dist is missing) and Vite is not installed ' +
      'to build it: run `npm ci` (it builds the console) or `npm run build`.',
  );
}
