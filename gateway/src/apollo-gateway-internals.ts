/**
 * The parts of `ApolloGateway` that are private in its typings but that the gateway's own
 * query-plan executor (`execution/`) and federated subscriptions (`subscriptions/`) read: the
 * schemas, the query planner and the data sources of the loaded supergraph. @apollo/gateway is
 * pinned (2.14.4); `gateway/test/execution` and `gateway/test/subscriptions` exercise these.
 */
import type { ApolloGateway, GraphQLDataSource } from '@apollo/gateway';
import type { Schema } from '@apollo/federation-internals';
import type { QueryPlanner } from '@apollo/query-planner';
import type { GraphQLSchema } from 'graphql';

interface GatewayInternals {
  schema?: GraphQLSchema;
  apiSchema?: Schema;
  supergraphSchema?: GraphQLSchema;
  queryPlanner?: QueryPlanner;
  serviceMap: Record<string, { url?: string; dataSource: GraphQLDataSource }>;
}

export function internalsOf(gateway: ApolloGateway): GatewayInternals {
  return gateway as unknown as GatewayInternals;
}

/** The API schema the gateway serves (graphql-js), once a supergraph is loaded. */
export function apiSchemaOf(gateway: ApolloGateway): GraphQLSchema | undefined {
  return internalsOf(gateway).schema;
}

/** The subgraph URL the supergraph names for `subgraph` (before `SUBGRAPH_URLS` overrides). */
export function supergraphUrlOf(gateway: ApolloGateway, subgraph: string): string | undefined {
  return internalsOf(gateway).serviceMap[subgraph]?.url;
}
