/**
 * The outbox, the relay and the consumer against a real Postgres, through the in-process
 * bus (the transport a service gets without KAFKA_BROKERS): events exist only when their
 * transaction committed, failed publishes back off without losing rows, each key's events
 * keep their order, and the in-process bus delivers through the same idempotent consumer.
 */
import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEventConsumer } from '../../src/events/consumer.js';
import { createInProcessTransport } from '../../src/events/in-process-transport.js';
import { countPendingOutbox, enqueue } from '../../src/events/outbox.js';
import { createOutboxRelay } from '../../src/events/relay.js';
import { createEventTransport, type EventPublisher, type OutgoingMessage } from '../../src/events/transport.js';
import {
  appliedRows,
  countingTransport,
  createEventsDatabase,
  idOf,
  recordApplied,
  roleAssigned,
  silentLogger,
  userRegistered,
  waitFor,
} from './helpers.js';

let db: Knex;

beforeAll(async () => {
  db = await createEventsDatabase('events_outbox');
});

afterAll(async () => {
  await db?.destroy();
});

async function outboxRow(id: string) {
  return db('outbox')
    .where({ id })
    .first<
      { topic: string; key: string; attempts: number; last_error: string | null; published_at: Date | null } | undefined
    >();
}

/** A publisher that records what it was given; `fail` makes it reject. */
function recordingPublisher(): EventPublisher & { sent: OutgoingMessage[]; fail: Error | undefined } {
  const publisher = {
    sent: [] as OutgoingMessage[],
    fail: undefined as Error | undefined,
    async publish(messages: readonly OutgoingMessage[]) {
      if (publisher.fail) throw publisher.fail;
      publisher.sent.push(...messages);
    },
  };
  return publisher;
}

describe('the transactional outbox', () => {
  it('records an event in the transaction of the change, and none when it rolls back', async () => {
    const kept = userRegistered();
    const dropped = userRegistered();
    await db.transaction((trx) => enqueue(trx, kept));
    await expect(
      db.transaction(async (trx) => {
        await enqueue(trx, dropped);
        throw new Error('the state change failed');
      }),
    ).rejects.toThrow('the state change failed');

    expect(await outboxRow(kept.id)).toMatchObject({
      topic: 'platform.identity',
      key: kept.subject,
      attempts: 0,
      published_at: null,
    });
    expect(await outboxRow(dropped.id)).toBeUndefined();
    await db('outbox').delete();
  });

  it('refuses a hand-made event that does not match the catalog, so it never reaches consumers', async () => {
    const event = userRegistered();
    await expect(
      db.transaction((trx) => enqueue(trx, { ...event, data: { ...event.data, userId: 'not-a-uuid' } })),
    ).rejects.toThrow('invalid platform.identity.user.registered.v1 event: /data/userId must match format "uuid"');
    expect(await outboxRow(event.id)).toBeUndefined();
  });

  it('refuses to enqueue outside a transaction', async () => {
    await expect(enqueue(db as unknown as Knex.Transaction, userRegistered())).rejects.toThrow(/needs the transaction/);
  });
});

describe('the outbox relay', () => {
  it('publishes pending rows keyed by subject, marks them, and backs off without losing a row when publishing fails', async () => {
    const publisher = recordingPublisher();
    const registry = new Registry();
    const relay = createOutboxRelay({
      db,
      publisher,
      logger: silentLogger,
      metrics: { registry },
      backoff: { initialMs: 60_000 },
    });
    const event = userRegistered();
    await db.transaction((trx) => enqueue(trx, event));

    publisher.fail = new Error('broker unreachable');
    expect(await relay.drainOnce()).toEqual({ claimed: 1, published: 0, deferred: 0, failed: 1 });
    const failed = await db('outbox')
      .where({ id: event.id })
      .first<{ attempts: number; last_error: string; available_at: Date; published_at: Date | null }>();
    expect(failed).toMatchObject({ attempts: 1, last_error: 'Error: broker unreachable', published_at: null });
    expect(failed.available_at.getTime()).toBeGreaterThan(Date.now() + 50_000);
    expect(await registry.getSingleMetricAsString('outbox_pending')).toContain('outbox_pending 1');
    expect(await registry.getSingleMetricAsString('outbox_publish_failures_total')).toContain(
      'outbox_publish_failures_total 1',
    );

    // Backing off: not claimed again before available_at.
    publisher.fail = undefined;
    expect(await relay.drainOnce()).toEqual({ claimed: 0, published: 0, deferred: 0, failed: 0 });
    await db('outbox').where({ id: event.id }).update({ available_at: db.fn.now() });
    expect(await relay.drainOnce()).toEqual({ claimed: 1, published: 1, deferred: 0, failed: 0 });

    expect(publisher.sent).toHaveLength(1);
    expect(publisher.sent[0]).toMatchObject({ topic: 'platform.identity', key: event.subject });
    expect(JSON.parse(publisher.sent[0]!.value)).toEqual(event);
    expect((await outboxRow(event.id))?.published_at).toBeInstanceOf(Date);
    expect(await countPendingOutbox(db)).toBe(0);
    expect(await registry.getSingleMetricAsString('outbox_published_total')).toContain(
      'outbox_published_total{topic="platform.identity"} 1',
    );
    await db('outbox').delete();
  });

  it('never lets an event overtake an earlier, unpublished event of the same key', async () => {
    const publisher = recordingPublisher();
    const relay = createOutboxRelay({ db, publisher, logger: silentLogger, backoff: { initialMs: 60_000 } });
    const userA = randomUUID();
    const userB = randomUUID();
    const first = roleAssigned(userA, 1);
    await db.transaction((trx) => enqueue(trx, first));
    publisher.fail = new Error('down');
    await relay.drainOnce(); // `first` now backs off for a minute

    publisher.fail = undefined;
    const second = roleAssigned(userA, 2);
    const unrelated = roleAssigned(userB, 1);
    await db.transaction((trx) => enqueue(trx, [second, unrelated]));
    expect(await relay.drainOnce()).toEqual({ claimed: 2, published: 1, deferred: 1, failed: 0 });
    expect(publisher.sent.map(idOfMessage)).toEqual([unrelated.id]);

    await db('outbox').where({ id: first.id }).update({ available_at: db.fn.now() });
    expect(await relay.drainOnce()).toEqual({ claimed: 2, published: 2, deferred: 0, failed: 0 });
    expect(publisher.sent.map(idOfMessage)).toEqual([unrelated.id, first.id, second.id]);
    await db('outbox').delete();
  });

  it('runs on its own once started, and stops', async () => {
    const publisher = recordingPublisher();
    const relay = createOutboxRelay({ db, publisher, logger: silentLogger, pollIntervalMs: 20, batchSize: 3 });
    relay.start();
    const events = Array.from({ length: 10 }, () => userRegistered());
    await db.transaction((trx) => enqueue(trx, events));
    relay.wake();
    await waitFor(() => publisher.sent.length === 10, 5_000, 'ten events published');
    await relay.stop();
    expect(publisher.sent.map(idOfMessage)).toEqual(events.map((event) => event.id));
    await db('outbox').delete();
  });

  it('publishes a commit at once, waking only the relay of the database it committed in', async () => {
    const other = await createEventsDatabase('events_outbox_other');
    const otherStatements: string[] = [];
    other.on('query', (query: { sql: string }) => otherStatements.push(query.sql));
    const publisher = recordingPublisher();
    // Polls that never come within the test: only a wake-up can publish.
    const relay = createOutboxRelay({ db, publisher, logger: silentLogger, pollIntervalMs: 60_000 });
    const otherRelay = createOutboxRelay({ db: other, publisher, logger: silentLogger, pollIntervalMs: 60_000 });
    try {
      relay.start();
      otherRelay.start();
      // Each runs its first round at start; then both wait.
      await waitFor(() => otherStatements.includes('COMMIT;'), 5_000, 'the first round on the other database');
      await new Promise((resolve) => setTimeout(resolve, 100));
      const before = otherStatements.length;
      const event = userRegistered();
      await db.transaction((trx) => enqueue(trx, event));
      await waitFor(() => publisher.sent.length === 1, 5_000, 'the event published without waiting for a poll');
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(publisher.sent.map(idOfMessage)).toEqual([event.id]);
      expect(otherStatements.slice(before)).toEqual([]);
    } finally {
      await relay.stop();
      await otherRelay.stop();
      await other.destroy();
      await db('outbox').delete();
    }
  });
});

function idOfMessage(message: OutgoingMessage): string | undefined {
  return (JSON.parse(message.value) as { id?: string }).id;
}

describe('the in-process transport', () => {
  it('is what a service gets when no Kafka brokers are configured', async () => {
    const inProcess = createEventTransport({ kafkaBrokers: [], clientId: 'test', logger: silentLogger });
    const kafka = createEventTransport({ kafkaBrokers: ['127.0.0.1:1'], clientId: 'test', logger: silentLogger });
    expect([inProcess.kind, kafka.kind]).toEqual(['in-process', 'kafka']);
    await Promise.all([inProcess.close(), kafka.close()]);
  });

  it('delivers through the same idempotent consumer: a redelivered event is applied once', async () => {
    const bus = createInProcessTransport({ logger: silentLogger });
    const wire = countingTransport(bus);
    const consumerDb = await createEventsDatabase('events_inproc_consumer');
    const consumer = createEventConsumer({
      groupId: 'audit',
      topics: ['platform.identity', 'platform.authz'],
      db: consumerDb,
      handler: recordApplied,
      logger: silentLogger,
      transport: wire.transport,
    });
    await consumer.start();
    await consumer.ready;
    const relay = createOutboxRelay({ db, publisher: bus, logger: silentLogger, pollIntervalMs: 20 });
    try {
      const registered = userRegistered();
      const assigned = roleAssigned(registered.subject, 3);
      await db.transaction((trx) => enqueue(trx, [registered, assigned]));
      relay.start();
      await waitFor(async () => (await appliedRows(consumerDb)).length === 2, 5_000, 'two events applied');

      // The same event again, as after a relay crash between publish and mark-sent.
      await bus.publish([{ topic: 'platform.identity', key: registered.subject, value: JSON.stringify(registered) }]);
      await waitFor(() => wire.timesReceived(registered.id) === 2, 5_000, 'the duplicate to arrive');
      await consumer.stop();

      expect((await appliedRows(consumerDb)).map((row) => row.event_id)).toEqual([registered.id, assigned.id]);
      expect(await consumerDb('processed_events').where({ consumer: 'audit' }).count<{ count: number }[]>('*')).toEqual(
        [{ count: 2 }],
      );
    } finally {
      await relay.stop();
      await consumer.stop();
      await bus.close();
      await consumerDb.destroy();
      await db('outbox').delete();
    }
  });

  it('parks a poison message on the dead-letter topic and goes on with the next one', async () => {
    const bus = createInProcessTransport({ logger: silentLogger });
    const consumerDb = await createEventsDatabase('events_inproc_poison');
    const dlq: { value: string; headers: Record<string, string> }[] = [];
    const dlqWatcher = await bus.subscribe({
      groupId: 'dlq-watcher',
      topics: ['platform.identity.dlq'],
      handle: async (message) => {
        dlq.push(message);
      },
    });
    const poisonous = userRegistered();
    let tries = 0;
    const consumer = createEventConsumer({
      groupId: 'mailer',
      topics: ['platform.identity'],
      db: consumerDb,
      logger: silentLogger,
      transport: bus,
      retryDelayMs: 5,
      handler: async (event, trx) => {
        if (event.id === poisonous.id) {
          tries += 1;
          // Written, then rolled back with the failed try.
          await recordApplied(event, trx);
          throw new Error('template missing');
        }
        await recordApplied(event, trx);
      },
    });
    await consumer.start();
    try {
      const after = userRegistered();
      await bus.publish([
        { topic: 'platform.identity', key: 'k', value: '{"specversion":"1.0"' },
        { topic: 'platform.identity', key: poisonous.subject, value: JSON.stringify(poisonous) },
        { topic: 'platform.identity', key: after.subject, value: JSON.stringify(after) },
      ]);
      await waitFor(async () => (await appliedRows(consumerDb)).length === 1, 5_000, 'the later event applied');
      await waitFor(() => dlq.length === 2, 5_000, 'two dead letters');

      expect((await appliedRows(consumerDb)).map((row) => row.event_id)).toEqual([after.id]);
      expect(tries).toBe(3);
      expect(dlq[0]?.headers).toMatchObject({
        'dlq-reason': 'invalid_event',
        'dlq-original-topic': 'platform.identity',
      });
      expect(dlq[0]?.headers['dlq-error']).toMatch(/^EventValidationError: invalid event: \(event\) is not JSON/);
      expect(dlq[1]?.headers).toMatchObject({
        'dlq-reason': 'handler_failed',
        'dlq-error': 'Error: template missing',
        'dlq-attempts': '3',
        'dlq-consumer': 'mailer',
      });
      expect(idOf({ ...dlq[1]!, topic: '', key: null, partition: 0, offset: '0' })).toBe(poisonous.id);
    } finally {
      await consumer.stop();
      await dlqWatcher.stop();
      await bus.close();
      await consumerDb.destroy();
    }
  });
});
