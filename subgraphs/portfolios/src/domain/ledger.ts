/**
 * The ledger: a portfolio's activities and its owner's prices replayed day by day, in exact
 * decimals. Everything derived (holdings, cost basis, realized gains, values, cash flows)
 * comes from here, so holdings and performance can never disagree.
 *
 * Rules (also in the schema's documentation and the README):
 * - Activities of one day apply in the order they were recorded; a day's value is taken at its
 *   close, after that day's activities (cash flows happen at the close).
 * - The price of a symbol on a day is the latest observation on or before it: a recorded
 *   price (close or NAV), else the unit price of a BUY or SELL of that day (a trade is a real
 *   price); a recorded price wins over a trade of the same day.
 * - BUY adds quantity and costs quantity × unit price + fee (rounded to the currency's minor
 *   unit: that is what was paid). SELL removes quantity and brings quantity × unit price − fee;
 *   its realized gain is that minus the cost basis of the units sold (average cost, or the
 *   oldest lots first under FIFO). DIVIDEND and INTEREST bring quantity × unit price − fee;
 *   FEE costs quantity × unit price + fee. SPLIT multiplies the quantity by its ratio (the
 *   activity's quantity) and divides the unit cost and the last price by it; the cost basis stays.
 */
import { Decimal, Money } from '@platform/service-kit';

export type ActivityType = 'BUY' | 'SELL' | 'DIVIDEND' | 'FEE' | 'INTEREST' | 'SPLIT';
export type CostBasisMethod = 'AVERAGE' | 'FIFO';

export interface LedgerActivity {
  type: ActivityType;
  symbol: string;
  quantity: Decimal;
  unitPrice: Decimal;
  fee: Decimal;
  occurredOn: string;
}

export interface PricePoint {
  symbol: string;
  date: string;
  close: Decimal;
}

interface Lot {
  quantity: Decimal;
  cost: Decimal;
}

export interface Position {
  symbol: string;
  quantity: Decimal;
  /** What the units held cost, fees included. */
  costBasis: Decimal;
  /** FIFO only: the open lots, oldest first. */
  lots: Lot[];
  realizedGain: Decimal;
  lastPrice: Decimal | null;
  lastPriceOn: string | null;
  /** `quantity × lastPrice` as of the ledger's last `value`, kept so the value updates by difference. */
  marketValue: Decimal;
}

/** What one day's activities moved in or out of the portfolio, in the base currency. */
export interface DayFlows {
  /** BUY costs and FEE costs minus SELL proceeds: money the investor put in (negative: took out). */
  trades: Decimal;
  dividends: Decimal;
  interest: Decimal;
  fees: Decimal;
}

const ZERO = new Decimal(0);

/** The sale that would sell more than was held at that point. */
export interface Oversale {
  index: number;
  symbol: string;
  occurredOn: string;
  held: Decimal;
  selling: Decimal;
}

export class Ledger {
  readonly positions = new Map<string, Position>();
  private total = ZERO;
  /** Positions whose price or quantity changed since `total` was last brought up to date. */
  private readonly stale = new Set<Position>();
  /** Σ cost bases of the positions. */
  costBasis = ZERO;

  constructor(
    private readonly method: CostBasisMethod,
    private readonly currencyCode: string,
  ) {}

  /**
   * Σ market values: the portfolio's value at the last applied close. Brought up to date when
   * asked (by difference, for the positions that changed), so the thousands of days with only
   * a new price cost no arithmetic until someone needs the value.
   */
  get value(): Decimal {
    for (const position of this.stale) {
      const marketValue = position.lastPrice ? position.quantity.times(position.lastPrice) : ZERO;
      this.total = this.total.plus(marketValue.minus(position.marketValue));
      position.marketValue = marketValue;
    }
    this.stale.clear();
    return this.total;
  }

  position(symbol: string): Position {
    let position = this.positions.get(symbol);
    if (!position) {
      position = {
        symbol,
        quantity: ZERO,
        costBasis: ZERO,
        lots: [],
        realizedGain: ZERO,
        lastPrice: null,
        lastPriceOn: null,
        marketValue: ZERO,
      };
      this.positions.set(symbol, position);
    }
    return position;
  }

  /** Applies one day: its activities in order, then its recorded prices; returns the day's flows. */
  applyDay(date: string, activities: readonly LedgerActivity[], prices: readonly PricePoint[]): DayFlows {
    const flows: DayFlows = { trades: ZERO, dividends: ZERO, interest: ZERO, fees: ZERO };
    for (const activity of activities) {
      const position = this.position(activity.symbol);
      this.stale.add(position);
      this.apply(activity, position, flows, date);
    }
    for (const price of prices) {
      const position = this.position(price.symbol);
      position.lastPrice = price.close;
      position.lastPriceOn = date;
      this.stale.add(position);
    }
    return flows;
  }

  private apply(activity: LedgerActivity, position: Position, flows: DayFlows, date: string): void {
    const gross = activity.quantity.times(activity.unitPrice);
    switch (activity.type) {
      case 'BUY': {
        const cost = this.paid(gross.plus(activity.fee));
        position.quantity = position.quantity.plus(activity.quantity);
        position.costBasis = position.costBasis.plus(cost);
        this.costBasis = this.costBasis.plus(cost);
        if (this.method === 'FIFO') position.lots.push({ quantity: activity.quantity, cost });
        this.observe(position, activity.unitPrice, date);
        flows.trades = flows.trades.plus(cost);
        flows.fees = flows.fees.plus(activity.fee);
        return;
      }
      case 'SELL': {
        const proceeds = this.paid(gross.minus(activity.fee));
        const removed = this.removeCost(position, activity.quantity);
        position.quantity = position.quantity.minus(activity.quantity);
        position.costBasis = position.costBasis.minus(removed);
        this.costBasis = this.costBasis.minus(removed);
        position.realizedGain = position.realizedGain.plus(proceeds.minus(removed));
        this.observe(position, activity.unitPrice, date);
        flows.trades = flows.trades.minus(proceeds);
        flows.fees = flows.fees.plus(activity.fee);
        return;
      }
      case 'DIVIDEND':
        flows.dividends = flows.dividends.plus(this.paid(gross.minus(activity.fee)));
        flows.fees = flows.fees.plus(activity.fee);
        return;
      case 'INTEREST':
        flows.interest = flows.interest.plus(this.paid(gross.minus(activity.fee)));
        flows.fees = flows.fees.plus(activity.fee);
        return;
      case 'FEE': {
        const cost = this.paid(gross.plus(activity.fee));
        flows.trades = flows.trades.plus(cost);
        flows.fees = flows.fees.plus(cost);
        return;
      }
      case 'SPLIT': {
        const ratio = activity.quantity;
        position.quantity = position.quantity.times(ratio);
        for (const lot of position.lots) lot.quantity = lot.quantity.times(ratio);
        // The last price was observed in old units (a price recorded on the split day applies after it).
        if (position.lastPrice) position.lastPrice = position.lastPrice.dividedBy(ratio);
        return;
      }
    }
  }

  /** An amount actually paid or received: rounded to the currency's minor unit. */
  private paid(amount: Decimal): Decimal {
    return Money.of(amount, this.currencyCode).amount;
  }

  private observe(position: Position, unitPrice: Decimal, date: string): void {
    position.lastPrice = unitPrice;
    position.lastPriceOn = date;
  }

  /** The cost basis of `quantity` units leaving the position (callers checked it is held). */
  private removeCost(position: Position, quantity: Decimal): Decimal {
    if (position.quantity.isZero()) return ZERO;
    if (this.method === 'AVERAGE') {
      return quantity.equals(position.quantity)
        ? position.costBasis
        : position.costBasis.times(quantity).dividedBy(position.quantity);
    }
    let remaining = quantity;
    let removed = ZERO;
    while (remaining.greaterThan(0) && position.lots.length > 0) {
      const lot = position.lots[0]!;
      if (lot.quantity.lessThanOrEqualTo(remaining)) {
        removed = removed.plus(lot.cost);
        remaining = remaining.minus(lot.quantity);
        position.lots.shift();
      } else {
        const part = lot.cost.times(remaining).dividedBy(lot.quantity);
        removed = removed.plus(part);
        lot.cost = lot.cost.minus(part);
        lot.quantity = lot.quantity.minus(remaining);
        remaining = ZERO;
      }
    }
    return removed;
  }
}

/** Activities grouped by day, in order; prices grouped by day. Both inputs sorted by date. */
export function* days(
  activities: readonly LedgerActivity[],
  prices: readonly PricePoint[],
): Generator<{ date: string; activities: LedgerActivity[]; prices: PricePoint[] }> {
  let a = 0;
  let p = 0;
  while (a < activities.length || p < prices.length) {
    const nextActivity = activities[a]?.occurredOn;
    const nextPrice = prices[p]?.date;
    const date =
      nextActivity === undefined
        ? nextPrice!
        : nextPrice === undefined || nextActivity <= nextPrice
          ? nextActivity
          : nextPrice;
    const dayActivities: LedgerActivity[] = [];
    const dayPrices: PricePoint[] = [];
    while (a < activities.length && activities[a]!.occurredOn === date) dayActivities.push(activities[a++]!);
    while (p < prices.length && prices[p]!.date === date) dayPrices.push(prices[p++]!);
    yield { date, activities: dayActivities, prices: dayPrices };
  }
}

/** The ledger at the close of `asOf`. */
export function ledgerAsOf(
  method: CostBasisMethod,
  currencyCode: string,
  activities: readonly LedgerActivity[],
  prices: readonly PricePoint[],
  asOf: string,
): Ledger {
  const ledger = new Ledger(method, currencyCode);
  for (const day of days(activities, prices)) {
    if (day.date > asOf) break;
    ledger.applyDay(day.date, day.activities, day.prices);
  }
  return ledger;
}

/** The first sale (in ledger order) that sells more of its symbol than is held at that point, or null. */
export function findOversale(activities: readonly LedgerActivity[]): Oversale | null {
  const held = new Map<string, Decimal>();
  for (const [index, activity] of activities.entries()) {
    const quantity = held.get(activity.symbol) ?? ZERO;
    if (activity.type === 'BUY') held.set(activity.symbol, quantity.plus(activity.quantity));
    else if (activity.type === 'SPLIT') held.set(activity.symbol, quantity.times(activity.quantity));
    else if (activity.type === 'SELL') {
      if (activity.quantity.greaterThan(quantity)) {
        return {
          index,
          symbol: activity.symbol,
          occurredOn: activity.occurredOn,
          held: quantity,
          selling: activity.quantity,
        };
      }
      held.set(activity.symbol, quantity.minus(activity.quantity));
    }
  }
  return null;
}
