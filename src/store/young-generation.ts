// Peak RSS must not grow with the tree or the store (issue 16), in capture (the store writer holds
// this cap) and in LoadState. What did grow was V8's young generation: it doubles each time as many
// bytes have survived scavenges as it holds, so a long restore took it from 32 MiB (a 500 MB store)
// to its 128 MiB maximum (2 GB), nearly all of the difference in peak RSS between the two.
// Once it has reached YOUNG_CAP, further growth is turned off for the rest of the run: the growth
// factor is read each time V8 grows the space (it cannot be given as a command-line value below 2,
// so this works only at run time). On a V8 that ignores
// the setting nothing changes but the memory.
import { getHeapSpaceStatistics, setFlagsFromString } from 'node:v8';

/** The young generation's size (both semi-spaces) past which it stops growing during a run. */
const YOUNG_CAP = 32 * 1024 * 1024;
/** Calls of check() between two looks at the heap (each look lists every space). */
const CHECK_EVERY = 256;
/** V8's own growth factor (its default, and the least it accepts on the command line). */
const DEFAULT_GROWTH = 2;

/** Runs that hold the cap (captures and LoadState runs side by side in one process: tests, servers). */
let holders = 0;
let capped = false;

export class YoungGenerationCap {
  #calls = 0;
  #holding = false;

  constructor() {
    holders++;
    this.#holding = true;
  }

  /** Call as work goes on (once a file): caps the young generation once it has reached YOUNG_CAP. */
  check(): void {
    if (capped || ++this.#calls % CHECK_EVERY !== 0) return;
    const young = getHeapSpaceStatistics().find((s) => s.space_name === 'new_space');
    if (young && young.space_size >= YOUNG_CAP) {
      setFlagsFromString('--semi-space-growth-factor=1');
      capped = true;
    }
  }

  /** The run is over: the last run that held the cap gives V8 its growth back. Safe to call more than once. */
  release(): void {
    if (!this.#holding) return;
    this.#holding = false;
    if (--holders === 0 && capped) {
      setFlagsFromString(`--semi-space-growth-factor=${DEFAULT_GROWTH}`);
      capped = false;
    }
  }
}
