/** `MediaFile`: a file row; its URL exists once it is READY. */
import type { MediaFileResolvers } from '../__generated__/resolvers-types.js';

export const MediaFile: MediaFileResolvers = {
  // Only the owner may see a file's details, as with `Query.mediaFile`.
  __resolveReference: async (reference, context) => {
    const file = await context.files.files.findById(reference.id);
    return file && file.ownerId === context.caller.userId ? file : null;
  },
  url: (file, _args, context) => context.files.urlOf(file),
};
