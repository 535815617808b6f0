/** Fields of `Portfolio` derived from its book (activities and prices), and entity resolution. */
import { calendarDateIn, InputProblems, requireUserId } from '@platform/service-kit';
import type { PortfolioResolvers } from '../__generated__/resolvers-types.js';

/** Without `asOf`, a holding is valued at today's date in UTC (explicitly not the server's zone). */
const todayUtc = () => calendarDateIn(new Date(), 'UTC');

export const Portfolio: PortfolioResolvers = {
  // Only the owner sees a portfolio, through the gateway's references too.
  __resolveReference: async (reference, context) => {
    const userId = requireUserId(context);
    const found = await context.portfolioById.load(reference.id);
    return found && found.ownerId === userId ? found : null;
  },
  activities: async (portfolio, _args, context) => (await context.bookOf(portfolio)).activities,
  holdings: async (portfolio, { asOf }, context) => (await context.bookOf(portfolio)).holdings(asOf ?? todayUtc()),
  value: async (portfolio, { asOf }, context) => (await context.bookOf(portfolio)).value(asOf ?? todayUtc()),
  performance: async (portfolio, { from, to }, context) => {
    const problems = new InputProblems();
    problems.add('from', from > to ? `must not be after to (${to})` : null);
    problems.throwIfAny();
    const performance = (await context.bookOf(portfolio)).performance(from, to);
    return { ...performance, currencyCode: portfolio.baseCurrencyCode };
  },
};
