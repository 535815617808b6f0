/**
 * The event backbone end to end against a real Kafka broker and Postgres: outbox → relay →
 * Kafka (idempotent producer) → idempotent consumer. Delivery is at-least-once on the wire
 * and exactly-once in effect: a relay dying between publish and mark-sent, two relays
 * draining at once, a broker outage, and poison messages never lose or double-apply an event.
 * Each test uses its own domain topic and its own databases.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { trace } from '@opentelemetry/api';
import { tracing } from '@opentelemetry/sdk-node';
import { Kafka, logLevel } from 'kafkajs';
import type { Knex } from 'knex';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEventConsumer, type EventConsumer } from '../../src/events/consumer.js';
import { createEvent } from '../../src/events/envelope.js';
import { createKafkaTransport } from '../../src/events/kafka-transport.js';
import { countPendingOutbox, enqueue } from '../../src/events/outbox.js';
import { createOutboxRelay, type OutboxRelay } from '../../src/events/relay.js';
import type { EventTransport, OutgoingMessage } from '../../src/events/transport.js';
import { startTelemetry, stopTelemetry } from '../../src/telemetry/sdk.js';
import { inSpan, serviceTracer } from '../../src/telemetry/spans.js';
import { startKafkaBroker, type KafkaBroker } from '@platform/devkit/kafka';
import {
  appliedRows,
  countingTransport,
  createEventsDatabase,
  idOf,
  recordApplied,
  roleAssigned,
  sessionRevoked,
  silentLogger,
  userRegistered,
  waitFor,
} from './helpers.js';

let broker: KafkaBroker;
let dataDir: string;
/** Everything a test started, stopped in reverse order when the test ends. */
let cleanups: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'events-kafka-test-'));
  broker = await startKafkaBroker({ dataDir });
}, 180_000);

afterAll(async () => {
  await broker?.stop();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
}, 60_000);

async function cleanUp(): Promise<void> {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  cleanups = [];
}

function transport(clientId: string): EventTransport {
  const created = createKafkaTransport({
    brokers: broker.brokers,
    clientId,
    logger: silentLogger,
    publishTimeoutMs: 2_000,
  });
  cleanups.push(() => created.close());
  return created;
}

async function database(prefix: string): Promise<Knex> {
  const db = await createEventsDatabase(prefix);
  cleanups.push(() => db.destroy());
  return db;
}

async function startConsumer(options: {
  groupId: string;
  topic: string;
  db: Knex;
  transport: EventTransport;
  handler?: Parameters<typeof createEventConsumer>[0]['handler'];
}): Promise<EventConsumer> {
  const consumer = createEventConsumer({
    groupId: options.groupId,
    topics: [options.topic],
    db: options.db,
    handler: options.handler ?? recordApplied,
    logger: silentLogger,
    transport: options.transport,
    retryDelayMs: 10,
  });
  cleanups.push(() => consumer.stop());
  await consumer.start();
  await consumer.ready;
  return consumer;
}

function relayOf(db: Knex, publisher: EventTransport, extra: Partial<Parameters<typeof createOutboxRelay>[0]> = {}) {
  const relay: OutboxRelay = createOutboxRelay({
    db,
    publisher,
    logger: silentLogger,
    pollIntervalMs: 50,
    backoff: { initialMs: 0 },
    ...extra,
  });
  cleanups.push(() => relay.stop());
  return relay;
}

describe('events over Kafka', () => {
  it('applies a committed event once when the relay died between publishing it and marking it sent', async () => {
    const producerDb = await database('events_kafka_crash_p');
    const consumerDb = await database('events_kafka_crash_c');
    const kafka = transport('crash-relay');
    const wire = countingTransport(transport('crash-consumer'));
    try {
      await startConsumer({
        groupId: 'crash-audit',
        topic: 'platform.identity',
        db: consumerDb,
        transport: wire.transport,
      });
      const event = userRegistered();
      await producerDb.transaction((trx) => enqueue(trx, event));

      // The first relay publishes, then "dies" before it can mark the row sent.
      const dying = relayOf(producerDb, {
        ...kafka,
        publish: async (messages: readonly OutgoingMessage[]) => {
          await kafka.publish(messages);
          throw new Error('relay killed after publishing');
        },
      });
      expect(await dying.drainOnce()).toMatchObject({ published: 0, failed: 1 });
      expect(await countPendingOutbox(producerDb)).toBe(1);

      // A fresh relay finds the row still pending and publishes it again.
      expect(await relayOf(producerDb, kafka).drainOnce()).toMatchObject({ published: 1 });
      expect(await countPendingOutbox(producerDb)).toBe(0);

      await waitFor(() => wire.timesReceived(event.id) === 2, 20_000, 'the event twice on the wire');
      await waitFor(async () => (await appliedRows(consumerDb)).length === 1, 5_000, 'the event applied');
      expect((await appliedRows(consumerDb)).map((row) => row.event_id)).toEqual([event.id]);
    } finally {
      await cleanUp();
    }
  });

  it('never publishes a row twice when two relays drain the same outbox concurrently', async () => {
    const producerDb = await database('events_kafka_two_p');
    const consumerDb = await database('events_kafka_two_c');
    const wire = countingTransport(transport('two-consumer'));
    try {
      await startConsumer({ groupId: 'two-audit', topic: 'platform.auth', db: consumerDb, transport: wire.transport });
      // More keys than a batch holds, so the second relay's claim is not all behind rows the first
      // one holds (a key's rows wait for its earlier ones): both relays publish in every run.
      const users = Array.from({ length: 40 }, () => randomUUID());
      const events = Array.from({ length: 200 }, (_, index) => sessionRevoked(users[index % users.length]!));
      await producerDb.transaction((trx) => enqueue(trx, events));

      const published: string[] = [];
      const rounds = { a: 0, b: 0 };
      const relays = (['a', 'b'] as const).map((name) => {
        const kafka = transport(`two-relay-${name}`);
        return relayOf(
          producerDb,
          {
            ...kafka,
            publish: async (messages: readonly OutgoingMessage[]) => {
              rounds[name] += 1;
              published.push(...messages.map((message) => (JSON.parse(message.value) as { id: string }).id));
              // Slow enough that the two relays' rounds overlap.
              await new Promise((resolve) => setTimeout(resolve, 20));
              await kafka.publish(messages);
            },
          },
          { batchSize: 10, pollIntervalMs: 10 },
        );
      });
      for (const relay of relays) relay.start();
      await waitFor(async () => (await countPendingOutbox(producerDb)) === 0, 20_000, 'the outbox drained');

      expect(rounds.a).toBeGreaterThan(0);
      expect(rounds.b).toBeGreaterThan(0);
      expect(published).toHaveLength(200);
      expect(new Set(published).size).toBe(200);
      await waitFor(async () => (await appliedRows(consumerDb)).length === 200, 20_000, '200 events applied');
      expect(wire.received).toHaveLength(200);
      // Per user, in the order they were written.
      const applied = await appliedRows(consumerDb);
      for (const user of users) {
        const written = events.filter((event) => event.subject === user).map((event) => event.id);
        expect(applied.filter((row) => row.subject === user).map((row) => row.event_id)).toEqual(written);
      }
    } finally {
      await cleanUp();
    }
  });

  it('keeps events pending while the broker is down and delivers them all, in order per key, once it is back', async () => {
    const producerDb = await database('events_kafka_outage_p');
    const consumerDb = await database('events_kafka_outage_c');
    const registry = new Registry();
    const kafka = transport('outage-relay');
    try {
      await startConsumer({
        groupId: 'outage-audit',
        topic: 'platform.authz',
        db: consumerDb,
        transport: transport('outage-consumer'),
      });
      const relay = relayOf(producerDb, kafka, { metrics: { registry }, backoff: { initialMs: 100, maxMs: 500 } });
      relay.start();

      await broker.stop();
      // A consumer starting while the broker is down (a service started before Kafka) waits for it.
      const lateDb = await database('events_kafka_outage_late');
      const late = createEventConsumer({
        groupId: 'outage-late',
        topics: ['platform.authz'],
        db: lateDb,
        handler: recordApplied,
        logger: silentLogger,
        transport: transport('outage-late'),
        retryDelayMs: 10,
      });
      cleanups.push(() => late.stop());
      const lateStart = late.start();
      const users = [randomUUID(), randomUUID(), randomUUID()];
      const events = Array.from({ length: 12 }, (_, index) => roleAssigned(users[index % 3]!, index));
      for (const event of events) await producerDb.transaction((trx) => enqueue(trx, event));

      await waitFor(
        async () =>
          (await producerDb('outbox').where('attempts', '>', 0).count<{ count: number }[]>('*'))[0]!.count > 0,
        15_000,
        'a failed publish',
      );
      expect(await countPendingOutbox(producerDb)).toBe(12);
      expect(await registry.getSingleMetricAsString('outbox_pending')).toContain('outbox_pending 12');
      expect(await registry.getSingleMetricAsString('outbox_publish_failures_total')).not.toContain(
        'outbox_publish_failures_total 0',
      );

      await broker.start();
      await waitFor(async () => (await countPendingOutbox(producerDb)) === 0, 30_000, 'the backlog published');
      expect(await registry.getSingleMetricAsString('outbox_pending')).toContain('outbox_pending 0');
      // The consumer rejoins its group after the restart (Kafka's session timeout, longer on a busy machine).
      await waitFor(async () => (await appliedRows(consumerDb)).length === 12, 90_000, 'all 12 applied');
      await lateStart;
      await waitFor(
        async () => (await appliedRows(lateDb)).length === 12,
        90_000,
        'all 12 applied by the late consumer',
      );

      const applied = await appliedRows(consumerDb);
      for (const user of users) {
        const versions = applied.filter((row) => row.subject === user).map((row) => row.version);
        expect(versions).toEqual([...versions].sort((a, b) => a! - b!));
        expect(versions).toHaveLength(4);
      }
    } finally {
      await cleanUp();
    }
  }, 180_000);

  it('parks poison messages on the dead-letter topic and goes on consuming the partition', async () => {
    const consumerDb = await database('events_kafka_poison_c');
    const kafka = transport('poison-producer');
    try {
      const poisonous = createGatewayDenied();
      await startConsumer({
        groupId: 'poison-audit',
        topic: 'platform.gateway',
        db: consumerDb,
        transport: transport('poison-consumer'),
        handler: async (event, trx) => {
          if (event.id === poisonous.id) throw new Error('cannot apply this one');
          await recordApplied(event, trx);
        },
      });
      const later = createGatewayDenied();
      // One key, so all three land on one partition, in this order.
      await kafka.publish([
        { topic: 'platform.gateway', key: 'same-key', value: 'not an event' },
        { topic: 'platform.gateway', key: 'same-key', value: JSON.stringify(poisonous) },
        { topic: 'platform.gateway', key: 'same-key', value: JSON.stringify(later) },
      ]);
      await waitFor(async () => (await appliedRows(consumerDb)).length === 1, 20_000, 'the later event applied');
      expect((await appliedRows(consumerDb)).map((row) => row.event_id)).toEqual([later.id]);

      const dead = await readTopic('platform.gateway.dlq', 2);
      expect(dead.map((message) => message.headers['dlq-reason'])).toEqual(['invalid_event', 'handler_failed']);
      expect(dead[0]).toMatchObject({ key: 'same-key', value: 'not an event' });
      expect(dead[0]!.headers['dlq-error']).toContain('is not JSON');
      expect(dead[1]!.headers).toMatchObject({
        'dlq-error': 'Error: cannot apply this one',
        'dlq-attempts': '3',
        'dlq-consumer': 'poison-audit',
        'dlq-original-topic': 'platform.gateway',
      });
      expect(idOf({ ...dead[1]!, topic: '', partition: 0, offset: '0' })).toBe(poisonous.id);
    } finally {
      await cleanUp();
    }
  });

  it("reads a group's lag and a topic's size from the broker's offsets (the metrics' view)", async () => {
    const topic = `metrics.lag.${randomUUID()}`;
    const kafka = transport('lag-metrics');
    const admin = new Kafka({ clientId: 'lag-admin', brokers: broker.brokers, logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: 3 }] });
    await admin.disconnect();
    try {
      // The group has never consumed: all three messages are behind, on whichever partitions they landed.
      await kafka.publish(['a', 'b', 'c'].map((key) => ({ topic, key, value: key })));
      // A fresh broker's group coordinator may still be loading: a scrape then skips, here we ask again.
      const lagOf = (topics: string[]) =>
        waitFor(() => kafka.consumerLag('lagging-metrics', topics).catch(() => null), 20_000, 'the coordinator');
      expect(await lagOf([topic, 'metrics.lag.none'])).toEqual({
        [topic]: 3,
        'metrics.lag.none': 0,
      });
      let consumed = 0;
      const subscription = await transport('lag-consumer').subscribe({
        groupId: 'lagging-metrics',
        topics: [topic],
        handle: async () => {
          consumed += 1;
        },
      });
      cleanups.push(() => subscription.stop());
      await waitFor(async () => (await lagOf([topic]))?.[topic] === 0, 20_000, 'no lag');
      expect(consumed).toBe(3);
      // Nothing was dead-lettered: the .dlq topic exists (the subscription created it) and is empty.
      expect(await kafka.topicSizes([topic, `${topic}.dlq`])).toEqual({ [topic]: 3, [`${topic}.dlq`]: 0 });
    } finally {
      await cleanUp();
    }
  });

  it('carries the trace of the change to the consumer, as the CloudEvents traceparent in the Kafka message', async () => {
    const exporter = new tracing.InMemorySpanExporter();
    await startTelemetry({ spanProcessors: [new tracing.SimpleSpanProcessor(exporter)], environment: {} });
    const producerDb = await database('events_kafka_trace_p');
    const consumerDb = await database('events_kafka_trace_c');
    try {
      const handledIn = new Map<string, string | undefined>();
      await startConsumer({
        groupId: 'trace-audit',
        topic: 'platform.identity',
        db: consumerDb,
        transport: transport('trace-consumer'),
        handler: async (event, trx) => {
          handledIn.set(event.id, trace.getActiveSpan()?.spanContext().traceId);
          await recordApplied(event, trx);
        },
      });
      const event = userRegistered();
      const change = await inSpan(serviceTracer('identity'), 'mutation Register', {}, async (span) => {
        await producerDb.transaction((trx) => enqueue(trx, event));
        return span.spanContext();
      });
      await relayOf(producerDb, transport('trace-relay'), { service: 'identity' }).drainOnce();
      await waitFor(() => handledIn.has(event.id), 20_000, 'the traced event to be handled');
      expect(handledIn.get(event.id)).toBe(change.traceId);
      // The topic holds earlier tests' events too, which this new group reads (untraced): find this one's spans.
      const spans = exporter.getFinishedSpans().filter((span) => span.attributes['messaging.message.id'] === event.id);
      const producer = spans.find((span) => span.name === 'publish platform.identity');
      const processing = spans.find((span) => span.name === `process ${event.type}`);
      expect(producer?.parentSpanContext?.spanId).toBe(change.spanId);
      expect(processing?.spanContext().traceId).toBe(change.traceId);
      expect(processing?.parentSpanContext?.spanId).toBe(producer?.spanContext().spanId);
    } finally {
      await cleanUp();
      await stopTelemetry();
    }
  });
});

function createGatewayDenied() {
  const requestId = randomUUID();
  return createEvent({
    type: 'platform.gateway.authorization.denied.v1',
    subject: requestId,
    data: {
      actorId: null,
      target: { type: 'operation', id: 'Users' },
      context: { requestId, traceId: null, ip: null, userAgent: null },
      userId: null,
      operationName: 'Users',
      operationType: 'query',
      operationHash: 'b'.repeat(64),
      deniedFields: [{ path: 'users', coordinate: 'Query.users', requirement: 'authenticated' }],
      outcome: 'denied',
    },
  });
}

/** Reads `count` messages of `topic` from the beginning with a throwaway consumer group. */
async function readTopic(
  topic: string,
  count: number,
): Promise<{ key: string | null; value: string; headers: Record<string, string> }[]> {
  const kafka = new Kafka({ clientId: 'dlq-reader', brokers: broker.brokers, logLevel: logLevel.NOTHING });
  const consumer = kafka.consumer({ groupId: `dlq-reader-${randomUUID()}` });
  const messages: { key: string | null; value: string; headers: Record<string, string> }[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`read ${messages.length} of ${count} from ${topic}`)), 20_000);
      consumer
        .run({
          eachMessage: async ({ message }) => {
            const headers: Record<string, string> = {};
            for (const [name, value] of Object.entries(message.headers ?? {})) headers[name] = String(value);
            messages.push({ key: message.key?.toString() ?? null, value: message.value?.toString() ?? '', headers });
            if (messages.length >= count) {
              clearTimeout(timer);
              resolve();
            }
          },
        })
        .catch(reject);
    });
    return messages;
  } finally {
    await consumer.disconnect();
  }
}
