// Which Windows folder an offline ScanState reads (spec/usmt-cli.md §2.2, §9):
// `/offlinewindir:` names it; `/offlinewinold:` names a Windows.old folder (its `Windows`
// subfolder is the installation); `/offline:Offline.xml` lists candidates in `<winDir><path>`,
// the first valid one wins, and `<failOnMultipleWinDir>1` refuses more than one valid one.
import { existsSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { loadXmlFile, childElements, textOf } from '../migxml/index.ts';
import { usmtError } from './usmt-error.ts';
import type { OfflineSource } from './scanstate-options.ts';

/** A folder that holds `System32` (any case) is taken as a Windows installation. */
export function looksLikeWindowsDir(dir: string): boolean {
  try {
    if (!statSync(dir).isDirectory()) return false;
  } catch {
    return false;
  }
  return ['System32', 'system32', 'SYSTEM32'].some((s) => existsSync(join(dir, s)));
}

export async function offlineWindowsDir(source: OfflineSource, cwd = process.cwd()): Promise<string> {
  switch (source.kind) {
    case 'windir':
      return resolve(cwd, source.path);
    case 'winold': {
      const old = resolve(cwd, source.path);
      for (const name of ['Windows', 'WINDOWS', 'windows']) if (looksLikeWindowsDir(join(old, name))) return join(old, name);
      throw usmtError(
        'FERRY_E_INVALID_ARGUMENT',
        `/offlinewinold requires a Windows.old folder that holds a Windows installation: ${old} has no Windows\\System32.`,
      );
    }
    case 'xml':
      return fromOfflineXml(resolve(cwd, source.path), cwd);
  }
}

async function fromOfflineXml(file: string, cwd: string): Promise<string> {
  let xml;
  try {
    xml = await loadXmlFile(file, { missingCode: 'FERRY_E_INVALID_ARGUMENT', malformedCode: 'FERRY_E_INVALID_ARGUMENT' });
  } catch (err) {
    throw usmtError(
      'FERRY_E_INVALID_ARGUMENT',
      `/offline requires a valid path to an XML file describing offline paths: ${(err as Error).message}`,
      { file },
    );
  }
  if ((xml.root.localName ?? '').toLowerCase() !== 'offline') {
    throw usmtError(
      'FERRY_E_INVALID_ARGUMENT',
      `/offline requires an Offline.xml whose root element is <offline> (${file} has <${xml.root.localName}>).`,
      { file },
    );
  }
  const children = childElements(xml.root);
  const winDir = children.find((e) => (e.localName ?? '').toLowerCase() === 'windir');
  const paths = winDir
    ? childElements(winDir)
        .filter((e) => (e.localName ?? '').toLowerCase() === 'path')
        .map((e) => textOf(e).trim())
        .filter(Boolean)
    : [];
  if (paths.length === 0) throw usmtError('FERRY_E_INVALID_ARGUMENT', `${file}: <winDir> with at least one <path> is required.`, { file });
  const failOnMultiple = children.some((e) => (e.localName ?? '').toLowerCase() === 'failonmultiplewindir' && textOf(e).trim() === '1');
  // Candidate paths are host paths; a volume root given instead of its Windows folder also counts.
  const valid = paths
    .map((p) => resolve(cwd, p))
    .map((p) => (looksLikeWindowsDir(p) ? p : looksLikeWindowsDir(join(p, 'Windows')) ? join(p, 'Windows') : null))
    .filter((p): p is string => p !== null);
  if (valid.length === 0) {
    throw usmtError(
      'FERRY_E_USMT_INIT_ERROR',
      `Unable to find a valid Windows directory to proceed with requested offline operation: ` +
        `none of ${paths.join(', ')} (from ${file}) holds a Windows installation.`,
      { file },
    );
  }
  if (failOnMultiple && new Set(valid.map((v) => dirname(v))).size > 1) {
    throw usmtError(
      'FERRY_E_USMT_INIT_ERROR',
      `Multiple Windows installations found (${valid.join(', ')}) and ${file} sets <failOnMultipleWinDir>1.`,
      { file },
    );
  }
  return valid[0]!;
}
