/**
 * The expenses subgraph: a user's expenses, categories, budgets with threshold alerts,
 * recurring expenses, reports and the dated exchange rates it converts at. Identity's
 * `user.registered` gives a new user their settings and default categories; the hourly job
 * `expenses.materialize-recurring` records the recurring expenses that came due
 * (`materializeRecurringExpenses`).
 */
import { defineSubgraph, isCurrencyCode, isTimeZone } from '@platform/service-kit';
import { Counter } from 'prom-client';
import { z } from 'zod';
import { createContextFactory } from './context.js';
import { createExpensesService } from './domain/expenses.js';
import { materializeRecurringExpenses } from './domain/materialize.js';
import { CONSUMED_IDENTITY_EVENTS, createIdentityEventHandlers } from './identity-events.js';
import { resolvers } from './resolvers/index.js';

export { materializeRecurringExpenses } from './domain/materialize.js';

export const expensesSubgraph = defineSubgraph({
  name: 'expenses',
  port: 4007,
  schema: new URL('./schema.graphql', import.meta.url),
  migrations: new URL('../../../migrations/expenses/', import.meta.url),
  resolvers,
  config: {
    DEFAULT_BASE_CURRENCY: z
      .string()
      .default('EUR')
      .refine(isCurrencyCode, 'must be an ISO 4217 currency code such as EUR')
      .describe("A new user's base currency, until they choose one"),
    DEFAULT_TIME_ZONE: z
      .string()
      .default('UTC')
      .refine(isTimeZone, 'must be an IANA time zone such as Europe/Berlin')
      .describe("A new user's time zone (budget periods follow it), until they choose one"),
  },
  consumes: CONSUMED_IDENTITY_EVENTS,
  jobs: {
    // Hourly; a run missed while every replica was down is made up once (it records everything due by then).
    'expenses.materialize-recurring': {
      data: z.object({}),
      schedule: { cron: '5 * * * *', tz: 'UTC', missed: 'once' },
      policy: 'singleton',
    },
  },
  async setup({ config, db, logger, metrics }) {
    const defaults = { baseCurrencyCode: config.DEFAULT_BASE_CURRENCY, timeZone: config.DEFAULT_TIME_ZONE };
    const expenses = createExpensesService({ db, defaults });
    const materialized = new Counter({
      name: 'expenses_recurring_materialized_total',
      help: 'Recurring expenses materialized: occurrences recorded (created), rules left for the next run (failed, e.g. a missing rate)',
      labelNames: ['outcome'],
      registers: [metrics.registry],
    });
    const materialize = async (asOf: Date = new Date()) => {
      const result = await materializeRecurringExpenses(db, asOf, { defaults, logger });
      materialized.inc({ outcome: 'created' }, result.created);
      materialized.inc({ outcome: 'failed' }, result.failed);
      return result;
    };

    return {
      context: createContextFactory({ expenses, db }),
      handlers: createIdentityEventHandlers(defaults),
      jobs: {
        // Idempotent and safe concurrently (each occurrence is recorded once): a retry records nothing twice.
        'expenses.materialize-recurring': async () => {
          const result = await materialize();
          if (result.created > 0) logger.info(result, 'materialized recurring expenses');
        },
      },
      exposed: {
        /** Records the recurring expenses due by `asOf` (now by default), as the hourly job does. */
        materializeRecurringExpenses: materialize,
      },
    };
  },
});
