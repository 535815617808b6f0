/**
 * What the relay publishes through and what consumers read from: Kafka in deployments, an
 * in-process bus when no broker is configured (development, single-process tests). Both
 * hand messages to the same consumer code (`consumer.ts`), so deduplication, validation and
 * dead-lettering behave the same whichever transport carries them.
 */
import type { Logger } from '../logger.js';
import { createInProcessTransport } from './in-process-transport.js';
import { createKafkaTransport } from './kafka-transport.js';

/** A message to publish: the CloudEvent as JSON, keyed by its subject. */
export interface OutgoingMessage {
  topic: string;
  key: string | null;
  value: string;
  headers?: Record<string, string>;
}

/** A message as a consumer receives it. */
export interface IncomingMessage {
  topic: string;
  key: string | null;
  value: string;
  headers: Record<string, string>;
  /** Kafka partition and offset; the in-process bus numbers messages per topic in `offset`. */
  partition: number;
  offset: string;
}

export interface EventPublisher {
  /**
   * Resolves once every message is durably accepted (Kafka: acknowledged by all in-sync
   * replicas), in order per topic and key; rejects when any was not.
   */
  publish(messages: readonly OutgoingMessage[]): Promise<void>;
}

export interface SubscribeOptions {
  groupId: string;
  topics: readonly string[];
  /**
   * Called for each message, one at a time per partition. The transport commits a message's
   * offset only after this resolves; when it rejects, the message is delivered again.
   */
  handle(message: IncomingMessage): Promise<void>;
}

export interface TransportSubscription {
  /** Resolves once the subscription receives messages (Kafka: joined the group). */
  ready: Promise<void>;
  stop(): Promise<void>;
}

export interface EventTransport extends EventPublisher {
  readonly kind: 'kafka' | 'in-process';
  subscribe(options: SubscribeOptions): Promise<TransportSubscription>;
  /**
   * Per topic, the messages `groupId` has not consumed yet, summed over partitions (Kafka: end
   * offsets less the group's committed offsets; a partition it never committed counts from its
   * oldest message). For the `events_consumer_lag` gauge.
   */
  consumerLag(groupId: string, topics: readonly string[]): Promise<Record<string, number>>;
  /** Per topic, the messages it holds now (Kafka: end less start offsets). For the dead-letter gauge. */
  topicSizes(topics: readonly string[]): Promise<Record<string, number>>;
  /** Disconnects the producer; subscriptions are stopped by their owners. */
  close(): Promise<void>;
}

export interface EventTransportOptions {
  /** Bootstrap brokers (from `KAFKA_BROKERS`); none or empty selects the in-process bus. */
  kafkaBrokers?: readonly string[] | undefined;
  clientId: string;
  logger: Logger;
}

/** Kafka when brokers are given, the in-process bus otherwise. */
export function createEventTransport(options: EventTransportOptions): EventTransport {
  if (options.kafkaBrokers && options.kafkaBrokers.length > 0) {
    return createKafkaTransport({ brokers: options.kafkaBrokers, clientId: options.clientId, logger: options.logger });
  }
  options.logger.warn('no Kafka brokers configured: events are delivered in-process only');
  return createInProcessTransport({ logger: options.logger });
}
