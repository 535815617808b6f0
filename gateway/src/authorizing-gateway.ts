/**
 * Enforces the supergraph's authorization directives around `@apollo/gateway`, before
 * query planning, the way Apollo Router does: the operation is filtered for the caller,
 * so no subgraph is asked for a field the caller may not see; the response gets `null`
 * plus an `UNAUTHORIZED_FIELD_OR_TYPE` error at each removed path. `reject` fails the whole
 * operation instead; `dry_run` executes it unchanged and only logs what it would remove.
 *
 * Apollo Server talks to this object as to any gateway; only the executor is wrapped.
 */
import type { ApolloGateway } from '@apollo/gateway';
import type {
  GatewayExecutor,
  GatewayGraphQLRequestContext,
  GatewayInterface,
  GatewayLoadResult,
} from '@apollo/server-gateway-interface';
import { getOperationAST, type GraphQLError } from 'graphql';
import type { Logger } from '@platform/service-kit';
import { Counter, type Registry } from 'prom-client';
import {
  applyRemovals,
  authorizeOperation,
  evaluatePolicies,
  policiesReferenced,
  rejectResult,
  type AuthorizationMode,
  type AuthorizationRequirements,
  type PolicyRegistry,
  type RemovedSelection,
} from './authorization/index.js';
import type { GatewayContext } from './context.js';

export interface AuthorizationState {
  /** Read from the supergraph the gateway serves; replaced when the supergraph reloads. */
  requirements: AuthorizationRequirements | null;
}

export interface AuthorizingGatewayOptions {
  inner: ApolloGateway;
  state: AuthorizationState;
  /** null: enforcement off (measuring its cost); subgraphs still check. */
  mode: AuthorizationMode | null;
  policies: PolicyRegistry;
  logger: Logger;
  registry: Registry;
  /** Told of every denial (who was denied which fields of which operation), e.g. for audit. */
  onDenied?: (denial: AuthorizationDenial) => void;
}

export interface AuthorizationDenial {
  requestId: string;
  userId: string | null;
  operationName: string | null;
  operationType: 'query' | 'mutation' | 'subscription';
  /** SHA-256 (hex) of the operation document as the client sent it. */
  operationHash: string;
  client: { ip: string | null; userAgent: string | null };
  mode: AuthorizationMode | 'off';
  removed: readonly RemovedSelection[];
}

const NO_POLICIES: ReadonlySet<string> = new Set();

export class AuthorizingGateway implements GatewayInterface {
  private readonly denials: Counter<'mode'>;
  private readonly unknownPoliciesLogged = new Set<string>();

  constructor(private readonly options: AuthorizingGatewayOptions) {
    this.denials = new Counter({
      name: 'gateway_authorization_denials_total',
      help: 'Operations from which the gateway removed (or would remove) unauthorized fields, by mode',
      labelNames: ['mode'],
      registers: [options.registry],
    });
  }

  async load(options: Parameters<GatewayInterface['load']>[0]): Promise<GatewayLoadResult> {
    const loaded = await this.options.inner.load(options);
    const inner = loaded.executor;
    if (!inner) return loaded;
    return { ...loaded, executor: this.wrap(inner) };
  }

  onSchemaLoadOrUpdate(callback: Parameters<GatewayInterface['onSchemaLoadOrUpdate']>[0]) {
    return this.options.inner.onSchemaLoadOrUpdate(callback);
  }

  stop(): Promise<void> {
    return this.options.inner.stop();
  }

  private wrap(inner: GatewayExecutor): GatewayExecutor {
    return async (requestContext) => {
      const requirements = this.options.state.requirements;
      const mode = this.options.mode;
      if (!requirements || mode === null) return inner(requestContext);
      const context = requestContext.context as GatewayContext;
      const { schema, document } = requestContext;
      const operationName = requestContext.operationName ?? null;

      const referenced = policiesReferenced(document, schema, requirements, operationName);
      const policies = referenced.size === 0 ? NO_POLICIES : await this.evaluate(referenced, context, operationName);
      const outcome = authorizeOperation({
        schema,
        document,
        operationName,
        variables: requestContext.request.variables ?? null,
        requirements,
        caller: {
          authenticated: context.caller.userId !== null,
          scopes: new Set(context.caller.permissions),
          policies,
        },
        mode,
      });
      if (outcome.removed.length === 0) return inner(requestContext);

      this.report(
        context,
        operationName,
        requestContext.operation.operation,
        requestContext.queryHash,
        outcome.removed,
      );
      if (mode === 'dry_run') return inner(requestContext);
      if (outcome.rejected) return rejectResult(outcome.removed);
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
    };
  }

  private async evaluate(names: ReadonlySet<string>, context: GatewayContext, operationName: string | null) {
    const evaluation = await evaluatePolicies(names, this.options.policies, {
      userId: context.caller.userId,
      sessionId: context.caller.sessionId,
      permissions: new Set(context.caller.permissions),
      authTime: context.authTime,
      clientIp: context.client.ip,
      operationName,
      now: new Date(),
    });
    for (const name of evaluation.unknown) {
      if (this.unknownPoliciesLogged.has(name)) continue;
      this.unknownPoliciesLogged.add(name);
      this.options.logger.warn(
        { policy: name },
        'the supergraph names a policy the gateway does not implement: denied',
      );
    }
    for (const failure of evaluation.failed) {
      context.logger.error({ err: failure.error, policy: failure.name }, 'policy failed: denied');
    }
    return evaluation.passed;
  }

  private report(
    context: GatewayContext,
    operationName: string | null,
    operationType: AuthorizationDenial['operationType'],
    operationHash: string,
    removed: readonly RemovedSelection[],
  ) {
    const mode = this.options.mode ?? 'off';
    this.denials.inc({ mode });
    context.logger.info(
      {
        userId: context.caller.userId,
        operationName,
        mode,
        denied: removed.map((removal) => ({ path: removal.path.join('.'), coordinate: removal.coordinate })),
      },
      mode === 'dry_run' ? 'authorization dry run: these fields would be removed' : 'unauthorized fields removed',
    );
    this.options.onDenied?.({
      requestId: context.requestId,
      userId: context.caller.userId,
      operationName,
      operationType,
      operationHash,
      client: context.client,
      mode,
      removed,
    });
  }
}
