/**
 * ours-traced: `ours-nodedup` with tracing on (issue 14), started the way `gateway/src/main.ts`
 * starts it: the OpenTelemetry SDK from the `OTEL_*` variables, every request sampled, every
 * span batched and exported over OTLP/HTTP (protobuf) to a sink in this worker that reads each
 * export and answers 200. Span creation, batching, serialization and the export requests are
 * all paid for here; only a collector's own work is not. Deduplication is off so that every
 * request is executed and traced (with it on, 50 identical requests share one execution).
 */
import { createServer } from 'node:http';
import { freePort } from '@platform/service-kit';
import { startTelemetry } from '@platform/service-kit/telemetry';
import { runAsClusterWorker } from './cluster.js';
import { startOurGateway } from './ours.js';

/**
 * An OTLP/HTTP endpoint on `port` that takes every export and keeps nothing. Listened on only
 * once the gateway listens: the primary takes a worker's first listening socket for the
 * gateway's; the SDK's first export comes seconds later.
 */
async function startOtlpSink(port: number): Promise<void> {
  const sink = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end());
  });
  await new Promise<void>((resolve) => sink.listen(port, '127.0.0.1', resolve));
  sink.unref();
}

await runAsClusterWorker('ours-traced', async () => {
  const sinkPort = await freePort();
  process.env.OTEL_SERVICE_NAME = 'gateway';
  process.env.OTEL_TRACES_EXPORTER = 'otlp';
  process.env.OTEL_EXPORTER_OTLP_PROTOCOL = 'http/protobuf';
  process.env.OTEL_EXPORTER_OTLP_ENDPOINT = `http://127.0.0.1:${sinkPort}`;
  if (!(await startTelemetry())) throw new Error('tracing did not start');
  const gateway = await startOurGateway({ ...process.env, INBOUND_DEDUPLICATION: 'off' });
  await startOtlpSink(sinkPort);
  return gateway;
});
