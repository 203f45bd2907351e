// The part of WQL a task sequence WMI condition uses: SELECT … FROM Class [WHERE …] with
// comparisons, LIKE, IS [NOT] NULL, AND/OR/NOT and parentheses, evaluated over in-memory
// instances. A query outside this subset is reported as unsupported, never guessed.
import type { WmiInstance, WmiValue } from './computer.ts';
import { WQL_LIKE, wildcardMatch } from '../text/index.ts';

export interface WqlQuery {
  className: string;
  where?: WqlExpr;
}

export type WqlComparison = '=' | '<>' | '<' | '>' | '<=' | '>=' | 'like' | 'notlike';

export type WqlExpr =
  | { op: 'and' | 'or'; left: WqlExpr; right: WqlExpr }
  | { op: 'not'; expr: WqlExpr }
  | { op: 'cmp'; prop: string; cmp: WqlComparison; value: WmiValue }
  | { op: 'null'; prop: string; negate: boolean };

export class WqlError extends Error {}

type Tok = { t: 'id' | 'str' | 'num' | 'sym'; v: string };

function tokenize(q: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  while (i < q.length) {
    const c = q[i]!;
    if (/\s/.test(c)) {
      i++;
    } else if (c === "'" || c === '"') {
      let s = '';
      i++;
      while (i < q.length && q[i] !== c) {
        if (q[i] === '\\' && i + 1 < q.length) i++;
        s += q[i++];
      }
      if (i >= q.length) throw new WqlError('unterminated string');
      i++;
      out.push({ t: 'str', v: s });
    } else if (/[0-9]/.test(c) || (c === '-' && /[0-9]/.test(q[i + 1] ?? ''))) {
      const m = /^-?\d+(\.\d+)?/.exec(q.slice(i))!;
      out.push({ t: 'num', v: m[0] });
      i += m[0].length;
    } else if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(q.slice(i))!;
      out.push({ t: 'id', v: m[0] });
      i += m[0].length;
    } else {
      const two = q.slice(i, i + 2);
      if (['<>', '!=', '<=', '>='].includes(two)) {
        out.push({ t: 'sym', v: two === '!=' ? '<>' : two });
        i += 2;
      } else if ('=<>(),*'.includes(c)) {
        out.push({ t: 'sym', v: c });
        i++;
      } else throw new WqlError(`unexpected character "${c}"`);
    }
  }
  return out;
}

export function parseWql(query: string): WqlQuery {
  const toks = tokenize(query);
  let p = 0;
  const peek = () => toks[p];
  const kw = (word: string) => peek()?.t === 'id' && peek()!.v.toUpperCase() === word;
  const expectKw = (word: string) => {
    if (!kw(word)) throw new WqlError(`expected ${word}`);
    p++;
  };
  expectKw('SELECT');
  if (peek()?.v === '*') p++;
  else {
    for (;;) {
      if (peek()?.t !== 'id') throw new WqlError('expected a property name after SELECT');
      p++;
      if (peek()?.v !== ',') break;
      p++;
    }
  }
  expectKw('FROM');
  const cls = peek();
  if (cls?.t !== 'id') throw new WqlError('expected a class name after FROM');
  p++;
  const result: WqlQuery = { className: cls.v };
  if (kw('WHERE')) {
    p++;
    const parseOr = (): WqlExpr => {
      let left = parseAnd();
      while (kw('OR')) {
        p++;
        left = { op: 'or', left, right: parseAnd() };
      }
      return left;
    };
    const parseAnd = (): WqlExpr => {
      let left = parseNot();
      while (kw('AND')) {
        p++;
        left = { op: 'and', left, right: parseNot() };
      }
      return left;
    };
    const parseNot = (): WqlExpr => {
      if (kw('NOT')) {
        p++;
        return { op: 'not', expr: parseNot() };
      }
      if (peek()?.v === '(') {
        p++;
        const e = parseOr();
        if (peek()?.v !== ')') throw new WqlError('expected )');
        p++;
        return e;
      }
      const prop = peek();
      if (prop?.t !== 'id') throw new WqlError('expected a property name');
      p++;
      if (kw('IS')) {
        p++;
        let negate = false;
        if (kw('NOT')) {
          p++;
          negate = true;
        }
        expectKw('NULL');
        return { op: 'null', prop: prop.v, negate };
      }
      let cmp: WqlComparison;
      if (kw('NOT')) {
        p++;
        expectKw('LIKE');
        cmp = 'notlike';
      } else if (kw('LIKE')) {
        p++;
        cmp = 'like';
      } else {
        const s = peek();
        if (s?.t !== 'sym' || !['=', '<>', '<', '>', '<=', '>='].includes(s.v)) throw new WqlError(`expected a comparison after ${prop.v}`);
        p++;
        cmp = s.v as typeof cmp;
      }
      const lit = peek();
      if (!lit) throw new WqlError('expected a value');
      p++;
      let value: WmiValue;
      if (lit.t === 'str') value = lit.v;
      else if (lit.t === 'num') value = Number(lit.v);
      else if (lit.t === 'id' && /^(TRUE|FALSE)$/i.test(lit.v)) value = lit.v.toUpperCase() === 'TRUE';
      else if (lit.t === 'id' && /^NULL$/i.test(lit.v)) value = null;
      else throw new WqlError(`unsupported value "${lit.v}"`);
      return { op: 'cmp', prop: prop.v, cmp, value };
    };
    result.where = parseOr();
  }
  if (p !== toks.length) throw new WqlError(`unexpected "${toks[p]!.v}"`);
  return result;
}

/** WQL LIKE: `%` any run, `_` one character, `[abc]`/`[a-z]`/`[^a]` sets; case-insensitive. */
export function wqlLike(value: string, pattern: string): boolean {
  return wildcardMatch(value, pattern, { syntax: WQL_LIKE, ignoreCase: true });
}

function prop(inst: WmiInstance, name: string): WmiValue | undefined {
  const key = Object.keys(inst).find((k) => k.toLowerCase() === name.toLowerCase());
  return key === undefined ? undefined : inst[key];
}

function compare(a: WmiValue, b: WmiValue): number {
  if (typeof a === 'number' || typeof b === 'number') {
    const x = Number(a);
    const y = Number(b);
    if (!Number.isNaN(x) && !Number.isNaN(y)) return x - y;
  }
  const x = String(a).toLowerCase();
  const y = String(b).toLowerCase();
  return x < y ? -1 : x > y ? 1 : 0;
}

export function matches(inst: WmiInstance, e: WqlExpr): boolean {
  switch (e.op) {
    case 'and':
      return matches(inst, e.left) && matches(inst, e.right);
    case 'or':
      return matches(inst, e.left) || matches(inst, e.right);
    case 'not':
      return !matches(inst, e.expr);
    case 'null': {
      const v = prop(inst, e.prop);
      return (v === null || v === undefined) !== e.negate;
    }
    case 'cmp': {
      const v = prop(inst, e.prop);
      if (v === undefined || v === null || e.value === null) return false;
      if (e.cmp === 'like' || e.cmp === 'notlike') return wqlLike(String(v), String(e.value)) === (e.cmp === 'like');
      const c = compare(v, e.value);
      return { '=': c === 0, '<>': c !== 0, '<': c < 0, '>': c > 0, '<=': c <= 0, '>=': c >= 0 }[e.cmp];
    }
  }
}
