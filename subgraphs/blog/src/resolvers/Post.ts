/** `Post`: its rendered content, its author as an entity reference, and references from other subgraphs. */
import { renderContent } from '../domain/content.js';
import { canSee } from '../domain/access.js';
import type { PostResolvers } from '../__generated__/resolvers-types.js';

export const Post: PostResolvers = {
  __resolveReference: async (reference, context) => {
    const post = await context.postById.load(reference.id);
    return post && canSee(context, post) ? post : null;
  },
  contentHtml: (post) => renderContent(post.content),
  author: (post) => ({ id: post.authorId }),
};
