/**
 * The daily valuation runs as the scheduled job `portfolios.daily-valuation` (00:30 UTC, a missed
 * run made up once): run now through pg-boss, it values yesterday (UTC) once per portfolio.
 */
import { calendarDateIn } from '@platform/service-kit';
import { eventually } from '@platform/devkit/testing';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { addDays } from '../src/domain/dates.js';
import { createPortfolio, newUser, record, startPortfolios, type PortfoliosHarness } from './support.js';

let harness: PortfoliosHarness;
beforeAll(async () => {
  harness = await startPortfolios();
});
afterAll(() => harness?.stop());

it('is scheduled daily at 00:30 UTC and values the previous UTC day when it runs', async () => {
  const { rows } = await harness.db.raw<{ rows: { cron: string; timezone: string; missed: string }[] }>(
    "select cron, timezone, options->>'missed' as missed from pgboss.schedule where name = 'portfolios.daily-valuation'",
  );
  expect(rows).toEqual([{ cron: '30 0 * * *', timezone: 'UTC', missed: 'once' }]);

  const owner = newUser();
  const id = await createPortfolio(harness, owner);
  await record(harness, owner, id, { type: 'BUY', quantity: '2', unitPrice: '50', occurredOn: '2020-01-01' });
  const yesterday = addDays(calendarDateIn(new Date(), 'UTC'), -1);

  await harness.subgraph.jobs!.send('portfolios.daily-valuation', {});
  const valued = await eventually(async () => {
    const found = await harness
      .db('portfolio_valuations')
      .where({ portfolio_id: id })
      .select<{ valued_on: string }[]>('valued_on');
    return found.length > 0 ? found : undefined;
  }, 'the valuation job');
  expect(valued).toEqual([{ valued_on: yesterday }]);
});
