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
export async function loadSequenceFile(file: string): Promise<LoadedSequence> {
  let buf: Buffer;
  try {
    buf = await readFile(file);
  } catch (err) {
    throw fromSystemError(err, `reading task sequence ${file}`);
  }
  if (buf.length >= 4 && buf.readUInt32LE(0) === 0x04034b50) return loadFromZip(file);
  return parseSequenceDocument(decodeXmlBytes(buf), file);
}

async function loadFromZip(file: string): Promise<LoadedSequence> {
  const entries = await readXmlEntries(file);
  const rank = (name: string) => (/(^|\/)object\.xml$/i.test(name) ? 0 : 1);
  entries.sort((a, b) => rank(a.name) - rank(b.name) || a.name.localeCompare(b.name));
  for (const e of entries) {
    let loaded: LoadedSequence;
    try {
      loaded = parseSequenceDocument(decodeXmlBytes(e.data), `${file}:${e.name}`);
    } catch (err) {
      if (err instanceof FerryError && err.code === 'FERRY_E_TS_INPUT_UNRECOGNIZED' && !/Sequence property/.test(err.message)) continue;
      throw err;
    }
    return { ...loaded, form: 'zip', entry: e.name };
  }
  throw new FerryError('FERRY_E_TS_INPUT_UNRECOGNIZED', `${file}: the zip holds no object.xml with a task sequence (SMS_TaskSequencePackage) and no <sequence> XML.`, {
    details: { file, entries: entries.map((e) => e.name) },
  });
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
