/**
 * Holdings and the rules of recording: cost basis under average cost and FIFO, realized and
 * unrealized gains, splits, overselling, stale prices, currencies, idempotency keys, the
 * CSV price import, ownership, and the events each change publishes.
 */
import { errorCode, eventually, outboxEvents } from '@platform/devkit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  activityInput,
  CREATE_PORTFOLIO,
  createPortfolio,
  HOLDINGS,
  newUser,
  RECORD_ACTIVITY,
  RECORD_PRICE,
  record,
  recordPrice,
  startPortfolios,
  type PortfoliosHarness,
} from './support.js';

interface HoldingData {
  symbol: string;
  assetType: string;
  quantity: string;
  priceAsOf: string;
  stale: boolean;
  averageCost: { amount: string };
  costBasis: { amount: string };
  price: { amount: string };
  marketValue: { amount: string };
  unrealizedGain: { amount: string };
  realizedGain: { amount: string };
}

interface HoldingsData {
  portfolio: { id: string; value: { amount: string; currencyCode: string }; holdings: HoldingData[] } | null;
}

describe('holdings', () => {
  let harness: PortfoliosHarness;
  beforeAll(async () => {
    harness = await startPortfolios();
  });
  afterAll(() => harness.stop());

  const holdings = async (caller: ReturnType<typeof newUser>, id: string, asOf: string) => {
    const { body } = await harness.graphql<HoldingsData>(HOLDINGS, { id, asOf }, caller);
    expect(body.errors).toBeUndefined();
    return body.data!.portfolio!;
  };

  const buysAndASale = [
    { type: 'BUY' as const, quantity: '10', unitPrice: '100', occurredOn: '2026-01-02' },
    { type: 'BUY' as const, quantity: '10', unitPrice: '120', fee: '2', occurredOn: '2026-02-02' },
    { type: 'SELL' as const, quantity: '5', unitPrice: '130', fee: '1', occurredOn: '2026-03-02' },
  ];

  it('costs a sale at the average cost by default', async () => {
    const owner = newUser();
    const id = await createPortfolio(harness, owner);
    await record(harness, owner, id, ...buysAndASale);
    const {
      holdings: [acme],
      value,
    } = await holdings(owner, id, '2026-03-02');
    // Cost 1000 + 1202 = 2202 for 20; 5 sold cost 550.50 and brought 649.
    expect(acme).toMatchObject({
      symbol: 'ACME',
      assetType: 'EQUITY',
      quantity: '15',
      averageCost: { amount: '110.10' },
      costBasis: { amount: '1651.50' },
      price: { amount: '130.00' },
      priceAsOf: '2026-03-02',
      stale: false,
      marketValue: { amount: '1950.00' },
      unrealizedGain: { amount: '298.50' },
      realizedGain: { amount: '98.50' },
    });
    expect(value).toEqual({ amount: '1950.00', currencyCode: 'EUR' });
  });

  it('costs a sale from the oldest lots under FIFO', async () => {
    const owner = newUser();
    const id = await createPortfolio(harness, owner, { costBasisMethod: 'FIFO' });
    await record(harness, owner, id, ...buysAndASale);
    const {
      holdings: [acme],
    } = await holdings(owner, id, '2026-03-02');
    // The 5 sold are from the first lot (500); left: 5 × 100 + 1202 = 1702 for 15.
    expect(acme).toMatchObject({
      quantity: '15',
      averageCost: { amount: '113.47' },
      costBasis: { amount: '1702.00' },
      unrealizedGain: { amount: '248.00' },
      realizedGain: { amount: '149.00' },
    });
  });

  it('recomputes the holdings when the owner switches the cost-basis method, and tells the bus', async () => {
    const owner = newUser();
    const id = await createPortfolio(harness, owner);
    await record(harness, owner, id, ...buysAndASale);
    const UPDATE = `mutation ($input: UpdatePortfolioInput!) {
      updatePortfolio(input: $input) { portfolio { id name costBasisMethod } }
    }`;
    const stranger = await harness.graphql(UPDATE, { input: { id, costBasisMethod: 'FIFO' } }, newUser());
    expect(errorCode(stranger)).toBe('NOT_FOUND');
    const { body } = await harness.graphql(
      UPDATE,
      { input: { id, name: ' Renamed ', costBasisMethod: 'FIFO' } },
      owner,
    );
    expect(body.data?.updatePortfolio).toEqual({ portfolio: { id, name: 'Renamed', costBasisMethod: 'FIFO' } });
    const {
      holdings: [acme],
    } = await holdings(owner, id, '2026-03-02');
    expect(acme?.realizedGain.amount).toBe('149.00');
    const changed = await eventually(
      () =>
        harness
          .published('platform.portfolios.portfolio.updated.v1')
          .find((event) => event.subject === id && event.data.change === 'settings_changed'),
      'portfolio.updated (settings_changed)',
    );
    expect(changed.data.portfolio).toMatchObject({ name: 'Renamed', costBasisMethod: 'FIFO' });
  });

  it('values holdings at the latest price on or before the day, and says since when it has had none', async () => {
    const owner = newUser();
    const id = await createPortfolio(harness, owner);
    await record(harness, owner, id, { type: 'BUY', quantity: '3', unitPrice: '10', occurredOn: '2026-01-05' });
    await recordPrice(harness, owner, 'ACME', '2026-02-01', '12.3456');
    await recordPrice(harness, owner, 'ACME', '2026-04-01', '15');
    const {
      holdings: [onTheDay],
    } = await holdings(owner, id, '2026-02-01');
    expect(onTheDay).toMatchObject({ priceAsOf: '2026-02-01', stale: false, marketValue: { amount: '37.04' } });
    const {
      holdings: [later],
    } = await holdings(owner, id, '2026-03-20');
    expect(later).toMatchObject({ priceAsOf: '2026-02-01', stale: true, marketValue: { amount: '37.04' } });
    const {
      holdings: [before],
    } = await holdings(owner, id, '2026-01-20');
    expect(before).toMatchObject({ priceAsOf: '2026-01-05', stale: true, marketValue: { amount: '30.00' } });
  });

  it('applies a split to the quantity, the unit cost and the last price, keeping the cost basis', async () => {
    const owner = newUser();
    const id = await createPortfolio(harness, owner);
    await record(
      harness,
      owner,
      id,
      { type: 'BUY', quantity: '10', unitPrice: '100', occurredOn: '2026-01-02' },
      { type: 'SPLIT', quantity: '2', occurredOn: '2026-02-02' },
    );
    const {
      holdings: [acme],
    } = await holdings(owner, id, '2026-02-02');
    expect(acme).toMatchObject({
      quantity: '20',
      averageCost: { amount: '50.00' },
      costBasis: { amount: '1000.00' },
      price: { amount: '50.00' },
      marketValue: { amount: '1000.00' },
      unrealizedGain: { amount: '0.00' },
    });
    // The split shares can be sold; more than them cannot.
    await record(harness, owner, id, { type: 'SELL', quantity: '15', unitPrice: '55', occurredOn: '2026-02-03' });
    const { body } = await harness.graphql(
      RECORD_ACTIVITY,
      { input: activityInput(id, { type: 'SELL', quantity: '6', unitPrice: '55', occurredOn: '2026-02-04' }) },
      owner,
    );
    expect(body.errors?.[0]?.extensions?.fields).toEqual({
      'input.quantity': 'only 5 ACME held on 2026-02-04: cannot sell 6',
    });
  });

  it('refuses to sell more than is held, naming the quantity held, also when a backdated sale would break a later one', async () => {
    const owner = newUser();
    const id = await createPortfolio(harness, owner);
    await record(harness, owner, id, { type: 'BUY', quantity: '10', unitPrice: '100', occurredOn: '2026-01-01' });
    const oversell = await harness.graphql(
      RECORD_ACTIVITY,
      { input: activityInput(id, { type: 'SELL', quantity: '10.5', unitPrice: '100', occurredOn: '2026-01-05' }) },
      owner,
    );
    expect(errorCode(oversell)).toBe('BAD_USER_INPUT');
    expect(oversell.body.errors?.[0]?.extensions?.fields).toEqual({
      'input.quantity': 'only 10 ACME held on 2026-01-05: cannot sell 10.5',
    });
    const beforeTheBuy = await harness.graphql(
      RECORD_ACTIVITY,
      { input: activityInput(id, { type: 'SELL', quantity: '1', unitPrice: '100', occurredOn: '2025-12-31' }) },
      owner,
    );
    expect(beforeTheBuy.body.errors?.[0]?.extensions?.fields).toEqual({
      'input.quantity': 'only 0 ACME held on 2025-12-31: cannot sell 1',
    });

    await record(harness, owner, id, { type: 'SELL', quantity: '8', unitPrice: '100', occurredOn: '2026-03-01' });
    const backdated = await harness.graphql(
      RECORD_ACTIVITY,
      { input: activityInput(id, { type: 'SELL', quantity: '5', unitPrice: '100', occurredOn: '2026-02-01' }) },
      owner,
    );
    expect(backdated.body.errors?.[0]?.extensions?.fields).toEqual({
      'input.quantity': 'the sale of 8 ACME on 2026-03-01 would then sell more than the 5 held',
    });
    const {
      holdings: [acme],
    } = await holdings(owner, id, '2026-03-01');
    expect(acme?.quantity).toBe('2');
  });

  it('refuses activities in another currency than the base one, and money with too many decimals', async () => {
    const owner = newUser();
    const id = await createPortfolio(harness, owner);
    const foreign = await harness.graphql(
      RECORD_ACTIVITY,
      {
        input: activityInput(id, {
          type: 'BUY',
          quantity: '1',
          unitPrice: '10',
          currencyCode: 'USD',
          occurredOn: '2026-01-01',
        }),
      },
      owner,
    );
    expect(errorCode(foreign)).toBe('BAD_USER_INPUT');
    expect(foreign.body.errors?.[0]?.extensions?.fields).toEqual({
      'input.unitPrice.currencyCode': 'this portfolio is kept in EUR: record its activities in EUR',
    });
    const precise = await harness.graphql(
      RECORD_ACTIVITY,
      {
        input: activityInput(id, {
          type: 'BUY',
          quantity: '0',
          unitPrice: '10',
          fee: '0.123',
          occurredOn: '2026-01-01',
        }),
      },
      owner,
    );
    expect(precise.body.errors?.[0]?.extensions?.fields).toEqual({
      'input.quantity': 'must be more than zero',
      'input.fee.amount': 'EUR has 2 decimals; "0.123" has more',
    });
  });

  it('records a retried activity once under the same idempotency key, and refuses the key for another one', async () => {
    const owner = newUser();
    const id = await createPortfolio(harness, owner);
    const input = activityInput(id, {
      type: 'BUY',
      quantity: '2',
      unitPrice: '50',
      occurredOn: '2026-01-01',
      idempotencyKey: 'import-1:7',
    });
    const first = await harness.graphql<{ recordActivity: { activity: { id: string } } }>(
      RECORD_ACTIVITY,
      { input },
      owner,
    );
    const again = await harness.graphql<{ recordActivity: { activity: { id: string } } }>(
      RECORD_ACTIVITY,
      { input },
      owner,
    );
    expect(again.body.data?.recordActivity.activity.id).toBe(first.body.data?.recordActivity.activity.id);
    const {
      holdings: [acme],
    } = await holdings(owner, id, '2026-01-01');
    expect(acme?.quantity).toBe('2');
    const different = await harness.graphql(RECORD_ACTIVITY, { input: { ...input, quantity: '3' } }, owner);
    expect(errorCode(different)).toBe('CONFLICT');
  });

  it('keeps a symbol’s asset type', async () => {
    const owner = newUser();
    const id = await createPortfolio(harness, owner);
    await record(harness, owner, id, {
      type: 'BUY',
      symbol: 'WORLD',
      assetType: 'MUTUAL_FUND',
      quantity: '1.234',
      unitPrice: '98.7654',
      occurredOn: '2026-01-01',
    });
    const { body } = await harness.graphql(
      RECORD_ACTIVITY,
      {
        input: activityInput(id, {
          type: 'BUY',
          symbol: 'world',
          assetType: 'ETF',
          quantity: '1',
          unitPrice: '99',
          occurredOn: '2026-01-02',
        }),
      },
      owner,
    );
    expect(body.errors?.[0]?.extensions?.fields).toEqual({ 'input.assetType': 'WORLD is recorded as MUTUAL_FUND' });
  });

  describe('ownership', () => {
    it('shows a portfolio only to its owner', async () => {
      const owner = newUser();
      const stranger = newUser();
      const id = await createPortfolio(harness, owner);
      const seen = await harness.graphql<HoldingsData>(HOLDINGS, { id, asOf: '2026-01-01' }, stranger);
      expect(seen.body.errors).toBeUndefined();
      expect(seen.body.data?.portfolio).toBeNull();
      const write = await harness.graphql(
        RECORD_ACTIVITY,
        { input: activityInput(id, { type: 'BUY', quantity: '1', unitPrice: '1', occurredOn: '2026-01-01' }) },
        stranger,
      );
      expect(errorCode(write)).toBe('NOT_FOUND');
    });

    it('refuses a second portfolio of the same name, so a retried creation makes no twin', async () => {
      const owner = newUser();
      await createPortfolio(harness, owner, { name: 'Pension' });
      const { body } = await harness.graphql(
        CREATE_PORTFOLIO,
        { input: { name: 'pension', baseCurrencyCode: 'EUR' } },
        owner,
      );
      expect(errorCode(body)).toBe('CONFLICT');
      expect(body.errors?.[0]?.message).toBe('You already have a portfolio named pension');
      // Another user may use the name.
      await createPortfolio(harness, newUser(), { name: 'Pension' });
    });

    it("lists a user's portfolios for that user only", async () => {
      const owner = newUser();
      const stranger = newUser();
      const id = await createPortfolio(harness, owner, { name: 'Pension' });
      const query = `query ($r: [_Any!]!) { _entities(representations: $r) { ... on User { portfolios { id name } } } }`;
      const own = await harness.graphql<{ _entities: { portfolios: { id: string; name: string }[] }[] }>(
        query,
        { r: [{ __typename: 'User', id: owner.userId }] },
        owner,
      );
      expect(own.body.data?._entities[0]?.portfolios).toEqual([{ id, name: 'Pension' }]);
      const theirs = await harness.graphql(query, { r: [{ __typename: 'User', id: owner.userId }] }, stranger);
      expect(errorCode(theirs)).toBe('FORBIDDEN');
    });
  });

  describe('prices', () => {
    const IMPORT = `mutation ($csv: String!) { importPrices(input: { csv: $csv }) { imported errors { line message } } }`;
    const PRICES = `query ($symbol: String!) { prices(symbol: $symbol, from: "2026-01-01", to: "2026-12-31") { date close currencyCode } }`;

    it('imports nothing from a CSV with wrong lines, and names each of them', async () => {
      const owner = newUser();
      const csv = [
        'symbol,date,close,currency',
        'FUND,2026-01-02,10.5,EUR',
        'FUND,2026-02-30,10.6,EUR',
        'FUND,2026-01-03,-1,EUR',
        'FUND,2026-01-04',
        'FUND,2026-01-05,10.7,EURO',
      ].join('\n');
      const { body } = await harness.graphql<{
        importPrices: { imported: number; errors: { line: number; message: string }[] };
      }>(IMPORT, { csv }, owner);
      expect(body.data?.importPrices).toEqual({
        imported: 0,
        errors: [
          { line: 3, message: 'date must be a calendar date written YYYY-MM-DD' },
          { line: 4, message: 'close must not be negative' },
          { line: 5, message: 'has 2 fields; expected 4' },
          { line: 6, message: 'currency EURO is not an ISO 4217 currency code' },
        ],
      });
      const prices = await harness.graphql<{ prices: unknown[] }>(PRICES, { symbol: 'FUND' }, owner);
      expect(prices.body.data?.prices).toEqual([]);
    });

    it('imports a correct CSV, replacing the same days on a re-import, and keeps each symbol in one currency', async () => {
      const owner = newUser();
      const csv = 'symbol,date,close,currency\nFUND,2026-01-02,10.5,EUR\nFUND,2026-01-03,10.123456,EUR\n';
      for (let attempt = 0; attempt < 2; attempt += 1) {
        const { body } = await harness.graphql<{ importPrices: { imported: number } }>(IMPORT, { csv }, owner);
        expect(body.data?.importPrices).toEqual({ imported: 2, errors: [] });
      }
      const prices = await harness.graphql<{ prices: unknown[] }>(PRICES, { symbol: 'fund' }, owner);
      expect(prices.body.data?.prices).toEqual([
        { date: '2026-01-02', close: '10.5', currencyCode: 'EUR' },
        { date: '2026-01-03', close: '10.123456', currencyCode: 'EUR' },
      ]);
      const dollars = await harness.graphql<{ importPrices: unknown }>(
        IMPORT,
        { csv: 'symbol,date,close,currency\nFUND,2026-01-04,11,USD' },
        owner,
      );
      expect(dollars.body.data?.importPrices).toEqual({
        imported: 0,
        errors: [{ line: 2, message: 'currency: FUND is priced in EUR' }],
      });
      const single = await harness.graphql(
        RECORD_PRICE,
        { input: { symbol: 'FUND', date: '2026-01-04', close: { amount: '11', currencyCode: 'USD' } } },
        owner,
      );
      expect(single.body.errors?.[0]?.extensions?.fields).toEqual({
        'input.close.currencyCode': 'FUND is priced in EUR',
      });
      // Another user's history of the same symbol is their own.
      const stranger = await harness.graphql<{ prices: unknown[] }>(PRICES, { symbol: 'FUND' }, newUser());
      expect(stranger.body.data?.prices).toEqual([]);
    });
  });

  describe('events', () => {
    it('publishes portfolio.updated on changes and investment.added on every BUY', async () => {
      const owner = newUser();
      const id = await createPortfolio(harness, owner);
      await record(
        harness,
        owner,
        id,
        { type: 'BUY', quantity: '10', unitPrice: '100', fee: '1.50', occurredOn: '2026-01-02' },
        { type: 'BUY', quantity: '1', unitPrice: '101', occurredOn: '2026-01-03' },
      );
      const added = await eventually(() => {
        const events = harness.published('platform.portfolios.investment.added.v1').filter((e) => e.subject === id);
        return events.length === 2 ? events : undefined;
      }, 'two investment.added events');
      expect(added.map((event) => [event.data.quantity, event.data.cost, event.data.newHolding])).toEqual([
        ['10', { amount: '1001.50', currencyCode: 'EUR' }, true],
        ['1', { amount: '101.00', currencyCode: 'EUR' }, false],
      ]);
      const updates = harness.published('platform.portfolios.portfolio.updated.v1').filter((e) => e.subject === id);
      expect(updates.map((event) => event.data.change)).toEqual(['created', 'activity_recorded', 'activity_recorded']);
    });

    it('values each portfolio once per day in the daily valuation job, publishing performance.calculated', async () => {
      const owner = newUser();
      const id = await createPortfolio(harness, owner);
      await record(harness, owner, id, { type: 'BUY', quantity: '10', unitPrice: '100', occurredOn: '2020-01-01' });
      await recordPrice(harness, owner, 'ACME', '2020-01-31', '105');
      const { runDailyValuation } = harness.subgraph.exposed;
      expect(await runDailyValuation('2020-01-31')).toBe(1);
      expect(await runDailyValuation('2020-01-31')).toBe(0);
      const [calculated] = await eventually(() => {
        const events = harness
          .published('platform.portfolios.performance.calculated.v1')
          .filter((e) => e.subject === id);
        return events.length > 0 ? events : undefined;
      }, 'performance.calculated');
      expect(calculated?.data).toMatchObject({
        valuedOn: '2020-01-31',
        value: { amount: '1050.00', currencyCode: 'EUR' },
        absoluteGain: { amount: '50.00', currencyCode: 'EUR' },
        timeWeightedReturn: 0.05,
      });
      // The second run wrote nothing to the outbox: one event for the day, whoever runs the job.
      expect(await outboxEvents(harness, id, 'platform.portfolios.performance.calculated.v1')).toHaveLength(1);
    });
  });
});
