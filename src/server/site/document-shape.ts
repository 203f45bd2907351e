// Structural check of a task sequence received over HTTP: the route's JSON schema only sees
// `{ children: [...] }` because the tree is recursive. Property values are checked afterwards
// by `validateDocument` (and the engine's own validation).
import { FerryError } from '../../errors/index.ts';
import { checkSequenceLimits, TS_LIMITS } from '../../tasksequence/index.ts';
import type { TaskSequence } from './ts-document.ts';

// A guard for the recursion below; the rule itself is TS_LIMITS, checked on the whole document.
const MAX_DEPTH = TS_LIMITS.maxDepth + 1;

function fail(where: string, what: string): never {
  throw new FerryError('FERRY_E_SITE_INVALID', `Task sequence: ${where} ${what}.`, { details: { where } });
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isPairs = (v: unknown) =>
  Array.isArray(v) && v.every((x) => Array.isArray(x) && x.length === 2 && typeof x[0] === 'string' && typeof x[1] === 'string');
const isStrings = (v: unknown) => Array.isArray(v) && v.every((x) => typeof x === 'string');

function condition(c: unknown, where: string, depth: number): void {
  if (depth > MAX_DEPTH) fail(where, 'nests conditions too deeply');
  if (!isObj(c) || typeof c.kind !== 'string') fail(where, 'must be an object with a kind');
  if (c.kind === 'operator') {
    if (!['and', 'or', 'not'].includes(c.operator as string)) fail(where, 'has an operator other than and/or/not');
    if (!Array.isArray(c.operands)) fail(where, 'needs an operands array');
    c.operands.forEach((x, i) => condition(x, `${where}.operands[${i}]`, depth + 1));
    return;
  }
  if (!['variable', 'wmi', 'file', 'folder', 'registry', 'software', 'unknown'].includes(c.kind))
    fail(`${where}.kind`, 'is not a known condition type');
  for (const [k, v] of Object.entries(c)) {
    if (k === 'extraFields' || k === 'fields') {
      if (!isPairs(v)) fail(`${where}.${k}`, 'must be a list of [name, value] pairs');
    } else if (typeof v !== 'string') fail(`${where}.${k}`, 'must be text');
  }
}

function node(n: unknown, where: string, depth: number): void {
  if (depth > MAX_DEPTH) fail(where, 'nests groups too deeply');
  if (!isObj(n)) fail(where, 'must be an object');
  for (const k of ['name', 'description'] as const) if (typeof n[k] !== 'string') fail(`${where}.${k}`, 'must be text');
  for (const k of ['disabled', 'continueOnError'] as const) if (typeof n[k] !== 'boolean') fail(`${where}.${k}`, 'must be true or false');
  if (!isPairs(n.extraAttributes)) fail(`${where}.extraAttributes`, 'must be a list of [name, value] pairs');
  if (!isStrings(n.extraElements)) fail(`${where}.extraElements`, 'must be a list of XML strings');
  if (n.condition !== undefined) condition(n.condition, `${where}.condition`, 0);
  if (n.kind === 'group') {
    if (!Array.isArray(n.children)) fail(`${where}.children`, 'must be an array');
    n.children.forEach((c, i) => node(c, `${where}.children[${i}]`, depth + 1));
    return;
  }
  if (n.kind !== 'step') fail(`${where}.kind`, 'must be "group" or "step"');
  if (typeof n.type !== 'string' || !/^SMS_TaskSequence_\w+$/.test(n.type))
    fail(`${where}.type`, 'must be an SMS_TaskSequence_* step class');
  if (n.runIn !== undefined && !['WinPE', 'FullOS', 'WinPEandFullOS'].includes(n.runIn as string))
    fail(`${where}.runIn`, 'must be WinPE, FullOS or WinPEandFullOS');
  if (n.successCodes !== undefined && !(Array.isArray(n.successCodes) && n.successCodes.every((x) => Number.isInteger(x))))
    fail(`${where}.successCodes`, 'must be a list of whole numbers');
  if (n.timeout !== undefined && !Number.isInteger(n.timeout)) fail(`${where}.timeout`, 'must be whole seconds');
  if (!Array.isArray(n.extraVariables)) fail(`${where}.extraVariables`, 'must be an array');
  if (n.unknown === true) {
    if (typeof n.raw !== 'string') fail(`${where}.raw`, 'must be the XML of the step');
    return;
  }
  if (!isObj(n.properties)) fail(`${where}.properties`, 'must be an object');
  for (const [k, v] of Object.entries(n.properties)) {
    const ok = ['string', 'number', 'boolean'].includes(typeof v) || isStrings(v);
    if (!ok) fail(`${where}.properties.${k}`, 'must be text, a number, true/false or a list of text');
  }
}

export function checkDocumentShape(doc: unknown): TaskSequence {
  if (!isObj(doc) || !Array.isArray(doc.children)) fail('sequence', 'must be an object with a children array');
  if (typeof doc.version !== 'string') fail('sequence.version', 'must be text such as "3.10"');
  if (!isPairs(doc.extraAttributes)) fail('sequence.extraAttributes', 'must be a list of [name, value] pairs');
  if (!isStrings(doc.extraElements)) fail('sequence.extraElements', 'must be a list of XML strings');
  doc.children.forEach((n, i) => node(n, `children[${i}]`, 0));
  // The same limits as import and export, so what is saved can always be exported and imported.
  checkSequenceLimits(doc as unknown as TaskSequence, 'Task sequence');
  return doc as unknown as TaskSequence;
}
