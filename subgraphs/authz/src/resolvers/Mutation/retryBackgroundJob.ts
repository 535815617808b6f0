/** `Mutation.retryBackgroundJob`: a dead letter back to its queue, or a failed job retried. */
import { InputProblems, Permission, requirePermission } from '@platform/service-kit';
import type { MutationResolvers } from '../../__generated__/resolvers-types.js';
import { isUuid } from '../../domain/ids.js';

export const retryBackgroundJob: MutationResolvers['retryBackgroundJob'] = async (_parent, args, context) => {
  requirePermission(context, Permission.AuthzJobManage);
  const problems = new InputProblems();
  problems.add('id', isUuid(args.id) ? null : 'must be a job id (a UUID)');
  problems.throwIfAny();
  await context.backgroundJobs.retry(args.service, args.queue, args.id, context.requestId);
  context.logger.info({ service: args.service, queue: args.queue, jobId: args.id }, 'background job retried');
  return { id: args.id, service: args.service, queue: args.queue };
};
