/** `Query.posts`: published posts, newest first, then by id; keyset-paginated, optionally by tag. */
import { decodeCursor, encodeCursor, pageSize } from '../../domain/pages.js';
import { tagFilter } from '../../domain/rules.js';
import type { QueryResolvers } from '../../__generated__/resolvers-types.js';

export const posts: QueryResolvers['posts'] = async (_parent, { first, after, tag }, context) => {
  const size = pageSize(first);
  const rows = await context.stores.posts.publishedPage({
    tag: tagFilter(tag),
    after: decodeCursor(after),
    limit: size + 1,
  });
  const page = rows.slice(0, size);
  const edges = page.map((node) => ({ cursor: encodeCursor(node.publishedAt!, node.id), node }));
  return { edges, pageInfo: { hasNextPage: rows.length > size, endCursor: edges.at(-1)?.cursor ?? null } };
};
