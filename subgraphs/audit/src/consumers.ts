/**
 * Audit reads every domain topic twice:
 *
 * - recording: the shared `audit.log` group (one replica gets each event) turns every event
 *   into an audit row. Delivery is at least once; the log is idempotent on the event id and
 *   processed_events keeps redeliveries from costing a lock.
 * - live: every replica reads every event in a group of its own (`audit.live.<uuid>`) and
 *   streams it to its own subscribers, so they see every event wherever they are connected
 *   (while a replica has none, it lets the events pass without touching the database).
 *   Recording is idempotent and serialised: whichever consumer comes first writes the row,
 *   the other finds it; a redelivered event is streamed once.
 *
 * The kit's `consumes` declares per-type handlers in one group named after the subgraph; a
 * reader of every type with a per-replica fan-out does not fit it, so the subgraph starts
 * and stops these two itself (and the group keeps its name, so deployments do not replay).
 */
import { randomUUID } from 'node:crypto';
import type { Database, Logger, ServiceMetrics } from '@platform/service-kit';
import {
  createEventConsumer,
  EVENT_TYPES,
  parseEvent,
  topicForType,
  type AnyCloudEvent,
  type EventTransport,
  type TransportSubscription,
} from '@platform/service-kit/events';
import { fromCloudEvent, type AuditEventInput, type RecordOptions, type RecordResult } from './domain/record.js';
import type { AuditStream } from './domain/stream.js';

/** The recording consumer's group, shared by every replica. */
const RECORDING_GROUP = 'audit.log';

/** Every domain topic: the audit log records every event the platform publishes. */
const AUDITED_TOPICS = [...new Set(EVENT_TYPES.map((type) => topicForType(type)))];

/** Event ids a replica remembers having streamed, so a redelivery is not streamed twice. */
const RECENTLY_STREAMED_MAX = 10_000;

export interface AuditConsumers {
  start(): Promise<void>;
  stop(): Promise<void>;
}

export function createAuditConsumers(options: {
  db: Database;
  logger: Logger;
  metrics: ServiceMetrics;
  transport: EventTransport;
  stream: AuditStream;
  /** Records one event without publishing it to the stream (the live consumer does that). */
  record: (input: AuditEventInput, options?: RecordOptions) => Promise<RecordResult>;
}): AuditConsumers {
  const { logger, transport, stream, record } = options;
  const recording = createEventConsumer({
    groupId: RECORDING_GROUP,
    service: 'audit',
    topics: AUDITED_TOPICS,
    db: options.db,
    logger,
    transport,
    metrics: { registry: options.metrics.registry },
    // Appended in the consumer's transaction: one commit records the row and the event as processed.
    handler: async (event, trx) => {
      await record(fromCloudEvent(event), { transaction: trx });
    },
  });

  const recentlyStreamed = new Set<string>();
  let live: TransportSubscription | undefined;
  return {
    async start() {
      await recording.start();
      live = await transport.subscribe({
        groupId: `audit.live.${randomUUID()}`,
        topics: AUDITED_TOPICS,
        handle: async (message) => {
          // Nobody here to stream to: the recording consumer records it; reading it back would be waste.
          if (stream.size === 0) return;
          let event: AnyCloudEvent;
          let input: AuditEventInput;
          try {
            event = parseEvent(message.value);
            input = fromCloudEvent(event);
          } catch (error) {
            logger.warn({ err: error, topic: message.topic }, 'live audit feed skipped an invalid event');
            return;
          }
          if (recentlyStreamed.has(input.eventId)) return;
          const result = await record(input);
          if (recentlyStreamed.size >= RECENTLY_STREAMED_MAX) recentlyStreamed.clear();
          recentlyStreamed.add(input.eventId);
          // Subscribers' events continue the Kafka event's trace (its traceparent).
          stream.publish(result.event, event);
        },
      });
    },
    async stop() {
      await live?.stop();
      await recording.stop();
    },
  };
}
