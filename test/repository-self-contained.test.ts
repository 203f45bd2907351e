// The repository stands on its own: nothing under src/, test/, bench/, scripts/, docs/ or
// README.md refers to a `../shared` folder beside the checkout or to an absolute path on the
// machine it was developed on (any folder the checkout sits in). `.ci/run` alone may name
// `../shared`, to point FERRY_TEST_MICROSOFT_XML_DIR at Microsoft's rule files when they are there.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url)).replace(/\/$/, '');
const SELF = fileURLToPath(import.meta.url);

function* files(dir: string): Generator<string> {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'dist' || name.startsWith('.')) continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) yield* files(p);
    else if (!/\.(png|jpe?g|gif|ico|woff2?|zip|mig|dat)$/i.test(name)) yield p;
  }
}

/** The folders the checkout sits in (not `/`, not the temp folder and its parents). */
function enclosingFolders(): string[] {
  const temp = new Set<string>();
  for (let d = tmpdir(); d !== dirname(d); d = dirname(d)) temp.add(d);
  const out: string[] = [];
  for (let d = dirname(ROOT); d !== dirname(d); d = dirname(d)) if (!temp.has(d)) out.push(d + sep);
  return out;
}

test('no file refers to ../shared or to an absolute path outside the repository', () => {
  const outside = enclosingFolders();
  const found: string[] = [];
  const scanned = ['src', 'test', 'bench', 'scripts', 'docs'].flatMap((d) => [...files(join(ROOT, d))]).concat(join(ROOT, 'README.md'));
  for (const file of scanned) {
    if (file === SELF) continue;
    const text = readFileSync(file, 'utf8');
    text.split('\n').forEach((line, i) => {
      const where = `${relative(ROOT, file)}:${i + 1}`;
      if (/\.\.\/shared\b|\.\.\\shared\b/.test(line)) found.push(`${where}: ../shared`);
      for (const o of outside) if (line.includes(o)) found.push(`${where}: ${o}`);
    });
  }
  assert.ok(scanned.length > 100, `${scanned.length} files scanned`);
  assert.deepEqual(found, []);
});
