/** `Query.quietHours`: the caller's, or null. */
import { requireUserId } from '@platform/service-kit';
import type { QueryResolvers } from '../../__generated__/resolvers-types.js';
import { recipients } from '../../stores/index.js';

export const quietHours: QueryResolvers['quietHours'] = async (_parent, _args, context) =>
  (await recipients.find(context.db, requireUserId(context)))?.quietHours ?? null;
