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

export interface LoadedSequence {
  sequence: TaskSequence;
  /** How the file held it. */
  form: 'sequence' | 'object.xml' | 'zip';
  /** The task sequence package's own properties, when the file carries them. */
  package?: { packageId?: string; name?: string; description?: string };
  /** The zip entry the sequence came from. */
  entry?: string;
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
  if (text.length > TS_LIMITS.maxZipEntryBytes) throw tooLarge(source, `the file is larger than ${TS_LIMITS.maxZipEntryBytes} characters`, { limit: TS_LIMITS.maxZipEntryBytes });
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
  if (size >= 4 && magic.readUInt32LE(0) === 0x04034b50) return loadFromZip(file);
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

/**
 * The sequence of a console export zip. The central directory is listed first without reading
 * any content; then the XML entries are read one at a time (object.xml first), each within the
 * per-entry limit and all within the total, so a small zip declaring huge entries fails fast.
 */
async function loadFromZip(file: string): Promise<LoadedSequence> {
  const zip = await openZip(file);
  try {
    const entries = await listXmlEntries(zip, file);
    const rank = (name: string) => (/(^|\/)object\.xml$/i.test(name) ? 0 : 1);
    entries.sort((a, b) => rank(a.fileName) - rank(b.fileName) || a.fileName.localeCompare(b.fileName));
    const total = entries.reduce((n, e) => n + e.uncompressedSize, 0);
    if (total > TS_LIMITS.maxZipXmlBytes) throw tooLarge(file, `its XML entries hold ${total} bytes together, more than ${TS_LIMITS.maxZipXmlBytes}`, { bytes: total, limit: TS_LIMITS.maxZipXmlBytes });
    for (const e of entries) {
      const data = await readEntry(zip, e, file);
      let loaded: LoadedSequence;
      try {
        loaded = parseSequenceDocument(decodeXmlBytes(data), `${file}:${e.fileName}`);
      } catch (err) {
        if (err instanceof FerryError && err.code === 'FERRY_E_TS_INPUT_UNRECOGNIZED' && !/Sequence property/.test(err.message)) continue;
        throw err;
      }
      return { ...loaded, form: 'zip', entry: e.fileName };
    }
    throw new FerryError('FERRY_E_TS_INPUT_UNRECOGNIZED', `${file}: the zip holds no object.xml with a task sequence (SMS_TaskSequencePackage) and no <sequence> XML.`, {
      details: { file, entries: entries.map((e) => e.fileName) },
    });
  } finally {
    zip.close();
  }
}

const MAX_ZIP_ENTRIES = 100_000;

function notZip(file: string, err: unknown): FerryError {
  return new FerryError('FERRY_E_TS_INPUT_UNRECOGNIZED', `${file}: not a readable zip file (${(err as Error)?.message ?? String(err)}).`, { cause: err, details: { file } });
}

function openZip(file: string): Promise<yauzl.ZipFile> {
  return new Promise((resolve, reject) => {
    yauzl.open(file, { lazyEntries: true, autoClose: false, strictFileNames: false, validateEntrySizes: true }, (err, zip) => (err || !zip ? reject(notZip(file, err)) : resolve(zip)));
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
      if (++seen > MAX_ZIP_ENTRIES) return fail(tooLarge(file, `the zip lists more than ${MAX_ZIP_ENTRIES} entries`, { limit: MAX_ZIP_ENTRIES }));
      if (/\.xml$/i.test(entry.fileName)) {
        if (entry.uncompressedSize > TS_LIMITS.maxZipEntryBytes) {
          return fail(tooLarge(`${file}:${entry.fileName}`, `the entry is ${entry.uncompressedSize} bytes, more than ${TS_LIMITS.maxZipEntryBytes}`, { bytes: entry.uncompressedSize, limit: TS_LIMITS.maxZipEntryBytes }));
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
