// Reading a task sequence from what administrators have at hand: the plain `<sequence>` XML, the
// console's `object.xml` (an `SMS_TaskSequencePackage` instance whose `Sequence` property holds
// the sequence as text), or the console's export zip that holds such an object.xml.
import { open, readFile } from 'node:fs/promises';
import yauzl from 'yauzl';
import { FerryError, fromSystemError } from '../errors/index.ts';
import { checkSequenceLimits, checkXmlSize, TS_LIMITS, tooLarge } from './limits.ts';
import type { TaskSequence } from './model.ts';
import { parseSequenceElement, parseXmlDocument, parseSequenceXml } from './xml.ts';
import type { Element as XElement } from '@xmldom/xmldom';

/** A task sequence read by `loadSequenceFile`, with the package and export it came from (when it came in one). */
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

/** What a console export zip holds: its task sequences, what each references, and the other content. */
export interface ExportSummary {
  sequences: {
    packageId: string;
    name?: string;
    entry: string;
    references: { id: string; kind?: string; name?: string; version?: string; inExport: boolean }[];
  }[];
  /** Everything that is not a task sequence, kept as referenced content. */
  content: ExportObject[];
}

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
  // An object.xml escapes the sequence it holds, so it may be larger than the sequence itself.
  if (text.length > TS_LIMITS.maxZipEntryBytes)
    throw tooLarge(source, `the file is larger than ${TS_LIMITS.maxZipEntryBytes} characters`, { limit: TS_LIMITS.maxZipEntryBytes });
  const root = parseXmlDocument(text, source);
  const rootName = root.localName ?? root.nodeName;
  if (rootName === 'sequence') {
    checkXmlSize(text, source);
    const sequence = parseSequenceElement(root, source);
    checkSequenceLimits(sequence, source);
    return { sequence, form: 'sequence' };
  }
  const instance = findTaskSequenceInstance(root);
  if (!instance) {
    throw new FerryError(
      'FERRY_E_TS_INPUT_UNRECOGNIZED',
      `${source}: <${rootName}> is neither a <sequence> nor an SMS_TaskSequencePackage instance with a ` +
        `Sequence property. Give the sequence XML, the console's object.xml or its export zip.`,
      { details: { source, root: rootName } },
    );
  }
  const props = instanceProperties(instance);
  const sequenceText = props.get('sequence');
  if (sequenceText === undefined || sequenceText.trim() === '') {
    throw new FerryError(
      'FERRY_E_TS_INPUT_UNRECOGNIZED',
      `${source}: the SMS_TaskSequencePackage instance has no Sequence property value.`,
      { details: { source } },
    );
  }
  const pkg: LoadedSequence['package'] = {};
  if (props.has('packageid')) pkg.packageId = props.get('packageid')!;
  if (props.has('name')) pkg.name = props.get('name')!;
  if (props.has('description')) pkg.description = props.get('description')!;
  const inner = `${source} (Sequence property)`;
  checkXmlSize(sequenceText, inner);
  const sequence = parseSequenceXml(sequenceText, inner);
  checkSequenceLimits(sequence, inner);
  return { sequence, form: 'object.xml', package: pkg };
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
  return all.find(
    (e) =>
      /^INSTANCE$/i.test(e.localName ?? e.nodeName) &&
      /SMS_TaskSequencePackage/i.test(e.getAttribute('CLASSNAME') ?? e.getAttribute('classname') ?? ''),
  );
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
    for (let v = el.firstChild; v; v = v.nextSibling)
      if (v.nodeType === 1 && /^VALUE$/i.test((v as XElement).localName ?? v.nodeName)) value = v.textContent ?? '';
    if (name && value !== undefined) props.set(name, value);
  }
  return props;
}

/** Load a task sequence from a file in any of the three forms. */
export async function loadSequenceFile(file: string, options: { packageId?: string } = {}): Promise<LoadedSequence> {
  let size: number;
  const magic = Buffer.alloc(4);
  try {
    const fh = await open(file, 'r');
    try {
      size = (await fh.stat()).size;
      await fh.read(magic, 0, 4, 0);
    } finally {
      await fh.close();
    }
  } catch (err) {
    throw fromSystemError(err, `reading task sequence ${file}`);
  }
  if (size >= 4 && magic.readUInt32LE(0) === 0x04034b50) return loadFromZip(file, options.packageId);
  // UTF-16 doubles the bytes of the characters the limits count.
  if (size > 2 * TS_LIMITS.maxZipEntryBytes) throw tooLarge(file, `the file is ${size} bytes`, { bytes: size });
  let buf: Buffer;
  try {
    buf = await readFile(file);
  } catch (err) {
    throw fromSystemError(err, `reading task sequence ${file}`);
  }
  return parseSequenceDocument(decodeXmlBytes(buf), file);
}

/** Load a task sequence from a file; in an export zip, `packageId` picks one of several sequences. */
async function loadFromZip(file: string, packageId?: string): Promise<LoadedSequence> {
  const entries = await readXmlEntries(file);
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
    throw new FerryError(
      'FERRY_E_TS_INPUT_UNRECOGNIZED',
      `${file}: the zip holds no object.xml with a task sequence (SMS_TaskSequencePackage) and no <sequence> XML.`,
      {
        details: { file, entries: entries.map((e) => e.name) },
      },
    );
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
          const o = content.find(
            (c) =>
              c.id.toLowerCase() === ref.toLowerCase() ||
              c.id.toLowerCase().startsWith(`${ref.toLowerCase()}/`) ||
              ref.toLowerCase().startsWith(`${c.id.toLowerCase()}/`),
          );
          return o
            ? {
                id: o.id,
                kind: o.kind,
                inExport: true,
                ...(o.name !== undefined ? { name: o.name } : {}),
                ...(o.version !== undefined ? { version: o.version } : {}),
              }
            : { id: ref, inExport: false };
        }),
      };
    }),
    content,
  };
  const pick =
    packageId === undefined ? sequences[0]! : sequences.find((s) => (s.package?.packageId ?? '').toLowerCase() === packageId.toLowerCase());
  if (!pick) {
    throw new FerryError(
      'FERRY_E_TS_INPUT_UNRECOGNIZED',
      `${file}: no task sequence ${packageId} in the export; it holds ${sequences.map((s) => s.package?.packageId ?? s.entry).join(', ')}.`,
      {
        details: { file, packageId },
      },
    );
  }
  const { refs: _refs, ...loaded } = pick;
  return { ...loaded, export: summary };
}

/** `PROPERTY.ARRAY NAME="References"` → the `Package` of each embedded SMS_TaskSequence_Reference. */
function embeddedReferences(instance: XElement): string[] {
  const out: string[] = [];
  for (const el of descendants(instance)) {
    if (!/^INSTANCE$/i.test(el.localName ?? el.nodeName) || !/SMS_TaskSequence_Reference/i.test(el.getAttribute('CLASSNAME') ?? ''))
      continue;
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
      else if (!('unknown' in n))
        for (const [k, v] of Object.entries(n.properties)) if (/PackageID$/i.test(k) && typeof v === 'string' && v !== '') out.push(v);
    }
  };
  walk(seq.children);
  return out;
}

/**
 * The XML entries of a console export zip. The central directory is listed first without reading
 * any content; then the entries are read one at a time, each within the per-entry limit and all
 * within the total, so a small zip declaring huge entries fails fast.
 */
async function readXmlEntries(file: string): Promise<{ name: string; data: Buffer }[]> {
  const zip = await openZip(file);
  try {
    const listed = await listXmlEntries(zip, file);
    const total = listed.reduce((n, e) => n + e.uncompressedSize, 0);
    if (total > TS_LIMITS.maxZipXmlBytes)
      throw tooLarge(file, `its XML entries hold ${total} bytes together, more than ${TS_LIMITS.maxZipXmlBytes}`, {
        bytes: total,
        limit: TS_LIMITS.maxZipXmlBytes,
      });
    listed.sort((a, b) => a.fileName.localeCompare(b.fileName));
    const out: { name: string; data: Buffer }[] = [];
    for (const e of listed) out.push({ name: e.fileName, data: await readEntry(zip, e, file) });
    return out;
  } finally {
    zip.close();
  }
}

const MAX_ZIP_ENTRIES = 100_000;

function notZip(file: string, err: unknown): FerryError {
  return new FerryError('FERRY_E_TS_INPUT_UNRECOGNIZED', `${file}: not a readable zip file (${(err as Error)?.message ?? String(err)}).`, {
    cause: err,
    details: { file },
  });
}

function openZip(file: string): Promise<yauzl.ZipFile> {
  return new Promise((resolve, reject) => {
    yauzl.open(file, { lazyEntries: true, autoClose: false, strictFileNames: false, validateEntrySizes: true }, (err, zip) =>
      err || !zip ? reject(notZip(file, err)) : resolve(zip),
    );
  });
}

/** The XML entries' directory records (no content read); one over the per-entry limit is refused. */
function listXmlEntries(zip: yauzl.ZipFile, file: string): Promise<yauzl.Entry[]> {
  return new Promise((resolve, reject) => {
    const out: yauzl.Entry[] = [];
    let seen = 0;
    const fail = (err: unknown) => {
      zip.removeAllListeners('entry');
      reject(err instanceof FerryError ? err : notZip(file, err));
    };
    zip.on('error', fail);
    zip.on('end', () => resolve(out));
    zip.on('entry', (entry: yauzl.Entry) => {
      if (++seen > MAX_ZIP_ENTRIES)
        return fail(tooLarge(file, `the zip lists more than ${MAX_ZIP_ENTRIES} entries`, { limit: MAX_ZIP_ENTRIES }));
      if (/\.xml$/i.test(entry.fileName)) {
        if (entry.uncompressedSize > TS_LIMITS.maxZipEntryBytes) {
          return fail(
            tooLarge(`${file}:${entry.fileName}`, `the entry is ${entry.uncompressedSize} bytes, more than ${TS_LIMITS.maxZipEntryBytes}`, {
              bytes: entry.uncompressedSize,
              limit: TS_LIMITS.maxZipEntryBytes,
            }),
          );
        }
        out.push(entry);
      }
      zip.readEntry();
    });
    zip.readEntry();
  });
}

/** One entry's bytes; yauzl checks that it inflates to exactly its declared (bounded) size. */
function readEntry(zip: yauzl.ZipFile, entry: yauzl.Entry, file: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    zip.openReadStream(entry, (err, stream) => {
      if (err || !stream) return reject(notZip(file, err));
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('error', (e) => reject(notZip(file, e)));
      stream.on('end', () => resolve(Buffer.concat(chunks)));
    });
  });
}
