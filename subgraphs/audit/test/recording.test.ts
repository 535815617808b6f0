import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chainHash, GENESIS_HASH } from '../src/domain/chain.js';
import { actionFromType, fromCloudEvent, InvalidAuditEventError, recordAuditEvent } from '../src/domain/record.js';
import { cloudEvent, startAudit, type AuditHarness } from './support.js';

describe('recording audit events', () => {
  let audit: AuditHarness;
  beforeAll(async () => {
    audit = await startAudit();
  });
  afterAll(() => audit.stop());

  it('maps a CloudEvent to one row: action from the type, actor, target, request details and metadata', async () => {
    const actorId = randomUUID();
    const userId = randomUUID();
    const { event, recorded } = await audit.subgraph.exposed.record({
      eventId: randomUUID(),
      type: 'platform.identity.user.registered.v1',
      source: '/platform/identity',
      subject: userId,
      time: '2026-03-04T05:06:07.891Z',
      data: {
        actorId: actorId.toUpperCase(),
        target: { type: 'user', id: userId },
        requestId: 'req-42',
        traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
        ip: '203.0.113.7',
        userAgent: 'Mozilla/5.0',
        email: 'ada@example.com',
        method: 'password',
      },
    });
    expect(recorded).toBe(true);
    expect(event).toMatchObject({
      source: '/platform/identity',
      actorId,
      action: 'identity.user.registered',
      outcome: 'SUCCESS',
      targetType: 'user',
      targetId: userId,
      occurredAt: new Date('2026-03-04T05:06:07.891Z'),
      requestId: 'req-42',
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
      sourceIp: '203.0.113.7',
      userAgent: 'Mozilla/5.0',
      metadata: { email: 'ada@example.com', method: 'password' },
    });
    expect(event.hash).toBe(chainHash(event));
  });

  it('records an event no request caused under the trace it travelled in (its traceparent)', () => {
    const traced = (traceId: string | null) =>
      fromCloudEvent({
        id: randomUUID(),
        type: 'platform.bookings.booking.expired.v1',
        source: '/platform/bookings',
        subject: randomUUID(),
        traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
        data: { context: { requestId: null, traceId, ip: null, userAgent: null } },
      }).data;
    expect(traced(null)).toMatchObject({ traceId: '4bf92f3577b34da6a3ce929d0e0e4736' });
    // The request's own trace, when the event names one, wins.
    expect(traced('a'.repeat(32))).not.toHaveProperty('traceId');
    expect((traced('a'.repeat(32))!.context as { traceId: string }).traceId).toBe('a'.repeat(32));
  });

  it('maps an event as the platform catalog writes it: request details under context, lower-case outcome', async () => {
    const userId = randomUUID();
    const { event } = await audit.subgraph.exposed.record(
      fromCloudEvent({
        id: randomUUID(),
        type: 'platform.auth.login.failed.v1',
        source: '/platform/auth',
        subject: userId,
        time: '2026-03-04T05:06:07.000Z',
        data: {
          actorId: null,
          target: { type: 'user', id: userId },
          context: { requestId: 'req-7', traceId: 'a'.repeat(32), ip: '192.0.2.1', userAgent: 'curl/8' },
          userId,
          email: 'ada@example.com',
          outcome: 'failure',
          reason: 'invalid_credentials',
        },
      }),
    );
    expect(event).toMatchObject({
      action: 'auth.login.failed',
      outcome: 'FAILURE',
      actorId: null,
      targetType: 'user',
      targetId: userId,
      requestId: 'req-7',
      traceId: 'a'.repeat(32),
      sourceIp: '192.0.2.1',
      userAgent: 'curl/8',
      metadata: { userId, email: 'ada@example.com', reason: 'invalid_credentials' },
    });
  });

  it('takes the outcome from the event, and SUCCESS when it says nothing', async () => {
    const failed = await audit.subgraph.exposed.record(
      cloudEvent({ type: 'platform.auth.login.failed.v1', data: { outcome: 'failure' } }),
    );
    const denied = await audit.subgraph.exposed.record(cloudEvent({ data: { outcome: 'DENIED' } }));
    const plain = await audit.subgraph.exposed.record(cloudEvent({ data: {} }));
    expect([failed.event.outcome, denied.event.outcome, plain.event.outcome]).toEqual(['FAILURE', 'DENIED', 'SUCCESS']);
  });

  it('targets the resource its type names and the event subject when the event has no target', async () => {
    const subject = randomUUID();
    const { event } = await audit.subgraph.exposed.record(
      cloudEvent({ type: 'platform.authz.role.assigned.v1', subject, data: { actorId: null } }),
    );
    expect(event).toMatchObject({
      action: 'authz.role.assigned',
      targetType: 'role',
      targetId: subject,
      actorId: null,
    });
  });

  it('reads the action off versioned and unprefixed types alike', () => {
    expect(actionFromType('platform.identity.user.registered.v1')).toBe('identity.user.registered');
    expect(actionFromType('platform.auth.session.revoked.v12')).toBe('auth.session.revoked');
    expect(actionFromType('auth.login.succeeded')).toBe('auth.login.succeeded');
  });

  it('records a redelivered event once, answering the row recorded the first time', async () => {
    const input = cloudEvent();
    const first = await audit.subgraph.exposed.record(input);
    const again = await audit.subgraph.exposed.record({ ...input, data: { ...input.data, requestId: 'another' } });
    expect(first.recorded).toBe(true);
    expect(again).toEqual({ event: first.event, recorded: false });
    const { rows } = await audit.db.raw<{ rows: { count: number }[] }>(
      'select count(*)::int as count from audit_log where event_id = ?',
      [input.eventId],
    );
    expect(rows[0]!.count).toBe(1);
  });

  it('records a redelivered event once even when both deliveries race', async () => {
    const input = cloudEvent();
    const results = await Promise.all(Array.from({ length: 5 }, () => audit.subgraph.exposed.record(input)));
    expect(results.filter((result) => result.recorded)).toHaveLength(1);
    expect(new Set(results.map((result) => result.event.id)).size).toBe(1);
  });

  it('gives an event whose id is not a UUID a stable id of its own, distinct per source', async () => {
    const first = await audit.subgraph.exposed.record(cloudEvent({ eventId: 'order-17', source: '/platform/shop' }));
    const again = await audit.subgraph.exposed.record(cloudEvent({ eventId: 'order-17', source: '/platform/shop' }));
    const elsewhere = await audit.subgraph.exposed.record(
      cloudEvent({ eventId: 'order-17', source: '/platform/billing' }),
    );
    expect(again.recorded).toBe(false);
    expect(again.event.id).toBe(first.event.id);
    expect(elsewhere.recorded).toBe(true);
    expect(first.event.eventId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('never records a password, token or secret in the metadata, at any depth', async () => {
    const { event } = await audit.subgraph.exposed.record(
      cloudEvent({
        data: {
          password: 'hunter2',
          newPassword: 'hunter3',
          refresh_token: 'rt_abc',
          clientSecret: 's3cr3t',
          session: { accessToken: 'at_abc', id: 's-1', nested: [{ apiSecret: 'x', keep: true }] },
          email: 'ada@example.com',
        },
      }),
    );
    expect(event.metadata).toEqual({ session: { id: 's-1', nested: [{ keep: true }] }, email: 'ada@example.com' });
    const { rows } = await audit.db.raw<{ rows: { text: string }[] }>(
      'select metadata::text as text from audit_log where id = ?',
      [event.id],
    );
    expect(rows[0]!.text).not.toMatch(/hunter|rt_abc|s3cr3t|at_abc/);
  });

  it('keeps text Postgres could not store from failing the recording', async () => {
    const { event } = await audit.subgraph.exposed.record(
      cloudEvent({ data: { note: 'nul\u0000byte and a lone \uD800 surrogate', userAgent: 'agent\u0000' } }),
    );
    expect(event.metadata).toEqual({ note: 'nulbyte and a lone \uFFFD surrogate' });
    expect(event.userAgent).toBe('agent');
    expect((await audit.subgraph.exposed.verifyChain()).valid).toBe(true);
  });

  it('refuses an event without an id or type, or with a malformed actor, outcome or time', async () => {
    const invalid = [
      cloudEvent({ eventId: '' }),
      cloudEvent({ type: 'not a type' }),
      cloudEvent({ data: { actorId: 'someone' } }),
      cloudEvent({ data: { outcome: 'MAYBE' } }),
      cloudEvent({ time: 'yesterday' }),
    ];
    for (const input of invalid) {
      await expect(audit.subgraph.exposed.record(input)).rejects.toBeInstanceOf(InvalidAuditEventError);
    }
  });

  it('chains 20 events recorded in parallel into one valid chain', async () => {
    const before = await audit.subgraph.exposed.verifyChain();
    const results = await Promise.all(Array.from({ length: 20 }, () => audit.subgraph.exposed.record(cloudEvent())));
    expect(results.every((result) => result.recorded)).toBe(true);
    const { rows } = await audit.db.raw<{ rows: { seq: number; previous_hash: string; hash: string }[] }>(
      'select seq, previous_hash, hash from audit_log order by seq',
    );
    rows.forEach((row, index) => {
      expect(row.seq).toBe(index + 1);
      expect(row.previous_hash).toBe(index === 0 ? GENESIS_HASH : rows[index - 1]!.hash);
    });
    const after = await audit.subgraph.exposed.verifyChain();
    expect(after).toMatchObject({ valid: true, checked: before.checked + 20, firstBrokenId: null });
    expect(after.lastHash).toBe(rows.at(-1)!.hash);
  });

  it('chains events recorded through separate connections (another replica) into the same chain', async () => {
    const [here, there] = await Promise.all([
      audit.subgraph.exposed.record(cloudEvent()),
      recordAuditEvent(audit.app, cloudEvent()),
    ]);
    expect(Math.abs(here.event.seq - there.event.seq)).toBe(1);
    expect((await audit.subgraph.exposed.verifyChain()).valid).toBe(true);
  });

  it("appends in the caller's transaction: rolled back with it, recorded once when the event comes again", async () => {
    const input = cloudEvent();
    const before = await audit.subgraph.exposed.verifyChain();
    const failure = new Error('the consumer failed after recording');
    await expect(
      audit.app.transaction(async (trx) => {
        expect((await recordAuditEvent(audit.app, input, { transaction: trx })).recorded).toBe(true);
        throw failure;
      }),
    ).rejects.toBe(failure);
    expect(await audit.db('audit_log').where({ event_id: input.eventId })).toEqual([]);

    const redelivered = await audit.app.transaction((trx) => recordAuditEvent(audit.app, input, { transaction: trx }));
    expect(redelivered.recorded).toBe(true);
    const again = await audit.app.transaction((trx) => recordAuditEvent(audit.app, input, { transaction: trx }));
    expect(again).toEqual({ event: redelivered.event, recorded: false });
    expect(await audit.subgraph.exposed.verifyChain()).toMatchObject({ valid: true, checked: before.checked + 1 });
  });

  it('publishes a recorded event to the stream after it is committed, and a redelivery not at all', async () => {
    const subscription = audit.subgraph.exposed.stream.subscribe();
    const input = cloudEvent();
    const { event } = await audit.subgraph.exposed.record(input);
    await audit.subgraph.exposed.record(input);
    const marker = await audit.subgraph.exposed.record(cloudEvent());
    expect((await subscription.next()).value).toEqual(event);
    expect((await subscription.next()).value).toEqual(marker.event);
    await subscription.return?.();
  });
});
