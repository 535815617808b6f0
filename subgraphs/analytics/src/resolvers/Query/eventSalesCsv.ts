/** `Query.eventSalesCsv`: an event's sales by day as CSV, under the same rule as `Event.sales`. */
import { notFound } from '@platform/service-kit';
import type { QueryResolvers } from '../../__generated__/resolvers-types.js';
import { requireSalesReader } from '../../domain/access.js';
import { toCsv } from '../../domain/csv.js';
import { salesOf } from '../../domain/sales.js';

export const eventSalesCsv: QueryResolvers['eventSalesCsv'] = async (_parent, { eventId }, context) => {
  const facts = await context.eventFacts.load(eventId);
  if (!facts) throw notFound(`No event ${eventId} is known to analytics`);
  requireSalesReader(context, facts);
  const sales = await salesOf(context, facts);
  const currency = sales.revenue?.currencyCode ?? '';
  const rows = sales.byDay.map((day) => [day.date, day.ticketsSold, day.revenue?.amount ?? '', currency]);
  rows.push(['total', sales.ticketsSold, sales.revenue?.amount ?? '', currency]);
  return toCsv(['date', 'tickets_sold', 'revenue', 'currency_code'], rows);
};
