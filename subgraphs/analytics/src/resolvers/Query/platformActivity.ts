/** `Query.platformActivity`: registrations, active users, bookings and revenue per day, for analytics admins. */
import { Permission, requirePermission } from '@platform/service-kit';
import type { QueryResolvers } from '../../__generated__/resolvers-types.js';
import { checkPeriod } from '../../domain/periods.js';

export const platformActivity: QueryResolvers['platformActivity'] = async (_parent, args, context) => {
  requirePermission(context, Permission.AnalyticsPlatformRead);
  checkPeriod(args);
  return context.figures.platformDays(args.from, args.to, args.timeZone);
};
