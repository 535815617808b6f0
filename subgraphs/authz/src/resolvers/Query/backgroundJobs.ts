/** `Query.backgroundJobs`: one queue's failed or dead-lettered jobs, newest first. */
import { InputProblems, Permission, requirePermission } from '@platform/service-kit';
import type { QueryResolvers } from '../../__generated__/resolvers-types.js';

export const backgroundJobs: QueryResolvers['backgroundJobs'] = async (_parent, args, context) => {
  requirePermission(context, Permission.AuthzJobManage);
  const problems = new InputProblems();
  problems.add(
    'first',
    Number.isInteger(args.first) && args.first >= 1 && args.first <= 500 ? null : 'must be 1 to 500',
  );
  problems.throwIfAny();
  const state = args.state === 'FAILED' ? 'failed' : 'dead_lettered';
  const jobs = await context.backgroundJobs.jobs(args.service, args.queue, state, args.first, context.requestId);
  return jobs.map((job) => ({
    id: job.id,
    service: job.service,
    queue: job.queue,
    state: args.state,
    data: JSON.stringify(job.data),
    retryCount: job.retryCount,
    error: job.error === null ? null : JSON.stringify(job.error),
    createdAt: job.createdAt,
  }));
};
