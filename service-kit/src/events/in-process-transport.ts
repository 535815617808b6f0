/**
 * An in-process event bus with Kafka's delivery semantics where consumers can observe them:
 * each topic is an append-only log, each consumer group has its own position in it and
 * receives every message once, in order, one at a time; a handler that rejects gets the
 * same message again after a pause. Nothing survives the process, so it is for development
 * and tests only: a service with no `KAFKA_BROKERS` talks to itself through it.
 */
import type { Logger } from '../logger.js';
import type {
  EventTransport,
  IncomingMessage,
  OutgoingMessage,
  SubscribeOptions,
  TransportSubscription,
} from './transport.js';

export interface InProcessTransportOptions {
  logger?: Logger;
  /** Pause before a rejected message is delivered again; 100 ms by default. */
  redeliveryDelayMs?: number;
}

interface TopicLog {
  /** Offset of `messages[0]`: messages every group has consumed are dropped. */
  base: number;
  messages: IncomingMessage[];
}

interface Group {
  id: string;
  /** Next offset to deliver, per topic. */
  positions: Map<string, number>;
  members: Set<SubscribeOptions>;
  pumping: boolean;
  wake: (() => void) | undefined;
  /** The delivery under way, which `stop()` waits for (as Kafka's disconnect does). */
  inFlight: Promise<unknown> | undefined;
}

export function createInProcessTransport(options: InProcessTransportOptions = {}): EventTransport {
  const redeliveryDelayMs = options.redeliveryDelayMs ?? 100;
  const topics = new Map<string, TopicLog>();
  const groups = new Map<string, Group>();
  let closed = false;

  const logOf = (topic: string): TopicLog => {
    let log = topics.get(topic);
    if (!log) {
      log = { base: 0, messages: [] };
      topics.set(topic, log);
    }
    return log;
  };

  /** Drops the messages every group interested in the topic has consumed. */
  function trim(topic: string): void {
    const log = topics.get(topic);
    if (!log) return;
    let lowest = Infinity;
    for (const group of groups.values()) {
      const position = group.positions.get(topic);
      if (position !== undefined) lowest = Math.min(lowest, position);
    }
    if (lowest === Infinity || lowest <= log.base) return;
    log.messages.splice(0, lowest - log.base);
    log.base = lowest;
  }

  function nextFor(group: Group): { member: SubscribeOptions; message: IncomingMessage } | undefined {
    for (const member of group.members) {
      for (const topic of member.topics) {
        const log = logOf(topic);
        const position = group.positions.get(topic) ?? log.base;
        const message = log.messages[position - log.base];
        if (message) return { member, message };
      }
    }
    return undefined;
  }

  async function pump(group: Group): Promise<void> {
    if (group.pumping) return;
    group.pumping = true;
    try {
      while (!closed && group.members.size > 0) {
        const next = nextFor(group);
        if (!next) {
          await new Promise<void>((resolve) => (group.wake = resolve));
          group.wake = undefined;
          continue;
        }
        try {
          group.inFlight = next.member.handle(next.message);
          await group.inFlight;
          group.positions.set(next.message.topic, Number(next.message.offset) + 1);
          trim(next.message.topic);
        } catch (error) {
          options.logger?.warn(
            { err: error, group: group.id, topic: next.message.topic, offset: next.message.offset },
            'in-process event handler failed; delivering the message again',
          );
          await new Promise((resolve) => setTimeout(resolve, redeliveryDelayMs));
        } finally {
          group.inFlight = undefined;
        }
      }
    } finally {
      group.pumping = false;
    }
  }

  const wakeAll = () => {
    for (const group of groups.values()) group.wake?.();
  };

  return {
    kind: 'in-process',
    async publish(messages: readonly OutgoingMessage[]) {
      if (closed) throw new Error('the in-process event bus is closed');
      for (const message of messages) {
        const log = logOf(message.topic);
        log.messages.push({
          topic: message.topic,
          key: message.key,
          value: message.value,
          headers: { ...message.headers },
          partition: 0,
          offset: String(log.base + log.messages.length),
        });
      }
      wakeAll();
    },
    async subscribe(subscription: SubscribeOptions): Promise<TransportSubscription> {
      let group = groups.get(subscription.groupId);
      if (!group) {
        group = {
          id: subscription.groupId,
          positions: new Map(),
          members: new Set(),
          pumping: false,
          wake: undefined,
          inFlight: undefined,
        };
        groups.set(subscription.groupId, group);
      }
      // A new group starts at the oldest message still held, as a Kafka group reading from the beginning.
      for (const topic of subscription.topics) {
        if (!group.positions.has(topic)) group.positions.set(topic, logOf(topic).base);
      }
      const member = { ...subscription };
      group.members.add(member);
      const joined = group;
      void pump(joined);
      return {
        ready: Promise.resolve(),
        async stop() {
          joined.members.delete(member);
          joined.wake?.();
          await joined.inFlight?.catch(() => undefined);
        },
      };
    },
    async consumerLag(groupId: string, topics: readonly string[]) {
      const group = groups.get(groupId);
      const lag: Record<string, number> = {};
      for (const topic of topics) {
        const log = logOf(topic);
        // A message being handled counts until its handler resolves, as an uncommitted Kafka offset does.
        lag[topic] = log.base + log.messages.length - (group?.positions.get(topic) ?? log.base);
      }
      return lag;
    },
    async topicSizes(names: readonly string[]) {
      return Object.fromEntries(names.map((topic) => [topic, logOf(topic).messages.length]));
    },
    async close() {
      closed = true;
      wakeAll();
    },
  };
}
