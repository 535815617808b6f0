/** Domain events from the bus become audit rows: once each, redeliveries included, streamed live. */
import { randomUUID } from 'node:crypto';
import { createLogger } from '@platform/service-kit';
import { createEvent, createEventTransport, topicForType, type EventTransport } from '@platform/service-kit/events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAudit, type AuditHarness } from './support.js';

describe('the audit event consumer', () => {
  let transport: EventTransport;
  let audit: AuditHarness;
  beforeAll(async () => {
    transport = createEventTransport({
      clientId: 'audit-consumer-test',
      logger: createLogger({ service: 'test', level: 'silent' }),
    });
    audit = await startAudit({ eventTransport: transport });
  });
  afterAll(async () => {
    await audit.stop();
    await transport.close();
  });

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

  it('records a published event once, even when it is delivered twice, and streams it', async () => {
    const userId = randomUUID();
    const event = failedLogin(userId);
    const live = audit.server.stream.subscribe({ actorId: null });
    const message = { topic: topicForType(event.type), key: event.subject, value: JSON.stringify(event) };
    await transport.publish([message]);
    await transport.publish([message]);

    const deadline = Date.now() + 5000;
    let rows: { action: string; outcome: string; target_id: string }[] = [];
    while (Date.now() < deadline) {
      rows = await audit.owner('audit_log').where({ event_id: event.id }).select('action', 'outcome', 'target_id');
      if (rows.length > 0) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
    rows = await audit.owner('audit_log').where({ event_id: event.id }).select('action', 'outcome', 'target_id');
    expect(rows).toEqual([{ action: 'auth.login.failed', outcome: 'FAILURE', target_id: userId }]);

    const iterator = live[Symbol.asyncIterator]();
    const first = await iterator.next();
    expect(first.value).toMatchObject({ action: 'auth.login.failed', outcome: 'FAILURE' });
    // The second delivery of the same event is not streamed again: the next one is a new event.
    const other = failedLogin(randomUUID());
    await transport.publish([{ topic: topicForType(other.type), key: other.subject, value: JSON.stringify(other) }]);
    const second = await iterator.next();
    expect(second.value).toMatchObject({ targetId: other.subject, seq: 2 });
    expect((await audit.server.verifyChain()).valid).toBe(true);
  });
});
