// Writes docs/errors.md from src/errors/codes.ts. `--check` exits 1 if the file is stale.
import { readFileSync, writeFileSync } from 'node:fs';
import { renderErrorsDoc } from '../src/errors/index.ts';

const target = new URL('../docs/errors.md', import.meta.url);
const text = renderErrorsDoc();
if (process.argv.includes('--check')) {
  const current = readFileSync(target, 'utf8');
  if (current !== text) {
    console.error('docs/errors.md is out of date: run `npm run docs:errors`.');
    process.exit(1);
  }
} else {
  writeFileSync(target, text);
  console.log('wrote docs/errors.md');
}
