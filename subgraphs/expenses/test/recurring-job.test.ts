/**
 * Recurring expenses are materialized by the scheduled job `expenses.materialize-recurring`
 * (hourly at :05 UTC, a missed run made up once), registered with pg-boss at start.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startExpenses, type ExpensesHarness } from './support.js';

let harness: ExpensesHarness;
beforeAll(async () => {
  harness = await startExpenses();
});
afterAll(() => harness?.stop());

it('schedules materialization hourly in UTC, making up one missed run', async () => {
  const { rows } = await harness.db.raw<{ rows: { cron: string; timezone: string; missed: string }[] }>(
    "select cron, timezone, options->>'missed' as missed from pgboss.schedule where name = 'expenses.materialize-recurring'",
  );
  expect(rows).toEqual([{ cron: '5 * * * *', timezone: 'UTC', missed: 'once' }]);
});
