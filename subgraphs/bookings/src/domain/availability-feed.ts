/**
 * Live availability for `Subscription.ticketAvailabilityChanged`: every replica reads every
 * `availability.changed` event from the bus in a consumer group of its own (as audit's live
 * feed does), so subscribers see every change wherever they are connected, and hands each
 * to the subscribers of its event. A subscriber that falls behind is dropped, not buffered
 * without bound.
 */
import { randomUUID } from 'node:crypto';
import { createFanOut, type Logger } from '@platform/service-kit';
import {
  parseEvent,
  topicForType,
  type EventTransport,
  type TransportSubscription,
} from '@platform/service-kit/events';
import type { TraceCarrier } from '@platform/service-kit/telemetry';
import type { TicketAvailabilityChangeModel } from '../mappers.js';

const AVAILABILITY = 'platform.bookings.availability.changed.v1';
const BUFFER_SIZE = 1000;

export interface AvailabilityFeed {
  /** Changes of `eventId` from now on, until the iterator is returned or the feed stops. */
  subscribe(eventId: string): AsyncIterableIterator<TicketAvailabilityChangeModel>;
  /** Hands a change to the event's subscribers in this process, in the trace of the event that told it. */
  publish(change: TicketAvailabilityChangeModel, trace?: TraceCarrier): void;
  start(): Promise<void>;
  stop(): Promise<void>;
  readonly ready: Promise<void>;
}

export function createAvailabilityFeed(options: { transport: EventTransport; logger: Logger }): AvailabilityFeed {
  const fanOut = createFanOut<TicketAvailabilityChangeModel>({
    bufferSize: BUFFER_SIZE,
    overflowError: (size) => new Error(`the subscriber fell more than ${size} availability changes behind`),
  });
  let subscription: TransportSubscription | undefined;
  let markReady!: () => void;
  const ready = new Promise<void>((resolve) => (markReady = resolve));

  const feed: AvailabilityFeed = {
    ready,
    publish: (change, trace) => fanOut.publish(change, trace),
    subscribe: (eventId) => fanOut.subscribe((change) => change.eventId === eventId),
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
          feed.publish({ eventId: data.eventId, ticketTypeId: data.ticketTypeId, available: data.available }, event);
        },
      });
      await subscription.ready;
      markReady();
    },
    async stop() {
      await subscription?.stop();
      fanOut.close();
    },
  };
  return feed;
}
