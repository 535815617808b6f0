/** `Mutation.setAvatar`: one of the caller's READY avatar uploads becomes their avatar (idempotent). */
import { requireUserId } from '@platform/service-kit';
import type { MutationResolvers } from '../../__generated__/resolvers-types.js';

export const setAvatar: MutationResolvers['setAvatar'] = async (_parent, { input }, context) => {
  await context.files.setAvatar(context, input.fileId);
  return { user: { id: requireUserId(context) } };
};
