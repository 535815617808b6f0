/**
 * Live availability for `Subscription.ticketAvailabilityChanged`: every replica reads every
 * `availability.changed` event from the bus in a consumer group of its own (as audit's live
 * feed does), so subscribers see every change wherever they are connected, and hands each
 * to the subscribers of its event. A subscriber that falls behind is dropped, not buffered
 * without bound.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from '@platform/service-kit';
import {
  parseEvent,
  topicForType,
  type EventTransport,
  type TransportSubscription,
} from '@platform/service-kit/events';
import type { TicketAvailabilityChangeModel } from '../mappers.js';

const AVAILABILITY = 'platform.bookings.availability.changed.v1';
const BUFFER_SIZE = 1000;

export interface AvailabilityFeed {
  /** Changes of `eventId` from now on, until the iterator is returned or the feed stops. */
  subscribe(eventId: string): AsyncIterableIterator<TicketAvailabilityChangeModel>;
  /** Hands a change to the event's subscribers in this process. */
  publish(change: TicketAvailabilityChangeModel): void;
  start(): Promise<void>;
  stop(): Promise<void>;
  readonly ready: Promise<void>;
}

interface Subscriber {
  eventId: string;
  queue: TicketAvailabilityChangeModel[];
  wake: (() => void) | null;
  done: boolean;
}

export function createAvailabilityFeed(options: { transport: EventTransport; logger: Logger }): AvailabilityFeed {
  const subscribers = new Set<Subscriber>();
  let subscription: TransportSubscription | undefined;
  let markReady!: () => void;
  const ready = new Promise<void>((resolve) => (markReady = resolve));

  const end = (subscriber: Subscriber) => {
    subscriber.done = true;
    subscribers.delete(subscriber);
    subscriber.wake?.();
  };

  const feed: AvailabilityFeed = {
    ready,
    publish(change) {
      for (const subscriber of subscribers) {
        if (subscriber.eventId !== change.eventId) continue;
        if (subscriber.queue.length >= BUFFER_SIZE) end(subscriber);
        else subscriber.queue.push(change);
        subscriber.wake?.();
      }
    },
    subscribe(eventId) {
      const subscriber: Subscriber = { eventId, queue: [], wake: null, done: false };
      subscribers.add(subscriber);
      const iterator: AsyncIterableIterator<TicketAvailabilityChangeModel> = {
        async next() {
          for (;;) {
            const change = subscriber.queue.shift();
            if (change) return { value: change, done: false };
            if (subscriber.done) return { value: undefined, done: true };
            await new Promise<void>((resolve) => (subscriber.wake = resolve));
            subscriber.wake = null;
          }
        },
        async return() {
          end(subscriber);
          return { value: undefined, done: true };
        },
        [Symbol.asyncIterator]: () => iterator,
      };
      return iterator;
    },
    async start() {
      subscription = await options.transport.subscribe({
        groupId: `bookings.live.${randomUUID()}`,
        topics: [topicForType(AVAILABILITY)],
        handle: async (message) => {
          let event;
          try {
            event = parseEvent(message.value);
          } catch (error) {
            options.logger.warn({ err: error }, 'availability feed skipped an invalid event');
            return;
          }
          if (event.type !== AVAILABILITY) return;
          const data = event.data as { eventId: string; ticketTypeId: string; available: number };
          feed.publish({ eventId: data.eventId, ticketTypeId: data.ticketTypeId, available: data.available });
        },
      });
      await subscription.ready;
      markReady();
    },
    async stop() {
      await subscription?.stop();
      for (const subscriber of [...subscribers]) end(subscriber);
    },
  };
  return feed;
}
