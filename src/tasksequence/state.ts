// The engine's persistent state: where the sequence is, every variable, and what each group and
// step did. It is written atomically (temp file, fsync, rename, fsync of the folder) before and
// after every step, so a restart or a kill -9 at any point resumes without re-running a step
// that finished. The folder also holds the sequence itself and a lock naming the running engine.
import { closeSync, mkdirSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { FerryError, fromSystemError } from '../errors/index.ts';
import { writeFileAtomic } from '../files/index.ts';
import type { ComputerIdentity } from './computer.ts';
import type { SmpGrant } from './ports.ts';

export const STATE_FILE = 'state.json';
export const SEQUENCE_FILE = 'sequence.xml';
const LOCK_FILE = 'engine.lock';

export type NodeOutcome = 'succeeded' | 'failed' | 'skipped';

/** What one group or step did in this run: running or done, and its outcome. */
export interface NodeRecord {
  status: 'running' | 'done';
  outcome?: NodeOutcome;
  exitCode?: number;
}

export type EngineStatus = 'running' | 'restarting' | 'succeeded' | 'failed';

/**
 * The engine's persistent state, written atomically before and after every step so that a restart
 * or a kill resumes without re-running a finished step.
 */
export interface EngineState {
  format: 'ferry-ts-state';
  version: 1;
  status: EngineStatus;
  startedAt: string;
  updatedAt: string;
  /** `device`: the block device or NTFS image file mounted on `root` (Apply Operating System Image uses wimlib's NTFS mode). */
  computer: ComputerIdentity & { root: string; device?: string };
  inWinPE: boolean;
  variables: Record<string, string>;
  secretVariables: string[];
  /** Per group/step, keyed by its index path (`0.2.1`). */
  nodes: Record<string, NodeRecord>;
  /** Package id → host folder (`--package`). */
  packages: Record<string, string>;
  /** Host folder of smsts.log while the sequence runs. */
  logDir: string;
  restarts: number;
  /** The environment a pending restart boots into. */
  restartTarget?: 'HD' | 'WinPE';
  /** The state migration point store this sequence holds (from Request State Store). */
  smp?: { grant: SmpGrant; stagingDir: string; manifestDigest?: string; restoreSucceeded?: boolean };
  /** The step (index path) that failed the sequence. */
  failedStep?: string;
  /** The local state store this sequence captured into or restored from; removed after a verified restore. */
  localStore?: { path: string; host: string; restored: boolean };
}

/** Atomically replace one of the engine's files (0600: it may hold secret variables). */
export function writeEngineFile(path: string, data: string): void {
  try {
    writeFileAtomic(path, data, { mode: 0o600 });
  } catch (err) {
    throw fromSystemError(err, `writing ${path}`);
  }
}

export function saveEngineState(dir: string, state: EngineState): void {
  state.updatedAt = new Date().toISOString();
  writeEngineFile(join(dir, STATE_FILE), JSON.stringify(state, null, 2) + '\n');
}

/** Reads the engine state of a state folder (what a resume continues from); a coded error when it is missing or damaged. */
export function readEngineState(dir: string): EngineState {
  let text: string;
  try {
    text = readFileSync(join(dir, STATE_FILE), 'utf8');
  } catch (err) {
    throw new FerryError(
      'FERRY_E_TS_STATE_INVALID',
      `No task sequence state in ${dir} ` +
        `(${(err as NodeJS.ErrnoException).code ?? 'unreadable'}). Give --state the folder of ` +
        `the interrupted \`ferry ts run\`.`,
      {
        cause: err,
        details: { dir },
      },
    );
  }
  let state: EngineState;
  try {
    state = JSON.parse(text) as EngineState;
  } catch (err) {
    throw new FerryError('FERRY_E_TS_STATE_INVALID', `${join(dir, STATE_FILE)} is not valid JSON.`, { cause: err, details: { dir } });
  }
  if (state?.format !== 'ferry-ts-state' || state.version !== 1 || typeof state.nodes !== 'object' || typeof state.variables !== 'object') {
    throw new FerryError(
      'FERRY_E_TS_STATE_INVALID',
      `${join(dir, STATE_FILE)} was not written by ferry ts run (format ${String(state?.format)}).`,
      { details: { dir } },
    );
  }
  return state;
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/** Take the state folder's lock; a lock left by a process that no longer exists is taken over. */
export function lockState(dir: string): () => void {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, LOCK_FILE);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, 'wx', 0o600);
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return () => {
        try {
          unlinkSync(path);
        } catch {
          // already gone
        }
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw fromSystemError(err, `locking ${dir}`);
      let pid = NaN;
      try {
        pid = Number(readFileSync(path, 'utf8').trim());
      } catch {
        // unreadable lock: treat as stale
      }
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && alive(pid)) {
        throw new FerryError('FERRY_E_TS_STATE_LOCKED', `Task sequence engine process ${pid} is running with state folder ${dir}.`, {
          details: { dir, pid },
        });
      }
      try {
        unlinkSync(path);
      } catch {
        // raced with another taker; the next attempt decides
      }
    }
  }
  throw new FerryError('FERRY_E_TS_STATE_LOCKED', `Could not lock the state folder ${dir}.`, { details: { dir } });
}
