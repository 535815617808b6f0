/**
 * The gateway's entry point: tracing first (the `OTEL_*` variables), then the gateway itself
 * (`run.ts`), imported only once tracing runs.
 */
import { runWithTelemetry } from '@platform/service-kit/main';

await runWithTelemetry('gateway', () => import('./run.js'));
