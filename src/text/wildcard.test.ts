// The shared wildcard matcher: agrees with a regular-expression reference on random patterns, and
// never backtracks (issue 11: 7 `*` against a 63-character name took seconds as a RegExp).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { GLOB, STAR_ONLY, WQL_LIKE, compileWildcard, wildcardMatch } from './wildcard.ts';

test('star and question mark, case-insensitive when asked', () => {
  assert.ok(wildcardMatch('PC-0042', 'pc-00??', { ignoreCase: true }));
  assert.ok(!wildcardMatch('PC-0042', 'pc-00??'));
  assert.ok(wildcardMatch('', '*'));
  assert.ok(wildcardMatch('abc', '*'));
  assert.ok(wildcardMatch('abc', 'a**c'));
  assert.ok(!wildcardMatch('ab', 'a?c'));
  assert.ok(wildcardMatch('a.b', 'a.b') && !wildcardMatch('axb', 'a.b'));
  assert.ok(wildcardMatch('abcabd', '*abd'));
  assert.ok(wildcardMatch('aXbXc', 'a*b*c') && !wildcardMatch('aXbXcX', 'a*b*c'));
  assert.ok(!wildcardMatch('a?', 'a*', { syntax: STAR_ONLY }) === false);
  assert.ok(wildcardMatch('a?', 'a?', { syntax: STAR_ONLY }) && !wildcardMatch('ab', 'a?', { syntax: STAR_ONLY }));
});

test('WQL LIKE: percent, underscore and sets', () => {
  const like = (v: string, p: string) => wildcardMatch(v, p, { syntax: WQL_LIKE, ignoreCase: true });
  assert.ok(like('Virtual Machine', 'virtual%'));
  assert.ok(like('HP EliteBook 840', 'HP%[0-9]4_'));
  assert.ok(like('b', '[^a]') && !like('a', '[^a]'));
  assert.ok(like('[x', '[x') && like('a*b', 'a*b') && !like('axb', 'a*b'));
});

test('7 stars against a 63-character name that does not match is instant', () => {
  const name = 'a'.repeat(63);
  const pattern = '*a*a*a*a*a*a*b';
  const t0 = performance.now();
  for (let i = 0; i < 1000; i++) assert.equal(wildcardMatch(name, pattern), false);
  assert.equal(wildcardMatch('x'.repeat(100_000), `${'*x'.repeat(50)}*y`), false);
  const ms = performance.now() - t0;
  assert.ok(ms < 500, `${ms.toFixed(0)} ms`);
});

/** The regular expression the four old copies compiled (a correct, if slow, reference). */
function reference(value: string, pattern: string, ignoreCase: boolean): boolean {
  const re = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '[\\s\\S]*')
    .replace(/\?/g, '[\\s\\S]');
  return new RegExp(`^${re}$`, ignoreCase ? 'i' : '').test(value);
}

test('agrees with the RegExp reference on random patterns (fixed seed)', (t) => {
  const alphabet = fc.constantFrom('a', 'b', 'A', '.', '*', '?');
  const text = fc.string({ unit: fc.constantFrom('a', 'b', 'A', '.'), maxLength: 12 });
  let runs = 0;
  fc.assert(
    fc.property(text, fc.string({ unit: alphabet, maxLength: 8 }), fc.boolean(), (v, p, ci) => {
      runs++;
      assert.equal(
        compileWildcard(p, { syntax: GLOB, ignoreCase: ci })(v),
        reference(v, p, ci),
        `${JSON.stringify(v)} ~ ${JSON.stringify(p)} ci=${ci}`,
      );
    }),
    { seed: 11, numRuns: 5000 },
  );
  t.diagnostic(`wildcard: ${runs} cases`);
});

test('star-only patterns fold each UTF-16 unit, ASCII or not, as the per-unit matcher does (fixed seed)', () => {
  // The reference: each unit folded on its own (İ folds to two units that only match İ), then a
  // plain backtracking match of the units.
  const unitsOf = (s: string, ci: boolean) => [...Array(s.length).keys()].map((i) => (ci ? s[i]!.toLowerCase() : s[i]!));
  const ref = (v: string[], p: string[]): boolean =>
    p.length === 0
      ? v.length === 0
      : p[0] === '*'
        ? v.some((_, k) => ref(v.slice(k), p.slice(1))) || ref([], p.slice(1))
        : v[0] === p[0] && ref(v.slice(1), p.slice(1));
  const unit = fc.constantFrom('a', 'A', 'b', '.', 'İ', 'i', 'Σ', 'σ', 'ς', 'é', 'É', '\ud801', '\udc00', '\ud801\udc00');
  fc.assert(
    fc.property(
      fc.string({ unit, maxLength: 12 }),
      fc.string({ unit: fc.oneof(unit, fc.constant('*')), maxLength: 8 }),
      fc.boolean(),
      (v, p, ci) => {
        const pattern = unitsOf(p, ci).map((c, i) => (p[i] === '*' ? '*' : c));
        assert.equal(
          compileWildcard(p, { syntax: STAR_ONLY, ignoreCase: ci })(v),
          ref(unitsOf(v, ci), pattern),
          `${JSON.stringify(v)} ~ ${JSON.stringify(p)} ci=${ci}`,
        );
      },
    ),
    { seed: 16, numRuns: 5000 },
  );
});
