/** `Mutation.createUpload`: a PENDING file of the caller and the signed URL to PUT its bytes to. */
import type { MutationResolvers } from '../../__generated__/resolvers-types.js';

export const createUpload: MutationResolvers['createUpload'] = async (_parent, { input }, context) =>
  context.files.createUpload(context, input);
