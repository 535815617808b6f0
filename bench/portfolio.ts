/**
 * `npm run bench -- portfolio`: how long `PortfolioPerformance` (the contract's query: value,
 * holdings and performance over ten years) takes through the gateway for a portfolio with a
 * 10-year daily price history (3,650 prices) and 1,000 activities. The platform runs as
 * `npm start` runs it; the data goes in through the API (one CSV import, 1,000 RecordActivity
 * calls). Then `--rounds` sequential queries (default 50, after 5 warm-up ones): p50, p95,
 * max. Also the same computation in-process on the same data, without HTTP or SQL, in wall
 * time and in CPU time (which a busy machine inflates less), and the load average around it.
 */
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Decimal } from '@platform/service-kit';
import { repositoryRoot } from '../supergraph/src/platform/launch.js';
import { addDays } from '../subgraphs/portfolios/src/domain/dates.js';
import type { LedgerActivity, PricePoint } from '../subgraphs/portfolios/src/domain/ledger.js';
import { computePerformance } from '../subgraphs/portfolios/src/domain/performance.js';
import { percentile } from './percentile.js';
import { BENCH_ADMIN, launchBenchPlatform, machine, writeBenchReport } from './platform.js';

const FIRST_DAY = '2015-01-01';
const DAYS = 3650;
const ACTIVITIES = 1000;

/** The named operation of the contract file, as clients send it. */
function contractDocument(): string {
  return readFileSync(path.join(repositoryRoot, 'supergraph/operations/finance.graphql'), 'utf8');
}

/** A deterministic walk: the close of day `day`, 4 decimals, always above 50. */
function closeOn(day: number): string {
  return (100 + 50 * Math.sin(day / 90) + day / 100).toFixed(4);
}

/** 1,000 activities spread over the ten years: buys, every fifth a sale, every tenth a dividend. */
function activities(): LedgerActivity[] {
  const list: LedgerActivity[] = [];
  let held = new Decimal(0);
  for (let index = 0; index < ACTIVITIES; index += 1) {
    const day = Math.floor((index * (DAYS - 1)) / ACTIVITIES);
    const occurredOn = addDays(FIRST_DAY, day);
    const unitPrice = new Decimal(closeOn(day));
    if (index % 10 === 9) {
      list.push({
        type: 'DIVIDEND',
        symbol: 'BENCH',
        quantity: held,
        unitPrice: new Decimal('0.25'),
        fee: new Decimal(0),
        occurredOn,
      });
    } else if (index % 5 === 4 && held.greaterThan(3)) {
      list.push({
        type: 'SELL',
        symbol: 'BENCH',
        quantity: new Decimal(3),
        unitPrice,
        fee: new Decimal('1.00'),
        occurredOn,
      });
      held = held.minus(3);
    } else {
      list.push({
        type: 'BUY',
        symbol: 'BENCH',
        quantity: new Decimal(5),
        unitPrice,
        fee: new Decimal('1.00'),
        occurredOn,
      });
      held = held.plus(5);
    }
  }
  return list;
}

function summary(timings: number[]) {
  const sorted = [...timings].sort((a, b) => a - b);
  const round = (ms: number) => Math.round(ms * 10) / 10;
  return {
    runs: sorted.length,
    p50: round(percentile(sorted, 0.5)),
    p95: round(percentile(sorted, 0.95)),
    max: round(sorted.at(-1)!),
  };
}

export async function benchPortfolio(options: { rounds: number }) {
  // The launcher's default mode (services in one process where it can): the query's cost is
  // one subgraph's, and nine separate processes on a small machine measure start-up contention.
  const platform = await launchBenchPlatform('portfolio');
  try {
    const document = contractDocument();
    let token = '';
    const graphql = async <T>(
      query: string,
      variables: Record<string, unknown>,
      operationName?: string,
    ): Promise<T> => {
      const response = await fetch(platform.gatewayUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
        body: JSON.stringify({ query, variables, operationName }),
      });
      const body = (await response.json()) as { data?: T; errors?: unknown[] };
      if (body.errors || !body.data)
        throw new Error(`${operationName ?? 'request'} failed: ${JSON.stringify(body.errors)}`);
      return body.data;
    };
    token = (
      await graphql<{ login: { accessToken: string } }>(
        'mutation Login($email: String!, $password: String!) { login(input: { email: $email, password: $password }) { accessToken } }',
        BENCH_ADMIN,
      )
    ).login.accessToken;

    const { createPortfolio } = await graphql<{ createPortfolio: { portfolio: { id: string } } }>(
      document,
      { name: 'Ten years', baseCurrencyCode: 'EUR' },
      'CreatePortfolio',
    );
    const portfolioId = createPortfolio.portfolio.id;
    const prices: PricePoint[] = [];
    const lines = ['symbol,date,close,currency'];
    for (let day = 0; day < DAYS; day += 1) {
      const date = addDays(FIRST_DAY, day);
      prices.push({ symbol: 'BENCH', date, close: new Decimal(closeOn(day)) });
      lines.push(`BENCH,${date},${closeOn(day)},EUR`);
    }
    const imported = await graphql<{ importPrices: { imported: number } }>(
      'mutation Import($csv: String!) { importPrices(input: { csv: $csv }) { imported errors { line message } } }',
      { csv: lines.join('\n') },
    );
    if (imported.importPrices.imported !== DAYS) throw new Error('the price import did not import every day');
    const ledger = activities();
    const seeding = performance.now();
    for (const activity of ledger) {
      await graphql(
        document,
        {
          portfolioId,
          type: activity.type,
          symbol: activity.symbol,
          assetType: 'ETF',
          quantity: activity.quantity.toFixed(),
          unitPrice: activity.unitPrice.toFixed(),
          fee: activity.fee.toFixed(2),
          currencyCode: 'EUR',
          occurredOn: activity.occurredOn,
        },
        'RecordActivity',
      );
    }
    const recordMs = (performance.now() - seeding) / ledger.length;

    const to = addDays(FIRST_DAY, DAYS - 1);
    const query = () => graphql(document, { id: portfolioId, from: FIRST_DAY, to }, 'PortfolioPerformance');
    for (let warmUp = 0; warmUp < 5; warmUp += 1) await query();
    const timings: number[] = [];
    for (let round = 0; round < options.rounds; round += 1) {
      const started = performance.now();
      await query();
      timings.push(performance.now() - started);
    }

    const inProcess: number[] = [];
    const inProcessCpu: number[] = [];
    for (let round = 0; round < options.rounds; round += 1) {
      const started = performance.now();
      const cpu = process.cpuUsage();
      computePerformance({ method: 'AVERAGE', currencyCode: 'EUR', activities: ledger, prices, from: FIRST_DAY, to });
      const used = process.cpuUsage(cpu);
      inProcess.push(performance.now() - started);
      inProcessCpu.push((used.user + used.system) / 1000);
    }

    const report = {
      machine: machine(),
      data: { prices: DAYS, activities: ledger.length },
      recordActivityMeanMs: Math.round(recordMs * 10) / 10,
      throughGatewayMs: summary(timings),
      computationOnlyMs: summary(inProcess),
      computationOnlyCpuMs: summary(inProcessCpu),
      loadAverage1m: Math.round(loadavg()[0]! * 10) / 10,
    };
    await writeBenchReport('portfolio', report);
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  } finally {
    await platform.stop();
  }
}
