// Evaluating a group's or step's condition on the computer, immediately before it runs
// (task-sequence.md §2). A leaf that cannot be evaluated here (a WMI class or registry value
// Ferry cannot read, a file version) makes the whole condition false — the step is skipped,
// never run by accident — and is reported with FERRY_W_TS_CONDITION_NOT_EVALUATED.
import { stat } from 'node:fs/promises';
import type { WarningCode } from '../errors/index.ts';
import { expandSystemEnv, identityWmi, toHostPath, type TaskSequenceComputer, type RegistryData } from './computer.ts';
import type { CompareOperator, Condition, ConditionExpression, VariableCondition } from './model.ts';
import type { TsEnvironment } from './variables.ts';
import { matches, parseWql, WqlError } from './wql.ts';
import { readFileVersion } from '../migxml/index.ts';
import { GLOB, wildcardMatch as matchWildcard } from '../text/index.ts';

/** A warning met while evaluating a condition (e.g. a WMI class the offline computer cannot answer). */
export interface ConditionNote {
  code: WarningCode;
  message: string;
}

/** A condition's value, with notes on what could not be evaluated as ConfigMgr would. */
export interface ConditionResult {
  value: boolean;
  notes: ConditionNote[];
}

class CannotEvaluate extends Error {}

interface Ctx {
  env: TsEnvironment;
  computer: TaskSequenceComputer;
  notes: ConditionNote[];
}

/** Evaluate a step's or group's condition on the computer; `notes` are the warnings met while evaluating it. */
export async function evaluateCondition(
  condition: Condition | undefined,
  env: TsEnvironment,
  computer: TaskSequenceComputer,
): Promise<ConditionResult> {
  if (!condition) return { value: true, notes: [] };
  const ctx: Ctx = { env, computer, notes: [] };
  try {
    return { value: await evaluate(condition, ctx), notes: ctx.notes };
  } catch (err) {
    if (!(err instanceof CannotEvaluate)) throw err;
    ctx.notes.push({ code: 'FERRY_W_TS_CONDITION_NOT_EVALUATED', message: `${err.message}; the condition counts as false.` });
    return { value: false, notes: ctx.notes };
  }
}

async function evaluate(c: Condition, ctx: Ctx): Promise<boolean> {
  if (c.kind === 'operator') {
    switch (c.operator) {
      case 'and':
        for (const o of c.operands) if (!(await evaluate(o, ctx))) return false;
        return true;
      case 'or':
        for (const o of c.operands) if (await evaluate(o, ctx)) return true;
        return false;
      case 'not':
        // "None": true when none of the operands is true.
        for (const o of c.operands) if (await evaluate(o, ctx)) return false;
        return true;
    }
  }
  return evaluateExpression(c, ctx);
}

/** Numbers compare numerically when both sides are numbers, else case-insensitive text. */
export function compareValues(a: string, b: string): number {
  const numRe = /^\s*-?\d+(\.\d+)?\s*$/;
  if (numRe.test(a) && numRe.test(b)) return Number(a) - Number(b);
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  return x < y ? -1 : x > y ? 1 : 0;
}

function applyCompare(op: CompareOperator, c: number): boolean {
  switch (op) {
    case 'equals':
      return c === 0;
    case 'notEquals':
      return c !== 0;
    case 'less':
      return c < 0;
    case 'lessEqual':
      return c <= 0;
    case 'greater':
      return c > 0;
    case 'greaterEqual':
      return c >= 0;
  }
}

/** Wildcard match for Like/NotLike: `*` any run, `?` one character, case-insensitive. */
export function wildcardMatch(value: string, pattern: string): boolean {
  return matchWildcard(value, pattern, { syntax: GLOB, ignoreCase: true });
}

function evaluateVariable(c: VariableCondition, ctx: Ctx): boolean {
  const value = ctx.env.get(c.variable);
  if (c.operator === 'exists') return value !== undefined;
  if (c.operator === 'notExists') return value === undefined;
  if (value === undefined) {
    ctx.notes.push({
      code: 'FERRY_W_TS_UNDEFINED_VARIABLE',
      message: `Condition variable ${c.variable} is not defined; it is compared as an empty value.`,
    });
  }
  const left = value ?? '';
  const right = ctx.env.expand(c.value ?? '');
  if (c.operator === 'like') return wildcardMatch(left, right);
  if (c.operator === 'notLike') return !wildcardMatch(left, right);
  return applyCompare(c.operator, compareValues(left, right));
}

function expandPath(path: string, ctx: Ctx): string {
  return expandSystemEnv(ctx.env.expand(path));
}

/** CIM_DATETIME (`yyyymmddHHMMSS.mmmmmm+UUU`) or ISO 8601, as UTC milliseconds. */
export function parseConditionDate(text: string): number | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(?:\.(\d{1,6}))?(?:([+-])(\d{3}))?$/.exec(text.trim());
  if (m) {
    const utc = Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!, Math.floor(Number(`0.${m[7] ?? '0'}`) * 1000));
    const offsetMin = m[8] ? (m[8] === '-' ? -1 : 1) * Number(m[9]) : 0;
    return utc - offsetMin * 60_000;
  }
  const t = Date.parse(text);
  return Number.isNaN(t) ? undefined : t;
}

async function evaluateExpression(c: ConditionExpression, ctx: Ctx): Promise<boolean> {
  switch (c.kind) {
    case 'variable':
      return evaluateVariable(c, ctx);
    case 'file':
    case 'folder': {
      const winPath = expandPath(c.path, ctx);
      const host = toHostPath(ctx.computer.root, winPath);
      if (host === null) throw new CannotEvaluate(`${c.kind} condition path ${winPath} is not on this computer's volume`);
      const st = await stat(host).catch(() => null);
      const exists = st !== null && (c.kind === 'file' ? st.isFile() : st.isDirectory());
      if (!exists) return false;
      if (c.kind === 'file' && c.version !== undefined && c.version !== '') {
        const wanted = parseVersion(c.version);
        if (!wanted) throw new CannotEvaluate(`version "${c.version}" in the file condition is not a version number`);
        // A file without a version resource (not a PE image) does not match any version test.
        const have = (await readFileVersion(host))?.fileVersion;
        if (!have || !applyCompare(c.versionOperator ?? 'equals', compareVersions(have, wanted))) return false;
      }
      if (c.dateTime !== undefined && c.dateTime !== '') {
        const when = parseConditionDate(c.dateTime);
        if (when === undefined) throw new CannotEvaluate(`date "${c.dateTime}" in the ${c.kind} condition is not a date`);
        return applyCompare(c.dateTimeOperator ?? 'equals', Math.sign(Math.floor(st!.mtimeMs / 1000) - Math.floor(when / 1000)));
      }
      return true;
    }
    case 'registry': {
      const reg = ctx.computer.registry;
      if (!reg)
        throw new CannotEvaluate(`registry condition on ${c.keyPath} cannot be evaluated: the registry of this volume is not readable`);
      const keyPath = ctx.env.expand(c.keyPath);
      const v = await reg.value(keyPath, c.valueName);
      if (c.operator === 'exists') return v !== undefined && (c.valueType === '' || v.type.toUpperCase() === c.valueType.toUpperCase());
      if (c.operator === 'nonExists') return v === undefined;
      if (v === undefined) return false;
      return applyCompare(c.operator, compareValues(registryText(v.data), ctx.env.expand(c.data ?? '')));
    }
    case 'software': {
      const reg = ctx.computer.registry;
      if (!reg) throw new CannotEvaluate('installed software condition cannot be evaluated: the registry of this volume is not readable');
      if (c.operator === 'ThisVersion' && c.productCode) {
        return reg.keyExists(`HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Uninstall\\${c.productCode}`);
      }
      if (c.operator === 'AnyVersion' && c.upgradeCode) {
        const packed = packGuid(c.upgradeCode);
        if (!packed) throw new CannotEvaluate(`upgrade code ${c.upgradeCode} is not a GUID`);
        return reg.keyExists(`HKEY_LOCAL_MACHINE\\SOFTWARE\\Classes\\Installer\\UpgradeCodes\\${packed}`);
      }
      throw new CannotEvaluate('installed software condition has neither a product code nor an upgrade code');
    }
    case 'wmi': {
      if (!/^(root\\cimv2|\\\\\.\\root\\cimv2)$/i.test(c.namespace.trim()))
        throw new CannotEvaluate(`WMI namespace ${c.namespace} is not available on this platform`);
      let q;
      try {
        q = parseWql(ctx.env.expand(c.query));
      } catch (err) {
        if (err instanceof WqlError)
          throw new CannotEvaluate(`WMI query "${c.query}" is outside the supported WQL subset (${err.message})`);
        throw err;
      }
      const classes = identityWmi(ctx.computer);
      const key = Object.keys(classes).find((k) => k.toLowerCase() === q.className.toLowerCase());
      if (key === undefined) throw new CannotEvaluate(`WMI class ${q.className} is not available for this computer`);
      const where = q.where;
      return classes[key]!.some((inst) => (where ? matches(inst, where) : true));
    }
    case 'unknown':
      throw new CannotEvaluate(`condition type ${c.type} is not known to Ferry`);
  }
}

function parseVersion(text: string): number[] | undefined {
  if (!/^\s*\d+(\.\d+){0,3}\s*$/.test(text)) return undefined;
  return text.trim().split('.').map(Number);
}

/** Compare dotted versions part by part; missing parts count as 0. */
export function compareVersions(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return Math.sign(d);
  }
  return 0;
}

function registryText(d: RegistryData): string {
  if (Array.isArray(d)) return d.join('\n');
  if (Buffer.isBuffer(d)) return d.toString('hex');
  return String(d);
}

/** MSI "packed" GUID form used under Installer\UpgradeCodes. */
export function packGuid(guid: string): string | undefined {
  const hex = guid.replace(/[{}-]/g, '');
  if (!/^[0-9a-fA-F]{32}$/.test(hex)) return undefined;
  const rev = (s: string) => [...s].reverse().join('');
  let out = rev(hex.slice(0, 8)) + rev(hex.slice(8, 12)) + rev(hex.slice(12, 16));
  for (let i = 16; i < 32; i += 2) out += hex[i + 1]! + hex[i]!;
  return out.toUpperCase();
}

/**
 * An "Operating System Version" condition as the editor writes it: a WMI query on
 * Win32_OperatingSystem (version prefix and, optionally, product type 1 = workstation).
 */
export function osVersionCondition(versionPrefix: string, productType?: 1 | 2 | 3): ConditionExpression {
  const clauses = [`Version LIKE "${versionPrefix.replace(/"/g, '')}%"`];
  if (productType !== undefined) clauses.push(`ProductType = "${productType}"`);
  return { kind: 'wmi', namespace: 'root\\cimv2', query: `SELECT * FROM Win32_OperatingSystem WHERE ${clauses.join(' AND ')}` };
}
