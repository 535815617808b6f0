/** The four benchmark subgraphs by name: their SDL and resolvers. */
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper/resolverMap.js';
import type { DocumentNode } from 'graphql';

export interface BenchSubgraphModule {
  typeDefs: DocumentNode;
  resolvers: GraphQLResolverMap<unknown>;
}

export const BENCH_SUBGRAPH_NAMES = ['accounts', 'inventory', 'products', 'reviews'] as const;
export type BenchSubgraphName = (typeof BENCH_SUBGRAPH_NAMES)[number];
