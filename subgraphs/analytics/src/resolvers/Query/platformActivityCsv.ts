/** `Query.platformActivityCsv`: `platformActivity` as CSV, one line per day and currency. */
import { Permission, requirePermission } from '@platform/service-kit';
import type { QueryResolvers } from '../../__generated__/resolvers-types.js';
import { toCsv } from '../../domain/csv.js';
import { checkPeriod } from '../../domain/periods.js';

export const platformActivityCsv: QueryResolvers['platformActivityCsv'] = async (_parent, args, context) => {
  requirePermission(context, Permission.AnalyticsPlatformRead);
  checkPeriod(args);
  const days = await context.figures.platformDays(args.from, args.to, args.timeZone);
  const rows = days.flatMap((day) => {
    const counts = [day.date, day.registrations, day.activeUsers, day.bookings];
    // A day without revenue still gets its line; a day in two currencies gets two.
    return day.revenue.length === 0
      ? [[...counts, '', '']]
      : day.revenue.map((amount) => [...counts, amount.amount, amount.currencyCode]);
  });
  return toCsv(['date', 'registrations', 'active_users', 'bookings', 'revenue', 'currency_code'], rows);
};
