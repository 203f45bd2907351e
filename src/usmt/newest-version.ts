// NewestVersion() at LoadState (migxml.md §5.6): the store's file and the one already on the
// target are compared by their version resources. The store's copy is read from its content
// (the linked file of a hard-link store, else the decoded stream, up to a size any versioned
// executable fits in); a larger file is not judged, so the target keeps its copy.
import { bufferFileVersion, readFileVersion, type FileVersionInfo } from '../migxml/index.ts';
import { compareFileVersions } from '../migxml/index.ts';
import type { ScriptCall } from '../migxml/index.ts';
import type { FileEntry, StoreReader } from '../store/index.ts';

const MAX_IMAGE_BYTES = 256 * 1024 * 1024;

async function storeFileVersion(reader: StoreReader, entry: FileEntry): Promise<FileVersionInfo | null> {
  if (reader.type === 'hardlink' && 'path' in entry.content) return readFileVersion(`${reader.paths.usmtDir}/${entry.content.path}`);
  if (entry.size > MAX_IMAGE_BYTES) return null;
  const chunks: Buffer[] = [];
  // Copied as read: LoadState's reader frees each chunk once it has read two past it.
  for await (const c of reader.content(entry)) chunks.push(Buffer.from(c));
  return bufferFileVersion(Buffer.concat(chunks));
}

/** Sign of (store version − target version) for a NewestVersion merge; 0 when either has none. */
export async function newestVersionCompare(
  merge: ScriptCall,
  reader: StoreReader,
  entry: FileEntry,
  targetHostPath: string,
): Promise<number> {
  const destination = await readFileVersion(targetHostPath);
  if (!destination) return 0;
  return compareFileVersions(merge.args[0], await storeFileVersion(reader, entry), destination);
}
