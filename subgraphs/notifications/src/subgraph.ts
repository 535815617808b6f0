/**
 * The notifications subgraph: domain events turned into mail (SMTP) and in-app messages by
 * kind, with templates, per-kind preferences, quiet hours for non-critical mail, and the
 * history of every delivery (`deliveries`).
 *
 * It keeps a copy of each user's address and name from identity's events, takes the links
 * identity mails (verification, reset) over its internal API so they never travel in events,
 * sends mail through the durable `notifications.send-mail` job (retries with backoff, then the
 * dead-letter queue), streams new in-app notifications to their user over graphql-ws, and
 * forgets settled deliveries past `DELIVERY_RETENTION_DAYS` (the daily `notifications.prune-deliveries`).
 */
import { defineSubgraph, integerEnv } from '@platform/service-kit';
import { z } from 'zod';
import { CONSUMED_EVENTS, createEventHandlers } from './consumers.js';
import { createContextFactory } from './context.js';
import { createLiveFeed } from './domain/live-feed.js';
import { createSmtpMailer } from './domain/mailer.js';
import { SEND_MAIL_QUEUE, type NotifyDependencies } from './domain/notify.js';
import { sendDelivery } from './domain/send-mail.js';
import { createInternalRoutes } from './internal/routes.js';
import { resolvers } from './resolvers/index.js';
import { deliveries, notifications } from './stores/index.js';

const SEND_MAIL_RETRIES = 5;
const PRUNE_DELIVERIES_QUEUE = 'notifications.prune-deliveries';

export const notificationsSubgraph = defineSubgraph({
  name: 'notifications',
  port: 4012,
  schema: new URL('./schema.graphql', import.meta.url),
  migrations: new URL('../../../migrations/notifications/', import.meta.url),
  resolvers,
  config: {
    SMTP_URL: z
      .string()
      .regex(/^smtps?:\/\/[^/]+/, 'must be an smtp:// or smtps:// URL')
      .optional()
      .describe(
        'The SMTP server mail goes to (`smtps://user:pass@host:465`); required in production. `npm start` sets its development catcher',
      ),
    MAIL_FROM: z.string().min(3).default('Platform <no-reply@platform.localhost>').describe('The sender of every mail'),
    DELIVERY_RETENTION_DAYS: integerEnv(90, 1, 3650).describe(
      'How long the history keeps a sent, failed or skipped delivery; pending ones stay until settled',
    ),
  },
  validate(config) {
    const problems: Record<string, string> = {};
    if (config.NODE_ENV === 'production' && !config.SMTP_URL) {
      problems.SMTP_URL = 'is required in production: mail (verification, password reset) goes out through it';
    }
    // A delivery row is what stops a redelivered event from mailing twice once its processed id is gone.
    const retentionHours = (config.DELIVERY_RETENTION_DAYS ?? 90) * 24;
    if (retentionHours < (config.PROCESSED_EVENTS_RETENTION_HOURS ?? 0)) {
      problems.DELIVERY_RETENTION_DAYS = `must cover PROCESSED_EVENTS_RETENTION_HOURS (${config.PROCESSED_EVENTS_RETENTION_HOURS} h): a redelivered event older than the history would be mailed again`;
    }
    return problems;
  },
  // identity hands over the links it mails (they must not travel in events).
  internalApi: { callers: ['identity'] },
  consumes: CONSUMED_EVENTS,
  // It reacts to events and writes none.
  publishes: false,
  // notificationAdded reaches the gateway over graphql-ws.
  subscriptions: true,
  jobs: {
    // One job per mail delivery; the delivery row makes a second run send nothing.
    [SEND_MAIL_QUEUE]: {
      data: z.object({ deliveryId: z.uuid() }),
      retryLimit: SEND_MAIL_RETRIES,
      retryDelay: 10,
      retryBackoff: true,
      policy: 'exclusive',
    },
    // Daily; a run missed while every replica was down is made up once. Cheap and idempotent:
    // retried within seconds, dead-lettered after three attempts for an admin to see.
    [PRUNE_DELIVERIES_QUEUE]: {
      data: z.object({}),
      retryLimit: 2,
      retryDelay: 1,
      schedule: { cron: '41 3 * * *', tz: 'UTC', missed: 'once' },
      policy: 'singleton',
    },
  },
  async setup({ config, db, logger, jobs, authenticateService, onStart, onStop }) {
    const mailer = config.SMTP_URL ? createSmtpMailer({ url: config.SMTP_URL, from: config.MAIL_FROM }) : null;
    if (!mailer) logger.warn('SMTP_URL is not set: mail deliveries are recorded and fail without being sent');
    onStop(() => mailer?.close());

    const feed = createLiveFeed({ db, logger, load: (id) => notifications.find(db, id) });
    onStart(() => feed.start());
    onStop(() => feed.stop());

    const notify: NotifyDependencies = {
      logger,
      scheduleMail: (trx, deliveryId, startAfter) =>
        jobs.send(SEND_MAIL_QUEUE, { deliveryId }, { startAfter, singletonKey: deliveryId }, trx),
    };

    return {
      context: createContextFactory({ db, feed }),
      routes: createInternalRoutes({ db, authenticateService, notify }),
      handlers: createEventHandlers(notify),
      jobs: {
        [SEND_MAIL_QUEUE]: async ({ data, retryCount }) =>
          sendDelivery(
            {
              db,
              logger,
              messageIdDomain: 'notifications.platform.localhost',
              mailer: mailer ?? {
                send: () => Promise.reject(new Error('SMTP_URL is not configured')),
                close: () => undefined,
              },
            },
            { deliveryId: data.deliveryId, retryCount, retryLimit: SEND_MAIL_RETRIES },
          ),
        [PRUNE_DELIVERIES_QUEUE]: async () => {
          const pruned = await deliveries.prune(db, config.DELIVERY_RETENTION_DAYS);
          logger.info({ pruned, retentionDays: config.DELIVERY_RETENTION_DAYS }, 'settled deliveries pruned');
        },
      },
    };
  },
});
