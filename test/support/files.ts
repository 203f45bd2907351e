// What end-to-end suites compare after a restore: the regular files of a volume tree.
import { existsSync, lstatSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';

/** Every regular file under `dir`, relative to it and sorted ([] when `dir` does not exist). */
export function filesUnder(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const e of readdirSync(d)) {
      const p = join(d, e);
      const st = lstatSync(p, { throwIfNoEntry: false });
      if (st?.isDirectory()) walk(p);
      else if (st?.isFile()) out.push(relative(dir, p));
    }
  };
  if (existsSync(dir)) walk(dir);
  return out.sort();
}
