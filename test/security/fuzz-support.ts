// The fuzz and abuse suite's harness (issue 11): a fixed seed, a budget per target (cases and
// time, so the whole suite stays within a minute in CI), and one verdict per case — success, or a
// coded error (a FerryError, or a 4xx answer with a code). Anything else fails the target: an
// uncoded exception, a case slower than 5 s, or the process above 512 MB after a full collection.
// Each target reports how many cases it ran with `t.diagnostic`.
import fc from 'fast-check';
import type { TestContext } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { isFerryError } from '../../src/errors/index.ts';

export const FUZZ_SEED = Number(process.env.FERRY_FUZZ_SEED ?? 20261204);
export const CASE_LIMIT_MS = 5_000;
export const MEMORY_LIMIT = 512 * 1024 * 1024;
/** Multiplies every target's case and time budget (`FERRY_FUZZ_SCALE=20` for a long local run). */
export const FUZZ_SCALE = Number(process.env.FERRY_FUZZ_SCALE ?? 1);

export interface FuzzBudget {
  /** At most this many cases. */
  readonly runs?: number;
  /** Stop starting new cases after this long (the cases run are a prefix of a fixed sequence). */
  readonly budgetMs?: number;
}

/** A case whose outcome is not acceptable (what the harness reports as the failure). */
export class FuzzFinding extends Error {}

/**
 * Run `check` on generated inputs. `check` returns normally for success and may throw a
 * FerryError; it throws FuzzFinding for an unacceptable outcome it saw itself (e.g. a 500), and
 * returns 'coded' for a coded refusal it saw itself (e.g. a 4xx with a code).
 */
export async function fuzz<T>(
  t: TestContext,
  target: string,
  arb: fc.Arbitrary<T>,
  check: (input: T) => unknown,
  budget: FuzzBudget = {},
): Promise<void> {
  let runs = 0;
  let accepted = 0;
  let coded = 0;
  await fc.assert(
    fc.asyncProperty(arb, async (input) => {
      runs++;
      const t0 = performance.now();
      const cpu0 = process.cpuUsage();
      try {
        if ((await check(input)) === 'coded') coded++;
        else accepted++;
      } catch (err) {
        if (err instanceof FuzzFinding || !isFerryError(err)) {
          const e = err as Error;
          throw new FuzzFinding(
            `${target}: ${err instanceof FuzzFinding ? '' : 'uncoded '}${e?.name ?? typeof err}: ` +
              `${String(e?.message ?? err).slice(0, 500)}\n${String(e?.stack ?? '')
                .split('\n')
                .slice(1, 6)
                .join('\n')}`,
          );
        }
        coded++;
      }
      // CPU time measures a hang on a shared CI machine; wall time (with room for a loaded
      // machine) catches a case stuck waiting on nothing.
      const cpu = process.cpuUsage(cpu0);
      const cpuMs = (cpu.user + cpu.system) / 1000;
      const ms = performance.now() - t0;
      if (cpuMs > CASE_LIMIT_MS || ms > 6 * CASE_LIMIT_MS)
        throw new FuzzFinding(
          `${target}: one case took ${cpuMs.toFixed(0)} ms of CPU, ${ms.toFixed(0)} ms in all (limit ${CASE_LIMIT_MS} ms)`,
        );
      const rss = residentAfterCollecting();
      if (rss > MEMORY_LIMIT)
        throw new FuzzFinding(`${target}: the process grew to ${(rss / 1048576).toFixed(0)} MB (limit ${MEMORY_LIMIT / 1048576})`);
    }),
    {
      seed: FUZZ_SEED,
      numRuns: Math.round((budget.runs ?? 2000) * FUZZ_SCALE),
      interruptAfterTimeLimit: Math.round((budget.budgetMs ?? 3_000) * FUZZ_SCALE),
      markInterruptAsFailure: false,
    },
  );
  t.diagnostic(`fuzz ${target}: ${runs} cases (${accepted} accepted, ${coded} refused with a coded error), seed ${FUZZ_SEED}`);
}

/**
 * The process's resident size, after a full collection when it is over the limit: garbage that
 * V8 has not collected yet is no finding (a quiet machine runs more cases before the collector
 * runs, and once read 514 MB this way), memory the cases still hold is.
 */
function residentAfterCollecting(): number {
  const rss = process.memoryUsage().rss;
  if (rss <= MEMORY_LIMIT) return rss;
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
  return process.memoryUsage().rss;
}

// ── mutation of real seeds ───────────────────────────────────────────────────────────────

/** Text that breaks parsers: markup, entities, DTDs, odd code points, path tricks, long runs. */
const TEXT_TOKENS = [
  '<',
  '>',
  '/>',
  '</',
  '&',
  '&amp;',
  '&#0;',
  '&#x110000;',
  '&lt;',
  '"',
  "'",
  '=',
  '<!DOCTYPE x [<!ENTITY a "b">]>',
  '<?x <!-- ?><!DOCTYPE x><!-- -->',
  '<![CDATA[',
  ']]>',
  '<!--',
  '-->',
  '<?xml version="1.0"?>',
  '\u0000',
  '\uFFFF',
  '\uD800',
  '\uFEFF',
  '%',
  '%windir%',
  '*',
  '?',
  '\\',
  '..\\..\\',
  'C:\\',
  '\\\\?\\',
  '[',
  ']',
  ' ',
  '\r\n',
  '\t',
  'x'.repeat(300),
  '9'.repeat(30),
  '-1',
  'true',
  'NaN',
  '<group name="g">'.repeat(40),
  '<operator type="not">'.repeat(40),
];

interface Mutation {
  readonly at: number;
  readonly kind: 'insert' | 'delete' | 'replace' | 'duplicate' | 'truncate';
  readonly token: string;
  readonly len: number;
}

const mutation = (tokens: readonly string[]): fc.Arbitrary<Mutation> =>
  fc.record({
    at: fc.nat(),
    kind: fc.constantFrom('insert', 'delete', 'replace', 'duplicate', 'truncate'),
    token: fc.oneof(fc.constantFrom(...tokens), fc.string({ maxLength: 8 }), fc.string({ unit: 'binary', maxLength: 4 })),
    len: fc.integer({ min: 1, max: 200 }),
  }) as fc.Arbitrary<Mutation>;

function applyText(seed: string, muts: readonly Mutation[]): string {
  let s = seed;
  for (const m of muts) {
    const at = s.length === 0 ? 0 : m.at % (s.length + 1);
    switch (m.kind) {
      case 'insert':
        s = s.slice(0, at) + m.token + s.slice(at);
        break;
      case 'delete':
        s = s.slice(0, at) + s.slice(at + m.len);
        break;
      case 'replace':
        s = s.slice(0, at) + m.token + s.slice(at + m.token.length);
        break;
      case 'duplicate':
        s = s.slice(0, at + m.len) + s.slice(at, at + m.len) + s.slice(at + m.len);
        break;
      case 'truncate':
        if (m.len < 20) s = s.slice(0, at);
        break;
    }
  }
  return s;
}

/** A real seed with up to `max` text mutations (sometimes none: the seed itself must pass). */
export function mutatedText(seeds: readonly string[], max = 8, tokens: readonly string[] = TEXT_TOKENS): fc.Arbitrary<string> {
  return fc.tuple(fc.constantFrom(...seeds), fc.array(mutation(tokens), { maxLength: max })).map(([seed, muts]) => applyText(seed, muts));
}

interface ByteMutation {
  readonly at: number;
  readonly near: boolean;
  readonly kind: 'flip' | 'byte' | 'u32' | 'u64' | 'truncate' | 'insert' | 'delete';
  readonly value: number;
  readonly bytes: Uint8Array;
}

const INTERESTING_U32 = [
  0, 1, 0x7f, 0x80, 0xff, 0x100, 0x7fff, 0x8000, 0xffff, 0x10000, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff, 4096, 0x1000000,
];

/** A real binary seed with up to `max` byte mutations; `near` biases positions to the first 512 bytes (headers). */
export function mutatedBytes(seeds: readonly Buffer[], max = 6): fc.Arbitrary<Buffer> {
  const m = fc.record({
    at: fc.nat(),
    near: fc.boolean(),
    kind: fc.constantFrom('flip', 'byte', 'u32', 'u64', 'truncate', 'insert', 'delete'),
    value: fc.oneof(fc.constantFrom(...INTERESTING_U32), fc.nat()),
    bytes: fc.uint8Array({ maxLength: 16 }),
  }) as fc.Arbitrary<ByteMutation>;
  return fc.tuple(fc.nat(seeds.length - 1), fc.array(m, { maxLength: max })).map(([i, muts]) => {
    let b = Buffer.from(seeds[i]!);
    for (const x of muts) {
      const span = x.near ? Math.min(b.length, 512) : b.length;
      const at = span === 0 ? 0 : x.at % span;
      switch (x.kind) {
        case 'flip':
          if (at < b.length) b[at]! ^= 1 << (x.value % 8);
          break;
        case 'byte':
          if (at < b.length) b[at] = x.value & 0xff;
          break;
        case 'u32':
          if (at + 4 <= b.length) b.writeUInt32LE(x.value >>> 0, at);
          break;
        case 'u64':
          if (at + 8 <= b.length) b.writeBigUInt64LE(BigInt(x.value) * (x.value % 2 ? 0x100000000n : 1n), at);
          break;
        case 'truncate':
          if (x.value % 4 === 0) b = b.subarray(0, at);
          break;
        case 'insert':
          b = Buffer.concat([b.subarray(0, at), x.bytes, b.subarray(at)]);
          break;
        case 'delete':
          b = Buffer.concat([b.subarray(0, at), b.subarray(at + 1 + (x.value % 16))]);
          break;
      }
    }
    return b;
  });
}
