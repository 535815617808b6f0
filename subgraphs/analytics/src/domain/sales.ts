/** An event's figures in the shape the schema gives them: money at its minor unit, occupancy as a fraction. */
import { Decimal, Money } from '@platform/service-kit';
import type { Context } from '../context.js';
import type { EventFacts, SalesFigures } from '../stores/figures-store.js';

export interface MoneyOut {
  amount: string;
  currencyCode: string;
}

export interface EventSalesOut extends Omit<SalesFigures, 'revenue' | 'byDay'> {
  revenue: MoneyOut | null;
  occupancy: number | null;
  byDay: { date: string; ticketsSold: number; revenue: MoneyOut | null }[];
}

const money = (amount: string, currencyCode: string | null): MoneyOut | null =>
  currencyCode === null ? null : Money.of(amount, currencyCode).toJSON();

export async function salesOf(context: Context, event: EventFacts): Promise<EventSalesOut> {
  const figures = await context.figures.sales(event, context.now);
  return {
    ...figures,
    revenue: money(figures.revenue, event.currencyCode),
    // A ratio for display: the float is fine here, unlike money.
    occupancy:
      event.capacity === 0
        ? null
        : new Decimal(figures.ticketsSold).dividedBy(event.capacity).toDecimalPlaces(6).toNumber(),
    byDay: figures.byDay.map((day) => ({ ...day, revenue: money(day.revenue, event.currencyCode) })),
  };
}
