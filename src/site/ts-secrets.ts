// Password properties of task sequence steps (fields of kind `password` in the step catalog:
// Run As password, restored local accounts' password, product key, administrator password):
// sealed at rest with the site's SecretBox, write-only in the API (returned as "" with a sibling
// `<Property>Set: true`), opened only for the agent that runs a deployment (issue 11, item 6).
import { walkSteps } from '../tasksequence/index.ts';
import { SecretBox } from './secret-box.ts';
import { STEP_CATALOG, type TaskSequence } from './ts-document.ts';

const PASSWORDS = new Map(
  STEP_CATALOG.map((s) => [s.type, s.fields.filter((f) => f.kind === 'password').map((f) => f.property)] as const).filter(
    ([, p]) => p.length > 0,
  ),
);

/** The sealed value's associated data: it opens only as this property. */
const context = (property: string) => `ts-password:${property.toLowerCase()}`;
/** The API's marker beside an emptied password property. */
export const setMarker = (property: string) => `${property}Set`;

type Props = Record<string, unknown>;

/** Each step carrying password properties, with its key (path, type and name) and its properties. */
function* passwordSteps(doc: TaskSequence): Generator<{ key: string; props: Props; passwords: string[] }> {
  for (const { node, path } of walkSteps(doc.children)) {
    if (node.kind !== 'step' || 'unknown' in node) continue;
    const passwords = PASSWORDS.get(node.type);
    if (passwords) yield { key: `${path.join('.')}|${node.type}|${node.name}`, props: node.properties as unknown as Props, passwords };
  }
}

const copy = (doc: TaskSequence): TaskSequence => structuredClone(doc);

/**
 * The document to store: password values sealed; an empty value marked as set keeps the stored
 * value of the same step (same place, type and name); the markers are dropped.
 */
export function sealPasswords(box: SecretBox, doc: TaskSequence, stored?: TaskSequence): TaskSequence {
  const out = copy(doc);
  const old = new Map<string, Props>();
  if (stored) for (const s of passwordSteps(stored)) old.set(s.key, s.props);
  for (const { key, props, passwords } of passwordSteps(out))
    for (const p of passwords) {
      const marked = props[setMarker(p)] === true;
      delete props[setMarker(p)];
      const value = typeof props[p] === 'string' ? (props[p] as string) : '';
      if (value === '' && marked && typeof old.get(key)?.[p] === 'string') props[p] = old.get(key)![p];
      else if (value !== '') props[p] = box.seal(value, context(p));
    }
  return out;
}

/** What the API returns: each password value emptied, with `<Property>Set: true` when one is stored. */
export function maskPasswords(doc: TaskSequence): TaskSequence {
  const out = copy(doc);
  for (const { props, passwords } of passwordSteps(out))
    for (const p of passwords)
      if (typeof props[p] === 'string' && props[p] !== '') {
        props[p] = '';
        props[setMarker(p)] = true;
      }
  return out;
}

/** The document without the API's markers (e.g. for an XML export). */
export function withoutMarkers(doc: TaskSequence): TaskSequence {
  const out = copy(doc);
  for (const { props, passwords } of passwordSteps(out)) for (const p of passwords) delete props[setMarker(p)];
  return out;
}

/** The document for the agent that runs it: every password in clear. */
export function openPasswords(box: SecretBox, doc: TaskSequence): { document: TaskSequence; secrets: string[] } {
  const out = copy(doc);
  const secrets: string[] = [];
  for (const { props, passwords } of passwordSteps(out))
    for (const p of passwords)
      if (typeof props[p] === 'string' && props[p] !== '') {
        props[p] = box.open(props[p] as string, context(p));
        secrets.push(props[p] as string);
      }
  return { document: out, secrets };
}

/** Whether a stored document still holds a password in clear (from before sealing existed). */
export function hasClearPasswords(doc: TaskSequence): boolean {
  for (const { props, passwords } of passwordSteps(doc))
    for (const p of passwords) if (typeof props[p] === 'string' && props[p] !== '' && !SecretBox.isSealed(props[p] as string)) return true;
  return false;
}
