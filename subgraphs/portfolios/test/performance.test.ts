/**
 * Performance against figures computed by hand (issue #11):
 *
 *   1 January:   buy 10 ACME at 100             → value 1,000, put in 1,000
 *   1 July:      price 110; buy 10 more at 110   → value before the purchase 1,100 (+10 %), after 2,200
 *   31 December: price 121                       → value 2,420 (+10 % on 2,200)
 *
 * Time-weighted: the two sub-periods each return 10 %, so 1.1 × 1.1 − 1 = 21 %, whatever the
 * second purchase added. Money-weighted: the rate r solving
 * −1000 − 1100 / (1 + r)^(181/365) + 2420 / (1 + r)^(364/365) = 0, found here independently by
 * plain bisection. ROAI: gain 320 over the average investment (1,000 for 181 days, 2,100 for
 * 184 days).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Decimal } from '@platform/service-kit';
import { addDays } from '../src/domain/dates.js';
import type { LedgerActivity, PricePoint } from '../src/domain/ledger.js';
import { computePerformance } from '../src/domain/performance.js';
import { xirr } from '../src/domain/xirr.js';
import {
  createPortfolio,
  newUser,
  PERFORMANCE,
  record,
  recordPrice,
  startPortfolios,
  type PortfoliosHarness,
} from './support.js';

interface PerformanceData {
  portfolio: {
    performance: {
      startValue: { amount: string };
      endValue: { amount: string };
      netContributions: { amount: string };
      absoluteGain: { amount: string; currencyCode: string };
      priceGain: { amount: string };
      dividends: { amount: string };
      fees: { amount: string };
      timeWeightedReturn: number | null;
      timeWeightedPriceReturn: number | null;
      moneyWeightedReturn: number | null;
      returnOnAverageInvestment: number | null;
      averageInvestment: { amount: string } | null;
      missingPrices: { symbol: string; lastPriceOn: string | null }[];
    };
  };
}

/** The rate where `npv` changes sign in [low, high], by halving the bracket 200 times. */
function bisection(npv: (rate: number) => number, low: number, high: number): number {
  for (let step = 0; step < 200; step += 1) {
    const middle = (low + high) / 2;
    if (Math.sign(npv(middle)) === Math.sign(npv(low))) low = middle;
    else high = middle;
  }
  return (low + high) / 2;
}

describe('portfolio performance', () => {
  let harness: PortfoliosHarness;
  beforeAll(async () => {
    harness = await startPortfolios();
  });
  afterAll(() => harness.stop());

  const performance = async (caller: ReturnType<typeof newUser>, id: string, from: string, to: string) => {
    const { body } = await harness.graphql<PerformanceData>(PERFORMANCE, { id, from, to }, caller);
    expect(body.errors).toBeUndefined();
    return body.data!.portfolio.performance;
  };

  it('matches the hand-computed figures: TWR 21 %, XIRR by independent bisection, ROAI 320 / average investment', async () => {
    const owner = newUser();
    const id = await createPortfolio(harness, owner);
    await record(harness, owner, id, { type: 'BUY', quantity: '10', unitPrice: '100', occurredOn: '2026-01-01' });
    await recordPrice(harness, owner, 'ACME', '2026-07-01', '110');
    await record(harness, owner, id, { type: 'BUY', quantity: '10', unitPrice: '110', occurredOn: '2026-07-01' });
    await recordPrice(harness, owner, 'ACME', '2026-12-31', '121');

    const figures = await performance(owner, id, '2026-01-01', '2026-12-31');
    expect(figures.timeWeightedReturn).toBe(0.21);
    expect(figures.timeWeightedPriceReturn).toBe(0.21);
    const expectedXirr = bisection(
      (r) => -1000 - 1100 / Math.pow(1 + r, 181 / 365) + 2420 / Math.pow(1 + r, 364 / 365),
      0,
      1,
    );
    expect(figures.moneyWeightedReturn).toBeCloseTo(expectedXirr, 4);
    expect(figures.moneyWeightedReturn).toBeCloseTo(0.2102, 4);
    expect(figures.startValue.amount).toBe('0.00');
    expect(figures.endValue.amount).toBe('2420.00');
    expect(figures.netContributions.amount).toBe('2100.00');
    expect(figures.absoluteGain).toEqual({ amount: '320.00', currencyCode: 'EUR' });
    expect(figures.priceGain.amount).toBe('320.00');
    expect(figures.dividends.amount).toBe('0.00');
    const averageInvestment = (181 * 1000 + 184 * 2100) / 365;
    expect(figures.averageInvestment?.amount).toBe(averageInvestment.toFixed(2));
    expect(figures.returnOnAverageInvestment).toBeCloseTo(320 / averageInvestment, 12);
    expect(figures.missingPrices).toEqual([]);

    // The second half alone starts from the value at the close of 30 June (1,000 at the last price, 100).
    const secondHalf = await performance(owner, id, '2026-07-01', '2026-12-31');
    expect(secondHalf.startValue.amount).toBe('1000.00');
    expect(secondHalf.timeWeightedReturn).toBe(0.21);
    expect(secondHalf.absoluteGain.amount).toBe('320.00');
  });

  it('keeps dividends apart: total return includes them, price return does not', async () => {
    const owner = newUser();
    const id = await createPortfolio(harness, owner);
    await record(
      harness,
      owner,
      id,
      { type: 'BUY', quantity: '10', unitPrice: '100', occurredOn: '2026-01-01' },
      { type: 'DIVIDEND', quantity: '10', unitPrice: '2', occurredOn: '2026-06-01' },
    );
    await recordPrice(harness, owner, 'ACME', '2026-12-31', '100');
    const figures = await performance(owner, id, '2026-01-01', '2026-12-31');
    expect(figures.dividends.amount).toBe('20.00');
    expect(figures.absoluteGain.amount).toBe('20.00');
    expect(figures.priceGain.amount).toBe('0.00');
    expect(figures.timeWeightedReturn).toBe(0.02);
    expect(figures.timeWeightedPriceReturn).toBe(0);
  });

  it('answers a null money-weighted return when the flows have no rate (everything lost)', async () => {
    const owner = newUser();
    const id = await createPortfolio(harness, owner);
    await record(harness, owner, id, { type: 'BUY', quantity: '10', unitPrice: '100', occurredOn: '2026-01-01' });
    await recordPrice(harness, owner, 'ACME', '2026-12-31', '0');
    const figures = await performance(owner, id, '2026-01-01', '2026-12-31');
    expect(figures.endValue.amount).toBe('0.00');
    expect(figures.moneyWeightedReturn).toBeNull();
    expect(figures.timeWeightedReturn).toBe(-1);
  });

  it('answers null ratios for a period in which nothing was held', async () => {
    const owner = newUser();
    const id = await createPortfolio(harness, owner);
    const figures = await performance(owner, id, '2026-01-01', '2026-12-31');
    expect(figures.timeWeightedReturn).toBeNull();
    expect(figures.moneyWeightedReturn).toBeNull();
    expect(figures.returnOnAverageInvestment).toBeNull();
    expect(figures.absoluteGain.amount).toBe('0.00');
  });

  it('names the symbols with no price since a day before the end of the period', async () => {
    const owner = newUser();
    const id = await createPortfolio(harness, owner);
    await record(harness, owner, id, { type: 'BUY', quantity: '5', unitPrice: '40', occurredOn: '2026-02-01' });
    await recordPrice(harness, owner, 'ACME', '2026-03-15', '44');
    const figures = await performance(owner, id, '2026-01-01', '2026-12-31');
    expect(figures.missingPrices).toEqual([{ symbol: 'ACME', lastPriceOn: '2026-03-15' }]);
    expect(figures.endValue.amount).toBe('220.00');
  });

  it('refuses a period that ends before it starts', async () => {
    const owner = newUser();
    const id = await createPortfolio(harness, owner);
    const { body } = await harness.graphql(PERFORMANCE, { id, from: '2026-12-31', to: '2026-01-01' }, owner);
    expect(body.errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      fields: { from: 'must not be after to (2026-01-01)' },
    });
  });
});

describe('the time-weighted return', () => {
  it('equals the plain daily chain Π (V_d − C_d) / V_(d−1) it shortcuts over days without flows', () => {
    // 120 days of prices, a trade every 7th day: buy 3, or sell 2 every 21st.
    const first = '2026-01-01';
    const close = (day: number) => 100 + 20 * Math.sin(day / 9) + day / 10;
    const prices: PricePoint[] = [];
    const activities: LedgerActivity[] = [];
    const quantity: number[] = [];
    const flow: number[] = [];
    let held = 0;
    for (let day = 0; day < 120; day += 1) {
      const date = addDays(first, day);
      const price = new Decimal(close(day).toFixed(4));
      let paid = 0;
      if (day % 7 === 0) {
        const selling = day % 21 === 0 && held >= 2;
        activities.push({
          type: selling ? 'SELL' : 'BUY',
          symbol: 'ACME',
          quantity: new Decimal(selling ? 2 : 3),
          unitPrice: price,
          fee: new Decimal(0),
          occurredOn: date,
        });
        held += selling ? -2 : 3;
        paid = Number(price.times(selling ? -2 : 3).toDecimalPlaces(2));
      }
      prices.push({ symbol: 'ACME', date, close: price });
      quantity.push(held);
      flow.push(paid);
    }
    let factor = 1;
    let previous = 0;
    for (let day = 0; day < 120; day += 1) {
      const value = quantity[day]! * Number(close(day).toFixed(4));
      if (previous > 0) factor *= (value - flow[day]!) / previous;
      previous = value;
    }
    const { timeWeightedReturn } = computePerformance({
      method: 'AVERAGE',
      currencyCode: 'EUR',
      activities,
      prices,
      from: first,
      to: addDays(first, 119),
    });
    expect(Math.abs(factor - 1)).toBeGreaterThan(0.01);
    expect(timeWeightedReturn?.toNumber()).toBeCloseTo(factor - 1, 10);
  });
});

describe('xirr', () => {
  it('finds 10 % for 100 that became 110 in a year', () => {
    expect(
      xirr([
        { day: 0, amount: -100 },
        { day: 365, amount: 110 },
      ]),
    ).toBeCloseTo(0.1, 10);
  });

  it('is null when every flow goes the same way', () => {
    expect(
      xirr([
        { day: 0, amount: -100 },
        { day: 200, amount: -50 },
      ]),
    ).toBeNull();
    expect(xirr([{ day: 0, amount: 100 }])).toBeNull();
  });

  it('falls back to bisection where Newton overshoots (a near-total loss)', () => {
    // Half lost in 30 days: about -99.98 % a year, where Newton from 10 % steps below -100 %.
    const rate = xirr([
      { day: 0, amount: -1000 },
      { day: 30, amount: 500 },
    ]);
    expect(rate).not.toBeNull();
    expect(rate).toBeCloseTo(Math.pow(0.5, 365 / 30) - 1, 8);
  });
});
