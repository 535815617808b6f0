/**
 * Subscription events with the real OpenTelemetry SDK and an in-memory exporter: an event
 * published in a trace (as audit publishes a Kafka event's, in its consumer's span) reaches the
 * gateway with that trace in its `next` message, and the gateway completes it in
 * `gateway.subscription.event` continuing it, the entity fetch to identity inside.
 */
import { tracing } from '@opentelemetry/sdk-node';
import { inSpan, serviceTracer, SpanKind, startTelemetry, stopTelemetry } from '@platform/service-kit/telemetry';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { gatewayClient, record, startHarness, waitFor, type Harness } from './harness.js';

const exporter = new tracing.InMemorySpanExporter();
let harness: Harness;

beforeAll(async () => {
  expect(
    await startTelemetry({ spanProcessors: [new tracing.SimpleSpanProcessor(exporter)], environment: {} }),
  ).not.toBeNull();
  harness = await startHarness();
  await harness.setPermissions('u1', ['audit.log.read']);
});

afterAll(async () => {
  await harness?.stop();
  await stopTelemetry();
});

beforeEach(async () => {
  await waitFor(() => harness.stream.size === 0);
  exporter.reset();
});

describe('a subscription event', () => {
  it('is completed in a span continuing the trace it was published in, its entity fetch inside', async () => {
    const { client } = gatewayClient(harness, { authorization: `Bearer ${harness.mintToken('u1')}` });
    try {
      const live = record(client, 'subscription Audit { auditEvents { id action actor { name } } }');
      await waitFor(() => harness.stream.size === 1);
      // Published in a Kafka consumer's span, the event's trace, as a feed fed by the bus does.
      const { traceId, spanId: consumerSpanId } = await inSpan(
        serviceTracer('audit'),
        'process platform.auth.user.registered.v1',
        { kind: SpanKind.CONSUMER },
        async (span) => {
          harness.stream.publish({ id: 'e1', action: 'user.registered', actorId: 'u2' });
          return span.spanContext();
        },
      );
      await waitFor(() => live.results.length === 1);
      expect(live.results[0]).toEqual({
        data: { auditEvents: { id: 'e1', action: 'user.registered', actor: { name: 'Bob' } } },
      });

      await waitFor(() => exporter.getFinishedSpans().some((span) => span.name === 'gateway.subscription.event'));
      const spans = exporter.getFinishedSpans();
      const event = spans.find((span) => span.name === 'gateway.subscription.event')!;
      expect(event.kind).toBe(SpanKind.CONSUMER);
      expect(event.spanContext().traceId).toBe(traceId);
      expect(event.parentSpanContext?.spanId).toBe(consumerSpanId);
      expect(event.attributes).toMatchObject({ service: 'audit', 'graphql.operation.name': 'Audit' });
      expect(event.instrumentationScope.name).toBe('platform.gateway');

      // The entity fetch: @apollo/gateway's fetch span under the event, identity's server span under it.
      const fetch = spans.find((span) => span.name === 'gateway.fetch' && span.attributes.service === 'identity');
      expect(fetch?.spanContext().traceId).toBe(traceId);
      const ancestors = (span: (typeof spans)[number]): string[] => {
        const parent = spans.find((candidate) => candidate.spanContext().spanId === span.parentSpanContext?.spanId);
        return parent ? [parent.spanContext().spanId, ...ancestors(parent)] : [];
      };
      expect(ancestors(fetch!)).toContain(event.spanContext().spanId);
      const identityServer = spans.find(
        (span) => span.kind === SpanKind.SERVER && span.parentSpanContext?.spanId === fetch?.spanContext().spanId,
      );
      expect(identityServer?.spanContext().traceId).toBe(traceId);
      live.unsubscribe();
    } finally {
      await client.dispose();
    }
  });

  it('published outside a trace, is completed in a trace of its own', async () => {
    const { client } = gatewayClient(harness, { authorization: `Bearer ${harness.mintToken('u1')}` });
    try {
      const live = record(client, 'subscription { auditEvents { id } }');
      await waitFor(() => harness.stream.size === 1);
      harness.stream.publish({ id: 'e2', action: 'user.deleted', actorId: null });
      await waitFor(() => live.results.length === 1);
      await waitFor(() => exporter.getFinishedSpans().some((span) => span.name === 'gateway.subscription.event'));
      const event = exporter.getFinishedSpans().find((span) => span.name === 'gateway.subscription.event')!;
      expect(event.parentSpanContext).toBeUndefined();
      live.unsubscribe();
    } finally {
      await client.dispose();
    }
  });
});
