// XML import/export of the site's task sequences through the task sequence module's own
// parser and serializer (the `<sequence>` XML, or a console object.xml holding one).
import { FerryError } from '../errors/index.ts';
import { parseSequenceDocument } from '../tasksequence/index.ts';
import { serializeSequenceXml } from '../tasksequence/index.ts';
import type { TaskSequence } from '../tasksequence/index.ts';

/** Parse uploaded XML; anything unreadable is the uploader's input error (400), with its code kept. */
export function importSequenceXml(xml: string): TaskSequence {
  let loaded;
  try {
    loaded = parseSequenceDocument(xml.replace(/^\uFEFF/, ''), 'uploaded XML');
  } catch (err) {
    if (err instanceof FerryError && err.httpStatus >= 400 && err.httpStatus < 500) throw err;
    if (err instanceof FerryError)
      throw new FerryError('FERRY_E_SITE_INVALID', `The XML cannot be imported: ${err.code}: ${err.message}`, {
        cause: err,
        details: { code: err.code, ...err.details },
      });
    throw err;
  }
  const seq = loaded.sequence;
  const name = seq.name ?? loaded.package?.name;
  const description = seq.description ?? loaded.package?.description;
  return { ...seq, ...(name ? { name } : {}), ...(description ? { description } : {}) };
}

export function exportSequenceXml(seq: TaskSequence): string {
  return serializeSequenceXml(seq);
}
