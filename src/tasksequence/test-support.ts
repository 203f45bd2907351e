// Test doubles shared by this folder's tests: a UsmtRunner that records its arguments and
// writes a store header like Ferry's ScanState, and a State Migration Point client in memory.
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SmpPort, SmpPortFactory, SmpGrant, UsmtRunContext, UsmtRunner } from './ports.ts';

export interface RecordedCall {
  tool: 'scanstate' | 'loadstate' | 'usmtutils';
  args: string[];
  cwd: string;
  env: Record<string, string>;
}

/** Write the container header of a store (docs/store-format.md §2) so the store probe finds it. */
export function writeStoreHeader(storePath: string, type: 'compressed' | 'uncompressed' | 'hardlink', encrypted: boolean): void {
  const dir = join(storePath, 'USMT');
  mkdirSync(dir, { recursive: true });
  const json = Buffer.from(
    JSON.stringify({ format: 'ferry-store', version: 1, type, encryption: encrypted ? { cipher: 'AES-256-GCM', algId: 'AES_256' } : null }),
  );
  const head = Buffer.alloc(16);
  head.write('FERRYMIG', 0, 'latin1');
  head.writeUInt16LE(1, 8);
  head.writeUInt32LE(json.length, 12);
  writeFileSync(join(dir, type === 'compressed' ? 'USMT.MIG' : 'catalog.mig'), Buffer.concat([head, json]));
}

export function recordingUsmt(codes: Partial<Record<RecordedCall['tool'], number[]>> = {}): UsmtRunner & { calls: RecordedCall[] } {
  const calls: RecordedCall[] = [];
  const next = (tool: RecordedCall['tool']) => codes[tool]?.shift() ?? 0;
  const record = (tool: RecordedCall['tool'], args: string[], ctx: UsmtRunContext) =>
    calls.push({ tool, args, cwd: ctx.cwd, env: ctx.env });
  return {
    calls,
    async scanstate(args, ctx) {
      record('scanstate', args, ctx);
      const code = next('scanstate');
      if (code === 0 || code === 3) {
        const type = args.includes('/hardlink') ? 'hardlink' : args.includes('/nocompress') ? 'uncompressed' : 'compressed';
        writeStoreHeader(
          args[0]!,
          type,
          args.some((a) => a.startsWith('/encrypt')),
        );
      }
      return code;
    },
    async loadstate(args, ctx) {
      record('loadstate', args, ctx);
      return next('loadstate');
    },
    async usmtutils(args, ctx) {
      record('usmtutils', args, ctx);
      const code = next('usmtutils');
      if (code === 0 && args[0]?.toLowerCase() === '/rd' && args[1]) rmSync(args[1], { recursive: true, force: true });
      return code;
    },
  };
}

export interface FakeSmp {
  factory: SmpPortFactory;
  log: string[];
  /** Stores held "on the SMP": storeId → folder. */
  stores: Map<string, string>;
}

/** An in-memory state migration point: capture grants, uploads copy folders, restores download them. */
export function fakeSmp(root: string): FakeSmp {
  const log: string[] = [];
  const stores = new Map<string, string>();
  let n = 0;
  const grant = (kind: 'capture' | 'restore'): SmpGrant => {
    const storeId = kind === 'capture' ? `store${++n}` : ([...stores.keys()].at(-1) ?? 'none');
    return { storeId, kind, location: `http://smp.test/stores/${storeId}`, key: 'a2V5LWZvci10ZXN0cw==' };
  };
  const factory: SmpPortFactory = (settings) => {
    log.push(`client retry=${settings.retryCount} delay=${settings.retryDelaySeconds} naa=${settings.fallbackToNaa}`);
    const client: SmpPort = {
      async requestCapture() {
        log.push('requestCapture');
        return grant('capture');
      },
      async requestRestore() {
        log.push('requestRestore');
        return grant('restore');
      },
      async upload(storeDir, location) {
        log.push(`upload ${location}`);
        const id = location.split('/').at(-1)!;
        const dest = join(root, id);
        mkdirSync(dest, { recursive: true });
        cpSync(storeDir, dest, { recursive: true });
        stores.set(id, dest);
        return { manifestDigest: `digest-${id}` };
      },
      async download(location, destDir) {
        log.push(`download ${location}`);
        const id = location.split('/').at(-1)!;
        cpSync(stores.get(id)!, destDir, { recursive: true });
        return { manifestDigest: `digest-${id}` };
      },
      async release(g, report) {
        log.push(`release ${g.kind} ${g.location}${report ? ` verified=${report.verified} digest=${report.manifestDigest}` : ''}`);
        return {};
      },
    };
    return client;
  };
  return { factory, log, stores };
}

export function tempDir(prefix: string): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A small USMT package folder: MigUser.xml takes every user's Documents, MigApp.xml is empty. */
export function writeDocumentsPackage(dir: string): string {
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'MigUser.xml'),
    `<?xml version="1.0" encoding="UTF-8"?>
<migration urlid="http://www.microsoft.com/migration/1.0/migxmlext/miguser">
  <component type="Documents" context="User">
    <displayName>Documents</displayName>
    <role role="Data"><rules><include><objectSet><pattern type="File">%CSIDL_PERSONAL%\\* [*]</pattern></objectSet></include></rules></role>
  </component>
</migration>
`,
  );
  writeFileSync(
    join(dir, 'MigApp.xml'),
    '<?xml version="1.0" encoding="UTF-8"?>\n<migration urlid="http://www.microsoft.com/migration/1.0/migxmlext/migapp"></migration>\n',
  );
  return dir;
}
