import { CODES, type CodeSpec } from './codes.ts';

/** The anchor of a code's entry in docs/errors.md (GitHub's heading slug: the code, lower-cased). */
export function errorDocAnchor(code: string): string {
  return code.toLowerCase();
}

/** Render the error catalog as Markdown (docs/errors.md): an index, then one anchored heading per code. */
export function renderErrorsDoc(): string {
  const rows = Object.entries(CODES) as [string, CodeSpec][];
  const out = [
    '# Error and warning codes',
    '',
    'Generated from `src/errors/codes.ts` by `npm run docs:errors`; do not edit by hand.',
    'Every error Ferry reports carries one of these stable codes, and each code has its own heading',
    'here, so a log line or a report can link to `docs/errors.md#<code in lower case>`. **USMT** is the',
    'return code that `scanstate`, `loadstate` and `usmtutils` exit with; **HTTP** is the status the',
    'servers answer with.',
    '',
    '| Code | Severity | Meaning |',
    '| --- | --- | --- |',
  ];
  const cell = (s: string) => s.replace(/\|/g, '\\|');
  for (const [code, spec] of rows) out.push(`| [\`${code}\`](#${errorDocAnchor(code)}) | ${spec.severity} | ${cell(spec.meaning)} |`);
  for (const [code, spec] of rows) {
    out.push(
      '',
      `## ${code}`,
      '',
      `**${spec.severity === 'error' ? 'Error' : 'Warning'}.** ${spec.meaning}`,
      '',
      `**What to do:** ${spec.remedy}`,
    );
    const exits = [
      spec.usmt !== undefined ? `USMT return code ${spec.usmt}` : '',
      spec.http !== undefined ? `HTTP ${spec.http}` : '',
    ].filter(Boolean);
    if (exits.length) out.push('', `${exits.join(' · ')}.`);
  }
  return `${out.join('\n')}\n`;
}
