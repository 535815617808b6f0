/**
 * Enforces the supergraph's authorization directives around `@apollo/gateway`, before
 * query planning, the way Apollo Router does: the operation is filtered for the caller,
 * so no subgraph is asked for a field the caller may not see; the response gets `null`
 * plus an `UNAUTHORIZED_FIELD_OR_TYPE` error at each removed path. `reject` fails the whole
 * operation instead; `dry_run` executes it unchanged and only logs what it would remove.
 * What is authorized, and how denials are reported, is `authorization-enforcement.ts`
 * (shared with subscriptions); this only executes the decision.
 *
 * Apollo Server talks to this object as to any gateway; only the executor is wrapped.
 *
 * The plans run on the gateway's own executor (`execution/`), or on @apollo/gateway's with
 * `QUERY_PLAN_EXECUTOR=apollo`.
 *
 * Tracing: the operation runs in a span named after it (`mutation ConfirmBooking`: its type,
 * name and document hash, never its variables), with authorization as a child span beside
 * the executor's `gateway.plan` and `gateway.fetch` spans (@apollo/gateway's own, with
 * `gateway.request`, when its executor runs).
 */
import type { ApolloGateway } from '@apollo/gateway';
import type {
  GatewayExecutor,
  GatewayGraphQLRequestContext,
  GatewayInterface,
  GatewayLoadResult,
} from '@apollo/server-gateway-interface';
import { getOperationAST, type GraphQLError } from 'graphql';
import { applyRemovals, rejectResult } from './authorization/index.js';
import type { AuthorizationEnforcer } from './authorization-enforcement.js';
import type { GatewayContext } from './context.js';
import { inSpan, serviceTracer } from '@platform/service-kit/telemetry';
import { createQueryPlanExecutor } from './execution/executor.js';

const tracer = serviceTracer('gateway');

export interface AuthorizingGatewayOptions {
  inner: ApolloGateway;
  enforcer: AuthorizationEnforcer;
  /** Which executor runs the query plans of queries and mutations (`QUERY_PLAN_EXECUTOR`, default platform). */
  queryPlanExecutor?: 'platform' | 'apollo';
}

export class AuthorizingGateway implements GatewayInterface {
  constructor(private readonly options: AuthorizingGatewayOptions) {}

  async load(options: Parameters<GatewayInterface['load']>[0]): Promise<GatewayLoadResult> {
    const loaded = await this.options.inner.load(options);
    const apollo = loaded.executor;
    if (!apollo) return loaded;
    const inner =
      this.options.queryPlanExecutor !== 'apollo'
        ? createQueryPlanExecutor({ gateway: this.options.inner, fallback: apollo })
        : apollo;
    return { ...loaded, executor: this.wrap(inner) };
  }

  onSchemaLoadOrUpdate(callback: Parameters<GatewayInterface['onSchemaLoadOrUpdate']>[0]) {
    return this.options.inner.onSchemaLoadOrUpdate(callback);
  }

  stop(): Promise<void> {
    return this.options.inner.stop();
  }

  private wrap(inner: GatewayExecutor): GatewayExecutor {
    return (requestContext) => {
      const operationType = requestContext.operation.operation;
      const operationName = requestContext.operationName ?? null;
      return inSpan(
        tracer,
        operationName ? `${operationType} ${operationName}` : operationType,
        {
          attributes: {
            'graphql.operation.type': operationType,
            ...(operationName ? { 'graphql.operation.name': operationName } : {}),
            // Apollo Server's hash of the operation text: names the document, never shows it.
            'graphql.document.hash': requestContext.queryHash,
          },
        },
        () => this.execute(inner, requestContext, operationName),
      );
    };
  }

  private async execute(
    inner: GatewayExecutor,
    requestContext: GatewayGraphQLRequestContext,
    operationName: string | null,
  ): ReturnType<GatewayExecutor> {
    const { schema, document } = requestContext;
    const decision = await inSpan(tracer, 'gateway.authorize', {}, async (span) => {
      const made = await this.options.enforcer.authorize({
        schema,
        document,
        operationName,
        variables: requestContext.request.variables ?? null,
        operationType: requestContext.operation.operation,
        // Apollo Server's hash of the operation text the client sent.
        operationHash: requestContext.queryHash,
        context: requestContext.context as GatewayContext,
      });
      span.setAttribute('platform.authorization.rejected', made.rejected === true);
      span.setAttribute('platform.authorization.removed_fields', made.removed.length);
      return made;
    });
    const { outcome } = decision;
    if (!outcome) return inner(requestContext);
    if (decision.rejected) return rejectResult(decision.removed);
    if (!outcome.changed) return applyRemovals(await inner(requestContext), outcome, schema);

    // Plan and execute the filtered document under its own hash, so the plan cache never
    // serves one caller's filtered plan to another.
    const filtered = {
      ...requestContext,
      document: outcome.document,
      source: outcome.query!,
      queryHash: outcome.queryHash!,
      operation: getOperationAST(outcome.document, operationName) ?? requestContext.operation,
    } as GatewayGraphQLRequestContext;
    const result = await inner(filtered);
    return applyRemovals(
      result as { data?: Record<string, unknown> | null; errors?: readonly GraphQLError[] },
      outcome,
      schema,
    );
  }
}
