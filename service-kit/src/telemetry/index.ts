/**
 * Tracing (OpenTelemetry): the SDK's start from the `OTEL_*` variables (`sdk.ts`), the
 * platform's spans and trace-context helpers (`spans.ts`), database and Redis spans
 * (`instrument.ts`), and the request scope error reports name (`request-scope.ts`).
 */
export * from './instrument.js';
export * from './request-scope.js';
export * from './sdk.js';
export * from './spans.js';
