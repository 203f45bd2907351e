// `/p` space estimate (spec/usmt-cli.md §8.1): the store size rounded up to whole clusters per
// file, and the working space needed besides USMT's fixed 250 MB.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { usmtError } from './usmt-error.ts';

export const CLUSTER_SIZE = 4096;

export interface SpaceEstimate {
  readonly storeBytes: number;
  readonly temporaryBytes: number;
  readonly clusterSize: number;
}

/** Accumulates file sizes into a cluster-rounded store estimate. */
export class EstimateCounter {
  #store = 0;
  #largest = 0;

  add(size: number): void {
    this.#store += Math.ceil(size / CLUSTER_SIZE) * CLUSTER_SIZE;
    this.#largest = Math.max(this.#largest, size);
  }

  /** Temporary space: the largest single file is staged once, plus the catalog. */
  result(catalogBytes: number): SpaceEstimate {
    return { storeBytes: this.#store + catalogBytes, temporaryBytes: this.#largest + catalogBytes, clusterSize: CLUSTER_SIZE };
  }
}

export function estimateXml(e: SpaceEstimate): string {
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<PreMigration>',
    '  <storeSize>',
    `    <size clusterSize="${e.clusterSize}">${e.storeBytes}</size>`,
    '  </storeSize>',
    '  <temporarySpace>',
    `    <size>${e.temporaryBytes}</size>`,
    '  </temporarySpace>',
    '</PreMigration>',
    '',
  ].join('\n');
}

/** Legacy bare `/p` text (`Usmtsize.txt`); its format was never documented, so it is plain. */
export function estimateText(e: SpaceEstimate): string {
  return `Store size: ${e.storeBytes} bytes (cluster size ${e.clusterSize})\r\nTemporary space: ${e.temporaryBytes} bytes\r\n`;
}

export function writeEstimate(path: string, content: string): void {
  try {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, content);
  } catch (err) {
    throw usmtError(
      'FERRY_E_USMT_ESTIMATE_FILE',
      `Invalid space estimate path: cannot write "${path}" (${(err as NodeJS.ErrnoException).code ?? String(err)}).`,
      { path },
    );
  }
}
