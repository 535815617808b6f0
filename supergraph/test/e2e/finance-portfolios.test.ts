/**
 * Portfolios through the real gateway (issue #11, the portfolio half of finance.graphql): a
 * registered user runs CreatePortfolio, RecordActivity, RecordPrice and PortfolioPerformance
 * from the contract on the hand-computed example (buy 10 at 100 on 1 January 2025, price 110
 * and 10 more at 110 on 1 July, price 121 on 31 December: time-weighted return 21 %; a past
 * year, because the contract's holdings and value are as of today), finds the
 * portfolio under `me { portfolios }`, and another user cannot see it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contractOperation } from '../harness/operations.js';
import { startTestPlatform, type TestPlatform } from '../harness/platform.js';
import { login, registerUser } from '../harness/users.js';

let platform: TestPlatform;
let token: string;
let strangerToken: string;

beforeAll(async () => {
  platform = await startTestPlatform();
  token = (await login(platform, await registerUser(platform, 'investor'))).accessToken;
  strangerToken = (await login(platform, await registerUser(platform, 'stranger'))).accessToken;
});
afterAll(() => platform?.stop());

interface PerformanceData {
  portfolio: {
    id: string;
    name: string;
    value: { amount: string; currencyCode: string };
    holdings: {
      symbol: string;
      assetType: string;
      quantity: string;
      averageCost: { amount: string };
      marketValue: { amount: string };
      unrealizedGain: { amount: string };
    }[];
    performance: {
      timeWeightedReturn: number | null;
      moneyWeightedReturn: number | null;
      returnOnAverageInvestment: number | null;
      absoluteGain: { amount: string; currencyCode: string };
      dividends: { amount: string; currencyCode: string };
    };
  } | null;
}

describe('portfolios end to end', () => {
  it('runs the finance contract: a portfolio, its activities and prices, its holdings and performance', async () => {
    const created = await platform.graphql<{
      createPortfolio: { portfolio: { id: string; baseCurrencyCode: string } };
    }>(contractOperation('CreatePortfolio'), { name: 'Long term', baseCurrencyCode: 'EUR' }, { token });
    expect(created.body.errors).toBeUndefined();
    const portfolio = created.body.data!.createPortfolio.portfolio;
    expect(portfolio.baseCurrencyCode).toBe('EUR');

    const buy = (quantity: string, unitPrice: string, occurredOn: string) =>
      platform.graphql<{ recordActivity: { activity: { id: string; type: string } } }>(
        contractOperation('RecordActivity'),
        {
          portfolioId: portfolio.id,
          type: 'BUY',
          symbol: 'ACME',
          assetType: 'EQUITY',
          quantity,
          unitPrice,
          fee: '0',
          currencyCode: 'EUR',
          occurredOn,
        },
        { token },
      );
    const price = (date: string, close: string) =>
      platform.graphql<{ recordPrice: { price: { symbol: string; date: string } } }>(
        contractOperation('RecordPrice'),
        { symbol: 'ACME', date, close, currencyCode: 'EUR' },
        { token },
      );

    const first = await buy('10', '100', '2025-01-01');
    expect(first.body.data?.recordActivity.activity.type).toBe('BUY');
    expect((await price('2025-07-01', '110')).body.data?.recordPrice.price).toEqual({
      symbol: 'ACME',
      date: '2025-07-01',
    });
    expect((await buy('10', '110', '2025-07-01')).body.errors).toBeUndefined();
    expect((await price('2025-12-31', '121')).body.errors).toBeUndefined();

    const { body } = await platform.graphql<PerformanceData>(
      contractOperation('PortfolioPerformance'),
      { id: portfolio.id, from: '2025-01-01', to: '2025-12-31' },
      { token },
    );
    expect(body.errors).toBeUndefined();
    expect(body.data?.portfolio).toMatchObject({
      id: portfolio.id,
      name: 'Long term',
      value: { amount: '2420.00', currencyCode: 'EUR' },
      holdings: [
        {
          symbol: 'ACME',
          assetType: 'EQUITY',
          quantity: '20',
          averageCost: { amount: '105.00' },
          marketValue: { amount: '2420.00' },
          unrealizedGain: { amount: '320.00' },
        },
      ],
      performance: {
        timeWeightedReturn: 0.21,
        absoluteGain: { amount: '320.00', currencyCode: 'EUR' },
        dividends: { amount: '0.00', currencyCode: 'EUR' },
      },
    });
    expect(body.data?.portfolio?.performance.moneyWeightedReturn).toBeCloseTo(0.2102, 4);
    expect(body.data?.portfolio?.performance.returnOnAverageInvestment).toBeCloseTo(0.2059, 4);

    const mine = await platform.graphql<{ me: { portfolios: { id: string }[] } }>(
      'query { me { id portfolios { id } } }',
      {},
      { token },
    );
    expect(mine.body.data?.me.portfolios).toEqual([{ id: portfolio.id }]);

    const theirs = await platform.graphql<PerformanceData>(
      contractOperation('PortfolioPerformance'),
      { id: portfolio.id, from: '2025-01-01', to: '2025-12-31' },
      { token: strangerToken },
    );
    expect(theirs.body.errors).toBeUndefined();
    expect(theirs.body.data?.portfolio).toBeNull();
  });
});
