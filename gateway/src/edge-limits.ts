/**
 * The limits that need the resolved operation and its variables, for HTTP (an Apollo Server
 * plugin, at `didResolveOperation`: after parsing and validation, before the gateway plans)
 * and graphql-ws (`checkOperation`, called by subscriptions/index.ts at the same point): the
 * cost limit (operation-cost.ts), then the expensive-operation budget (rate-limits.ts). Every
 * HTTP response counted against a rate limit carries the `RateLimit` fields.
 */
import type { ApolloServerPlugin } from '@apollo/server';
import {
  GraphQLError,
  Kind,
  OperationTypeNode,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLSchema,
  type OperationDefinitionNode,
} from 'graphql';
import type { GatewayContext } from './context.js';
import { operationCost, rootFieldsOf, type CostModel } from './operation-cost.js';
import { operationLimitError, type OperationLimits } from './operation-limits.js';
import {
  EXPENSIVE_FIELD_WEIGHT,
  rateLimitedError,
  rateLimitHeaders,
  type RateLimits,
  type RateLimitState,
  type RateLimitSubject,
} from './rate-limits.js';

export interface EdgeLimitsOptions {
  /** The cost model of the supergraph being served (it changes when the supergraph reloads). */
  costModel: () => CostModel;
  /** Null when `OPERATION_LIMITS=false`: no cost limit. */
  limits: OperationLimits | null;
  /** Null when `RATE_LIMITS=false`. */
  rateLimits: RateLimits | null;
}

export interface ResolvedOperation {
  schema: GraphQLSchema;
  document: DocumentNode;
  operation: OperationDefinitionNode;
  variables: Record<string, unknown> | undefined;
}

/** How many of the operation's root fields are expensive mutations (each alias counts). */
export function expensiveOperationCount(model: CostModel, resolved: ResolvedOperation): number {
  const mutation = resolved.schema.getMutationType();
  if (resolved.operation.operation !== OperationTypeNode.MUTATION || !mutation) return 0;
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of resolved.document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  }
  return rootFieldsOf(resolved.operation, fragments).filter(
    (field) => (model.fieldWeights.get(`${mutation.name}.${field}`) ?? 0) >= EXPENSIVE_FIELD_WEIGHT,
  ).length;
}

/** The subject a caller's requests count against (an address the socket did not give counts as one). */
function rateLimitSubjectOf(context: Pick<GatewayContext, 'client' | 'caller'>): RateLimitSubject {
  return { client: context.client.ip ?? 'unknown', userId: context.caller.userId };
}

export interface EdgeLimits {
  plugin: ApolloServerPlugin<GatewayContext>;
  /**
   * The cost refusal, then the expensive-operation budget: an error to refuse the operation
   * with, or the rate-limit states it was counted against.
   */
  checkOperation: (
    resolved: ResolvedOperation,
    subject: RateLimitSubject,
  ) => Promise<{ refusal: GraphQLError | null; states: readonly RateLimitState[] }>;
}

export function createEdgeLimits(options: EdgeLimitsOptions): EdgeLimits {
  const { limits, rateLimits } = options;
  // Without variables an operation's cost never changes, and Apollo Server hands back the same
  // parsed document for the same text: a hot query is priced once per supergraph, not per request.
  const costs = new WeakMap<CostModel, WeakMap<OperationDefinitionNode, number>>();
  const costOf = (model: CostModel, resolved: ResolvedOperation): number => {
    if (resolved.operation.variableDefinitions?.length) return operationCost(model, resolved);
    let known = costs.get(model);
    if (!known) costs.set(model, (known = new WeakMap()));
    let cost = known.get(resolved.operation);
    if (cost === undefined) known.set(resolved.operation, (cost = operationCost(model, resolved)));
    return cost;
  };

  const checkOperation: EdgeLimits['checkOperation'] = async (resolved, subject) => {
    const model = options.costModel();
    if (limits && costOf(model, resolved) > limits.cost) {
      return { refusal: operationLimitError('cost', limits), states: [] };
    }
    if (!rateLimits) return { refusal: null, states: [] };
    const decision = await rateLimits.expensive(subject, expensiveOperationCount(model, resolved));
    const refusal =
      decision.retryAfterSeconds === null ? null : rateLimitedError(decision.retryAfterSeconds, 'expensive operations');
    return { refusal, states: decision.states };
  };

  const plugin: ApolloServerPlugin<GatewayContext> = {
    async requestDidStart() {
      let expensiveStates: readonly RateLimitState[] = [];
      let retryAfter: number | null = null;
      return {
        async didResolveOperation(requestContext) {
          if (!requestContext.operation) return;
          const { refusal, states } = await checkOperation(
            {
              schema: requestContext.schema,
              document: requestContext.document,
              operation: requestContext.operation,
              variables: requestContext.request.variables,
            },
            rateLimitSubjectOf(requestContext.contextValue),
          );
          expensiveStates = states;
          if (!refusal) return;
          const refusedFor = refusal.extensions.retryAfter;
          retryAfter = typeof refusedFor === 'number' ? refusedFor : null;
          // A whole-operation refusal: 400 for the cost, 429 (with Retry-After) for the budget.
          throw new GraphQLError(refusal.message, {
            extensions: { ...refusal.extensions, http: { status: retryAfter === null ? 400 : 429 } },
          });
        },
        async willSendResponse(requestContext) {
          const { headers } = requestContext.response.http;
          const states = [...(requestContext.contextValue.rateLimitStates ?? []), ...expensiveStates];
          for (const [name, value] of Object.entries(rateLimitHeaders(states))) headers.set(name, value);
          if (retryAfter !== null) headers.set('retry-after', String(retryAfter));
        },
      };
    },
  };
  return { plugin, checkOperation };
}
