/** `Query.searchEvents`: upcoming published events (and the caller's drafts when asked and allowed). */
import { encodePosition, searchRequestOf } from '../../domain/request.js';
import type { QueryResolvers } from '../../__generated__/resolvers-types.js';

export const searchEvents: QueryResolvers['searchEvents'] = async (_parent, { query, first, after }, context) => {
  const request = searchRequestOf(query, first, after, context, new Date());
  const result = await context.engine.search(request);
  const edges = result.hits.map((hit) => ({
    cursor: encodePosition({ score: hit.score, startsAt: hit.startsAt, id: hit.id }),
    score: Number(hit.score),
    highlight: hit.highlight,
    distanceKm: hit.distanceKm,
    node: { id: hit.id },
  }));
  return {
    totalCount: result.totalCount,
    facets: result.facets,
    edges,
    pageInfo: { hasNextPage: result.hasNextPage, endCursor: edges.at(-1)?.cursor ?? null },
  };
};
