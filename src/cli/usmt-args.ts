// Ferry's own commands that take USMT-style rule options (`explain`, `plan`) accept both USMT's
// slash syntax (`/i:MigDocs.xml`, `/offlinewindir:D:\Windows`) and GNU style (`--i MigDocs.xml`,
// `--offlinewindir=DIR`). This turns the GNU forms into slash forms for src/usmt/args.ts.
import type { ToolSpec } from '../usmt/index.ts';

/** `--name value` / `--name=value` → `/name:value` for options of `spec`; everything else unchanged. */
export function normalizeUsmtArgs(argv: readonly string[], spec: ToolSpec): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i]!;
    const m = /^--([A-Za-z][\w-]*)(?:=(.*))?$/s.exec(token);
    const name = m?.[1]?.toLowerCase();
    if (!m || !name || !Object.hasOwn(spec, name)) {
      out.push(token);
      continue;
    }
    const def = spec[name]!;
    if (m[2] !== undefined) out.push(`/${name}:${m[2]}`);
    else if (def.value === 'required' && i + 1 < argv.length) out.push(`/${name}:${argv[++i]}`);
    else out.push(`/${name}`);
  }
  return out;
}
