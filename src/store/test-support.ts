// Helpers shared by the store tests: small source trees and a reader that collects everything.
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { StoreReader } from './reader.ts';
import type { CatalogEntry, ObjectMeta } from './types.ts';
import type { StoreWriter } from './writer.ts';

export interface SourceFile {
  readonly winPath: string;
  readonly hostPath: string;
  readonly content: Buffer;
}

export function tempDir(t: { after(fn: () => void): void }, prefix = 'ferry-store-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A few files of telling sizes: empty, tiny, text, and random data spanning several 4 MiB chunks. */
export function makeSource(root: string, bigBytes = 9 * 1024 * 1024): SourceFile[] {
  const files: Array<[string, Buffer]> = [
    ['Users/alice/Documents/empty.txt', Buffer.alloc(0)],
    ['Users/alice/Documents/hello.txt', Buffer.from('hello, world\n')],
    ['Users/alice/Documents/report long name é 名前.docx', Buffer.from('word '.repeat(50_000))],
    ['Users/bob/Videos/clip.mp4', randomBytes(bigBytes)],
    ['Users/bob/AppData/Roaming/app.ini', Buffer.from('[x]\ny=1\n')],
  ];
  return files.map(([rel, content]) => {
    const hostPath = join(root, rel);
    mkdirSync(join(hostPath, '..'), { recursive: true });
    writeFileSync(hostPath, content);
    return { winPath: `C:\\${rel.replaceAll('/', '\\')}`, hostPath, content };
  });
}

export function metaOf(f: SourceFile): ObjectMeta {
  const st = statSync(f.hostPath);
  const user = f.winPath.split('\\')[2]!;
  return {
    kind: 'file',
    winPath: f.winPath,
    user: { name: user, domain: 'PC01' },
    component: 'Documents',
    size: st.size,
    mtimeMs: st.mtimeMs,
    atimeMs: st.atimeMs,
    birthtimeMs: st.birthtimeMs,
    attributes: 0x20,
  };
}

export async function addAll(writer: StoreWriter, files: SourceFile[]): Promise<void> {
  await writer.addDirectory({ kind: 'dir', winPath: 'C:\\Users\\alice', mtimeMs: 1, atimeMs: 1, birthtimeMs: 1, attributes: 0x10 });
  for (const f of files) await writer.addFile(metaOf(f), f.hostPath);
  await writer.addRegistry({
    kind: 'registry',
    winPath: 'HKCU\\Software\\Ferry [Color]',
    hive: 'HKCU',
    key: 'Software\\Ferry',
    valueName: 'Color',
    regType: 'REG_SZ',
    data: Buffer.from('b\u0000l\u0000u\u0000e\u0000\u0000\u0000'),
  });
}

export async function readAll(reader: StoreReader): Promise<{ entries: CatalogEntry[]; contents: Map<string, Buffer> }> {
  const entries: CatalogEntry[] = [];
  const contents = new Map<string, Buffer>();
  for await (const e of reader.entries()) {
    entries.push(e);
    if (e.kind === 'file') {
      const parts: Buffer[] = [];
      for await (const p of reader.openContent(e)) parts.push(p as Buffer);
      contents.set(e.winPath, Buffer.concat(parts));
    }
  }
  return { entries, contents };
}
