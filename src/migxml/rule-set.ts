// Loading the `/i` files as one rule set (spec §1): a urlid may appear once — a later file with
// the same urlid is skipped with a warning — and MigDocs.xml with MigUser.xml draws a warning.
import type { EventStream } from '../events/index.ts';
import type { RuleFile } from './model.ts';
import { loadRuleFile } from './parser.ts';

const MIGDOCS = /\/migxmlext\/migdocs$/i;
const MIGUSER = /\/migxmlext\/miguser$/i;

/** Keep the first file of each urlid, warning about the others. */
export function dedupeRuleFiles(files: readonly RuleFile[], events?: EventStream): RuleFile[] {
  const seen = new Map<string, RuleFile>();
  for (const f of files) {
    const key = f.urlid.toLowerCase();
    const first = seen.get(key);
    if (first) {
      events?.warn(
        'FERRY_W_MIGXML_DUPLICATE_URLID',
        `${f.file} has the same urlid as ${first.file} (${f.urlid}); it was not processed.`,
        f.file,
      );
      continue;
    }
    seen.set(key, f);
  }
  const kept = [...seen.values()];
  for (const f of kept) for (const w of f.warnings ?? []) events?.warn(w.code, w.message, f.file);
  if (kept.some((f) => MIGDOCS.test(f.urlid)) && kept.some((f) => MIGUSER.test(f.urlid))) {
    events?.warn(
      'FERRY_W_MIGDOCS_WITH_MIGUSER',
      'MigDocs.xml and MigUser.xml were both given: they collect the same files with different rules; use one of them.',
    );
  }
  return kept;
}

/** Load every `/i` file in command-line order. */
export async function loadRuleSet(paths: readonly string[], events?: EventStream): Promise<RuleFile[]> {
  const files: RuleFile[] = [];
  for (const p of paths) files.push(await loadRuleFile(p));
  return dedupeRuleFiles(files, events);
}
