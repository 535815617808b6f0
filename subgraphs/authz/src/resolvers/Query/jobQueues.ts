/** `Query.jobQueues`: every administered service's job queues with their counts. */
import { Permission, requirePermission } from '@platform/service-kit';
import type { QueryResolvers } from '../../__generated__/resolvers-types.js';

export const jobQueues: QueryResolvers['jobQueues'] = async (_parent, _args, context) => {
  requirePermission(context, Permission.AuthzJobManage);
  const queues = await context.backgroundJobs.queues(context.requestId);
  return queues.map(({ queue, schedule, ...counts }) => ({
    ...counts,
    name: queue,
    schedule: schedule && { cron: schedule.cron, timeZone: schedule.tz, missedRuns: schedule.missed },
  }));
};
