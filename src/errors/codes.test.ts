import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CODES } from './codes.ts';
import { renderErrorsDoc } from './render-doc.ts';
import { FerryError, fromSystemError } from './ferry-error.ts';

test('every code is FERRY_E_* (error) or FERRY_W_* (warning) and has meaning and remedy', () => {
  for (const [code, spec] of Object.entries(CODES)) {
    assert.match(code, spec.severity === 'error' ? /^FERRY_E_[A-Z0-9_]+$/ : /^FERRY_W_[A-Z0-9_]+$/, code);
    assert.ok(spec.meaning.length > 10 && spec.remedy.length > 10, code);
  }
});

test('docs/errors.md is generated from the catalog and up to date', () => {
  const doc = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8');
  assert.equal(doc, renderErrorsDoc(), 'run `npm run docs:errors`');
});

test('system errors map to coded errors', () => {
  const enospc = Object.assign(new Error('x'), { code: 'ENOSPC', path: '/s' });
  assert.equal(fromSystemError(enospc, 'writing').code, 'FERRY_E_DISK_FULL');
  const eacces = Object.assign(new Error('x'), { code: 'EACCES' });
  assert.equal(fromSystemError(eacces, 'reading').code, 'FERRY_E_ACCESS_DENIED');
  const fe = new FerryError('FERRY_E_XML_MALFORMED', 'bad');
  assert.equal(fe.usmtExitCode, 29);
});

test('every code in the catalog is used somewhere in the code', () => {
  const root = new URL('../../', import.meta.url).pathname;
  const sources: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(join(root, dir), { withFileTypes: true })) {
      const rel = join(dir, entry.name);
      if (entry.isDirectory()) walk(rel);
      else if (/\.(ts|tsx|mjs)$/.test(entry.name) && !entry.name.endsWith('.test.ts') && rel !== join('src', 'errors', 'codes.ts'))
        sources.push(readFileSync(join(root, rel), 'utf8'));
    }
  };
  for (const dir of ['src', 'bin', 'scripts', 'console/src']) walk(dir);
  const text = sources.join('\n');
  const unused = Object.keys(CODES).filter((code) => !new RegExp(`\\b${code}\\b`).test(text));
  assert.deepEqual(unused, [], 'remove these codes from src/errors/codes.ts, or use them');
});
