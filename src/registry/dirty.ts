// Dirty-hive detection. Ferry REPORTS a dirty hive and never replays its logs:
//  - replaying means rebuilding pages from HvLE/DIRT log entries and trusting their Marvin32
//    hashes; getting that subtly wrong silently yields a plausible but wrong hive, while a clear
//    report lets the administrator let Windows itself recover the hive (boot once, or reg load);
//  - hives of a cleanly shut-down Windows are never dirty, so the case is rare for offline
//    migration (it happens after a crash, hibernation or fast startup).
// A hive is dirty when its base block's sequence numbers differ (a write was interrupted), or
// when a .LOG1/.LOG2 beside it holds new-format log entries at or after the hive's secondary
// sequence number (Windows 8.1+ writes changes to the logs first and into the hive later).
import { closeSync, openSync, readdirSync, readSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { BASE_BLOCK_SIZE, baseBlockChecksum } from './format.ts';
import type { BaseBlock } from './hive-file.ts';

/** Why a hive file is out of date, for the FERRY_E_HIVE_DIRTY message and `RegfHive.dirty`. */
export interface HiveDirtyState {
  readonly primarySequence: number;
  readonly secondarySequence: number;
  /** Why the hive is considered dirty, one short sentence each. */
  readonly reasons: readonly string[];
  /** Host paths of the log files holding pending changes. */
  readonly pendingLogs: readonly string[];
}

const LOG_ENTRY_HEADER = 0x28;

/** Sequence number of the first valid HvLE entry of a new-format log, or null. */
function firstLogEntrySequence(logPath: string): number | null {
  let fd: number;
  try {
    fd = openSync(logPath, 'r');
  } catch {
    return null;
  }
  try {
    const head = Buffer.alloc(BASE_BLOCK_SIZE + LOG_ENTRY_HEADER);
    const n = readSync(fd, head, 0, head.length, 0);
    if (n < 0x200 + LOG_ENTRY_HEADER || head.toString('latin1', 0, 4) !== 'regf') return null;
    if (head.readUInt32LE(0x1fc) !== baseBlockChecksum(head)) return null;
    const entry = head.subarray(0x200);
    if (entry.toString('latin1', 0, 4) !== 'HvLE') return null;
    const size = entry.readUInt32LE(4);
    if (size < 0x200 || size % 0x200 !== 0) return null;
    return entry.readUInt32LE(12);
  } finally {
    closeSync(fd);
  }
}

/** Transaction logs next to a hive: `<name>.LOG`, `.LOG1`, `.LOG2`, matched case-insensitively. */
export function findHiveLogs(hivePath: string): string[] {
  const dir = dirname(hivePath);
  const base = basename(hivePath).toUpperCase();
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names
    .filter((n) => ['.LOG', '.LOG1', '.LOG2'].some((ext) => n.toUpperCase() === base + ext))
    .sort()
    .map((n) => join(dir, n));
}

/**
 * Whether a hive is out of date on disk (unequal sequence numbers, pending .LOG1/.LOG2 files) and
 * why; null when clean. A dirty hive read as is can miss the last writes Windows made.
 */
export function detectDirty(hivePath: string, base: BaseBlock): HiveDirtyState | null {
  const reasons: string[] = [];
  const pendingLogs: string[] = [];
  if (base.primarySequence !== base.secondarySequence) {
    reasons.push(`its sequence numbers differ (${base.primarySequence} ≠ ${base.secondarySequence}): a write into the hive did not finish`);
  }
  for (const log of findHiveLogs(hivePath)) {
    const seq = firstLogEntrySequence(log);
    if (seq !== null && seq >= base.secondarySequence) {
      pendingLogs.push(log);
      reasons.push(`${basename(log)} holds changes from sequence ${seq} that are not yet in the hive (at ${base.secondarySequence})`);
    }
  }
  if (reasons.length === 0) return null;
  return { primarySequence: base.primarySequence, secondarySequence: base.secondarySequence, reasons, pendingLogs };
}
