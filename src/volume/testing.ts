// Test support: a generated offline Windows volume (`ferry sample-volume`, src/sample-volume) in
// a temp folder.
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateSampleVolume } from '../sample-volume/index.ts';

/** The generator as a script to spawn: `node GEN_PROFILES --out DIR --size 4M --users 1 --seed 5 [--hives none]`. */
export const GEN_PROFILES = new URL('../../scripts/sample-volume.mjs', import.meta.url).pathname;

export interface GeneratedVolume {
  readonly root: string;
  readonly windowsDir: string;
  cleanup(): void;
}

/** Generate a small volume (~1000 objects) in-process; `chmod 755` so other users can traverse it. */
export function generateVolume(options: { users?: number; seed?: number; hives?: 'none'; size?: number } = {}): GeneratedVolume {
  const base = mkdtempSync(join(tmpdir(), 'ferry-vol-'));
  chmodSync(base, 0o755);
  const root = join(base, 'vol');
  generateSampleVolume({
    out: root,
    size: options.size ?? 2 << 20,
    users: options.users ?? 3,
    seed: options.seed ?? 7,
    ...(options.hives ? { hives: options.hives } : {}),
  });
  return { root, windowsDir: join(root, 'Windows'), cleanup: () => rmSync(base, { recursive: true, force: true }) };
}
