/**
 * Work a request schedules but does not wait for (so its answer takes the same time
 * whatever the work finds). Failures are logged; stopping the server waits for what runs.
 */
import type { Logger } from '@platform/service-kit';

export interface BackgroundTasks {
  /** Starts `work` on a later tick; never rejects, never blocks the caller. */
  schedule(name: string, logger: Logger, work: () => Promise<void>): void;
  /** Resolves when every scheduled task has settled. */
  drain(): Promise<void>;
}

export function createBackgroundTasks(): BackgroundTasks {
  const running = new Set<Promise<void>>();
  return {
    schedule(name, logger, work) {
      const task: Promise<void> = new Promise<void>((resolve) => setImmediate(resolve))
        .then(work)
        .catch((error: unknown) => logger.error({ err: error, task: name }, 'background task failed'))
        .finally(() => running.delete(task));
      running.add(task);
    },
    async drain() {
      while (running.size > 0) await Promise.allSettled([...running]);
    },
  };
}
