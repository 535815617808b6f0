/**
 * Background jobs with the real OpenTelemetry SDK and an in-memory exporter, on real Postgres
 * and pg-boss: a job continues the trace of whoever sent it (the trace context stored with the
 * job, the worker's `process <queue>` span under the send), with the handler's database spans
 * inside; a job sent outside a trace starts one of its own at its send.
 */
import { context, SpanKind, trace } from '@opentelemetry/api';
import { tracing } from '@opentelemetry/sdk-node';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { eventually, startSubgraph, type SubgraphHarness } from '@platform/devkit/testing';
import { defineSubgraph, sqlOn, type BaseContext } from '../../src/index.js';
import { startTelemetry, stopTelemetry } from '../../src/telemetry/sdk.js';
import { inSpan, serviceTracer } from '../../src/telemetry/spans.js';
import { greetingsSubgraph } from '../fixtures/greetings/definition.js';

const exporter = new tracing.InMemorySpanExporter();

/** The trace each handled job ran in, by the name it greeted. */
const handledIn = new Map<string, string | undefined>();

const errandsSubgraph = defineSubgraph({
  name: 'errands',
  port: 4997,
  schema: greetingsSubgraph.schema,
  migrations: greetingsSubgraph.migrations,
  resolvers: {},
  publishes: false,
  jobs: { 'errands.greet': { data: z.object({ name: z.string() }) } },
  async setup({ db, jobs }) {
    return {
      context: (base: BaseContext) => base,
      jobs: {
        'errands.greet': async ({ data }) => {
          handledIn.set(data.name, trace.getActiveSpan()?.spanContext().traceId);
          await sqlOn(db).execute('insert into greetings (text) values (?)', [`Hello, ${data.name}`]);
        },
      },
      exposed: { jobs },
    };
  },
});

let errands: SubgraphHarness<typeof errandsSubgraph>;

const storedTraceContext = async (id: string) =>
  (
    await sqlOn(errands.db).first(
      z.object({ trace_context: z.record(z.string(), z.string()).nullable() }),
      'select trace_context from pgboss.job where id = ?',
      [id],
    )
  )?.trace_context;

beforeAll(async () => {
  expect(
    await startTelemetry({ spanProcessors: [new tracing.SimpleSpanProcessor(exporter)], environment: {} }),
  ).not.toBeNull();
  errands = await startSubgraph(errandsSubgraph, { env: { JOBS_POLLING_INTERVAL_SECONDS: '0.5' } });
}, 60_000);

afterAll(async () => {
  await errands?.stop();
  await stopTelemetry();
  trace.disable();
  context.disable();
});

beforeEach(() => exporter.reset());

const processSpanOf = (jobId: string) =>
  eventually(
    () =>
      exporter
        .getFinishedSpans()
        .find((span) => span.name === 'process errands.greet' && span.attributes['messaging.message.id'] === jobId),
    'the job processed',
  );

describe('a traced job', () => {
  it('continues the trace of the request that sent it, with the handler’s database spans inside', async () => {
    const request = await inSpan(serviceTracer('errands'), 'mutation Remind', {}, async (span) => {
      const id = await errands.db.transaction((trx) =>
        errands.subgraph.exposed.jobs.send('errands.greet', { name: 'Ada' }, {}, trx),
      );
      return { id, ...span.spanContext() };
    });
    expect(request.id).toEqual(expect.any(String));
    const jobId = request.id!;
    // Only the trace context is stored with the job: no baggage.
    const stored = await storedTraceContext(jobId);
    expect(Object.keys(stored ?? {})).toEqual(['traceparent']);
    expect(stored?.traceparent).toMatch(new RegExp(`^00-${request.traceId}-[0-9a-f]{16}-01$`));

    const processing = await processSpanOf(jobId);
    const spans = exporter.getFinishedSpans();
    const send = spans.find((span) => span.name === 'send errands.greet');
    expect(send?.parentSpanContext?.spanId).toBe(request.spanId);
    expect(stored?.traceparent).toBe(`00-${request.traceId}-${send?.spanContext().spanId}-01`);
    expect(processing.spanContext().traceId).toBe(request.traceId);
    expect(processing.parentSpanContext?.spanId).toBe(send?.spanContext().spanId);
    expect(processing.kind).toBe(SpanKind.CONSUMER);
    expect(processing.instrumentationScope.name).toBe('platform.errands');
    expect(handledIn.get('Ada')).toBe(request.traceId);
    const insert = spans.find(
      (span) => span.name === 'insert greetings' && span.spanContext().traceId === request.traceId,
    );
    expect(insert?.parentSpanContext?.spanId).toBe(processing.spanContext().spanId);
  });

  it('is a trace of its own, from its send to its processing, when sent outside one', async () => {
    const jobId = (await errands.subgraph.exposed.jobs.send('errands.greet', { name: 'Grace' }))!;
    const processing = await processSpanOf(jobId);
    const send = exporter.getFinishedSpans().find((span) => span.name === 'send errands.greet');
    expect(send?.parentSpanContext).toBeUndefined();
    expect(processing.parentSpanContext?.spanId).toBe(send?.spanContext().spanId);
    expect(handledIn.get('Grace')).toBe(send?.spanContext().traceId);
  });
});
