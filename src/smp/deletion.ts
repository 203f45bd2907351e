// The deletion policy as a background job. Its state is the stores' rows (delete_after,
// status 'deleting'), so a restarted server picks up where the previous one stopped.
import type { SmpService } from './service.ts';

export interface DeletionJob {
  stop(): Promise<void>;
  /** Run one pass now (also what the timer does). */
  runOnce(): Promise<string[]>;
}

export function startDeletionJob(
  service: SmpService,
  intervalMs: number,
  onError: (err: unknown) => void,
  onDeleted: (ids: string[]) => void = () => {},
): DeletionJob {
  let running: Promise<string[]> | undefined;
  const runOnce = (): Promise<string[]> => {
    running ??= service
      .deleteDueStores()
      .then((ids) => {
        if (ids.length) onDeleted(ids);
        return ids;
      })
      .catch((err: unknown) => {
        onError(err);
        return [];
      })
      .finally(() => {
        running = undefined;
      });
    return running;
  };
  const timer = setInterval(() => void runOnce(), intervalMs);
  timer.unref();
  void runOnce();
  return {
    runOnce,
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
