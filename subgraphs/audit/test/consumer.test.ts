/** Domain events from the bus become audit rows: once each, redeliveries included, streamed live. */
import { randomUUID } from 'node:crypto';
import { eventually } from '@platform/devkit/testing';
import { publishedTrace } from '@platform/service-kit';
import { createEvent } from '@platform/service-kit/events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAudit, type AuditHarness } from './support.js';

describe('the audit event consumers', () => {
  let audit: AuditHarness;
  beforeAll(async () => {
    audit = await startAudit();
  });
  afterAll(() => audit.stop());

  const failedLogin = (userId: string) =>
    createEvent({
      type: 'platform.auth.login.failed.v1',
      subject: userId,
      data: {
        actorId: null,
        target: { type: 'user', id: userId },
        context: { requestId: 'req-consumer', traceId: null, ip: '127.0.0.1', userAgent: 'test-agent' },
        userId,
        email: 'someone@example.test',
        reason: 'invalid_credentials',
        outcome: 'failure',
      },
    });

  const rowsOf = (eventId: string) =>
    audit.db('audit_log').where({ event_id: eventId }).select('action', 'outcome', 'target_id');

  it('records a published event once, even when it is delivered twice, and streams it', async () => {
    const userId = randomUUID();
    const event = failedLogin(userId);
    const live = audit.subgraph.exposed.stream.subscribe({ actorId: null });
    await audit.publish([event]);
    await audit.publish([event]);

    await eventually(async () => (await rowsOf(event.id)).length > 0, 'the audit row');
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await rowsOf(event.id)).toEqual([{ action: 'auth.login.failed', outcome: 'FAILURE', target_id: userId }]);
    // Recorded in the group every deployment has used, so an upgrade does not replay the topics.
    await eventually(
      async () => (await audit.db('processed_events').where({ event_id: event.id })).length > 0,
      'the processed event',
    );
    expect(await audit.db('processed_events').where({ event_id: event.id }).pluck('consumer')).toEqual(['audit.log']);

    const iterator = live[Symbol.asyncIterator]();
    const first = await iterator.next();
    expect(first.value).toMatchObject({ action: 'auth.login.failed', outcome: 'FAILURE' });
    // The second delivery of the same event is not streamed again: the next one is a new event.
    const other = failedLogin(randomUUID());
    await audit.publish([other]);
    const second = await iterator.next();
    expect(second.value).toMatchObject({ targetId: other.subject, seq: 2 });
    expect((await audit.subgraph.exposed.verifyChain()).valid).toBe(true);
    await iterator.return?.();
  });

  it('records an event once and reads nothing back for the live feed while nobody here subscribes', async () => {
    expect(audit.subgraph.exposed.stream.size).toBe(0);
    // Every reading of an event already recorded counts as a duplicate: the live feed's read-back did.
    const duplicates = async () => {
      const text = await (await fetch(`${audit.url}/metrics`)).text();
      return Number(/^audit_events_recorded_total\{result="duplicate"[^}]*\} (\d+)$/m.exec(text)?.[1] ?? 0);
    };
    const before = await duplicates();
    const event = failedLogin(randomUUID());
    await audit.publish([event]);
    await eventually(async () => (await rowsOf(event.id)).length > 0, 'the audit row');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await rowsOf(event.id)).toHaveLength(1);
    expect(await duplicates()).toBe(before);
  });

  it('streams an event in the trace its Kafka event carries, for the gateway to continue', async () => {
    const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    const event = { ...failedLogin(randomUUID()), traceparent };
    const live = audit.subgraph.exposed.stream.subscribe({ actorId: null });
    await audit.publish([event]);
    const streamed = await live[Symbol.asyncIterator]().next();
    expect(streamed.value).toMatchObject({ eventId: event.id });
    expect(publishedTrace(streamed.value)).toEqual({ traceparent });
    await live.return?.();
  });
});
