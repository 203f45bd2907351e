// Ferry's bundled default migration XML files (src/usmt/xml: MigApp.xml, MigDocs.xml,
// MigUser.xml) and how a relative `/i:` name finds them.
import { existsSync, statSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { terminal } from '../events/index.ts';

/** `FERRY_USMT_XML_DIR` (of the running command's environment), else `src/usmt/xml/`; undefined while that folder does not exist. */
export function builtinXmlDir(): string | undefined {
  const dir = terminal().env.FERRY_USMT_XML_DIR ?? new URL('./xml/', import.meta.url).pathname;
  return existsSync(dir) && statSync(dir).isDirectory() ? dir.replace(/\/+$/, '') : undefined;
}

/** The MigXML files Ferry bundles (Microsoft's defaults), found when `/i:` names them and they are not in the current folder. */
export const BUILTIN_USMT_FILES = ['MigApp.xml', 'MigDocs.xml', 'MigUser.xml'];

/**
 * A relative `/i` file is looked up in the current folder, as USMT does; when it is not there,
 * in the bundled default folder (USMT is normally run from its own folder, which holds
 * MigApp.xml, MigDocs.xml and MigUser.xml). Returns an absolute path; a file found nowhere is
 * returned as given (resolved), so the caller reports it as missing (USMT 28).
 */
export function locateRuleFile(file: string, cwd = terminal().cwd): string {
  const here = resolve(cwd, file);
  if (isAbsolute(file) || existsSync(here)) return here;
  const bundled = builtinXmlDir();
  return bundled && existsSync(join(bundled, file)) ? join(bundled, file) : here;
}
