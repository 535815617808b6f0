/**
 * Kafka through kafkajs. The producer is idempotent (`idempotent: true`, one request in
 * flight, acks from all in-sync replicas), so a retried send neither duplicates nor
 * reorders messages within a partition. Consumers run in consumer groups, handle one
 * message at a time per partition and commit its offset only after the handler resolved.
 * Messages use the CloudEvents Kafka binding's structured mode: the value is the whole
 * event as JSON, `content-type: application/cloudevents+json`.
 */
import { Kafka, logLevel, type Admin, type LogEntry, type Producer } from 'kafkajs';
import type { Logger } from '../logger.js';
import { retryAtStart } from '../startup.js';
import { deadLetterTopic } from './topics.js';
import type {
  EventTransport,
  IncomingMessage,
  OutgoingMessage,
  SubscribeOptions,
  TransportSubscription,
} from './transport.js';

export const CLOUDEVENTS_CONTENT_TYPE = 'application/cloudevents+json';

export interface KafkaTransportOptions {
  brokers: readonly string[];
  clientId: string;
  logger: Logger;
  /**
   * How long one publish may keep retrying an unreachable broker before it rejects (and the
   * relay backs off); 10 s by default.
   */
  publishTimeoutMs?: number;
  /** Partitions of topics this transport creates; 3 by default. */
  partitions?: number;
}

/** kafkajs errors that waiting can cure: no broker reachable yet, or one still electing leaders. */
const TRANSIENT_KAFKA_ERRORS = new Set([
  'KafkaJSConnectionError',
  'KafkaJSNumberOfRetriesExceeded',
  'KafkaJSBrokerNotFound',
  'KafkaJSRequestTimeoutError',
  'KafkaJSConnectionClosedError',
  'KafkaJSGroupCoordinatorNotFound',
]);

function isTransientKafkaError(error: unknown): boolean {
  const { name, retriable } = error as { name?: string; retriable?: boolean };
  return retriable === true || (name !== undefined && TRANSIENT_KAFKA_ERRORS.has(name));
}

/** kafkajs log lines go to our logger, at debug unless they are errors. */
function kafkaLogCreator(logger: Logger) {
  return () =>
    ({ level, log }: LogEntry) => {
      const { message, ...extra } = log;
      if (level === logLevel.ERROR) logger.warn({ kafka: extra }, `kafka: ${message}`);
      else logger.debug({ kafka: extra }, `kafka: ${message}`);
    };
}

function headersToStrings(headers: Record<string, unknown> | undefined): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (value === undefined) continue;
    const first = Array.isArray(value) ? (value[0] as unknown) : value;
    result[name] = Buffer.isBuffer(first) ? first.toString('utf8') : String(first);
  }
  return result;
}

export function createKafkaTransport(options: KafkaTransportOptions): EventTransport {
  const publishTimeoutMs = options.publishTimeoutMs ?? 10_000;
  const kafka = new Kafka({
    clientId: options.clientId,
    brokers: [...options.brokers],
    logLevel: logLevel.ERROR,
    logCreator: kafkaLogCreator(options.logger),
    connectionTimeout: 3_000,
    requestTimeout: Math.max(5_000, publishTimeoutMs),
    // Bounded, so an unreachable broker fails a publish within roughly publishTimeoutMs.
    retry: { initialRetryTime: 200, maxRetryTime: 2_000, retries: Math.max(1, Math.round(publishTimeoutMs / 2_000)) },
  });
  let producer: Producer | undefined;
  let connecting: Promise<Producer> | undefined;
  const ensuredTopics = new Set<string>();

  function connectedProducer(): Promise<Producer> {
    if (producer) return Promise.resolve(producer);
    connecting ??= (async () => {
      const created = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: true });
      created.on(created.events.DISCONNECT, () => {
        if (producer === created) producer = undefined;
      });
      try {
        await created.connect();
      } catch (error) {
        await created.disconnect().catch(() => undefined);
        throw error;
      }
      producer = created;
      return created;
    })().finally(() => (connecting = undefined));
    return connecting;
  }

  // One admin connection for the metrics' offset reads (each scrape), opened at the first.
  let offsetsAdmin: Promise<Admin> | undefined;
  function connectedAdmin(): Promise<Admin> {
    offsetsAdmin ??= (async () => {
      const admin = kafka.admin();
      try {
        await admin.connect();
      } catch (error) {
        offsetsAdmin = undefined;
        await admin.disconnect().catch(() => undefined);
        throw error;
      }
      admin.on(admin.events.DISCONNECT, () => (offsetsAdmin = undefined));
      return admin;
    })();
    return offsetsAdmin;
  }

  /** Per existing topic, its partitions' start and end offsets; a topic not created yet holds nothing. */
  async function watermarks(admin: Admin, topics: readonly string[]) {
    const existing = new Set(await admin.listTopics());
    const result = new Map<string, { partition: number; low: bigint; high: bigint }[]>();
    for (const topic of topics) {
      if (!existing.has(topic)) continue;
      const offsets = await admin.fetchTopicOffsets(topic);
      result.set(
        topic,
        offsets.map((entry) => ({ partition: entry.partition, low: BigInt(entry.low), high: BigInt(entry.high) })),
      );
    }
    return result;
  }

  /** Creates the topics that do not exist yet. */
  async function ensureTopics(topics: readonly string[]): Promise<void> {
    const missing = topics.filter((topic) => !ensuredTopics.has(topic));
    if (missing.length === 0) return;
    const admin = kafka.admin();
    await admin.connect();
    try {
      const existing = new Set(await admin.listTopics());
      const toCreate = missing.filter((topic) => !existing.has(topic));
      if (toCreate.length > 0) {
        await admin
          .createTopics({
            waitForLeaders: true,
            topics: toCreate.map((topic) => ({ topic, numPartitions: options.partitions ?? 3 })),
          })
          .catch((error: unknown) => {
            // Another client created it meanwhile.
            if ((error as { type?: string }).type !== 'TOPIC_ALREADY_EXISTS') throw error;
          });
      }
      for (const topic of missing) ensuredTopics.add(topic);
    } finally {
      await admin.disconnect();
    }
  }

  /**
   * Waits until a broker coordinates `groupId`. A broker that has just started has no
   * __consumer_offsets yet, and a consumer joining then stops for good (kafkajs treats a missing
   * coordinator as not retriable).
   */
  async function groupCoordinator(groupId: string): Promise<void> {
    const admin = kafka.admin();
    await admin.connect();
    try {
      await admin.describeGroups([groupId]);
    } finally {
      await admin.disconnect();
    }
  }

  return {
    kind: 'kafka',
    async publish(messages: readonly OutgoingMessage[]) {
      if (messages.length === 0) return;
      const connected = await connectedProducer();
      // Grouped by topic; kafkajs keeps the order of each partition's messages within the batch.
      const byTopic = new Map<string, OutgoingMessage[]>();
      for (const message of messages) {
        const list = byTopic.get(message.topic) ?? [];
        list.push(message);
        byTopic.set(message.topic, list);
      }
      try {
        await connected.sendBatch({
          acks: -1,
          timeout: publishTimeoutMs,
          topicMessages: [...byTopic].map(([topic, list]) => ({
            topic,
            messages: list.map((message) => ({
              key: message.key,
              value: message.value,
              headers: { 'content-type': CLOUDEVENTS_CONTENT_TYPE, ...message.headers },
            })),
          })),
        });
      } catch (error) {
        // Start the next publish with a fresh producer (and producer id): after a broker
        // restart an idempotent producer's sequence state may no longer be accepted.
        if (producer === connected) producer = undefined;
        await connected.disconnect().catch(() => undefined);
        throw error;
      }
    },
    async subscribe(subscription: SubscribeOptions): Promise<TransportSubscription> {
      // The dead-letter topics too: consumers park poison messages there.
      // At start the broker may not be up yet: wait for it (the consumer then retries by itself).
      await retryAtStart(
        'kafka',
        async () => {
          await ensureTopics([...subscription.topics, ...subscription.topics.map(deadLetterTopic)]);
          await groupCoordinator(subscription.groupId);
        },
        { logger: options.logger, isTransient: isTransientKafkaError },
      );
      const consumer = kafka.consumer({
        groupId: subscription.groupId,
        allowAutoTopicCreation: false,
        sessionTimeout: 10_000,
        heartbeatInterval: 1_000,
        // Fetches wait at most this long for new messages; stop() waits for the fetch under way.
        maxWaitTimeInMs: 1_000,
        // A failure (a handler's infrastructure error, the broker gone) is retried for ever,
        // re-delivering from the last committed offset; at most 2 s apart so recovery is quick.
        retry: { initialRetryTime: 300, maxRetryTime: 2_000, retries: Number.MAX_SAFE_INTEGER },
      });
      let resolveReady!: () => void;
      const ready = new Promise<void>((resolve) => (resolveReady = resolve));
      consumer.on(consumer.events.GROUP_JOIN, () => resolveReady());
      consumer.on(consumer.events.CRASH, ({ payload }) => {
        const level = payload.restart ? 'warn' : 'error';
        options.logger[level](
          { err: payload.error, groupId: subscription.groupId, restart: payload.restart },
          payload.restart ? 'Kafka consumer failed; restarting it' : 'Kafka consumer stopped after a failure',
        );
      });
      await consumer.connect();
      // A group with no committed offset starts at the oldest message, so nothing published
      // before its first start is missed.
      await consumer.subscribe({ topics: [...subscription.topics], fromBeginning: true });
      await consumer.run({
        autoCommit: false,
        partitionsConsumedConcurrently: 1,
        eachMessage: async ({ topic, partition, message }) => {
          const incoming: IncomingMessage = {
            topic,
            partition,
            offset: message.offset,
            key: message.key ? message.key.toString('utf8') : null,
            value: message.value ? message.value.toString('utf8') : '',
            headers: headersToStrings(message.headers),
          };
          await subscription.handle(incoming);
          await consumer.commitOffsets([{ topic, partition, offset: (BigInt(message.offset) + 1n).toString() }]);
        },
      });
      return {
        ready,
        async stop() {
          await consumer.disconnect();
        },
      };
    },
    async consumerLag(groupId: string, topics: readonly string[]) {
      const admin = await connectedAdmin();
      const ends = await watermarks(admin, topics);
      const committed = await admin.fetchOffsets({ groupId, topics: [...ends.keys()] });
      const lag: Record<string, number> = Object.fromEntries(topics.map((topic) => [topic, 0]));
      for (const [topic, partitions] of ends) {
        const offsets = new Map(
          (committed.find((entry) => entry.topic === topic)?.partitions ?? []).map((entry) => [
            entry.partition,
            BigInt(entry.offset),
          ]),
        );
        let behind = 0n;
        for (const { partition, low, high } of partitions) {
          // -1: the group never committed here; it starts from the oldest message (fromBeginning).
          const position = offsets.get(partition) ?? -1n;
          behind += high - (position < low ? low : position);
        }
        lag[topic] = Number(behind);
      }
      return lag;
    },
    async topicSizes(topics: readonly string[]) {
      const ends = await watermarks(await connectedAdmin(), topics);
      return Object.fromEntries(
        topics.map((topic) => [
          topic,
          Number((ends.get(topic) ?? []).reduce((sum, { low, high }) => sum + (high - low), 0n)),
        ]),
      );
    },
    async close() {
      const current = producer ?? (await connecting?.catch(() => undefined));
      producer = undefined;
      await current?.disconnect();
      const admin = await offsetsAdmin?.catch(() => undefined);
      offsetsAdmin = undefined;
      await admin?.disconnect();
    },
  };
}
