/**
 * The local Kafka broker that development and tests use: a real single-node KRaft broker,
 * exercised through kafkajs the way services use Kafka (idempotent and transactional
 * producers, consumer groups, admin), and restarted to show its data survives.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Kafka, Partitioners, logLevel, type Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startKafkaBroker, type KafkaBroker } from '../../src/kafka/broker.js';

interface Received {
  key: string;
  value: string;
  partition: number;
}

let broker: KafkaBroker;
let dataDir: string;
let kafka: Kafka;

/** A topic name no other test uses. */
const uniqueTopic = (name: string) => `${name}-${randomUUID().slice(0, 8)}`;

/** Reads `count` messages of `topic` from the beginning as a new consumer group, then leaves. */
async function consume(
  topic: string,
  count: number,
  options: { groupId?: string; readUncommitted?: boolean } = {},
): Promise<Received[]> {
  const consumer = kafka.consumer({
    groupId: options.groupId ?? `test-${randomUUID()}`,
    readUncommitted: options.readUncommitted ?? false,
  });
  const received: Received[] = [];
  try {
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`received ${received.length} of ${count} messages from ${topic}`)),
        30_000,
      );
      consumer
        .run({
          eachMessage: async ({ message, partition }) => {
            received.push({ key: String(message.key), value: String(message.value), partition });
            if (received.length >= count) {
              clearTimeout(timer);
              resolve();
            }
          },
        })
        .catch(reject);
    });
    return received;
  } finally {
    await consumer.disconnect();
  }
}

/** Sends `values` (all under one key) in one transaction of `producer`, then commits or aborts it. */
async function sendInTransaction(
  producer: Producer,
  topic: string,
  values: string[],
  end: 'commit' | 'abort',
): Promise<void> {
  const transaction = await producer.transaction();
  await transaction.send({ topic, messages: values.map((value) => ({ key: 'p', value })) });
  await transaction[end]();
}

/**
 * The [min, max] version of every request type the broker accepts, from a raw ApiVersions
 * v0 request (the one request every broker version answers).
 */
async function brokerApiVersions(port: number): Promise<Map<number, { min: number; max: number }>> {
  const clientId = Buffer.from('api-versions-check');
  const request = Buffer.alloc(14 + clientId.length);
  let offset = request.writeInt32BE(request.length - 4, 0);
  offset = request.writeInt16BE(18, offset); // ApiVersions
  offset = request.writeInt16BE(0, offset); // v0
  offset = request.writeInt32BE(1, offset); // correlation id
  offset = request.writeInt16BE(clientId.length, offset);
  clientId.copy(request, offset);
  const response = await new Promise<Buffer>((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(request));
    let received = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      if (received.length >= 4 && received.length >= 4 + received.readInt32BE(0)) {
        socket.end();
        resolve(received);
      }
    });
    socket.once('error', reject);
  });
  expect(response.readInt16BE(8)).toBe(0); // no error
  const versions = new Map<number, { min: number; max: number }>();
  for (let i = 0, at = 14; i < response.readInt32BE(10); i++, at += 6) {
    versions.set(response.readInt16BE(at), { min: response.readInt16BE(at + 2), max: response.readInt16BE(at + 4) });
  }
  return versions;
}

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'kafka-broker-test-'));
  // The first start of a fresh checkout fetches the broker jars from Maven Central.
  broker = await startKafkaBroker({ dataDir });
  kafka = new Kafka({ clientId: 'broker-test', brokers: broker.brokers, logLevel: logLevel.NOTHING });
}, 180_000);

afterAll(async () => {
  await broker?.stop();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
}, 60_000);

describe('the local Kafka broker', () => {
  it('accepts the version kafkajs 2.2.4 would pick for every request it implements', async () => {
    // kafkajs sends min(its newest version, the broker's newest) and never checks the broker's
    // oldest: a broker that dropped old versions (Kafka 4, KIP-896) must still accept that one.
    const require = createRequire(import.meta.url);
    const { requests } = require('kafkajs/src/protocol/requests') as {
      requests: Record<string, { versions: string[] }>;
    };
    const apiKeys = require('kafkajs/src/protocol/requests/apiKeys') as Record<string, number>;
    const brokerVersions = await brokerApiVersions(broker.port);

    const refused: string[] = [];
    let checked = 0;
    for (const [name, { versions }] of Object.entries(requests)) {
      const accepted = brokerVersions.get(apiKeys[name] ?? -1);
      if (versions.length === 0 || !accepted) continue; // not implemented by kafkajs, or broker-internal
      checked++;
      const picked = Math.min(Math.max(...versions.map(Number)), accepted.max);
      if (picked < accepted.min) refused.push(`${name} v${picked} (broker accepts v${accepted.min}-v${accepted.max})`);
    }
    expect(checked).toBeGreaterThan(25);
    expect(refused).toEqual([]);
  });

  it('delivers keyed messages from an idempotent producer to a consumer group in order per key', async () => {
    const topic = uniqueTopic('orders');
    const groupId = `orders-${randomUUID()}`;
    const producer = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    await producer.connect();
    const keys = ['alice', 'bob', 'carol'];
    for (let sequence = 0; sequence < 10; sequence++) {
      await producer.send({ topic, messages: keys.map((key) => ({ key, value: `${key}:${sequence}` })) });
    }
    await producer.disconnect();

    const received = await consume(topic, 30, { groupId });

    for (const key of keys) {
      const ofKey = received.filter((message) => message.key === key);
      expect(ofKey.map((message) => message.value)).toEqual(Array.from({ length: 10 }, (_, i) => `${key}:${i}`));
      // One key, one partition: that is what makes per-key order hold.
      expect(new Set(ofKey.map((message) => message.partition)).size).toBe(1);
    }
    const admin = kafka.admin();
    await admin.connect();
    const { groups } = await admin.describeGroups([groupId]);
    await admin.disconnect();
    expect(groups[0]).toMatchObject({ groupId, protocolType: 'consumer' });
  }, 60_000);

  it('hides an aborted transaction from a read_committed consumer and shows the committed one', async () => {
    const topic = uniqueTopic('payments');
    const admin = kafka.admin();
    await admin.connect();
    // One partition, so the order of everything written is the order read.
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
    await admin.disconnect();
    const producer = kafka.producer({
      transactionalId: `payments-${randomUUID()}`,
      idempotent: true,
      maxInFlightRequests: 1,
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    await producer.connect();
    await sendInTransaction(producer, topic, ['aborted-1', 'aborted-2'], 'abort');
    await sendInTransaction(producer, topic, ['committed-1', 'committed-2'], 'commit');
    await sendInTransaction(producer, topic, ['end'], 'commit');
    await producer.disconnect();

    const readCommitted = await consume(topic, 3);
    expect(readCommitted.map((message) => message.value)).toEqual(['committed-1', 'committed-2', 'end']);
    // The aborted batch was written all the same: only the isolation level hides it.
    const readUncommitted = await consume(topic, 5, { readUncommitted: true });
    expect(readUncommitted.map((message) => message.value)).toEqual([
      'aborted-1',
      'aborted-2',
      'committed-1',
      'committed-2',
      'end',
    ]);
  }, 60_000);

  it('creates, describes, lists and deletes topics through the admin client', async () => {
    const topic = uniqueTopic('accounts');
    const admin = kafka.admin();
    await admin.connect();
    try {
      expect(await admin.createTopics({ topics: [{ topic, numPartitions: 2 }], waitForLeaders: true })).toBe(true);
      expect(await admin.listTopics()).toContain(topic);
      const metadata = await admin.fetchTopicMetadata({ topics: [topic] });
      expect(metadata.topics[0]?.partitions).toHaveLength(2);

      await admin.deleteTopics({ topics: [topic] });
      expect(await admin.listTopics()).not.toContain(topic);
    } finally {
      await admin.disconnect();
    }
  }, 60_000);

  it('keeps messages produced before a stop when it starts again on the same port', async () => {
    const topic = uniqueTopic('ledger');
    const producer = kafka.producer({ idempotent: true, createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    await producer.send({ topic, messages: [1, 2, 3].map((n) => ({ key: `entry-${n}`, value: `before-stop-${n}` })) });
    await producer.disconnect();
    const { port, brokers } = broker;

    await broker.stop();
    await broker.start();

    expect(broker.port).toBe(port);
    expect(broker.brokers).toEqual(brokers);
    const received = await consume(topic, 3);
    expect(received.map((message) => message.value).sort()).toEqual([
      'before-stop-1',
      'before-stop-2',
      'before-stop-3',
    ]);
  }, 90_000);

  it('keeps acknowledged messages when it is killed and started again', async () => {
    const topic = uniqueTopic('audit');
    const producer = kafka.producer({ idempotent: true, createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    await producer.send({ topic, messages: [{ key: 'audit', value: 'before-kill' }] });
    await producer.disconnect();

    await broker.kill();
    await broker.start();

    const received = await consume(topic, 1);
    expect(received.map((message) => message.value)).toEqual(['before-kill']);
  }, 90_000);
});
