// Test support: a generated offline Windows volume (shared/tools/gen-profiles) in a temp folder.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const GEN_PROFILES = new URL('../../../shared/tools/gen-profiles', import.meta.url).pathname;

export interface GeneratedVolume {
  readonly root: string;
  readonly windowsDir: string;
  cleanup(): void;
}

/** Generate a small volume (~1000 objects); `chmod 755` so other users can traverse it. */
export function generateVolume(options: { users?: number; seed?: number; hives?: 'none' } = {}): GeneratedVolume {
  const base = mkdtempSync(join(tmpdir(), 'ferry-vol-'));
  chmodSync(base, 0o755);
  const root = join(base, 'vol');
  const args = [GEN_PROFILES, '--out', root, '--size', '2M', '--users', String(options.users ?? 3), '--seed', String(options.seed ?? 7)];
  if (options.hives) args.push('--hives', options.hives);
  const r = spawnSync(process.execPath, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`gen-profiles failed: ${r.stderr}`);
  return { root, windowsDir: join(root, 'Windows'), cleanup: () => rmSync(base, { recursive: true, force: true }) };
}
