/**
 * The kit's operator gauges, read the way Prometheus reads them (the registry's exposition):
 * a consumer group's lag and its topics' dead letters on the in-process bus (Kafka's are read
 * from the broker's offsets: events/kafka.test.ts), and the age of the oldest unpublished
 * outbox event. The database is the test Postgres.
 */
import type { Knex } from 'knex';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEventConsumer } from '../src/events/consumer.js';
import { createInProcessTransport } from '../src/events/in-process-transport.js';
import { enqueue } from '../src/events/outbox.js';
import { createOutboxRelay } from '../src/events/relay.js';
import {
  appliedRows,
  createEventsDatabase,
  recordApplied,
  silentLogger,
  userRegistered,
  waitFor,
} from './events/helpers.js';

let db: Knex;
beforeAll(async () => {
  db = await createEventsDatabase('kit_metrics');
});
afterAll(() => db?.destroy());

/** The sample of `name` with exactly these labels (besides none), from the registry's exposition. */
async function sample(registry: Registry, name: string, labels: Record<string, string> = {}): Promise<number | null> {
  const text = await registry.metrics();
  const rendered = Object.entries(labels)
    .map(([label, value]) => `${label}="${value}"`)
    .join(',');
  const line = text
    .split('\n')
    .find((candidate) => candidate.startsWith(rendered ? `${name}{${rendered}} ` : `${name} `));
  return line === undefined ? null : Number(line.slice(line.lastIndexOf(' ') + 1));
}

describe('consumer lag and dead letters on the in-process bus', () => {
  it('reports the messages a group has not consumed (the one being handled included) and those parked on the dead-letter topic', async () => {
    const registry = new Registry();
    const transport = createInProcessTransport({ logger: silentLogger });
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    const consumer = createEventConsumer({
      groupId: 'lagging',
      topics: ['platform.identity'],
      db,
      logger: silentLogger,
      transport,
      metrics: { registry },
      handler: async (event, trx) => {
        await released;
        await recordApplied(event, trx);
      },
    });
    const events = [userRegistered(), userRegistered(), userRegistered()];
    await transport.publish([
      ...events.map((event) => ({ topic: 'platform.identity', key: event.subject, value: JSON.stringify(event) })),
      { topic: 'platform.identity', key: 'poison', value: 'not an event' },
    ]);
    const lag = () => sample(registry, 'events_consumer_lag', { consumer: 'lagging', topic: 'platform.identity' });
    const deadLetters = () => sample(registry, 'events_dead_letter_messages', { topic: 'platform.identity.dlq' });
    expect(await lag()).toBe(4);
    expect(await deadLetters()).toBe(0);

    await consumer.start();
    try {
      // The first message is in the handler, not yet consumed.
      expect(await lag()).toBe(4);
      release();
      await waitFor(async () => (await lag()) === 0, 5_000, 'the group caught up');
      expect((await appliedRows(db)).map((row) => row.event_id).sort()).toEqual(events.map((event) => event.id).sort());
      expect(await deadLetters()).toBe(1);
      expect(await sample(registry, 'events_consumed_total', { consumer: 'lagging', outcome: 'dead_lettered' })).toBe(
        1,
      );
      expect(await sample(registry, 'events_consumed_total', { consumer: 'lagging', outcome: 'duplicate' })).toBe(0);
    } finally {
      await consumer.stop();
      await transport.close();
    }
  });
});

describe('the outbox age gauge', () => {
  it('reports how long the oldest unpublished event has waited, and 0 once the relay published it', async () => {
    const registry = new Registry();
    const transport = createInProcessTransport({ logger: silentLogger });
    const relay = createOutboxRelay({ db, publisher: transport, logger: silentLogger, metrics: { registry } });
    expect(await sample(registry, 'outbox_oldest_pending_age_seconds')).toBe(0);

    const waiting = userRegistered();
    await db.transaction((trx) => enqueue(trx, waiting));
    await db('outbox')
      .where({ id: waiting.id })
      .update({ created_at: db.raw("now() - interval '90 seconds'") });
    const age = await sample(registry, 'outbox_oldest_pending_age_seconds');
    expect(age).toBeGreaterThanOrEqual(90);
    expect(age).toBeLessThan(120);
    expect(await sample(registry, 'outbox_pending')).toBe(1);

    await relay.drainOnce();
    expect(await sample(registry, 'outbox_oldest_pending_age_seconds')).toBe(0);
    await transport.close();
  });
});
