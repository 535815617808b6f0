/**
 * One trace from the client to every consumer (issue #14), with the real OpenTelemetry SDK
 * and its in-memory exporter: a buyer's ConfirmBooking through the gateway is one trace
 * holding the gateway's operation, authorization, planning and fetch spans, the bookings
 * subgraph's server, resolver and database spans, the relay's publish span, and the spans of
 * every consumer of the confirmed booking (analytics, notifications, audit). The audit row of
 * the confirmation and the request's log lines carry the same trace id.
 */
import { tracing } from '@opentelemetry/sdk-node';
import { createDatabase, type Database } from '@platform/service-kit';
import { startTelemetry, stopTelemetry } from '@platform/service-kit/telemetry';
import { eventually } from '@platform/devkit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { confirmedBooking, publishedEvent, signInOrganizer } from '../harness/organizers.js';
import { startTestPlatform, type TestPlatform } from '../harness/platform.js';
import { login, registerUser } from '../harness/users.js';

const exporter = new tracing.InMemorySpanExporter();
let platform: TestPlatform;
let audit: Database;
let organizerToken: string;
let buyerToken: string;

beforeAll(async () => {
  // Before the platform: every service in this process reports to the one SDK.
  const telemetry = await startTelemetry({
    spanProcessors: [new tracing.SimpleSpanProcessor(exporter)],
    environment: {},
  });
  expect(telemetry).not.toBeNull();
  platform = await startTestPlatform();
  audit = createDatabase({ url: platform.environments.audit!.DATABASE_URL!, applicationName: 'tracing-test' });
  organizerToken = (await signInOrganizer(platform)).token;
  buyerToken = (await login(platform, await registerUser(platform, 'traced-buyer'))).accessToken;
}, 180_000);

afterAll(async () => {
  await audit?.destroy();
  await platform?.stop();
  await stopTelemetry();
});

type FinishedSpan = ReturnType<typeof exporter.getFinishedSpans>[number];

/** `scope/name` of a span: which service (its tracer) did what. */
const label = (span: FinishedSpan) => `${span.instrumentationScope.name}/${span.name}`;

describe('one trace from the client to every consumer', () => {
  it('holds the gateway, bookings, its database, the relay and each consumer of the confirmed booking', async () => {
    const { ticketTypeId } = await publishedEvent(platform, organizerToken, 2);
    const { bookingId, confirmed } = await confirmedBooking(platform, buyerToken, ticketTypeId, 1);
    expect(confirmed.body.data!.confirmBooking.booking.status).toBe('CONFIRMED');
    const requestId = confirmed.headers.get('x-request-id')!;

    // The gateway's operation span names the trace; exactly one confirmation was resolved, in it.
    const operation = exporter.getFinishedSpans().filter((span) => span.name === 'mutation ConfirmBooking');
    expect(operation).toHaveLength(1);
    const traceId = operation[0]!.spanContext().traceId;
    expect(operation[0]!.attributes).toMatchObject({
      'graphql.operation.type': 'mutation',
      'graphql.operation.name': 'ConfirmBooking',
    });
    expect(operation[0]!.attributes['graphql.document.hash']).toMatch(/^[0-9a-f]{64}$/);
    // Never the variables: the payment token and idempotency key stay out of the trace.
    expect(JSON.stringify(exporter.getFinishedSpans().map((span) => span.attributes))).not.toContain(
      'tok_sandbox_visa',
    );

    const consumers = ['analytics', 'notifications', 'audit'].map(
      (service) => `platform.${service}/process platform.bookings.booking.confirmed.v1`,
    );
    const inTrace = () => exporter.getFinishedSpans().filter((span) => span.spanContext().traceId === traceId);
    await eventually(
      () => consumers.every((wanted) => inTrace().some((span) => label(span) === wanted)),
      'every consumer of the confirmed booking in the trace',
      20_000,
    );

    const spans = inTrace();
    const labels = new Set(spans.map(label));
    for (const expected of [
      'platform.gateway/mutation ConfirmBooking',
      'platform.gateway/gateway.authorize',
      // The gateway's own query-plan executor (gateway/src/execution).
      'platform.gateway/gateway.plan',
      'platform.gateway/gateway.fetch',
      'platform.bookings/POST /graphql',
      'platform.bookings/Mutation.confirmBooking',
      'platform.bookings/publish platform.bookings',
      ...consumers,
    ]) {
      expect(labels, expected).toContain(expected);
    }
    // The subgraph continued the gateway's fetch: its server span's parent is a gateway.fetch span.
    const server = spans.find((span) => label(span) === 'platform.bookings/POST /graphql')!;
    const fetchSpan = spans.find((span) => span.spanContext().spanId === server.parentSpanContext?.spanId);
    expect(fetchSpan?.name).toBe('gateway.fetch');
    expect(fetchSpan?.attributes.service).toBe('bookings');
    // Database spans: bookings' statements, named by operation and table, without parameters.
    const queries = spans.filter(
      (span) => span.instrumentationScope.name === 'platform.bookings' && span.attributes['db.system.name'],
    );
    expect(queries.some((span) => span.name === 'insert outbox')).toBe(true);
    expect(queries.every((span) => !JSON.stringify(span.attributes).includes(bookingId))).toBe(true);
    // Each consumer's own database work belongs to the same trace.
    for (const service of ['analytics', 'notifications', 'audit']) {
      expect(
        spans.some(
          (span) => span.instrumentationScope.name === `platform.${service}` && span.attributes['db.system.name'],
        ),
        `${service} database spans`,
      ).toBe(true);
    }
    expect(spans.filter((span) => span.name === 'Mutation.confirmBooking')).toHaveLength(1);
    expect(exporter.getFinishedSpans().filter((span) => span.name === 'Mutation.confirmBooking')).toHaveLength(1);

    // The audit row of the confirmation carries the trace id.
    const row = await eventually(
      async () =>
        audit('audit_log')
          .where({ action: 'bookings.booking.confirmed', target_id: bookingId })
          .first<{ trace_id: string | null; request_id: string | null } | undefined>('trace_id', 'request_id'),
      'the audit row of the confirmation',
      20_000,
    );
    expect(row).toEqual({ trace_id: traceId, request_id: requestId });

    // So does every log line of that request, in the gateway and in bookings.
    const lines = platform
      .logLines()
      .map((line) => JSON.parse(line) as { service?: string; requestId?: string; traceId?: string })
      .filter((line) => line.requestId === requestId);
    expect(new Set(lines.map((line) => line.service))).toEqual(new Set(['gateway', 'bookings']));
    expect(lines.map((line) => line.traceId)).toEqual(lines.map(() => traceId));
  });
});
