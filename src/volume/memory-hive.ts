// Test support: a Hive held in memory, built from `{ 'Key\\Path': { Value: [type, data] } }`,
// for unit tests of code that reads hives (environment, ProfileList) without regf files.
import type { Hive, RegData, RegKey, RegValue } from '../registry/index.ts';

export type MemoryValues = Record<string, readonly [number, RegData]>;

class MemoryKey implements RegKey {
  readonly name: string;
  readonly path: string;
  readonly lastWrittenMs = 0;
  readonly children = new Map<string, MemoryKey>();
  readonly vals = new Map<string, RegValue>();

  constructor(name: string, path: string) {
    this.name = name;
    this.path = path;
  }

  subkeys(): RegKey[] {
    return [...this.children.values()];
  }

  subkey(name: string): RegKey | null {
    return this.children.get(name.toUpperCase()) ?? null;
  }

  values(): RegValue[] {
    return [...this.vals.values()];
  }

  value(name: string): RegValue | null {
    return this.vals.get(name.toUpperCase()) ?? null;
  }

  child(name: string): MemoryKey {
    let k = this.children.get(name.toUpperCase());
    if (!k) {
      k = new MemoryKey(name, this.path ? `${this.path}\\${name}` : name);
      this.children.set(name.toUpperCase(), k);
    }
    return k;
  }
}

export function memoryHive(keys: Record<string, MemoryValues>): Hive {
  const root = new MemoryKey('ROOT', '');
  for (const [path, values] of Object.entries(keys)) {
    let k = root;
    for (const part of path.split('\\').filter(Boolean)) k = k.child(part);
    for (const [name, [type, data]] of Object.entries(values)) {
      k.vals.set(name.toUpperCase(), { name, type, data, raw: Buffer.isBuffer(data) ? data : Buffer.alloc(0) });
    }
  }
  return {
    root,
    key(path: string): RegKey | null {
      let k: RegKey | null = root;
      for (const part of path.split('\\').filter(Boolean)) {
        k = k.subkey(part);
        if (!k) return null;
      }
      return k;
    },
    close(): void {},
  };
}
