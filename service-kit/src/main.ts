/**
 * The first module a service's `main.ts` loads: it starts tracing (the `OTEL_*` variables),
 * then imports the service, so the SDK is registered before any of the service's modules
 * run. Nothing else is imported statically here.
 */
import type { AnySubgraphDefinition } from './subgraph/definition.js';
import { startTelemetry } from './telemetry/sdk.js';

/** Starts tracing, or exits naming the bad `OTEL_*` variable, as a bad configuration exits. */
async function startTracingOrExit(service: string): Promise<void> {
  try {
    await startTelemetry({ serviceName: service });
  } catch (error) {
    process.stderr.write(`${service}: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  }
}

/** A subgraph's `main.ts`: tracing, then `runSubgraph` of the definition `load` imports. */
export async function runSubgraphMain(service: string, load: () => Promise<AnySubgraphDefinition>): Promise<void> {
  await startTracingOrExit(service);
  const [{ runSubgraph }, definition] = await Promise.all([import('./subgraph/runtime.js'), load()]);
  runSubgraph(definition);
}

/** Any other entry point (the gateway): tracing, then `load` imports and runs it. */
export async function runWithTelemetry(service: string, load: () => Promise<unknown>): Promise<void> {
  await startTracingOrExit(service);
  await load();
}
