// One set of limits for a task sequence wherever it crosses a boundary — XML import (file, zip,
// site upload), save and validate over the API, and export — so that whatever is imported can be
// saved, validated and exported, and whatever is exported can be imported again. Anything over a
// limit is refused where it comes in, with FERRY_E_TS_TOO_LARGE.
import { FerryError } from '../errors/index.ts';
import type { Condition, SequenceNode, TaskSequence } from './model.ts';
import { serializeSequenceXml } from './xml.ts';

/**
 * The size limits a task sequence must stay within wherever it crosses a boundary (import, save,
 * validate, export), so that whatever is imported can be exported again; over them: FERRY_E_TS_TOO_LARGE.
 */
export const TS_LIMITS = {
  /** Groups inside groups, and condition operators inside operators (the editor never comes close). */
  maxDepth: 32,
  /** The sequence as JSON (what the site stores and the API carries), UTF-8 bytes. */
  maxDocumentBytes: 2 * 1024 * 1024,
  /** The sequence as ConfigMgr `<sequence>` XML (import and export), UTF-8 bytes. */
  maxXmlBytes: 2 * 1024 * 1024,
  /** One XML entry of a console export zip (an object.xml is UTF-16 and escapes the sequence). */
  maxZipEntryBytes: 8 * 1024 * 1024,
  /** All XML entries of a console export zip together. */
  maxZipXmlBytes: 16 * 1024 * 1024,
} as const;

/**
 * The body an HTTP route carrying one sequence must accept: the XML or JSON document
 * JSON-escaped (at most about twice its size) plus the name, description and version.
 */
export const TS_REQUEST_BODY_BYTES = 2 * Math.max(TS_LIMITS.maxDocumentBytes, TS_LIMITS.maxXmlBytes) + 64 * 1024;

export function tooLarge(source: string, what: string, details: Record<string, unknown> = {}): FerryError {
  return new FerryError('FERRY_E_TS_TOO_LARGE', `${source}: ${what}; refusing it so that it can always be saved, validated and exported.`, {
    details: { source, ...details },
  });
}

/** Refuse XML text over the import limit before it is parsed. */
export function checkXmlSize(text: string, source: string): void {
  // Cheap first: a string can only be over the byte limit if it is over a third of it in chars.
  if (text.length * 3 > TS_LIMITS.maxXmlBytes && Buffer.byteLength(text, 'utf8') > TS_LIMITS.maxXmlBytes) {
    throw tooLarge(source, `the XML is larger than ${TS_LIMITS.maxXmlBytes} bytes`, { limit: TS_LIMITS.maxXmlBytes });
  }
}

function conditionDepth(c: Condition | undefined, depth: number, source: string): void {
  if (!c || c.kind !== 'operator') return;
  if (depth > TS_LIMITS.maxDepth)
    throw tooLarge(source, `conditions are nested deeper than ${TS_LIMITS.maxDepth} levels`, { limit: TS_LIMITS.maxDepth });
  for (const o of c.operands) conditionDepth(o, depth + 1, source);
}

function nodeDepth(nodes: readonly SequenceNode[], depth: number, source: string): void {
  for (const n of nodes) {
    conditionDepth(n.condition, 1, source);
    if (n.kind !== 'group') continue;
    if (depth > TS_LIMITS.maxDepth)
      throw tooLarge(source, `groups are nested deeper than ${TS_LIMITS.maxDepth} levels`, { limit: TS_LIMITS.maxDepth });
    nodeDepth(n.children, depth + 1, source);
  }
}

/** Check a parsed or received sequence against every limit (depth, JSON size, XML size). */
export function checkSequenceLimits(seq: TaskSequence, source: string): void {
  nodeDepth(seq.children, 1, source);
  const json = Buffer.byteLength(JSON.stringify(seq), 'utf8');
  if (json > TS_LIMITS.maxDocumentBytes)
    throw tooLarge(source, `the task sequence is ${json} bytes as a document, more than ${TS_LIMITS.maxDocumentBytes}`, {
      bytes: json,
      limit: TS_LIMITS.maxDocumentBytes,
    });
  const xml = Buffer.byteLength(serializeSequenceXml(seq), 'utf8');
  if (xml > TS_LIMITS.maxXmlBytes)
    throw tooLarge(source, `the task sequence is ${xml} bytes as XML, more than ${TS_LIMITS.maxXmlBytes}`, {
      bytes: xml,
      limit: TS_LIMITS.maxXmlBytes,
    });
}
