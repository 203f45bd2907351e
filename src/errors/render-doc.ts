import { CODES, type CodeSpec } from './codes.ts';

/** Render the error catalog as Markdown (docs/errors.md). */
export function renderErrorsDoc(): string {
  const rows = Object.entries(CODES) as [string, CodeSpec][];
  const out = [
    '# Error and warning codes',
    '',
    'Generated from `src/errors/codes.ts` by `npm run docs:errors`; do not edit by hand.',
    'Every error Ferry reports carries one of these stable codes. `USMT` is the return code that',
    '`scanstate`, `loadstate` and `usmtutils` exit with; `HTTP` is the status the servers answer with.',
    '',
    '| Code | Severity | Meaning | What to do | USMT | HTTP |',
    '| --- | --- | --- | --- | --- | --- |',
  ];
  const cell = (s: string) => s.replace(/\|/g, '\\|');
  for (const [code, spec] of rows) {
    out.push(`| <a id="${code.toLowerCase()}"></a>\`${code}\` | ${spec.severity} | ${cell(spec.meaning)} | ${cell(spec.remedy)} | ${spec.usmt ?? ''} | ${spec.http ?? ''} |`);
  }
  return out.join('\n') + '\n';
}
