/**
 * The bookings subgraph: Evently holds, payments, refunds, tickets, the waiting list and
 * check-in. It owns capacity enforcement (ADR 0003) in its own database, fed by listings'
 * event snapshots (never by reading listings' database); listings calls its internal API to
 * lower a published event's capacity. A sweep in every replica expires due holds (`skip
 * locked`, so replicas share the work), and each replica streams availability changes from
 * the bus to its `ticketAvailabilityChanged` subscribers.
 */
import { createDatabase, defineSubgraph, env, integerEnv, zeroedCounter } from '@platform/service-kit';
import { Counter } from 'prom-client';
import { z } from 'zod';
import { createContextFactory } from './context.js';
import { createAvailabilityFeed } from './domain/availability-feed.js';
import { createBookingService, type Actor } from './domain/bookings.js';
import { createSandboxPaymentProvider, withRetries } from './domain/payments.js';
import { createInternalRoutes } from './internal/routes.js';
import { CONSUMED_LISTINGS_EVENTS, createListingsEventHandlers } from './listings-events.js';
import { resolvers } from './resolvers/index.js';
import { createStores } from './stores/index.js';
import { NO_REQUEST } from '@platform/service-kit/events';

/** The sweep acts for the platform, in no request. */
const PLATFORM: Actor = { userId: null, permissions: [], context: NO_REQUEST };

/** Minutes or hours, fractions allowed (tests hold for seconds), above zero. */
const durationEnv = (fallback: number, max: number) =>
  z.coerce
    .number({ error: 'must be a number' })
    .positive('must be more than zero')
    .max(max, `must be at most ${max}`)
    .default(fallback);

export const bookingsSubgraph = defineSubgraph({
  name: 'bookings',
  port: 4006,
  schema: new URL('./schema.graphql', import.meta.url),
  migrations: new URL('../../../migrations/bookings/', import.meta.url),
  resolvers,
  config: {
    HOLD_MINUTES: durationEnv(15, 24 * 60).describe(
      'How long a hold keeps its seats before it expires (fractions allowed)',
    ),
    MAX_TICKETS_PER_BOOKING: integerEnv(10, 1, 100).describe(
      'Most tickets one booking (or waiting-list entry) may hold',
    ),
    WAITLIST_OFFER_HOURS: durationEnv(12, 24 * 14).describe(
      'How long freed seats offered to a waiting-list entry stay held for it (fractions allowed)',
    ),
    HOLD_SWEEP_INTERVAL_MS: integerEnv(5000, 50, 600_000).describe(
      'How often each replica expires due holds; a hold expires at most this long after its time',
    ),
    PAYMENT_PROVIDER: z
      .enum(['sandbox'])
      .default('sandbox')
      .describe('`sandbox`: the development provider (test tokens, its own ledger); the only one so far'),
    PAYMENTS_SANDBOX_IN_PRODUCTION: env
      .boolean(false)
      .describe('Allow the sandbox provider with `NODE_ENV=production` (a staging environment); no real money moves'),
  },
  validate(config) {
    const problems: Record<string, string> = {};
    if (
      config.NODE_ENV === 'production' &&
      (config.PAYMENT_PROVIDER ?? 'sandbox') === 'sandbox' &&
      config.PAYMENTS_SANDBOX_IN_PRODUCTION !== true
    ) {
      problems.PAYMENT_PROVIDER =
        'is the sandbox, which takes no real money: refused in production unless PAYMENTS_SANDBOX_IN_PRODUCTION=true';
    }
    return problems;
  },
  internalApi: { callers: ['listings'] },
  consumes: CONSUMED_LISTINGS_EVENTS,
  // ticketAvailabilityChanged reaches the gateway over graphql-ws.
  subscriptions: true,
  async setup({ config, db, logger, metrics, events, authenticateService, onStart, onStop }) {
    const holds = new Counter({
      name: 'bookings_holds_total',
      help: 'Holds asked for, by outcome (held, sold_out)',
      labelNames: ['outcome'],
      registers: [metrics.registry],
    });
    // Business figures for the dashboards (deploy/compose/grafana/.../business.json); analytics keeps the real books.
    const confirmed = zeroedCounter(metrics.registry, {
      name: 'bookings_confirmed_total',
      help: 'Bookings paid for and confirmed',
    });
    const revenue = new Counter({
      name: 'bookings_revenue_minor_units_total',
      help: 'Amounts charged for confirmed bookings, in minor units of the currency (cents), by ISO 4217 currency',
      labelNames: ['currency'],
      registers: [metrics.registry],
    });
    // The sandbox stands for another system: its own connections, so a charge made while a
    // booking's transaction holds one of ours never waits for our pool.
    const sandboxDb = createDatabase({
      url: config.DATABASE_URL,
      applicationName: 'bookings-payment-sandbox',
      poolMax: 2,
    });
    onStop(() => sandboxDb.destroy());
    const payments = withRetries(createSandboxPaymentProvider(sandboxDb), logger);
    const bookings = createBookingService({
      db,
      payments,
      logger,
      countHold: (outcome) => holds.inc({ outcome }),
      countConfirmed: (total) => {
        confirmed.inc();
        revenue.inc({ currency: total.currencyCode }, Number(total.minorUnits));
      },
      settings: {
        holdSeconds: config.HOLD_MINUTES * 60,
        maxTicketsPerBooking: config.MAX_TICKETS_PER_BOOKING,
        offerSeconds: config.WAITLIST_OFFER_HOURS * 3600,
      },
    });
    const feed = createAvailabilityFeed({ transport: events.transport, logger });

    /** One pass of the periodic work: expire due holds, forget idempotency keys past 24 hours. */
    const sweep = async () => {
      const expired = await bookings.expireDueHolds(PLATFORM);
      if (expired > 0) logger.info({ expired }, 'expired due holds');
      await createStores(db).idempotency.prune();
      return expired;
    };
    let timer: NodeJS.Timeout | undefined;
    let running: Promise<unknown> | null = null;
    onStart(async () => {
      await feed.start();
      timer = setInterval(() => {
        // A slow pass is not overlapped by the next one in this replica.
        running ??= sweep()
          .catch((error: unknown) => logger.error({ err: error }, 'the hold sweep failed'))
          .finally(() => (running = null));
      }, config.HOLD_SWEEP_INTERVAL_MS);
    });
    onStop(async () => {
      clearInterval(timer);
      await running;
      await feed.stop();
    });

    return {
      context: createContextFactory({ db, bookings, feed }),
      routes: createInternalRoutes({ authenticateService, bookings }),
      handlers: createListingsEventHandlers(bookings),
      exposed: {
        /** Expires due holds now (what the periodic sweep runs); a job scheduler can call it. */
        sweep,
        /** Resolves once this replica's live availability feed reads the bus. */
        feedReady: feed.ready,
      },
    };
  },
});
