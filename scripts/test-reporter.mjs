// `npm test`'s reporter: node's spec reporter, except that
//  - the coverage table goes to test-artifacts/coverage.txt and one line of totals is printed
//    before the summary, so that the summary (`ℹ pass N`, `ℹ fail N`, which .ci/run reads)
//    stays the last lines;
//  - each file's duration is kept in test-artifacts/test-times.json, from which the next run
//    starts the longest files first.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { Readable } from 'node:stream';
import { spec } from 'node:test/reporters';

const root = process.cwd();
const artifacts = join(root, 'test-artifacts');
export const TIMES_FILE = join(artifacts, 'test-times.json');

async function render(events) {
  let text = '';
  for await (const chunk of Readable.from(events).compose(new spec())) text += chunk;
  return text;
}

async function* arrange(source) {
  const summary = [];
  const times = {};
  for await (const event of source) {
    if (event.type === 'test:diagnostic' && event.data.nesting === 0 && !event.data.file) {
      summary.push(event);
      continue;
    }
    if (event.type === 'test:summary' && event.data.file) {
      times[relative(root, event.data.file)] = Math.round(event.data.duration_ms);
    }
    if (event.type === 'test:coverage') {
      const t = event.data.summary.totals;
      mkdirSync(artifacts, { recursive: true });
      writeFileSync(join(artifacts, 'coverage.txt'), (await render([event])).replace(/\x1b\[[0-9;]*m/g, '').replace(/^ℹ /gm, ''));
      const pct = (n) => `${n.toFixed(1)} %`;
      yield {
        type: 'test:diagnostic',
        data: {
          nesting: 0,
          message:
            `coverage of src/: lines ${pct(t.coveredLinePercent)}, branches ${pct(t.coveredBranchPercent)}, ` +
            `functions ${pct(t.coveredFunctionPercent)} (per file: test-artifacts/coverage.txt)`,
        },
      };
      continue;
    }
    yield event;
  }
  try {
    let old = {};
    try {
      old = JSON.parse(readFileSync(TIMES_FILE, 'utf8'));
    } catch {
      // first run
    }
    mkdirSync(artifacts, { recursive: true });
    writeFileSync(TIMES_FILE, `${JSON.stringify({ ...old, ...times }, null, 1)}\n`);
  } catch {
    // only an ordering hint
  }
  yield* summary;
}

export default async function* reporter(source) {
  yield* Readable.from(arrange(source)).compose(new spec());
}
