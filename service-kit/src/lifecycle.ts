/** Process lifecycle for every service's `main.ts`: config errors, signals, graceful shutdown. */
import { ConfigError } from './config.js';
import { stopTelemetry } from './telemetry/sdk.js';

export interface Stoppable {
  stop(): Promise<void>;
}

/**
 * Runs a service entry point. A configuration error prints every problem and exits 1;
 * SIGTERM/SIGINT stop the service gracefully, with a deadline.
 */
export function runService(name: string, start: () => Promise<Stoppable>, shutdownTimeoutMs = 10_000): void {
  start().then(
    (service) => {
      let stopping = false;
      const shutdown = (signal: string) => {
        if (stopping) return;
        stopping = true;
        process.stderr.write(`${name}: ${signal} received, shutting down\n`);
        const deadline = setTimeout(() => {
          process.stderr.write(`${name}: shutdown took longer than ${shutdownTimeoutMs} ms, exiting\n`);
          process.exit(1);
        }, shutdownTimeoutMs);
        deadline.unref();
        // Spans still buffered are exported before the process ends.
        service.stop().then(
          () => stopTelemetry().then(() => process.exit(0)),
          (error: unknown) => {
            process.stderr.write(`${name}: error during shutdown: ${String(error)}\n`);
            process.exit(1);
          },
        );
      };
      process.on('SIGTERM', () => shutdown('SIGTERM'));
      process.on('SIGINT', () => shutdown('SIGINT'));
    },
    (error: unknown) => {
      if (error instanceof ConfigError) {
        process.stderr.write(`${name}: ${error.message}\n`);
      } else {
        process.stderr.write(
          `${name}: failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
        );
      }
      process.exit(1);
    },
  );
}
