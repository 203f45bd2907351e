import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UsmtLog } from './usmt-log.ts';
import { ProgressLog, formatProgressLine } from './progress-log.ts';
import { EstimateCounter, estimateXml, writeEstimate } from './estimate.ts';
import type { FerryError } from '../errors/index.ts';

const dir = mkdtempSync(join(tmpdir(), 'ferry-usmt-log-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

test('/v levels decide which lines the log gets', () => {
  const lines = (v: number) => {
    const path = join(dir, `v${v}.log`);
    const log = UsmtLog.open(path, v);
    log.info('start');
    log.warning('careful');
    log.error('broken', 5);
    log.detail('detail');
    log.object('C:\\a.txt');
    log.close();
    return readFileSync(path, 'utf8').trimEnd().split('\n');
  };
  assert.equal(lines(0).length, 3);
  assert.equal(lines(1).length, 4);
  assert.equal(lines(4).length, 4);
  assert.equal(lines(5).length, 5);
  assert.match(lines(0)[2]!, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d, Error {17}\[0x000005\] broken$/);
});

test('an unusable /l path is 13, /progress 40, /p 41', () => {
  writeFileSync(join(dir, 'file'), '');
  const code = (fn: () => unknown) => {
    try {
      fn();
    } catch (err) {
      return (err as FerryError).usmtExitCode;
    }
    return 0;
  };
  assert.equal(
    code(() => UsmtLog.open(join(dir, 'file', 'x.log'), 0)),
    13,
  );
  assert.equal(
    code(() => ProgressLog.open(join(dir, 'file', 'p.log'))),
    40,
  );
  assert.equal(
    code(() => writeEstimate(join(dir, 'file', 'p.xml'), 'x')),
    41,
  );
});

test('progress lines follow §8.2', () => {
  const line = formatProgressLine(new Date(2011, 0, 15, 20, 46, 21), 288_000, 'totalPercentageCompleted', '48');
  assert.match(line, /^15 Jan 2011, 20:46:21 [+-]\d\d:\d\d, 00:04:48, totalPercentageCompleted, 48$/);
  const path = join(dir, 'progress.log');
  const p = ProgressLog.open(path);
  p.write('program', 'ScanState.exe');
  p.percent(10.2);
  p.percent(10.9);
  p.percent(100);
  p.close();
  const text = readFileSync(path, 'utf8');
  assert.equal(text.match(/totalPercentageCompleted/g)?.length, 2);
  assert.match(text, /, totalPercentageCompleted, 100\n$/);
});

test('/p XML has storeSize with clusterSize and temporarySpace (§8.1)', () => {
  const c = new EstimateCounter();
  c.add(1);
  c.add(4097);
  c.add(0);
  const e = c.result(100);
  assert.equal(e.storeBytes, 4096 + 8192 + 100);
  assert.equal(
    estimateXml(e),
    `<?xml version="1.0" encoding="UTF-8"?>\n<PreMigration>\n  <storeSize>\n    <size ` +
      `clusterSize="4096">12388</size>\n  </storeSize>\n  <temporarySpace>\n    <size>4197</size>\n  ` +
      `</temporarySpace>\n</PreMigration>\n`,
  );
});
