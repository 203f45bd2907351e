// XML import/export of the site's task sequences through the task sequence module's own
// parser and serializer (the `<sequence>` XML, or a console object.xml holding one).
import { parseSequenceDocument } from '../../tasksequence/input.ts';
import { serializeSequenceXml } from '../../tasksequence/xml.ts';
import type { TaskSequence } from '../../tasksequence/model.ts';

export function importSequenceXml(xml: string): TaskSequence {
  const loaded = parseSequenceDocument(xml.replace(/^\uFEFF/, ''), 'uploaded XML');
  const seq = loaded.sequence;
  const name = seq.name ?? loaded.package?.name;
  const description = seq.description ?? loaded.package?.description;
  return { ...seq, ...(name ? { name } : {}), ...(description ? { description } : {}) };
}

export function exportSequenceXml(seq: TaskSequence): string {
  return serializeSequenceXml(seq);
}
