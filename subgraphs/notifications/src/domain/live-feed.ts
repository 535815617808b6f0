/**
 * Live in-app notifications for `Subscription.notificationAdded`. A notification is announced
 * with Postgres `pg_notify` in the transaction that stores it, so the announcement goes out on
 * commit only, and every replica (each LISTENing on one dedicated connection) hands it to the
 * subscribers of its user, wherever the gateway connected them. A subscriber that falls behind
 * is dropped, not buffered without bound.
 */
import type { Knex } from 'knex';
import { createFanOut, type Database, type Logger } from '@platform/service-kit';
import type { NotificationModel } from '../mappers.js';

const CHANNEL = 'notification_added';
const BUFFER_SIZE = 1000;

/** What `pg_notify` carries: which notification, for whom. */
interface Announcement {
  id: string;
  userId: string;
}

/** Announces a stored notification to every replica, on commit of `trx`. */
export async function announceNotification(trx: Knex.Transaction, notification: NotificationModel): Promise<void> {
  // Only the id and user travel (pg_notify payloads are capped at 8 kB); listeners read the row.
  await trx.raw('select pg_notify(?, ?)', [
    CHANNEL,
    JSON.stringify({ id: notification.id, userId: notification.userId } satisfies Announcement),
  ]);
}

export interface LiveFeed {
  subscribe(userId: string): AsyncIterableIterator<NotificationModel>;
  start(): Promise<void>;
  stop(): Promise<void>;
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
  // What travels is the announcement; each subscription reads the row it is given, so a
  // replica with no subscriber of that user reads nothing.
  const fanOut = createFanOut<Announcement>({
    bufferSize: BUFFER_SIZE,
    overflowError: (size) => new Error(`the subscriber fell more than ${size} notifications behind`),
  });
  let connection: ListeningClient | undefined;
  const raw = options.db.client as RawConnections;

  return {
    subscribe(userId) {
      const announcements = fanOut.subscribe((announcement) => announcement.userId === userId);
      // Not an async generator: its return() would wait for the next announcement, so an
      // unsubscribed client would hold its place in the fan-out until then.
      const iterator: AsyncIterableIterator<NotificationModel> = {
        async next() {
          for (;;) {
            const announced = await announcements.next();
            if (announced.done) return { value: undefined, done: true };
            const notification = await options.load(announced.value.id);
            if (notification) return { value: notification, done: false };
          }
        },
        async return() {
          await announcements.return?.();
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
        try {
          fanOut.publish(JSON.parse(message.payload) as Announcement);
        } catch (error) {
          options.logger.error({ err: error }, 'a live notification announcement could not be read');
        }
      });
      connection.on('error', (error) =>
        options.logger.error({ err: error }, 'the live notification connection failed'),
      );
      await connection.query(`listen ${CHANNEL}`);
    },
    async stop() {
      fanOut.close();
      if (connection) await raw.destroyRawConnection(connection);
      connection = undefined;
    },
  };
}
