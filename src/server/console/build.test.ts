import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { CONSOLE_SOURCES } from './build.ts';

const root = fileURLToPath(new URL('../../../', import.meta.url));

test('the rebuild check lists every file outside console/ that the console imports', () => {
  const outside = new Set<string>();
  const visit = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) visit(p);
      else if (/\.tsx?$/.test(e.name))
        for (const m of readFileSync(p, 'utf8').matchAll(/from '(\.[^']+)'/g)) {
          const target = relative(root, resolve(dirname(p), m[1]!)).replaceAll('\\', '/');
          if (!target.startsWith('console/')) outside.add(target);
        }
    }
  };
  visit(join(root, 'console/src'));
  assert.ok(outside.size > 0, 'the console imports the API schemas');
  for (const t of outside) assert.ok((CONSOLE_SOURCES as readonly string[]).includes(t), `${t} is missing from CONSOLE_SOURCES`);
});
