/**
 * Waiting for a dependency at start. Compose (podman-compose in particular) starts containers
 * without waiting for their dependencies' health, and Kubernetes starts pods in any order: a
 * service that finds Postgres or Kafka not up yet retries with back-off instead of exiting,
 * and gives up with a clear error only after a deadline.
 */
import type { Logger } from './logger.js';

/** How long a service waits for a dependency at start before it gives up. */
const STARTUP_WAIT_MS = 120_000;

interface RetryAtStartOptions {
  logger: Logger;
  /** Gives up after this long; {@link STARTUP_WAIT_MS} by default. */
  timeoutMs?: number;
  /** Whether an error may go away by waiting (a refused connection); others fail at once. */
  isTransient?: (error: unknown) => boolean;
  /** First delay between attempts; doubles up to 5 s. */
  initialDelayMs?: number;
}

const errorMessage = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** Runs `attempt` until it succeeds, a non-transient error occurs or the deadline passes. */
export async function retryAtStart<T>(
  dependency: string,
  attempt: () => Promise<T>,
  options: RetryAtStartOptions,
): Promise<T> {
  const timeoutMs = options.timeoutMs ?? STARTUP_WAIT_MS;
  const deadline = Date.now() + timeoutMs;
  let delayMs = options.initialDelayMs ?? 250;
  for (let attempts = 1; ; attempts += 1) {
    try {
      const result = await attempt();
      if (attempts > 1) options.logger.info({ dependency, attempts }, `${dependency} reachable`);
      return result;
    } catch (error) {
      if (options.isTransient && !options.isTransient(error)) throw error;
      if (Date.now() + delayMs > deadline) {
        throw new Error(
          `${dependency} not reachable after ${Math.round(timeoutMs / 1000)} s (${attempts} attempts): ${errorMessage(error)}`,
          { cause: error },
        );
      }
      options.logger.warn({ dependency, attempts, retryInMs: delayMs, err: error }, `waiting for ${dependency}`);
      await new Promise((resolve) => setTimeout(resolve, delayMs));
      delayMs = Math.min(delayMs * 2, 5_000);
    }
  }
}
