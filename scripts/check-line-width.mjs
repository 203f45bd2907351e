// No line of a tracked source file is longer than Biome's lineWidth (biome.json, 140): the
// formatter breaks code, but not string literals, template-literal text or comments, so those
// need splitting by hand (`'…' + '…'`, more comment lines). Prints file:line: length for each
// longer line and exits 1. Width counts Unicode code points, as an editor's column does.
// EXCEPTIONS are lines that cannot be split without changing what they are; each says why and is
// matched by file and a piece of its text, so it survives lines moving.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const MAX = 140;
const root = new URL('..', import.meta.url).pathname;

const regex = 'a regular-expression literal: splitting it would take new RegExp(…) and re-escaping every backslash';

/** @type {Array<{ file: string, contains: string, reason: string }>} */
const EXCEPTIONS = [
  { file: 'src/migxml/config-xml.test.ts', contains: '/<component displayname="MigDocUser" migrate="yes"', reason: regex },
  { file: 'src/tasksequence/unattend.test.ts', contains: '/<settings pass="specialize"><component name=', reason: regex },
  { file: 'src/tasksequence/xml.test.ts', contains: '/<action>osdmigrateuserstate\\.exe \\/collect', reason: regex },
  { file: 'test/usmt-rules.test.ts', contains: '/Deleted C:\\\\Users\\\\alice\\\\Cache', reason: regex },
];

const files = execFileSync('git', ['ls-files', '-z', '*.ts', '*.tsx', '*.mjs', '*.cjs'], { cwd: root, encoding: 'utf8' })
  .split('\0')
  .filter(Boolean);
const used = new Set();
const long = [];
for (const file of files) {
  let text;
  try {
    text = readFileSync(`${root}${file}`, 'utf8');
  } catch {
    continue; // deleted in the work tree, not yet in the index
  }
  text.split('\n').forEach((line, i) => {
    const width = [...line].length;
    if (width <= MAX) return;
    const exception = EXCEPTIONS.findIndex((e) => e.file === file && line.includes(e.contains));
    if (exception >= 0) used.add(exception);
    else long.push(`${file}:${i + 1}: ${width} characters`);
  });
}
const stale = EXCEPTIONS.filter((_, i) => !used.has(i)).map((e) => `${e.file}: exception no longer needed: ${e.contains}`);
if (long.length || stale.length) {
  for (const l of [...long, ...stale]) console.error(l);
  if (long.length) {
    console.error(
      `${long.length} line(s) longer than ${MAX} characters (biome.json lineWidth): split string literals ('…' + '…') ` +
        'and comments at a word boundary; see scripts/check-line-width.mjs',
    );
  }
  process.exit(1);
}
