// The one way Ferry parses untrusted XML (MigXML, Config.xml, task sequences): with xmldom,
// refusing any DTD at the moment the parser itself meets it. A regular-expression pre-scan can be
// fooled (`<?x <!-- ?><!DOCTYPE …><!-- -->` hides the DOCTYPE inside what looks like a comment);
// the parser's own tokenizer cannot. Entity declarations only exist inside a DTD, and an
// undeclared entity reference is an error, so no entity is ever expanded.
import { DOMParser, type Document } from '@xmldom/xmldom';

/** The parsed document, or why it was refused: `dtd` tells a refused DTD from malformed XML. */
export type XmlParseResult =
  | { readonly ok: true; readonly doc: Document }
  | { readonly ok: false; readonly dtd: boolean; readonly message: string; readonly line?: number; readonly column?: number };

interface Locator {
  lineNumber?: number;
  columnNumber?: number;
}

/**
 * Parses untrusted XML, refusing any DTD (so no entity is ever expanded); a result, never a throw.
 * @example
 * const r = parseXmlRefusingDtd(text);
 * if (!r.ok) throw new FerryError('FERRY_E_MIGXML_INVALID', `${r.message} (line ${r.line})`);
 */
export function parseXmlRefusingDtd(text: string): XmlParseResult {
  let first: { message: string; locator?: Locator } | undefined;
  let sawDtd: { line: number | undefined } | undefined;
  const parser = new DOMParser({
    onError: (level, message, context) => {
      // The handler that builds the document has already been handed the DOCTYPE.
      const doctype = (context as unknown as { doc?: Document })?.doc?.doctype;
      if (doctype) {
        sawDtd = { line: (doctype as unknown as Locator).lineNumber };
        throw new Error(message);
      }
      if (level === 'warning') return;
      first ??= { message, locator: { ...((context as unknown as { locator?: Locator })?.locator ?? {}) } };
      throw new Error(message);
    },
  });
  let doc: Document | undefined;
  try {
    doc = parser.parseFromString(text, 'text/xml');
  } catch (err) {
    if (sawDtd) return dtdRefused(sawDtd.line);
    const loc = (err as { locator?: Locator }).locator ?? first?.locator;
    const message =
      err instanceof RangeError ? 'elements are nested too deeply' : (first?.message ?? (err as Error).message ?? String(err));
    return {
      ok: false,
      dtd: false,
      message: message.split('\n')[0]!,
      ...(loc?.lineNumber ? { line: loc.lineNumber } : {}),
      ...(loc?.columnNumber ? { column: loc.columnNumber } : {}),
    };
  }
  if (doc.doctype) return dtdRefused((doc.doctype as unknown as Locator).lineNumber);
  for (let n = doc.firstChild; n; n = n.nextSibling) if (n.nodeType === 10) return dtdRefused((n as unknown as Locator).lineNumber);
  return { ok: true, doc };
}

function dtdRefused(line: number | undefined): XmlParseResult {
  return { ok: false, dtd: true, message: 'the document declares a DTD (<!DOCTYPE …>)', ...(line ? { line } : {}) };
}
