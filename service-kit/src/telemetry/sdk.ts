/**
 * Starting the OpenTelemetry Node SDK, configured only by the standard `OTEL_*` variables
 * (https://opentelemetry.io/docs/specs/otel/configuration/sdk-environment-variables/):
 * `OTEL_SERVICE_NAME`, `OTEL_TRACES_EXPORTER`, `OTEL_EXPORTER_OTLP_ENDPOINT`,
 * `OTEL_EXPORTER_OTLP_PROTOCOL`, `OTEL_TRACES_SAMPLER`, `OTEL_PROPAGATORS`, `OTEL_SDK_DISABLED`…
 *
 * Tracing is off unless an exporter is asked for (`OTEL_TRACES_EXPORTER` other than `none`, or
 * an OTLP endpoint), and `OTEL_SDK_DISABLED=true` turns it off whatever else is set: `npm start`
 * and the tests export nothing by default, the compose stack sends to its collector. Only
 * traces: metrics stay on prom-client (`/metrics`) and logs on stdout.
 *
 * A service's `main.ts` starts this before importing anything else (`runSubgraphMain`), so
 * every tracer the service's libraries create already talks to the SDK.
 */
import type { NodeSDKConfiguration } from '@opentelemetry/sdk-node';
import { z } from 'zod';

/** What receives finished spans (the SDK's `SpanProcessor`). */
export type SpanProcessor = NonNullable<NodeSDKConfiguration['spanProcessors']>[number];

export interface Telemetry {
  /** Exports what is buffered and stops the SDK. */
  shutdown(): Promise<void>;
}

const EXPORTERS = ['otlp', 'console', 'zipkin', 'none'] as const;

/**
 * The `OTEL_*` variables this platform reads itself (to decide whether to start the SDK, and to
 * refuse a bad one at start); the SDK reads the rest of the standard ones (`OTEL_SERVICE_NAME`,
 * `OTEL_TRACES_SAMPLER`, `OTEL_EXPORTER_OTLP_PROTOCOL`, `OTEL_PROPAGATORS`, ...) by itself.
 */
export const telemetryEnvironment = z.object({
  OTEL_SDK_DISABLED: z
    .enum(['true', 'false', 'TRUE', 'FALSE', ''])
    .optional()
    .transform((value) => value?.toLowerCase() === 'true')
    .describe('true turns tracing off whatever else is set'),
  OTEL_TRACES_EXPORTER: z
    .string()
    .optional()
    .refine(
      (value) =>
        (value ?? '').split(',').every((name) => name.trim() === '' || EXPORTERS.includes(name.trim() as never)),
      { message: `must list exporters among ${EXPORTERS.join(', ')}` },
    )
    .describe(`Span exporters (${EXPORTERS.join(', ')}); tracing is on when one other than none is named`),
  OTEL_EXPORTER_OTLP_ENDPOINT: z
    .url()
    .optional()
    .describe('OTLP/HTTP endpoint of a collector (e.g. http://otel-collector:4318): turns tracing on'),
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: z
    .url()
    .optional()
    .describe('OTLP/HTTP endpoint for traces only: turns tracing on'),
});

/** Whether the `OTEL_*` variables ask for traces to be exported; throws naming a bad variable. */
export function tracingRequested(environment: NodeJS.ProcessEnv = process.env): boolean {
  const parsed = telemetryEnvironment.safeParse(environment);
  if (!parsed.success) {
    throw new Error(
      `invalid OpenTelemetry configuration: ${parsed.error.issues
        .map((issue) => `${issue.path.join('.')} ${issue.message}`)
        .join('; ')}`,
    );
  }
  const variables = parsed.data;
  if (variables.OTEL_SDK_DISABLED) return false;
  const exporters = (variables.OTEL_TRACES_EXPORTER ?? '')
    .split(',')
    .map((name) => name.trim())
    .filter(Boolean);
  if (exporters.length > 0) return !exporters.every((name) => name === 'none');
  return Boolean(variables.OTEL_EXPORTER_OTLP_ENDPOINT ?? variables.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT);
}

let running: Telemetry | null = null;

export interface StartTelemetryOptions {
  environment?: NodeJS.ProcessEnv;
  /**
   * Where spans go instead of the exporters the variables name (tests: an in-memory exporter;
   * the benchmark: a batch processor whose exporter drops). Tracing is then on unless
   * `OTEL_SDK_DISABLED=true`.
   */
  spanProcessors?: SpanProcessor[];
  /** `service.name` when `OTEL_SERVICE_NAME` is not set. */
  serviceName?: string;
}

/**
 * Starts the SDK when the variables (or `spanProcessors`) ask for it; null when tracing stays
 * off. Once per process: a second call returns the running SDK.
 */
export async function startTelemetry(options: StartTelemetryOptions = {}): Promise<Telemetry | null> {
  if (running) return running;
  const environment = options.environment ?? process.env;
  const wanted = options.spanProcessors
    ? !telemetryEnvironment.shape.OTEL_SDK_DISABLED.parse(environment.OTEL_SDK_DISABLED)
    : tracingRequested(environment);
  if (!wanted) return null;
  // Loaded only when tracing is on: the SDK and its exporters cost nothing otherwise.
  const { NodeSDK } = await import('@opentelemetry/sdk-node');
  const sdk = new NodeSDK({
    ...(options.spanProcessors ? { spanProcessors: options.spanProcessors } : {}),
    ...(options.serviceName && !environment.OTEL_SERVICE_NAME ? { serviceName: options.serviceName } : {}),
    // Spans only: the kit writes its own (HTTP, GraphQL, database, Redis, events), which also
    // work in the bundled image, where module-patching instrumentations cannot.
    instrumentations: [],
    metricReaders: [],
    logRecordProcessors: [],
  });
  sdk.start();
  running = {
    async shutdown() {
      running = null;
      await sdk.shutdown();
    },
  };
  return running;
}

/** Exports buffered spans and stops the SDK, if one runs; waits at most `timeoutMs`. */
export async function stopTelemetry(timeoutMs = 5_000): Promise<void> {
  const current = running;
  if (!current) return;
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    current.shutdown().catch(() => undefined),
    new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs))),
  ]).finally(() => clearTimeout(timer));
}
