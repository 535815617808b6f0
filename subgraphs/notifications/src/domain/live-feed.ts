/**
 * Live in-app notifications for `Subscription.notificationAdded`. A notification is announced
 * with Postgres `pg_notify` in the transaction that stores it, so the announcement goes out on
 * commit only, and every replica (each LISTENing on one dedicated connection) hands it to the
 * subscribers of its user, wherever the gateway connected them. A subscriber that falls behind
 * is dropped, not buffered without bound.
 */
import type { Knex } from 'knex';
import type { Database, Logger } from '@platform/service-kit';
import type { NotificationModel } from '../mappers.js';

const CHANNEL = 'notification_added';
const BUFFER_SIZE = 1000;

/** Announces a stored notification to every replica, on commit of `trx`. */
export async function announceNotification(trx: Knex.Transaction, notification: NotificationModel): Promise<void> {
  // Only the id and user travel (pg_notify payloads are capped at 8 kB); listeners read the row.
  await trx.raw('select pg_notify(?, ?)', [
    CHANNEL,
    JSON.stringify({ id: notification.id, userId: notification.userId }),
  ]);
}

export interface LiveFeed {
  subscribe(userId: string): AsyncIterableIterator<NotificationModel>;
  start(): Promise<void>;
  stop(): Promise<void>;
}

interface Subscriber {
  userId: string;
  queue: NotificationModel[];
  wake: (() => void) | null;
  done: boolean;
}

/** The part of node-postgres' client the feed uses (knex hands out the raw connection). */
interface ListeningClient {
  query(text: string): Promise<unknown>;
  on(event: 'notification', listener: (message: { channel: string; payload?: string }) => void): void;
  on(event: 'error', listener: (error: Error) => void): void;
}

/** The part of knex's client that hands out a connection outside the pool. */
interface RawConnections {
  acquireRawConnection(): Promise<unknown>;
  destroyRawConnection(connection: unknown): Promise<void>;
}

export function createLiveFeed(options: {
  db: Database;
  logger: Logger;
  load: (id: string) => Promise<NotificationModel | undefined>;
}): LiveFeed {
  const subscribers = new Set<Subscriber>();
  let connection: ListeningClient | undefined;
  const raw = options.db.client as RawConnections;

  const end = (subscriber: Subscriber) => {
    subscriber.done = true;
    subscribers.delete(subscriber);
    subscriber.wake?.();
  };

  const deliver = async (payload: string) => {
    const { id, userId } = JSON.parse(payload) as { id: string; userId: string };
    const listening = [...subscribers].filter((subscriber) => subscriber.userId === userId);
    if (listening.length === 0) return;
    const notification = await options.load(id);
    if (!notification) return;
    for (const subscriber of listening) {
      if (subscriber.queue.length >= BUFFER_SIZE) end(subscriber);
      else subscriber.queue.push(notification);
      subscriber.wake?.();
    }
  };

  return {
    subscribe(userId) {
      const subscriber: Subscriber = { userId, queue: [], wake: null, done: false };
      subscribers.add(subscriber);
      const iterator: AsyncIterableIterator<NotificationModel> = {
        async next() {
          for (;;) {
            const notification = subscriber.queue.shift();
            if (notification) return { value: notification, done: false };
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
      // A connection of its own, outside the pool: LISTEN holds it for the replica's life.
      connection = (await raw.acquireRawConnection()) as ListeningClient;
      connection.on('notification', (message) => {
        if (message.channel !== CHANNEL || !message.payload) return;
        deliver(message.payload).catch((error: unknown) =>
          options.logger.error({ err: error }, 'a live notification could not be delivered'),
        );
      });
      connection.on('error', (error) =>
        options.logger.error({ err: error }, 'the live notification connection failed'),
      );
      await connection.query(`listen ${CHANNEL}`);
    },
    async stop() {
      for (const subscriber of [...subscribers]) end(subscriber);
      if (connection) await raw.destroyRawConnection(connection);
      connection = undefined;
    },
  };
}
