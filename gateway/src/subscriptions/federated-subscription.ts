/**
 * One client subscription through the gateway: the upstream subgraph subscription, every
 * event re-authorized and then completed by the query plan's `rest`, and the reasons it ends.
 *
 * It is the async iterator graphql-ws iterates. It is not an async generator on purpose: a
 * client's `complete` (or a closed socket) calls `return()`, which must close the upstream
 * connection at once, not after the next event.
 */
import type { ApolloGateway } from '@apollo/gateway';
import type { GatewayGraphQLRequestContext } from '@apollo/server-gateway-interface';
import type { GatewayProofSigner, Logger } from '@platform/service-kit';
import { GraphQLError, getOperationAST, type ExecutionResult } from 'graphql';
import type { TokenIdentity } from '../access-tokens.js';
import { applyRemovals, UNAUTHORIZED_CODE, type RemovedSelection } from '../authorization/index.js';
import type {
  AuthorizationDecision,
  AuthorizationEnforcer,
  AuthorizationRequest,
} from '../authorization-enforcement.js';
import type { GatewayContext } from '../context.js';
import type { PermissionResolver } from '../permissions/effective-permissions.js';
import type { RevokedSessions } from '../sessions/revoked-sessions.js';
import { executeEvent, type SubscriptionPlan } from './federated-execution.js';
import { openUpstream, type Upstream, type UpstreamItem } from './upstream.js';

export interface FederatedSubscriptionOptions {
  gateway: ApolloGateway;
  plan: SubscriptionPlan;
  /** The subgraph owning the root field, and its GraphQL URL. */
  subgraph: string;
  url: string;
  /** Null for an anonymous caller: nothing expires or ends, and the permissions stay none. */
  identity: TokenIdentity | null;
  /**
   * What was authorized at subscribe time: the API schema, the client's own operation and
   * variables, the caller's context. Every event authorizes it again with the caller's
   * current permissions.
   */
  request: AuthorizationRequest & { variables: Readonly<Record<string, unknown>> };
  /** The authorization decided at subscribe time (what was planned). */
  decision: AuthorizationDecision;
  enforcer: AuthorizationEnforcer;
  permissions: PermissionResolver;
  /** Sessions that have ended: a live subscription of one ends at its next event. */
  revokedSessions: RevokedSessions;
  proofs: GatewayProofSigner;
  logger: Logger;
}

const DONE: IteratorReturnResult<undefined> = Object.freeze({ done: true, value: undefined });
/** setTimeout's ceiling; a later expiry is caught by the per-event check. */
const MAX_TIMER_MS = 2_147_483_647;

function sessionEndedError(): GraphQLError {
  return new GraphQLError(
    'Subscription ended: the session has ended (signed out, password changed or account deleted); sign in again',
    { extensions: { code: 'UNAUTHENTICATED' } },
  );
}

function tokenExpiredError(): GraphQLError {
  return new GraphQLError('Subscription ended: the access token has expired; subscribe again with a new token', {
    extensions: { code: 'UNAUTHENTICATED' },
  });
}

function noLongerAuthorizedError(coordinates: readonly string[]): GraphQLError {
  return new GraphQLError(
    `Subscription ended: the caller is no longer authorized for ${[...new Set(coordinates)].join(', ')}`,
    { extensions: { code: UNAUTHORIZED_CODE } },
  );
}

export class FederatedSubscription implements AsyncIterableIterator<ExecutionResult> {
  private readonly queue: UpstreamItem[] = [];
  private waiter: (() => void) | undefined;
  /** Ends the subscription ahead of any queued event (token expiry). */
  private terminal: GraphQLError | undefined;
  private finished = false;
  private upstream: Upstream | undefined;
  private expiryTimer: NodeJS.Timeout | undefined;
  private context: GatewayContext;
  private readonly subscribedRemovals: ReadonlySet<string>;

  constructor(private readonly options: FederatedSubscriptionOptions) {
    this.context = options.request.context;
    this.subscribedRemovals = new Set(options.decision.removed.map(removalKey));
  }

  /** Opens the upstream subscription; graphql-ws iterates what this returns. */
  start(): AsyncIterableIterator<ExecutionResult> {
    const { plan, subgraph, url, proofs, logger, request } = this.options;
    const variables: Record<string, unknown> = {};
    for (const name of plan.primary.variableUsages ?? []) {
      if (Object.hasOwn(request.variables, name)) variables[name] = request.variables[name];
    }
    this.upstream = openUpstream({
      url,
      subgraph,
      connectionParams: async () => ({
        gatewayProof: await proofs.sign(subgraph, this.context.caller),
        requestId: this.context.requestId,
        client: this.context.client,
      }),
      query: plan.primary.operation,
      operationName: plan.primary.operationName,
      variables,
      onItem: (item) => this.push(item),
      onFailure: (details) => logger.warn(details, 'the subgraph subscription failed'),
    });
    const untilExpiry = (this.options.identity?.expiresAt ?? Number.POSITIVE_INFINITY) - Date.now();
    if (untilExpiry <= MAX_TIMER_MS) {
      this.expiryTimer = setTimeout(
        () => {
          this.terminal = tokenExpiredError();
          this.wake();
        },
        Math.max(0, untilExpiry),
      );
    }
    return this;
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<ExecutionResult> {
    return this;
  }

  async next(): Promise<IteratorResult<ExecutionResult>> {
    for (;;) {
      if (this.finished) return DONE;
      if (this.terminal) return this.end(this.terminal, 'access token expired');
      const item = this.queue.shift();
      if (!item) {
        await new Promise<void>((resolve) => (this.waiter = resolve));
        continue;
      }
      if (item.kind === 'complete') {
        await this.finish();
        this.options.logger.info('subscription completed by its subgraph');
        return DONE;
      }
      if (item.kind === 'error') return this.end(item.error, 'subgraph error');

      let denial: GraphQLError | undefined;
      let result: ExecutionResult | undefined;
      try {
        // Fails closed: when the caller cannot be re-checked (authz unreachable), it ends.
        denial = await this.recheck();
        if (!denial) result = await this.execute(item.result);
      } catch (error) {
        if (this.finished) return DONE;
        this.options.logger.error({ err: error }, 'a subscription event could not be re-checked or executed');
        return this.end(internalError(), 'event execution failed');
      }
      if (this.finished) return DONE;
      if (denial || !result) return this.end(denial ?? internalError(), denial?.message ?? 'no result');
      return { done: false, value: result };
    }
  }

  async return(): Promise<IteratorResult<ExecutionResult>> {
    if (!this.finished) this.options.logger.info('subscription ended by the client');
    await this.finish();
    return DONE;
  }

  async throw(error?: unknown): Promise<IteratorResult<ExecutionResult>> {
    await this.finish();
    throw error;
  }

  private push(item: UpstreamItem) {
    this.queue.push(item);
    this.wake();
  }

  private wake() {
    const waiter = this.waiter;
    this.waiter = undefined;
    waiter?.();
  }

  /** Ends with an error: graphql-ws sends it as the subscription's `error` message. */
  private async end(error: GraphQLError, why: string): Promise<never> {
    await this.finish();
    this.options.logger.info({ reason: why }, 'subscription ended');
    throw error;
  }

  private async finish() {
    if (this.finished) return;
    this.finished = true;
    if (this.expiryTimer) clearTimeout(this.expiryTimer);
    this.queue.length = 0;
    this.wake();
    await this.upstream?.close();
  }

  /** Before every event: is the token still valid, and are the caller's permissions still enough? */
  private async recheck(): Promise<GraphQLError | undefined> {
    const { identity, permissions, enforcer, request } = this.options;
    if (identity) {
      if (identity.expiresAt <= Date.now()) return tokenExpiredError();
      if (identity.sessionId !== null && (await this.options.revokedSessions.isRevoked(identity.sessionId))) {
        return sessionEndedError();
      }
      // Cached by permissions version: a revocation in authz is seen on the next event.
      const current = await permissions.permissionsOf(identity.userId, this.context.requestId);
      if (current !== this.context.caller.permissions) {
        this.context = { ...this.context, caller: { ...this.context.caller, permissions: current } };
      }
    }
    const decision = await enforcer.authorize({ ...request, context: this.context }, { report: false });
    if (decision.rejected) return noLongerAuthorizedError(decision.removed.map((removal) => removal.coordinate));
    // Filtered further than what was planned: the plan would fetch what is now unauthorized.
    const newlyRemoved = decision.removed.filter((removal) => !this.subscribedRemovals.has(removalKey(removal)));
    if (newlyRemoved.length > 0) return noLongerAuthorizedError(newlyRemoved.map((removal) => removal.coordinate));
    return undefined;
  }

  private async execute(event: Parameters<typeof executeEvent>[2]): Promise<ExecutionResult> {
    const { gateway, plan, decision } = this.options;
    const { schema, operationName, variables } = this.options.request;
    const operation = getOperationAST(decision.document, operationName);
    const requestContext = {
      request: { variables, ...(operationName ? { operationName } : {}) },
      context: this.context,
      logger: this.context.logger,
      metrics: {},
      schema,
      document: decision.document,
      operationName,
      operation,
      cache: undefined,
      overallCachePolicy: undefined,
    } as unknown as GatewayGraphQLRequestContext;
    const result = (await executeEvent(gateway, plan, event, requestContext)) as ExecutionResult;
    return decision.outcome
      ? applyRemovals(
          result as { data?: Record<string, unknown> | null; errors?: readonly GraphQLError[] },
          decision.outcome,
          schema,
        )
      : result;
  }
}

function removalKey(removal: RemovedSelection): string {
  return `${removal.path.join('.')}|${removal.coordinate}`;
}

function internalError(): GraphQLError {
  return new GraphQLError('A subscription event could not be executed', {
    extensions: { code: 'INTERNAL_SERVER_ERROR' },
  });
}
