// The editor's catalog as `GET /api/step-types` serves it (step types, their Properties tab
// fields and a new step of each, condition types), fetched once per page load, and the few
// helpers the editor needs to walk the document tree. The catalog itself lives on the server.
import { useEffect, useState } from 'react';
import { api, type ConditionExpression, type Group, type KnownStep, type SequenceNode, type TaskSequence, type TsProblem } from './api.ts';

export type PropertyValue = string | number | boolean | string[];

/** One Properties tab field. */
export interface FieldSpec {
  property: string;
  label: string;
  kind: 'text' | 'password' | 'integer' | 'boolean' | 'choice' | 'package' | 'image' | 'list';
  default: PropertyValue;
  choices?: { value: string; label: string }[];
  min?: number;
  max?: number;
  maxLength?: number;
  required?: boolean;
  when?: { property: string; equals: PropertyValue[] };
  help?: string;
}

export interface StepTypeInfo {
  type: string;
  label: string;
  category: string;
  runIn: string;
  successCodes: number[];
  fields: FieldSpec[];
  /** A new step of this type as the Add menu inserts it. */
  newStep: KnownStep;
}

export interface ConditionTypeInfo {
  kind: Exclude<ConditionExpression['kind'], 'unknown'>;
  label: string;
  fields: { name: string; label: string; choices?: string[] }[];
  newExpression: ConditionExpression;
}

export interface Catalog {
  categories: string[];
  stepTypes: StepTypeInfo[];
  conditions: ConditionTypeInfo[];
  newGroup: Group;
}

let cached: Promise<Catalog> | undefined;

/** The catalog (undefined until it has arrived); a failed fetch is retried on the next mount. */
export function useCatalog(onError: (e: unknown) => void): Catalog | undefined {
  const [catalog, setCatalog] = useState<Catalog>();
  useEffect(() => {
    cached ??= api<Catalog>('GET', '/api/step-types');
    cached.then(setCatalog, (e) => {
      cached = undefined;
      onError(e);
    });
  }, []);
  return catalog;
}

export const stepInfo = (catalog: Catalog | undefined, type: string) => catalog?.stepTypes.find((s) => s.type === type);

export function fieldVisible(f: FieldSpec, props: Record<string, unknown>): boolean {
  return !f.when || f.when.equals.some((v) => v === props[f.when!.property]);
}

/**
 * The editor's problems of `doc` as the server checks it before a save (nothing is stored); the
 * engine's own codes (FERRY_*) come with the load and save responses instead.
 */
export const checkDocument = async (doc: TaskSequence) =>
  (await api<{ problems: TsProblem[] }>('POST', '/api/task-sequences/validate', { sequence: doc })).problems.filter(
    (p) => !p.message.startsWith('FERRY_'),
  );

// ── the tree ───────────────────────────────────────────────────────────────────────────────

/** Index path of an item in the tree (`[0, 2]` = third child of the first group). */
export type Path = number[];

export const samePath = (a: Path | undefined, b: Path | undefined) => !!a && !!b && a.length === b.length && a.every((x, i) => x === b[i]);

/** Every item in document order with its path. */
export function flatten(nodes: SequenceNode[], base: Path = []): { node: SequenceNode; path: Path }[] {
  return nodes.flatMap((n, i) => {
    const path = [...base, i];
    return [{ node: n, path }, ...(n.kind === 'group' ? flatten(n.children, path) : [])];
  });
}

export function nodeAt(doc: TaskSequence, path: Path): SequenceNode | undefined {
  let list = doc.children;
  let node: SequenceNode | undefined;
  for (const i of path) {
    node = list[i];
    if (!node) return undefined;
    list = node.kind === 'group' ? node.children : [];
  }
  return node;
}

/** The list that holds the item at `path`. */
export function siblings(doc: TaskSequence, path: Path): SequenceNode[] {
  if (path.length === 1) return doc.children;
  const parent = nodeAt(doc, path.slice(0, -1));
  return parent && parent.kind === 'group' ? parent.children : [];
}
