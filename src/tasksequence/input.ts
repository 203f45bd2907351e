// Reading a task sequence from what administrators have at hand: the plain `<sequence>` XML, the
// console's `object.xml` (an `SMS_TaskSequencePackage` instance whose `Sequence` property holds
// the sequence as text), or the console's export zip that holds such an object.xml.
import { readFile } from 'node:fs/promises';
import yauzl from 'yauzl';
import { FerryError, fromSystemError } from '../errors/index.ts';
import type { TaskSequence } from './model.ts';
import { parseSequenceElement, parseXmlDocument, parseSequenceXml } from './xml.ts';
import type { Element as XElement } from '@xmldom/xmldom';

export interface LoadedSequence {
  sequence: TaskSequence;
  /** How the file held it. */
  form: 'sequence' | 'object.xml' | 'zip';
  /** The task sequence package's own properties, when the file carries them. */
  package?: { packageId?: string; name?: string; description?: string };
  /** The zip entry the sequence came from. */
  entry?: string;
  /** A console export zip: every object it holds and what each task sequence references. */
  export?: ExportSummary;
}

/** One object of a console export (a package, boot image, driver package, image, application…). */
export interface ExportObject {
  /** The WMI class (`SMS_Package`, `SMS_BootImagePackage`, `SMS_Application`…). */
  kind: string;
  /** PackageID, or the CI_UniqueID/ModelName of an application. */
  id: string;
  name?: string;
  version?: string;
  entry: string;
}

export interface ExportSummary {
  sequences: { packageId: string; name?: string; entry: string; references: { id: string; kind?: string; name?: string; version?: string; inExport: boolean }[] }[];
  /** Everything that is not a task sequence, kept as referenced content. */
  content: ExportObject[];
}

const MAX_ENTRY_BYTES = 64 * 1024 * 1024;

/** Decode XML bytes by BOM (UTF-16 LE/BE as the console writes, else UTF-8). */
export function decodeXmlBytes(buf: Buffer): string {
  if (buf.length >= 2 && buf[0] === 0xff && buf[1] === 0xfe) return buf.subarray(2).toString('utf16le');
  if (buf.length >= 2 && buf[0] === 0xfe && buf[1] === 0xff) {
    const swapped = Buffer.from(buf.subarray(2));
    swapped.swap16();
    return swapped.toString('utf16le');
  }
  // UTF-16 LE without BOM: '<' followed by NUL.
  if (buf.length >= 2 && buf[0] === 0x3c && buf[1] === 0x00) return buf.toString('utf16le');
  return buf.toString('utf8').replace(/^\uFEFF/, '');
}

/** Parse XML text that is either a `<sequence>` or an object.xml holding one. */
export function parseSequenceDocument(text: string, source: string): LoadedSequence {
  const root = parseXmlDocument(text, source);
  const rootName = root.localName ?? root.nodeName;
  if (rootName === 'sequence') return { sequence: parseSequenceElement(root, source), form: 'sequence' };
  const instance = findTaskSequenceInstance(root);
  if (!instance) {
    throw new FerryError(
      'FERRY_E_TS_INPUT_UNRECOGNIZED',
      `${source}: <${rootName}> is neither a <sequence> nor an SMS_TaskSequencePackage instance with a Sequence property. Give the sequence XML, the console's object.xml or its export zip.`,
      { details: { source, root: rootName } },
    );
  }
  const props = instanceProperties(instance);
  const sequenceText = props.get('sequence');
  if (sequenceText === undefined || sequenceText.trim() === '') {
    throw new FerryError('FERRY_E_TS_INPUT_UNRECOGNIZED', `${source}: the SMS_TaskSequencePackage instance has no Sequence property value.`, { details: { source } });
  }
  const pkg: LoadedSequence['package'] = {};
  if (props.has('packageid')) pkg.packageId = props.get('packageid')!;
  if (props.has('name')) pkg.name = props.get('name')!;
  if (props.has('description')) pkg.description = props.get('description')!;
  return { sequence: parseSequenceXml(sequenceText, `${source} (Sequence property)`), form: 'object.xml', package: pkg };
}

function* descendants(el: XElement): Generator<XElement> {
  for (let n = el.firstChild; n; n = n.nextSibling) {
    if (n.nodeType !== 1) continue;
    yield n as XElement;
    yield* descendants(n as XElement);
  }
}

function findTaskSequenceInstance(root: XElement): XElement | undefined {
  const all = [root, ...descendants(root)];
  return all.find((e) => /^INSTANCE$/i.test(e.localName ?? e.nodeName) && /SMS_TaskSequencePackage/i.test(e.getAttribute('CLASSNAME') ?? e.getAttribute('classname') ?? ''));
}

/** `PROPERTY NAME=… <VALUE>text</VALUE>` pairs of one instance, names lower-cased. */
function instanceProperties(instance: XElement): Map<string, string> {
  const props = new Map<string, string>();
  for (let n = instance.firstChild; n; n = n.nextSibling) {
    if (n.nodeType !== 1) continue;
    const el = n as XElement;
    if (!/^PROPERTY$/i.test(el.localName ?? el.nodeName)) continue;
    const name = (el.getAttribute('NAME') ?? el.getAttribute('name') ?? '').toLowerCase();
    let value: string | undefined;
    for (let v = el.firstChild; v; v = v.nextSibling) if (v.nodeType === 1 && /^VALUE$/i.test((v as XElement).localName ?? v.nodeName)) value = v.textContent ?? '';
    if (name && value !== undefined) props.set(name, value);
  }
  return props;
}

/** Load a task sequence from a file in any of the three forms. */
export async function loadSequenceFile(file: string, options: { packageId?: string } = {}): Promise<LoadedSequence> {
  let buf: Buffer;
  try {
    buf = await readFile(file);
  } catch (err) {
    throw fromSystemError(err, `reading task sequence ${file}`);
  }
  if (buf.length >= 4 && buf.readUInt32LE(0) === 0x04034b50) return loadFromZip(file, options.packageId);
  return parseSequenceDocument(decodeXmlBytes(buf), file);
}

/** Load a task sequence from a file; in an export zip, `packageId` picks one of several sequences. */
async function loadFromZip(file: string, packageId?: string): Promise<LoadedSequence> {
  const entries = await readXmlEntries(file);
  entries.sort((a, b) => a.name.localeCompare(b.name));
  const sequences: (LoadedSequence & { entry: string; refs: Set<string> })[] = [];
  const content: ExportObject[] = [];
  let references = new Map<string, Set<string>>();
  for (const e of entries) {
    const source = `${file}:${e.name}`;
    const text = decodeXmlBytes(e.data);
    if (/(^|\/)ReferencesInfo\.xml$/i.test(e.name)) {
      references = parseReferencesInfo(parseXmlDocument(text, source));
      continue;
    }
    const root = parseXmlDocument(text, source);
    if ((root.localName ?? root.nodeName) === 'sequence') {
      sequences.push({ sequence: parseSequenceElement(root, source), form: 'zip', entry: e.name, refs: new Set() });
      continue;
    }
    const instance = [root, ...descendants(root)].find((x) => /^INSTANCE$/i.test(x.localName ?? x.nodeName));
    if (!instance) continue;
    const kind = instance.getAttribute('CLASSNAME') ?? instance.getAttribute('classname') ?? '';
    const props = instanceProperties(instance);
    if (/^SMS_TaskSequencePackage$/i.test(kind)) {
      const loaded = parseSequenceDocument(text, source);
      const refs = new Set<string>([...embeddedReferences(instance), ...(props.get('bootimageid') ? [props.get('bootimageid')!] : [])]);
      sequences.push({ ...loaded, form: 'zip', entry: e.name, refs });
      continue;
    }
    const id = props.get('packageid') ?? props.get('modelname') ?? props.get('ci_uniqueid') ?? '';
    const name = props.get('name') ?? props.get('localizeddisplayname');
    const version = props.get('version') ?? props.get('softwareversion');
    content.push({ kind, id, entry: e.name, ...(name !== undefined ? { name } : {}), ...(version !== undefined ? { version } : {}) });
  }
  if (sequences.length === 0) {
    throw new FerryError('FERRY_E_TS_INPUT_UNRECOGNIZED', `${file}: the zip holds no object.xml with a task sequence (SMS_TaskSequencePackage) and no <sequence> XML.`, {
      details: { file, entries: entries.map((e) => e.name) },
    });
  }
  const summary: ExportSummary = {
    sequences: sequences.map((s) => {
      const id = s.package?.packageId ?? s.entry;
      const ids = new Set([...s.refs, ...(references.get(id.toLowerCase()) ?? []), ...referencedIds(s.sequence)]);
      return {
        packageId: id,
        ...(s.package?.name !== undefined ? { name: s.package.name } : {}),
        entry: s.entry,
        references: [...ids].sort().map((ref) => {
          const o = content.find((c) => c.id.toLowerCase() === ref.toLowerCase() || c.id.toLowerCase().startsWith(`${ref.toLowerCase()}/`) || ref.toLowerCase().startsWith(`${c.id.toLowerCase()}/`));
          return o ? { id: o.id, kind: o.kind, inExport: true, ...(o.name !== undefined ? { name: o.name } : {}), ...(o.version !== undefined ? { version: o.version } : {}) } : { id: ref, inExport: false };
        }),
      };
    }),
    content,
  };
  const pick = packageId === undefined ? sequences[0]! : sequences.find((s) => (s.package?.packageId ?? '').toLowerCase() === packageId.toLowerCase());
  if (!pick) {
    throw new FerryError('FERRY_E_TS_INPUT_UNRECOGNIZED', `${file}: no task sequence ${packageId} in the export; it holds ${sequences.map((s) => s.package?.packageId ?? s.entry).join(', ')}.`, {
      details: { file, packageId },
    });
  }
  const { refs: _refs, ...loaded } = pick;
  return { ...loaded, export: summary };
}

/** `PROPERTY.ARRAY NAME="References"` → the `Package` of each embedded SMS_TaskSequence_Reference. */
function embeddedReferences(instance: XElement): string[] {
  const out: string[] = [];
  for (const el of descendants(instance)) {
    if (!/^INSTANCE$/i.test(el.localName ?? el.nodeName) || !/SMS_TaskSequence_Reference/i.test(el.getAttribute('CLASSNAME') ?? '')) continue;
    const pkg = instanceProperties(el).get('package');
    if (pkg) out.push(pkg);
  }
  return out;
}

/** ReferencesInfo.xml: an element naming an object (ObjectID/PackageID) and the objects under it. */
function parseReferencesInfo(root: XElement): Map<string, Set<string>> {
  const idOf = (el: XElement) => el.getAttribute('ObjectID') || el.getAttribute('PackageID') || el.getAttribute('ID') || '';
  const out = new Map<string, Set<string>>();
  for (const el of descendants(root)) {
    const id = idOf(el);
    if (!id) continue;
    const refs = [...descendants(el)].map(idOf).filter((x) => x !== '');
    if (refs.length > 0) out.set(id.toLowerCase(), new Set(refs));
  }
  return out;
}

/** Package ids the sequence itself names: `<referenceList>` and the steps' package properties. */
function referencedIds(seq: TaskSequence): string[] {
  const out: string[] = [];
  for (const x of seq.extraElements) for (const m of x.matchAll(/<reference\b[^>]*\bpackage="([^"]+)"/g)) out.push(m[1]!);
  const walk = (nodes: TaskSequence['children']) => {
    for (const n of nodes) {
      if (n.kind === 'group') walk(n.children);
      else if (!('unknown' in n)) for (const [k, v] of Object.entries(n.properties)) if (/PackageID$/i.test(k) && typeof v === 'string' && v !== '') out.push(v);
    }
  };
  walk(seq.children);
  return out;
}

function readXmlEntries(file: string): Promise<{ name: string; data: Buffer }[]> {
  return new Promise((resolve, reject) => {
    const bad = (err: unknown) =>
      reject(new FerryError('FERRY_E_TS_INPUT_UNRECOGNIZED', `${file}: not a readable zip file (${(err as Error).message}).`, { cause: err, details: { file } }));
    yauzl.open(file, { lazyEntries: true, strictFileNames: false }, (err, zip) => {
      if (err || !zip) return bad(err);
      const out: { name: string; data: Buffer }[] = [];
      zip.on('error', bad);
      zip.on('end', () => resolve(out));
      zip.on('entry', (entry: yauzl.Entry) => {
        if (!/\.xml$/i.test(entry.fileName) || entry.uncompressedSize > MAX_ENTRY_BYTES) return zip.readEntry();
        zip.openReadStream(entry, (e2, stream) => {
          if (e2 || !stream) return bad(e2);
          const chunks: Buffer[] = [];
          let size = 0;
          stream.on('data', (c: Buffer) => {
            size += c.length;
            if (size > MAX_ENTRY_BYTES) stream.destroy(new Error(`entry ${entry.fileName} is larger than declared`));
            else chunks.push(c);
          });
          stream.on('error', bad);
          stream.on('end', () => {
            out.push({ name: entry.fileName, data: Buffer.concat(chunks) });
            zip.readEntry();
          });
        });
      });
      zip.readEntry();
    });
  });
}
