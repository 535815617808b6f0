/** What the portfolios tests share: the harness, the operations and small helpers to build data. */
import { randomUUID } from 'node:crypto';
import { signedIn, startSubgraph, type SubgraphHarness } from '@platform/devkit/testing';
import type { Caller } from '@platform/service-kit';
import { expect } from 'vitest';
import { portfoliosSubgraph } from '../src/subgraph.js';

export type PortfoliosHarness = SubgraphHarness<typeof portfoliosSubgraph>;

export function startPortfolios(): Promise<PortfoliosHarness> {
  return startSubgraph(portfoliosSubgraph);
}

/** A new signed-in user. */
export function newUser(): Caller & { userId: string } {
  return signedIn(randomUUID()) as Caller & { userId: string };
}

export const CREATE_PORTFOLIO = `mutation ($input: CreatePortfolioInput!) {
  createPortfolio(input: $input) { portfolio { id name baseCurrencyCode costBasisMethod } }
}`;

export const RECORD_ACTIVITY = `mutation ($input: RecordActivityInput!) {
  recordActivity(input: $input) { activity { id type symbol quantity unitPrice fee { amount currencyCode } occurredOn } }
}`;

export const RECORD_PRICE = `mutation ($input: RecordPriceInput!) {
  recordPrice(input: $input) { price { symbol date close currencyCode } }
}`;

export const HOLDINGS = `query ($id: ID!, $asOf: Date) {
  portfolio(id: $id) {
    id
    value(asOf: $asOf) { amount currencyCode }
    holdings(asOf: $asOf) {
      symbol assetType quantity priceAsOf stale
      averageCost { amount } costBasis { amount } price { amount } marketValue { amount }
      unrealizedGain { amount } realizedGain { amount }
    }
  }
}`;

export const PERFORMANCE = `query ($id: ID!, $from: Date!, $to: Date!) {
  portfolio(id: $id) {
    performance(from: $from, to: $to) {
      startValue { amount } endValue { amount } netContributions { amount }
      absoluteGain { amount currencyCode } priceGain { amount } dividends { amount } interest { amount } fees { amount }
      timeWeightedReturn timeWeightedPriceReturn moneyWeightedReturn returnOnAverageInvestment
      averageInvestment { amount }
      missingPrices { symbol lastPriceOn }
    }
  }
}`;

export async function createPortfolio(
  harness: PortfoliosHarness,
  caller: Caller,
  input: { name?: string; baseCurrencyCode?: string; costBasisMethod?: 'AVERAGE' | 'FIFO' } = {},
): Promise<string> {
  const { body } = await harness.graphql<{ createPortfolio: { portfolio: { id: string } } }>(
    CREATE_PORTFOLIO,
    { input: { name: 'Savings', baseCurrencyCode: 'EUR', ...input } },
    caller,
  );
  expect(body.errors).toBeUndefined();
  return body.data!.createPortfolio.portfolio.id;
}

export interface ActivityArgs {
  type: 'BUY' | 'SELL' | 'DIVIDEND' | 'FEE' | 'INTEREST' | 'SPLIT';
  symbol?: string;
  assetType?: string;
  quantity: string;
  unitPrice?: string;
  fee?: string;
  currencyCode?: string;
  occurredOn: string;
  idempotencyKey?: string;
}

export function activityInput(portfolioId: string, args: ActivityArgs) {
  const currencyCode = args.currencyCode ?? 'EUR';
  return {
    portfolioId,
    type: args.type,
    symbol: args.symbol ?? 'ACME',
    assetType: args.assetType ?? 'EQUITY',
    quantity: args.quantity,
    unitPrice: { amount: args.unitPrice ?? '0', currencyCode },
    fee: { amount: args.fee ?? '0', currencyCode },
    occurredOn: args.occurredOn,
    ...(args.idempotencyKey ? { idempotencyKey: args.idempotencyKey } : {}),
  };
}

/** Records activities in order, failing the test on any error. */
export async function record(
  harness: PortfoliosHarness,
  caller: Caller,
  portfolioId: string,
  ...activities: ActivityArgs[]
) {
  for (const activity of activities) {
    const { body } = await harness.graphql(RECORD_ACTIVITY, { input: activityInput(portfolioId, activity) }, caller);
    expect(body.errors).toBeUndefined();
  }
}

export async function recordPrice(
  harness: PortfoliosHarness,
  caller: Caller,
  symbol: string,
  date: string,
  close: string,
  currencyCode = 'EUR',
) {
  const { body } = await harness.graphql(
    RECORD_PRICE,
    { input: { symbol, date, close: { amount: close, currencyCode } } },
    caller,
  );
  expect(body.errors).toBeUndefined();
}
