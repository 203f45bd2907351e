// Safe loading of rule and Config.xml files. MigXML files come from administrators and from the
// internet, so we refuse what has no business in them: files too large to be rules and absurdly
// long attribute values before parsing, and DTDs (entity-expansion bombs, external entities) in
// the parser itself (src/text/xml.ts). Errors carry the file and line.
import { readFile, stat } from 'node:fs/promises';
import type { Element, Node } from '@xmldom/xmldom';
import { parseXmlRefusingDtd } from '../text/index.ts';
import { FerryError, fromSystemError, type ErrorCode } from '../errors/index.ts';

/** The shipped MigApp.xml is 650 KB; 32 MiB leaves room for any real rule file. */
export const MAX_XML_BYTES = 32 * 1024 * 1024;
/** The longest attribute in the shipped files is a few hundred characters. */
export const MAX_ATTRIBUTE_CHARS = 64 * 1024;

export interface LoadedXml {
  readonly file: string;
  readonly root: Element;
}

export interface LoadXmlOptions {
  /** Code for a file that cannot be found or read. */
  readonly missingCode?: ErrorCode;
  /** Code for content that is not acceptable. */
  readonly malformedCode?: ErrorCode;
}

function lineOf(text: string, index: number): number {
  let line = 1;
  for (let i = text.indexOf('\n'); i !== -1 && i < index; i = text.indexOf('\n', i + 1)) line++;
  return line;
}

/** Index of the start of an attribute value longer than the cap, or -1 (a cheap scan, no regex backtracking). */
function findLongAttribute(text: string, max: number): number {
  let i = 0;
  for (;;) {
    const eq = text.indexOf('=', i);
    if (eq === -1) return -1;
    let j = eq + 1;
    while (text[j] === ' ' || text[j] === '\t' || text[j] === '\r' || text[j] === '\n') j++;
    const q = text[j];
    if (q === '"' || q === "'") {
      const end = text.indexOf(q, j + 1);
      const len = (end === -1 ? text.length : end) - j - 1;
      if (len > max) return j;
      i = end === -1 ? text.length : end + 1;
    } else {
      i = eq + 1;
    }
  }
}

/** Parse XML text that was already read (tests, generated Config.xml). */
export function parseXmlText(text: string, file: string, malformedCode: ErrorCode = 'FERRY_E_XML_MALFORMED'): LoadedXml {
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const long = findLongAttribute(text, MAX_ATTRIBUTE_CHARS);
  if (long !== -1) {
    const line = lineOf(text, long);
    throw new FerryError(
      malformedCode,
      `${file}:${line}: an attribute value is longer than ${MAX_ATTRIBUTE_CHARS} characters; this is not a rule file.`,
      { details: { file, line } },
    );
  }
  const parsed = parseXmlRefusingDtd(text);
  if (!parsed.ok) {
    const { line, column } = parsed;
    const what = parsed.dtd
      ? 'DTD and entity declarations are not allowed in rule files; remove the <!DOCTYPE …> / <!ENTITY …> declaration.'
      : `the XML is not well-formed (${parsed.message}). Fix the file at that line and column.`;
    throw new FerryError(malformedCode, `${file}${line ? `:${line}${column ? `:${column}` : ''}` : ''}: ${what}`, {
      details: { file, line, column },
    });
  }
  const doc = parsed.doc;
  const root = doc.documentElement;
  if (!root) throw new FerryError(malformedCode, `${file}: the file holds no XML element.`, { details: { file } });
  return { file, root };
}

/** Read and parse an XML file with the safety limits above. */
export async function loadXmlFile(file: string, options: LoadXmlOptions = {}): Promise<LoadedXml> {
  const missingCode = options.missingCode ?? 'FERRY_E_IO';
  const malformedCode = options.malformedCode ?? 'FERRY_E_XML_MALFORMED';
  let size: number;
  try {
    const st = await stat(file);
    if (!st.isFile()) throw new FerryError(missingCode, `${file} is not a file.`, { details: { file } });
    size = st.size;
  } catch (err) {
    if (err instanceof FerryError) throw err;
    const sys = fromSystemError(err, `reading ${file}`);
    throw new FerryError(missingCode, `Cannot read ${file}: ${sys.message}`, { cause: err, details: { file } });
  }
  if (size > MAX_XML_BYTES) {
    throw new FerryError(
      malformedCode,
      `${file} is ${size} bytes, more than the ${MAX_XML_BYTES}-byte limit for XML rule files; this is not a rule file.`,
      { details: { file, size } },
    );
  }
  let buf: Buffer;
  try {
    buf = await readFile(file);
  } catch (err) {
    const sys = fromSystemError(err, `reading ${file}`);
    throw new FerryError(missingCode, `Cannot read ${file}: ${sys.message}`, { cause: err, details: { file } });
  }
  let text: string;
  if (buf[0] === 0xff && buf[1] === 0xfe) text = buf.subarray(2).toString('utf16le');
  else text = new TextDecoder('utf-8', { fatal: false }).decode(buf);
  return parseXmlText(text, file, malformedCode);
}

// ── DOM helpers ────────────────────────────────────────────────────────────────────────────

export function lineOfNode(node: Node): number | undefined {
  return (node as unknown as { lineNumber?: number }).lineNumber;
}

export function columnOfNode(node: Node): number | undefined {
  return (node as unknown as { columnNumber?: number }).columnNumber;
}

/** The element children of an element, in document order (text and comments skipped). */
export function childElements(el: Element): Element[] {
  const out: Element[] = [];
  for (let n = el.firstChild; n; n = n.nextSibling) if (n.nodeType === 1) out.push(n as Element);
  return out;
}

/** Text content of an element, trimmed (CRLF folded). */
export function textOf(el: Element): string {
  return (el.textContent ?? '').replace(/\r\n?/g, '\n').trim();
}

/** Attribute lookup that tolerates case differences in the attribute name (`From`/`from`). */
export function attr(el: Element, name: string): string | undefined {
  if (el.hasAttribute(name)) return el.getAttribute(name) ?? undefined;
  const lower = name.toLowerCase();
  const attrs = el.attributes;
  for (let i = 0; i < attrs.length; i++) {
    const a = attrs.item(i);
    if (a && a.name.toLowerCase() === lower) return a.value;
  }
  return undefined;
}
