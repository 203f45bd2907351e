// Test support: Debian's hivex tools (libhivex-bin, libwin-hivex-perl) as an independent regf
// implementation, and a Ferry export in exactly hivexregedit's --export text form, so the two
// readers can be compared byte for byte.
import { spawnSync } from 'node:child_process';
import type { RegKey } from '../types.ts';

export function hivexMissing(): string | null {
  for (const tool of ['hivexregedit', 'hivexsh', 'hivexget']) {
    const r = spawnSync('sh', ['-c', `command -v ${tool}`]);
    if (r.status !== 0) return `${tool} is not installed (apt-get install libhivex-bin libwin-hivex-perl)`;
  }
  return null;
}

function run(cmd: string, args: string[], input?: string): string {
  const r = spawnSync(cmd, args, { input, encoding: 'utf8', maxBuffer: 1 << 30, env: { ...process.env, PERL_UNICODE: 'SDA' } });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  return r.stdout;
}

/** `hivexregedit --export HIVE '\'`, Perl I/O in UTF-8 (else Latin-1 names print as raw bytes). */
export function hivexExport(hivePath: string): string {
  return run('hivexregedit', ['--export', hivePath, '\\']);
}

/** `hivexregedit --merge [--prefix P] HIVE` with .reg text (keys must be listed parents first). */
export function hivexMerge(hivePath: string, regText: string, prefix?: string): void {
  run('hivexregedit', ['--merge', ...(prefix ? ['--prefix', prefix] : []), hivePath], regText);
}

/** `hivexget HIVE KEY [VALUE]`. */
export function hivexGet(hivePath: string, key: string, value?: string): string {
  return run('hivexget', value === undefined ? [hivePath, key] : [hivePath, key, value]).replace(/\n$/, '');
}

const byCodePoint = (a: string, b: string): number => Buffer.compare(Buffer.from(a), Buffer.from(b));
const escapeQuotes = (s: string): string => s.replace(/\\/g, '\\\\').replace(/"/g, '\\"');

/** Ferry's reading of a key tree, printed the way hivexregedit --export prints it. */
export function ferryExport(root: RegKey): string {
  const out: string[] = ['Windows Registry Editor Version 5.00', ''];
  const walk = (k: RegKey): void => {
    out.push(`[\\${k.path}]`);
    for (const v of k.values().sort((a, b) => byCodePoint(a.name, b.name))) {
      const name = v.name === '' ? '@=' : `"${escapeQuotes(v.name)}"=`;
      if (v.type === 4 && v.raw.length === 4) out.push(`${name}dword:${v.raw.readUInt32LE(0).toString(16).padStart(8, '0')}`);
      else out.push(`${name}hex(${v.type.toString(16)}):${[...v.raw].map((b) => b.toString(16).padStart(2, '0')).join(',')}`);
    }
    out.push('');
    for (const s of k.subkeys().sort((a, b) => byCodePoint(a.name, b.name))) walk(s);
  };
  walk(root);
  return out.join('\n') + '\n';
}
