/**
 * The kit's tracing with the real OpenTelemetry SDK and an in-memory exporter: the
 * `OTEL_*` rules that turn it on, log lines inside a span carrying its ids, database spans
 * without parameters, and a trace that survives the outbox: written in the change's trace,
 * published by the relay as the CloudEvents `traceparent` extension, continued by the consumer;
 * and an unexpected error that names its trace and request, and nothing else.
 */
import { Writable } from 'node:stream';
import { context, trace } from '@opentelemetry/api';
import { tracing } from '@opentelemetry/sdk-node';
import type { Knex } from 'knex';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createEventConsumer } from '../../src/events/consumer.js';
import { parseEvent } from '../../src/events/envelope.js';
import { createInProcessTransport } from '../../src/events/in-process-transport.js';
import { enqueue } from '../../src/events/outbox.js';
import { createOutboxRelay } from '../../src/events/relay.js';
import { createErrorFormatter } from '../../src/errors.js';
import { closeServer, createHttpServer, listen, sendJson } from '../../src/http.js';
import { createLogger } from '../../src/logger.js';
import { createRedis } from '../../src/redis.js';
import { testRedisUrl } from '@platform/devkit/testing';
import { startTelemetry, stopTelemetry, tracingRequested } from '../../src/telemetry/sdk.js';
import { inSpan, serviceTracer } from '../../src/telemetry/spans.js';
import { statementSummary } from '../../src/telemetry/instrument.js';
import {
  appliedRows,
  createEventsDatabase,
  recordApplied,
  silentLogger,
  userRegistered,
  waitFor,
} from '../events/helpers.js';

const exporter = new tracing.InMemorySpanExporter();
const tracer = serviceTracer('kit-test');
let db: Knex;

beforeAll(async () => {
  const started = await startTelemetry({
    spanProcessors: [new tracing.SimpleSpanProcessor(exporter)],
    environment: {},
  });
  expect(started).not.toBeNull();
  db = await createEventsDatabase('telemetry_outbox');
});

afterAll(async () => {
  await db?.destroy();
  await stopTelemetry();
  trace.disable();
  context.disable();
});

beforeEach(() => exporter.reset());

describe('turning tracing on', () => {
  it('stays off unless an exporter or an OTLP endpoint is asked for, and OTEL_SDK_DISABLED wins', () => {
    expect(tracingRequested({})).toBe(false);
    expect(tracingRequested({ OTEL_SERVICE_NAME: 'bookings' })).toBe(false);
    expect(tracingRequested({ OTEL_TRACES_EXPORTER: 'none' })).toBe(false);
    expect(tracingRequested({ OTEL_TRACES_EXPORTER: 'otlp' })).toBe(true);
    expect(tracingRequested({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://otel-collector:4318' })).toBe(true);
    expect(tracingRequested({ OTEL_TRACES_EXPORTER: 'otlp', OTEL_SDK_DISABLED: 'true' })).toBe(false);
    expect(() => tracingRequested({ OTEL_TRACES_EXPORTER: 'jaeger-thrift' })).toThrow(/OTEL_TRACES_EXPORTER/);
    expect(() => tracingRequested({ OTEL_EXPORTER_OTLP_ENDPOINT: 'collector' })).toThrow(/OTEL_EXPORTER_OTLP_ENDPOINT/);
  });
});

describe('log lines', () => {
  it('carry the trace and span ids when written inside a span, and none outside', async () => {
    const lines: Record<string, unknown>[] = [];
    const destination = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(JSON.parse(chunk.toString('utf8')) as Record<string, unknown>);
        done();
      },
    });
    const logger = createLogger({ service: 'kit-test', destination });
    logger.info('outside');
    const ids = await inSpan(tracer, 'work', {}, async (span) => {
      logger.child({ requestId: 'r-1' }).info('inside');
      return span.spanContext();
    });
    expect(lines[0]).not.toHaveProperty('traceId');
    expect(lines[0]).not.toHaveProperty('spanId');
    expect(lines[1]).toMatchObject({ msg: 'inside', requestId: 'r-1', traceId: ids.traceId, spanId: ids.spanId });
  });
});

describe('database spans', () => {
  it('name the statement and its table, never the parameters, and only inside a trace', async () => {
    await db.raw('select ? as secret', ['hunter2']);
    expect(exporter.getFinishedSpans()).toEqual([]);
    await inSpan(tracer, 'request', {}, async () => {
      await db('outbox').where({ key: 'k-secret-value' }).select('id');
    });
    const query = exporter.getFinishedSpans().find((span) => span.name === 'select outbox');
    expect(query?.attributes).toMatchObject({ 'db.system.name': 'postgresql', 'db.operation.name': 'select' });
    expect(JSON.stringify(query?.attributes)).not.toContain('k-secret-value');
    expect(statementSummary('insert into "processed_events" (consumer) values (?)').name).toBe(
      'insert processed_events',
    );
    expect(statementSummary('BEGIN;').name).toBe('begin');
  });
});

describe('Redis spans', () => {
  it('name the command, never its arguments, and only inside a trace', async () => {
    const redis = createRedis(testRedisUrl(), 'kit-test');
    try {
      await redis.set('telemetry:untraced', 'x');
      expect(exporter.getFinishedSpans()).toEqual([]);
      await inSpan(tracer, 'request', {}, async () => {
        await redis.set('telemetry:key', 'secret-value', 'EX', 10);
      });
      const command = exporter.getFinishedSpans().find((span) => span.name === 'redis set');
      expect(command?.attributes).toEqual({ 'db.system.name': 'redis', 'db.operation.name': 'set' });
      expect(command?.instrumentationScope.name).toBe('platform.kit-test');
    } finally {
      redis.disconnect();
    }
  });
});

describe('a trace through the outbox', () => {
  it('goes from the change to the relay to the consumer, as the CloudEvents traceparent extension', async () => {
    const bus = createInProcessTransport({ logger: silentLogger });
    const consumerDb = await createEventsDatabase('telemetry_consumer');
    const published: string[] = [];
    const tap = await bus.subscribe({
      groupId: 'tap',
      topics: ['platform.identity'],
      handle: async (message) => {
        published.push(message.value);
      },
    });
    let handlerTrace: string | undefined;
    const consumer = createEventConsumer({
      groupId: 'audit',
      service: 'audit',
      topics: ['platform.identity'],
      db: consumerDb,
      handler: async (event, trx) => {
        handlerTrace = trace.getActiveSpan()?.spanContext().traceId;
        await recordApplied(event, trx);
      },
      logger: silentLogger,
      transport: bus,
    });
    await consumer.start();
    const relay = createOutboxRelay({ db, publisher: bus, logger: silentLogger, service: 'identity' });
    try {
      const event = userRegistered();
      const change = await inSpan(tracer, 'mutation Register', {}, async (span) => {
        await db.transaction((trx) => enqueue(trx, event));
        return span.spanContext();
      });
      const row = await db('outbox').where({ id: event.id }).first<{ traceparent: string | null }>();
      expect(row?.traceparent).toBe(`00-${change.traceId}-${change.spanId}-01`);

      await relay.drainOnce();
      await waitFor(async () => (await appliedRows(consumerDb)).length === 1, 5_000, 'the event applied');

      // On the wire: the event with the producer span's context, still a valid catalog event.
      const onTheWire = parseEvent(published[0]);
      expect(onTheWire.id).toBe(event.id);
      expect(onTheWire.traceparent).toMatch(new RegExp(`^00-${change.traceId}-[0-9a-f]{16}-01$`));

      const spans = exporter.getFinishedSpans();
      const producer = spans.find((span) => span.name === 'publish platform.identity');
      const processing = spans.find((span) => span.name === `process ${event.type}`);
      expect(producer?.spanContext().traceId).toBe(change.traceId);
      expect(producer?.parentSpanContext?.spanId).toBe(change.spanId);
      expect(producer?.instrumentationScope.name).toBe('platform.identity');
      expect(onTheWire.traceparent).toBe(`00-${change.traceId}-${producer?.spanContext().spanId}-01`);
      expect(processing?.spanContext().traceId).toBe(change.traceId);
      expect(processing?.parentSpanContext?.spanId).toBe(producer?.spanContext().spanId);
      expect(processing?.instrumentationScope.name).toBe('platform.audit');
      expect(handlerTrace).toBe(change.traceId);
    } finally {
      await relay.stop();
      await consumer.stop();
      await tap.stop();
      await bus.close();
      await consumerDb.destroy();
    }
  });

  it('publishes an event written outside a trace without trace context', async () => {
    const sent: string[] = [];
    const relay = createOutboxRelay({
      db,
      publisher: { publish: async (messages) => void sent.push(...messages.map((message) => message.value)) },
      logger: silentLogger,
    });
    const event = userRegistered();
    await db.transaction((trx) => enqueue(trx, event));
    await relay.drainOnce();
    const published = sent.map((value) => parseEvent(value)).find((candidate) => candidate.id === event.id);
    expect(published).toBeDefined();
    expect(published).not.toHaveProperty('traceparent');
  });

  it('refuses an event whose traceparent is not W3C trace context', () => {
    expect(() => parseEvent({ ...userRegistered(), traceparent: 'not-a-trace' })).toThrow(/\/traceparent/);
  });
});

describe('an unexpected error', () => {
  it('names the trace and the request in its log line and its response, and nothing of the failure', async () => {
    const lines: Record<string, unknown>[] = [];
    const logger = createLogger({
      service: 'kit-test',
      destination: new Writable({
        write(chunk: Buffer, _encoding, done) {
          lines.push(JSON.parse(chunk.toString('utf8')) as Record<string, unknown>);
          done();
        },
      }),
    });
    const format = createErrorFormatter({ logger, exposeInternals: false });
    const server = createHttpServer({
      service: 'kit-test',
      logger,
      routes: [
        {
          method: 'POST',
          path: '/graphql',
          handler: async ({ res }) => {
            await new Promise((resolve) => setImmediate(resolve));
            const error = new Error('connection to 10.0.0.7:5432 refused');
            sendJson(res, 200, {
              errors: [format({ message: error.message, extensions: { code: 'INTERNAL_SERVER_ERROR' } }, error)],
            });
          },
        },
      ],
    });
    const running = await listen(server, 0);
    try {
      // The caller's trace (as the gateway sends it) is continued by the server span.
      const callerTrace = '4bf92f3577b34da6a3ce929d0e0e4736';
      const response = await fetch(`${running.url}/graphql`, {
        method: 'POST',
        headers: { 'x-request-id': 'req-42', traceparent: `00-${callerTrace}-00f067aa0ba902b7-01` },
      });
      const body = (await response.json()) as { errors: unknown[] };
      expect(body.errors).toEqual([
        {
          message: 'Internal server error',
          extensions: { code: 'INTERNAL_SERVER_ERROR', traceId: callerTrace, requestId: 'req-42' },
        },
      ]);
      const logged = lines.find((line) => line.msg === 'unexpected error while executing operation');
      expect(logged).toMatchObject({ traceId: callerTrace, requestId: 'req-42' });
      // The server span ends when the response is closed, which may be just after the client read it.
      const serverSpan = await waitFor(
        () => exporter.getFinishedSpans().find((span) => span.name === 'POST /graphql'),
        5_000,
        'the server span',
      );
      expect(serverSpan?.spanContext().traceId).toBe(callerTrace);
      expect(serverSpan?.parentSpanContext?.spanId).toBe('00f067aa0ba902b7');
      expect(serverSpan?.instrumentationScope.name).toBe('platform.kit-test');
    } finally {
      await closeServer(server);
    }
  });
});
