// Test support: a small offline Windows volume on disk, built from a list of Windows paths, so
// rule-engine tests run against the real volume model (openVolume) instead of a fake.
import { setAttributeSync } from '@napi-rs/xattr';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { EventStream } from '../../events/index.ts';
import { openVolume, type OfflineVolume } from '../../volume/index.ts';

export interface TreeItem {
  /** Windows path on C: (`C:\Users\bob\x.txt`); a trailing `\` makes a folder. */
  readonly path: string;
  readonly content?: string | Buffer;
  /** FILE_ATTRIBUTE_* bits, written as Samba's `user.DOSATTRIB`. */
  readonly attributes?: number;
}

export interface Tree {
  readonly root: string;
  readonly windowsDir: string;
  readonly events: EventStream;
  open(): Promise<OfflineVolume>;
  cleanup(): void;
}

const hostOf = (root: string, winPath: string) =>
  join(
    root,
    ...winPath
      .replace(/^[A-Za-z]:\\?/, '')
      .split('\\')
      .filter(Boolean),
  );

/** Build the tree; users are given as profile folders with an (empty) NTUSER.DAT. */
export function makeTree(items: readonly (TreeItem | string)[], users: readonly string[] = []): Tree {
  const root = mkdtempSync(join(tmpdir(), 'ferry-migxml-'));
  mkdirSync(join(root, 'Windows', 'System32', 'config'), { recursive: true });
  for (const u of users) {
    mkdirSync(join(root, 'Users', u), { recursive: true });
    writeFileSync(join(root, 'Users', u, 'NTUSER.DAT'), '');
  }
  for (const raw of items) {
    const item = typeof raw === 'string' ? { path: raw } : raw;
    const host = hostOf(root, item.path);
    if (item.path.endsWith('\\')) mkdirSync(host, { recursive: true });
    else {
      mkdirSync(dirname(host), { recursive: true });
      writeFileSync(host, item.content ?? `content of ${item.path}`);
    }
    if (item.attributes !== undefined) setAttributeSync(host, 'user.DOSATTRIB', `0x${item.attributes.toString(16)}`);
  }
  const events = new EventStream();
  return {
    root,
    windowsDir: join(root, 'Windows'),
    events,
    open: () => openVolume(join(root, 'Windows'), { events }),
    cleanup: () => rmSync(root, { recursive: true, force: true }),
  };
}
