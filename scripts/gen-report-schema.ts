// Writes src/report/migration-report.schema.json from the report's zod schema (src/report/model.ts).
// `--check` exits 1 if the committed file is stale.
import { readFileSync, writeFileSync } from 'node:fs';
import { reportJsonSchema } from '../src/report/model.ts';

const target = new URL('../src/report/migration-report.schema.json', import.meta.url);
const text = `${JSON.stringify(reportJsonSchema(), null, 2)}\n`;
if (process.argv.includes('--check')) {
  if (readFileSync(target, 'utf8') !== text) {
    console.error('src/report/migration-report.schema.json is out of date: run `npm run schema:report`.');
    process.exit(1);
  }
} else {
  writeFileSync(target, text);
  console.log('wrote src/report/migration-report.schema.json');
}
