/**
 * Federated subscriptions on the stock `@apollo/gateway`, which plans them but refuses to
 * execute them ("Execution of subscriptions not supported by gateway").
 *
 * The planner turns a subscription into `SubscriptionNode { primary, rest }`: `primary` is
 * the subscription sent to the subgraph owning the root field (over graphql-ws, see
 * `upstream.ts`); `rest` fetches the remaining fields of each event from other subgraphs
 * (entity fetches). Each event is executed with the gateway's own `executeQueryPlan`, as the
 * query plan `Sequence [primary', rest]` where `primary'` is the primary fetch re-addressed to
 * a data source that answers with the event itself. Everything after it (representations,
 * `_entities` fetches with the gateway proof, merging, error paths, result shaping against the
 * operation) is `@apollo/gateway`'s own code.
 *
 * This reads `ApolloGateway` internals through `../apollo-gateway-internals.ts`.
 */
import { buildOperationContext, executeQueryPlan, type ApolloGateway, type ServiceMap } from '@apollo/gateway';
import { operationFromDocument, type Schema } from '@apollo/federation-internals';
import type { FetchNode, PlanNode, QueryPlan } from '@apollo/query-planner';
import type { GatewayExecutionResult, GatewayGraphQLRequestContext } from '@apollo/server-gateway-interface';
import type { DocumentNode, GraphQLSchema } from 'graphql';
import type { FormattedExecutionResult } from 'graphql-ws';
import { internalsOf } from '../apollo-gateway-internals.js';

export interface SubscriptionPlan {
  /** The subscription to open on the subgraph that owns the root field. */
  primary: FetchNode;
  /** What each event still needs from other subgraphs; absent when the primary has it all. */
  rest: PlanNode | undefined;
  operationContext: ReturnType<typeof buildOperationContext>;
  apiSchema: Schema;
  supergraphSchema: GraphQLSchema;
}

class NotASubscriptionPlanError extends Error {}

/** Plans a (validated, already authorized) subscription with the gateway's query planner. */
export function planSubscription(
  gateway: ApolloGateway,
  document: DocumentNode,
  operationName: string | null,
): SubscriptionPlan {
  const internals = internalsOf(gateway);
  const { schema, apiSchema, supergraphSchema, queryPlanner } = internals;
  if (!schema || !apiSchema || !supergraphSchema || !queryPlanner) {
    throw new Error('The gateway has not loaded a supergraph yet');
  }
  const operation = operationFromDocument(apiSchema, document, {
    ...(operationName ? { operationName } : {}),
    validate: false,
  });
  const plan = queryPlanner.buildQueryPlan(operation);
  if (plan.node?.kind !== 'Subscription') {
    throw new NotASubscriptionPlanError(`expected a Subscription plan, got ${plan.node?.kind ?? 'none'}`);
  }
  return {
    primary: plan.node.primary,
    rest: plan.node.rest,
    operationContext: buildOperationContext({
      schema,
      operationDocument: document,
      ...(operationName ? { operationName } : {}),
    }),
    apiSchema,
    supergraphSchema,
  };
}

/** The name under which the event is "fetched" in the per-event plan. */
const EVENT_SOURCE = '__subscription_event__';

/**
 * One event, completed and shaped: the primary fetch answers with the event; `rest` runs
 * against the gateway's data sources (the proof signed for `requestContext.context.caller`).
 */
export async function executeEvent(
  gateway: ApolloGateway,
  plan: SubscriptionPlan,
  event: FormattedExecutionResult,
  requestContext: GatewayGraphQLRequestContext,
): Promise<GatewayExecutionResult> {
  const eventFetch: FetchNode = { ...plan.primary, serviceName: EVENT_SOURCE };
  const node: PlanNode = plan.rest ? { kind: 'Sequence', nodes: [eventFetch, plan.rest] } : eventFetch;
  const queryPlan: QueryPlan = { kind: 'QueryPlan', node };
  const serviceMap: ServiceMap = Object.create(null) as ServiceMap;
  for (const [name, { dataSource }] of Object.entries(internalsOf(gateway).serviceMap)) serviceMap[name] = dataSource;
  serviceMap[EVENT_SOURCE] = {
    process: async () => ({
      data: event.data ?? null,
      ...(event.errors ? { errors: event.errors } : {}),
    }),
  };
  return executeQueryPlan(
    queryPlan,
    serviceMap,
    requestContext,
    plan.operationContext,
    plan.supergraphSchema,
    plan.apiSchema,
  );
}
