/** `Query.me`: the signed-in user. */
import { requireUserId } from '@platform/service-kit';
import type { QueryResolvers } from '../../__generated__/resolvers-types.js';

export const me: QueryResolvers['me'] = async (_parent, _args, context) =>
  context.userById.load(requireUserId(context));
