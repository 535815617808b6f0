/**
 * Performance of a portfolio over a date range, computed in one pass over the ledger. The
 * range starts at the close of the day before `from` (the start value) and ends at the close
 * of `to`; activities on `from` and `to` are inside it. External cash flows are the day's
 * `trades` (BUY and FEE costs in, SELL proceeds out) and, for the total return, the income
 * paid out (DIVIDEND, INTEREST). Definitions (the schema documents them for clients):
 *
 * - time-weighted return: Π over days with a value at the previous close V₍d−1₎ > 0 of
 *   (V_d − C_d) / V₍d−1₎, minus 1, where C_d is the day's net external flow; income paid out
 *   counts as a withdrawal (total return), or is left out (price return). Null when nothing
 *   was held at any close in the range.
 * - money-weighted return: XIRR (see xirr.ts) of −start value at `from`, −C_d on each day,
 *   +end value at `to`.
 * - absolute gain: end value − start value − Σ C_d (income counted as withdrawn): the total
 *   gain, net of fees, dividends and interest included. Price gain leaves income out.
 * - return on average investment (Ghostfolio's ROAI): price gain / average investment, the
 *   investment on a day being the start value plus the cost basis bought since `from` minus
 *   the cost basis of what was sold since; averaged over the calendar days of the range on
 *   which it is above zero. Null when it never is.
 */
import { Decimal } from '@platform/service-kit';
import { addDays, daysBetween } from './dates.js';
import { days, Ledger, type CostBasisMethod, type LedgerActivity, type PricePoint } from './ledger.js';
import { xirr } from './xirr.js';

export interface MissingPrice {
  symbol: string;
  /** The last day a price was known, or null when it never was. */
  lastPriceOn: string | null;
}

export interface Performance {
  from: string;
  to: string;
  startValue: Decimal;
  endValue: Decimal;
  /** Σ C_d with income counted as withdrawn. */
  netContributions: Decimal;
  absoluteGain: Decimal;
  priceGain: Decimal;
  dividends: Decimal;
  interest: Decimal;
  fees: Decimal;
  averageInvestment: Decimal | null;
  timeWeightedReturn: Decimal | null;
  timeWeightedPriceReturn: Decimal | null;
  moneyWeightedReturn: number | null;
  returnOnAverageInvestment: Decimal | null;
  /** Symbols held at the close of `to` whose last price is older than `to`. */
  missingPrices: MissingPrice[];
}

export interface PerformanceInput {
  method: CostBasisMethod;
  currencyCode: string;
  /** Sorted by day, then in recording order. */
  activities: readonly LedgerActivity[];
  /** Sorted by day. */
  prices: readonly PricePoint[];
  from: string;
  to: string;
}

const ZERO = new Decimal(0);

export function computePerformance(input: PerformanceInput): Performance {
  const { from, to } = input;
  const ledger = new Ledger(input.method, input.currencyCode);
  let started = false;
  let startValue = ZERO;
  let startCost = ZERO;
  let previousValue = ZERO;
  let totalFactor = new Decimal(1);
  let priceFactor = new Decimal(1);
  let invested = false;
  let netContributions = ZERO;
  let dividends = ZERO;
  let interest = ZERO;
  let fees = ZERO;
  const flows: { day: number; amount: Decimal }[] = [];
  // ROAI: Σ investment × days over the segments where it is positive, and those days.
  let investmentDays = ZERO;
  let positiveDays = 0;
  let investment = ZERO;
  let investmentSince = from;

  const closeSegment = (until: string) => {
    const length = daysBetween(investmentSince, until);
    if (length > 0 && investment.greaterThan(0)) {
      investmentDays = investmentDays.plus(investment.times(length));
      positiveDays += length;
    }
    investmentSince = until;
  };

  const start = () => {
    started = true;
    startValue = ledger.value;
    startCost = ledger.costBasis;
    previousValue = startValue;
    investment = startValue;
    if (startValue.greaterThan(0)) flows.push({ day: 0, amount: startValue.negated() });
  };

  for (const day of days(input.activities, input.prices)) {
    if (day.date > to) break;
    if (!started && day.date >= from) start();
    const dayFlows = ledger.applyDay(day.date, day.activities, day.prices);
    if (!started) continue;

    const income = dayFlows.dividends.plus(dayFlows.interest);
    const contribution = dayFlows.trades.minus(income);
    if (previousValue.greaterThan(0)) {
      invested = true;
      totalFactor = totalFactor.times(ledger.value.minus(contribution).dividedBy(previousValue));
      priceFactor = priceFactor.times(ledger.value.minus(dayFlows.trades).dividedBy(previousValue));
    }
    previousValue = ledger.value;
    netContributions = netContributions.plus(contribution);
    dividends = dividends.plus(dayFlows.dividends);
    interest = interest.plus(dayFlows.interest);
    fees = fees.plus(dayFlows.fees);
    if (!contribution.isZero()) flows.push({ day: daysBetween(from, day.date), amount: contribution.negated() });

    const nextInvestment = startValue.plus(ledger.costBasis.minus(startCost));
    if (!nextInvestment.equals(investment)) {
      closeSegment(day.date);
      investment = nextInvestment;
    }
  }
  if (!started) start();
  closeSegment(addDays(to, 1));

  const endValue = ledger.value;
  if (endValue.greaterThan(0)) flows.push({ day: daysBetween(from, to), amount: endValue });
  const absoluteGain = endValue.minus(startValue).minus(netContributions);
  const priceGain = absoluteGain.minus(dividends).minus(interest);
  const averageInvestment = positiveDays > 0 ? investmentDays.dividedBy(positiveDays) : null;

  const missingPrices: MissingPrice[] = [];
  for (const position of ledger.positions.values()) {
    if (position.quantity.greaterThan(0) && (position.lastPriceOn === null || position.lastPriceOn < to))
      missingPrices.push({ symbol: position.symbol, lastPriceOn: position.lastPriceOn });
  }

  return {
    from,
    to,
    startValue,
    endValue,
    netContributions,
    absoluteGain,
    priceGain,
    dividends,
    interest,
    fees,
    averageInvestment,
    timeWeightedReturn: invested ? totalFactor.minus(1) : null,
    timeWeightedPriceReturn: invested ? priceFactor.minus(1) : null,
    moneyWeightedReturn: xirr(flows.map((flow) => ({ day: flow.day, amount: flow.amount.toNumber() }))),
    returnOnAverageInvestment: averageInvestment ? priceGain.dividedBy(averageInvestment) : null,
    missingPrices: missingPrices.sort((a, b) => a.symbol.localeCompare(b.symbol)),
  };
}
