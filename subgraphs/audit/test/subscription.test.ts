import { randomUUID } from 'node:crypto';
import { createLogger, Permission, type Caller } from '@platform/service-kit';
import { parse, subscribe, type ExecutionResult } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createContextFactory } from '../src/context.js';
import { AuditStreamOverflowError, createAuditStream } from '../src/domain/stream.js';
import type { AuditEventModel } from '../src/mappers.js';
import { buildAuditSchema } from '../src/subgraph.js';
import { createAuditLogStore } from '../src/stores/audit-log-store.js';
import { signedIn } from '@platform/devkit/testing';
import { auditShare, cloudEvent, startAudit, type AuditHarness } from './support.js';

const AUDIT_EVENTS = parse(auditShare('AuditEvents'));

type Subscription = AsyncGenerator<ExecutionResult<{ auditEvents: { id: string; action: string; outcome: string } }>>;

describe('the live audit event subscription', () => {
  let audit: AuditHarness;
  const schema = buildAuditSchema();
  const logger = createLogger({ service: 'audit-test', level: 'silent' });
  beforeAll(async () => {
    audit = await startAudit();
  });
  afterAll(() => audit.stop());

  const open = async (caller: Caller, filter?: Record<string, unknown>) => {
    const contextValue = createContextFactory({
      db: audit.app,
      auditLog: createAuditLogStore(audit.app),
      stream: audit.subgraph.exposed.stream,
      verifyChain: audit.subgraph.exposed.verifyChain,
    })({ requestId: randomUUID(), caller, logger, client: { ip: null, userAgent: null } });
    return subscribe({ schema, document: AUDIT_EVENTS, variableValues: { filter }, contextValue });
  };

  it('yields each event as it is recorded, with the fields the contract selects', async () => {
    const subscription = (await open(signedIn(randomUUID(), [Permission.AuditLogRead]))) as Subscription;
    const actorId = randomUUID();
    const targetId = randomUUID();
    const { event } = await audit.subgraph.exposed.record(
      cloudEvent({ time: '2026-05-06T07:08:09.010Z', data: { actorId, target: { type: 'user', id: targetId } } }),
    );
    expect((await subscription.next()).value).toEqual({
      data: {
        auditEvents: {
          id: event.id,
          action: 'identity.user.registered',
          outcome: 'SUCCESS',
          occurredAt: '2026-05-06T07:08:09.010Z',
          actor: { id: actorId },
          target: { type: 'user', id: targetId },
        },
      },
    });
    await subscription.return(undefined);
    expect(audit.subgraph.exposed.stream.size).toBe(0);
  });

  it('yields only the events its filter matches', async () => {
    const actorId = randomUUID();
    const subscription = (await open(signedIn(randomUUID(), [Permission.AuditLogRead]), {
      action: 'auth.login.failed',
      outcome: 'FAILURE',
      actorId: actorId.toUpperCase(),
    })) as Subscription;
    const failed = { type: 'platform.auth.login.failed.v1' };
    await audit.subgraph.exposed.record(cloudEvent({ ...failed, data: { actorId, outcome: 'FAILURE' } }));
    await audit.subgraph.exposed.record(cloudEvent({ ...failed, data: { actorId: randomUUID(), outcome: 'FAILURE' } }));
    await audit.subgraph.exposed.record(cloudEvent({ data: { actorId, outcome: 'FAILURE' } }));
    await audit.subgraph.exposed.record(cloudEvent({ ...failed, data: { actorId, outcome: 'SUCCESS' } }));
    const wanted = await audit.subgraph.exposed.record(
      cloudEvent({ ...failed, data: { actorId, outcome: 'FAILURE' } }),
    );

    type Payload = ExecutionResult<{ auditEvents: { id: string; action: string } }>;
    const first = (await subscription.next()).value as Payload;
    const second = (await subscription.next()).value as Payload;
    expect(first.data?.auditEvents.action).toBe('auth.login.failed');
    expect(second.data?.auditEvents.id).toBe(wanted.event.id);
    await subscription.return(undefined);
  });

  it('refuses to subscribe without audit.log.read, and anonymous callers', async () => {
    const forbidden = (await open(signedIn(randomUUID(), [Permission.AuditLogVerify]))) as ExecutionResult;
    expect(forbidden.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const anonymous = (await open({ userId: null, sessionId: null, permissions: [] })) as ExecutionResult;
    expect(anonymous.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(audit.subgraph.exposed.stream.size).toBe(0);
  });

  it('refuses a filter whose actor is not a UUID', async () => {
    const result = (await open(signedIn(randomUUID(), [Permission.AuditLogRead]), {
      actorId: 'ada',
    })) as ExecutionResult;
    expect(result.errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      fields: { 'filter.actorId': 'must be a UUID' },
    });
  });
});

describe('the in-process audit stream', () => {
  const event = (overrides: Partial<AuditEventModel> = {}) =>
    ({ id: randomUUID(), action: 'a.b.c', outcome: 'SUCCESS', actorId: null, ...overrides }) as AuditEventModel;

  it('delivers events published before the subscriber asks, in order', async () => {
    const stream = createAuditStream();
    const subscription = stream.subscribe();
    const [one, two] = [event(), event()];
    stream.publish(one);
    stream.publish(two);
    expect((await subscription.next()).value).toBe(one);
    expect((await subscription.next()).value).toBe(two);
  });

  it('ends a subscription on return(), on abort and when the stream closes', async () => {
    const stream = createAuditStream();
    const returned = stream.subscribe();
    const controller = new AbortController();
    const aborted = stream.subscribe({}, { signal: controller.signal });
    const closed = stream.subscribe();
    const pending = closed.next();
    expect(stream.size).toBe(3);
    await returned.return?.();
    controller.abort();
    expect(await aborted.next()).toEqual({ value: undefined, done: true });
    stream.close();
    expect(await pending).toEqual({ value: undefined, done: true });
    expect(stream.size).toBe(0);
  });

  it('drops a subscriber that falls too far behind, after delivering what it had queued', async () => {
    const stream = createAuditStream({ bufferSize: 2 });
    const slow = stream.subscribe();
    const events = [event(), event(), event()];
    for (const item of events) stream.publish(item);
    expect(stream.size).toBe(0);
    expect((await slow.next()).value).toBe(events[0]);
    expect((await slow.next()).value).toBe(events[1]);
    await expect(slow.next()).rejects.toBeInstanceOf(AuditStreamOverflowError);
    expect(await slow.next()).toEqual({ value: undefined, done: true });
  });
});
