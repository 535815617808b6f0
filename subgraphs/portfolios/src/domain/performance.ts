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

/**
 * Π (V_d − C_d) ÷ V₍d−1₎ over the days whose previous close had a value, computed with one
 * division per flow instead of one per day: over days without a flow the daily factors
 * telescope (V₁/V₀ × V₂/V₁ × … = V_n/V₀), so a run of such days is one ratio, from the close
 * where the run began to the next flow (or the end). The same number, exactly.
 */
class LinkedReturn {
  private factor = new Decimal(1);
  /** The value at the close where the current run began; zero when no run is open. */
  private runStart = ZERO;
  private linked = false;

  begin(value: Decimal): void {
    this.runStart = value;
  }

  /** A day without a flow whose previous close had a value above zero, and whose close does too. */
  count(): void {
    this.linked = true;
  }

  /** Day d's close: whether V₍d−1₎ > 0, `value` = V_d, `flow` = C_d. */
  close(previousPositive: boolean, value: Decimal, flow: Decimal): void {
    if (!previousPositive) {
      // No capital at risk on the previous close: the day has no return; a run may begin.
      this.runStart = value;
      return;
    }
    this.linked = true;
    if (flow.isZero() && value.greaterThan(0)) return;
    // A flow (or a value of zero, after which days have no return) ends the run here.
    this.factor = this.factor.times(value.minus(flow).dividedBy(this.runStart));
    this.runStart = value;
  }

  /** The return, closing the open run at `lastValue`; null when no day had a return. */
  result(lastValue: Decimal): Decimal | null {
    if (!this.linked) return null;
    const factor =
      this.runStart.greaterThan(0) && !lastValue.equals(this.runStart)
        ? this.factor.times(lastValue.dividedBy(this.runStart))
        : this.factor;
    return factor.minus(1);
  }
}

export function computePerformance(input: PerformanceInput): Performance {
  const { from, to } = input;
  const ledger = new Ledger(input.method, input.currencyCode);
  let started = false;
  let startValue = ZERO;
  let startCost = ZERO;
  /** Whether the value at the previous close was above zero (the linked returns need no more). */
  let previousPositive = false;
  const totalReturn = new LinkedReturn();
  const priceReturn = new LinkedReturn();
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
    previousPositive = startValue.greaterThan(0);
    totalReturn.begin(startValue);
    priceReturn.begin(startValue);
    investment = startValue;
    if (startValue.greaterThan(0)) flows.push({ day: 0, amount: startValue.negated() });
  };

  for (const day of days(input.activities, input.prices)) {
    if (day.date > to) break;
    if (!started && day.date >= from) start();
    if (!started) {
      ledger.applyDay(day.date, day.activities, day.prices);
      continue;
    }

    if (day.activities.length === 0) {
      ledger.applyDay(day.date, [], day.prices);
      // A day of prices only has no flow and changes no investment. While something was worth
      // more than zero at the previous close and no price is zero, the value stays above zero:
      // the linked returns only need to know the day counted, not the value (it telescopes),
      // so the thousands of such days cost no arithmetic.
      if (previousPositive && !day.prices.some((price) => price.close.isZero())) {
        totalReturn.count();
        priceReturn.count();
        continue;
      }
      const value = ledger.value;
      totalReturn.close(previousPositive, value, ZERO);
      priceReturn.close(previousPositive, value, ZERO);
      previousPositive = value.greaterThan(0);
      continue;
    }

    const dayFlows = ledger.applyDay(day.date, day.activities, day.prices);
    const value = ledger.value;
    const income = dayFlows.dividends.plus(dayFlows.interest);
    const contribution = dayFlows.trades.minus(income);
    totalReturn.close(previousPositive, value, contribution);
    priceReturn.close(previousPositive, value, dayFlows.trades);
    previousPositive = value.greaterThan(0);
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
    timeWeightedReturn: totalReturn.result(endValue),
    timeWeightedPriceReturn: priceReturn.result(endValue),
    moneyWeightedReturn: xirr(flows.map((flow) => ({ day: flow.day, amount: flow.amount.toNumber() }))),
    returnOnAverageInvestment: averageInvestment ? priceGain.dividedBy(averageInvestment) : null,
    missingPrices: missingPrices.sort((a, b) => a.symbol.localeCompare(b.symbol)),
  };
}
