/** `Query.mediaFile`: one of the caller's own files; null for anyone else's (no existence oracle). */
import { requireUserId } from '@platform/service-kit';
import { isUuid } from '../../domain/files.js';
import type { QueryResolvers } from '../../__generated__/resolvers-types.js';

export const mediaFile: QueryResolvers['mediaFile'] = async (_parent, { id }, context) => {
  const userId = requireUserId(context);
  const file = isUuid(id) ? await context.files.files.findById(id.toLowerCase()) : undefined;
  return file?.ownerId === userId ? file : null;
};
