/**
 * Federated subscriptions over graphql-ws (`graphql-transport-ws`), on the gateway's own HTTP
 * server and `/graphql` path.
 *
 * - Connection: the access token travels in the `connection_init` payload
 *   (`{ authorization: 'Bearer …' }` or `{ accessToken }`) and is read and verified by the same
 *   `callers.ts` as an HTTP one; a bad token closes the socket with 4403 Forbidden, and so does
 *   the token's expiry later (reason `Access token expired`), idle or not. Without a token the
 *   connection is anonymous, as an HTTP request without one is: it may subscribe to what
 *   anonymous callers may see (a public event's seat availability), and the same authorization
 *   refuses the rest (`@authenticated`, scopes, policies).
 *   Upgrades, error masking and every close code are the kit's `serveGraphQLWebSocket`.
 * - Subscribe: parsed and validated against the API schema; the caller is resolved from the
 *   connection's token as an HTTP request's is (permissions fresh from authz); the SAME
 *   authorization as queries runs (`authorization-enforcement.ts`, `AUTHORIZATION_MODE`,
 *   denials logged, counted and published alike): a rejected subscription gets an `error`
 *   message with one `UNAUTHORIZED_FIELD_OR_TYPE` error per removed path, a filtered one is
 *   planned as filtered. Only subscriptions are served here; queries and mutations go over HTTP.
 * - Execution: see `federated-execution.ts`, `subscription-groups.ts` and
 *   `federated-subscription.ts`: identical subscriptions of one caller (same authorized
 *   operation, variables, user and permissions) share one upstream graphql-ws connection to the
 *   subgraph owning the root field, and each event is completed once with the plan's `rest` by
 *   `@apollo/gateway`'s executor and handed to every client of the group.
 * - Every event re-checks each client's caller first: an expired access token, a session that has ended
 *   (`sessions/revoked-sessions.ts`), or permissions that no longer authorize what was subscribed,
 *   end the subscription with an `error` message that says why; the token's expiry also ends it
 *   without waiting for an event.
 */
import type { ApolloGateway } from '@apollo/gateway';
import {
  clientAddress,
  clientInfo,
  createErrorFormatter,
  requestIdFrom,
  serveGraphQLWebSocket,
  type GatewayProofSigner,
  type GraphQLWebSocket,
  type GraphQLWebSocketSettings,
  type TrustedProxies,
  WebSocketCloseCode,
} from '@platform/service-kit';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { WebSocket } from 'ws';
import {
  getOperationAST,
  GraphQLError,
  OperationTypeNode,
  parse,
  specifiedRules,
  validate,
  type DocumentNode,
  type ExecutionArgs,
} from 'graphql';
import { InvalidAccessTokenError, type TokenIdentity } from '../access-tokens.js';
import { rejectResult } from '../authorization/index.js';
import {
  operationHashOf,
  type AuthorizationEnforcer,
  type AuthorizationRequest,
} from '../authorization-enforcement.js';
import type { CallerResolver } from '../callers.js';
import {
  isTokenLimitError,
  OPERATION_LIMIT_EXCEEDED,
  operationLimitError,
  operationLimitRules,
  parseOptionsOf,
  type OperationLimits,
} from '../operation-limits.js';
import type { EdgeLimits } from '../edge-limits.js';
import type { PermissionResolver } from '../permissions/effective-permissions.js';
import type { RevokedSessions } from '../sessions/revoked-sessions.js';
import { rateLimitedError, type RateLimits } from '../rate-limits.js';
import { untrustedDocumentError } from '../trusted-documents.js';
import { apiSchemaOf, supergraphUrlOf } from '../apollo-gateway-internals.js';
import { planSubscription } from './federated-execution.js';
import { FederatedSubscription } from './federated-subscription.js';
import { SubscriptionGroups } from './subscription-groups.js';
import { Gauge } from 'prom-client';

export interface GatewaySubscriptionsOptions extends GraphQLWebSocketSettings {
  /** The `ApolloGateway` the HTTP path executes with (its planner, schema and data sources). */
  gateway: ApolloGateway;
  /** Who a `connection_init`'s token names, and their permissions: the same resolution as HTTP's. */
  callers: CallerResolver;
  /** Re-read before every event of a live subscription. */
  permissions: PermissionResolver;
  /** Checked before every event too: a subscription of a revoked session ends. */
  revokedSessions: RevokedSessions;
  /** The same enforcement as queries and mutations (and the same denial reports). */
  enforcer: AuthorizationEnforcer;
  proofs: GatewayProofSigner;
  /** `SUBGRAPH_URLS` overrides, by subgraph name. */
  subgraphUrls: Record<string, string>;
  /** `TRUSTED_PROXIES`: whose `X-Forwarded-For` names the client, as on HTTP. */
  trustedProxies: TrustedProxies;
  /** The same operation limits as HTTP, checked before the subscription is authorized or planned. */
  operationLimits: OperationLimits;
  /** The cost limit (and the expensive-operation budget), once the operation and its variables are known. */
  checkOperation: EdgeLimits['checkOperation'];
  /** Each subscription counts as one request against its client's and user's rate limits; null when off. */
  rateLimits: RateLimits | null;
  /** TRUSTED_DOCUMENTS=enforce: only the client contract's subscriptions; null when off. */
  trustedDocuments: ReadonlyMap<string, string> | null;
  /** Strip "Did you mean …?" suggestions from validation errors (production), as Apollo Server does on HTTP. */
  hideSuggestions: boolean;
}

/** `dispose()` ends every subscription and closes every socket (1001 Going away). */
export type GatewaySubscriptions = GraphQLWebSocket;

/** Per connection: who the verified caller is. */
type ConnectionState = {
  identity?: TokenIdentity;
  client?: ReturnType<typeof clientInfo>;
  connectionId?: string;
};

export function attachGatewaySubscriptions(options: GatewaySubscriptionsOptions): GatewaySubscriptions {
  const { logger, gateway, callers, enforcer, operationLimits, trustedProxies } = options;
  const validationRules = [...specifiedRules, ...operationLimitRules(operationLimits)];
  const groups = new SubscriptionGroups({
    proofs: options.proofs,
    permissions: options.permissions,
    // The same masking the kit's graphql-ws applies to every other message.
    formatError: createErrorFormatter({ logger, exposeInternals: options.exposeInternals ?? false }),
    logger,
  });
  if (options.metrics) {
    new Gauge({
      name: 'gateway_subscription_upstreams',
      help: 'Upstream subgraph subscriptions open: one per group of identical client subscriptions',
      registers: [options.metrics.registry],
      collect() {
        this.set(groups.upstreams);
      },
    });
  }
  // Connections are counted per client as HTTP names the client: behind a trusted proxy, by X-Forwarded-For.
  const settings = {
    clientAddress: (request: IncomingMessage) => clientAddress(request, trustedProxies) ?? '',
    ...options,
  };
  return serveGraphQLWebSocket<Record<string, unknown>, ConnectionState>(settings, {
    onConnect: async (ctx) => {
      const connectionId = requestIdFrom(ctx.extra.request);
      try {
        const identity = await callers.identify(ctx.connectionParams);
        ctx.extra.client = clientInfo(ctx.extra.request, options.trustedProxies);
        ctx.extra.connectionId = connectionId;
        if (!identity) return true;
        if (identity.expiresAt <= Date.now()) throw new InvalidAccessTokenError('expired');
        ctx.extra.identity = identity;
        closeAtExpiry(ctx.extra.socket, identity.expiresAt);
        return true;
      } catch (error) {
        if (!(error instanceof InvalidAccessTokenError)) throw error;
        logger.info({ connectionId, reason: error.reason }, 'refused a subscription connection: invalid access token');
        return false;
      }
    },

    onSubscribe: async (ctx, id, payload) => {
      const requestId = randomUUID();
      const requestLogger = logger.child({ requestId, connectionId: ctx.extra.connectionId, subscriptionId: id });
      const schema = apiSchemaOf(gateway);
      if (!schema) return [new GraphQLError('The gateway is not ready', { extensions: { code: 'BAD_REQUEST' } })];

      if (options.trustedDocuments) {
        const refusal = untrustedDocumentError(options.trustedDocuments, payload);
        if (refusal) return [refusal];
      }
      const subject = { client: ctx.extra.client?.ip ?? 'unknown', userId: ctx.extra.identity?.userId ?? null };
      if (options.rateLimits) {
        const decision = await options.rateLimits.request(subject);
        if (decision.retryAfterSeconds !== null) return [rateLimitedError(decision.retryAfterSeconds)];
      }

      let document: DocumentNode;
      try {
        document = parse(payload.query, parseOptionsOf(operationLimits));
      } catch (error) {
        if (isTokenLimitError(error)) return [operationLimitError('tokens', operationLimits)];
        return [withCode(error as GraphQLError, 'GRAPHQL_PARSE_FAILED')];
      }
      const validationErrors = validate(schema, document, validationRules);
      if (validationErrors.length > 0) {
        return validationErrors.map((e) =>
          e.extensions.code === OPERATION_LIMIT_EXCEEDED
            ? e
            : withCode(options.hideSuggestions ? withoutSuggestion(e) : e, 'GRAPHQL_VALIDATION_FAILED'),
        );
      }
      const operation = getOperationAST(document, payload.operationName ?? null);
      if (!operation) {
        return [new GraphQLError('Unable to identify the operation', { extensions: { code: 'BAD_REQUEST' } })];
      }
      // Named as Apollo Server names an HTTP operation: by the operation itself.
      const operationName = operation.name?.value ?? null;
      if (operation.operation !== OperationTypeNode.SUBSCRIPTION) {
        return [
          new GraphQLError('Only subscriptions are served over WebSocket: send queries and mutations over HTTP', {
            extensions: { code: 'BAD_REQUEST' },
          }),
        ];
      }
      const variables = payload.variables ?? {};
      const { refusal } = await options.checkOperation({ schema, document, operation, variables }, subject);
      if (refusal) return [refusal];

      // Every subscription resolves its caller from the connection's token, as every HTTP
      // request does from its header: permissions fresh from authz.
      let resolved;
      try {
        resolved = await callers.resolve(ctx.connectionParams, requestId);
      } catch (error) {
        if (error instanceof InvalidAccessTokenError) return [accessTokenExpired()];
        requestLogger.error({ err: error }, 'could not resolve the caller’s permissions for a subscription');
        return [withCode(new GraphQLError('The subscription could not be authorized'), 'INTERNAL_SERVER_ERROR')];
      }
      const identity = resolved.identity ?? ctx.extra.identity ?? null;
      if (identity && identity.expiresAt <= Date.now()) return [accessTokenExpired()];
      const request = {
        schema,
        document,
        operationName,
        variables,
        operationType: 'subscription',
        operationHash: operationHashOf(payload.query),
        context: {
          requestId,
          caller: resolved.caller,
          authTime: resolved.authTime,
          logger: requestLogger,
          client: ctx.extra.client ?? { ip: null, userAgent: null },
        },
      } satisfies AuthorizationRequest;
      const decision = await enforcer.authorize(request);
      if (decision.rejected) return rejectResult(decision.removed).errors;

      let plan;
      try {
        plan = planSubscription(gateway, decision.document, operationName);
      } catch (error) {
        requestLogger.error({ err: error }, 'could not plan a subscription');
        return [new GraphQLError('The subscription could not be planned')].map((e) =>
          withCode(e, 'INTERNAL_SERVER_ERROR'),
        );
      }
      const subgraph = plan.primary.serviceName;
      const url = options.subgraphUrls[subgraph] ?? supergraphUrlOf(gateway, subgraph);
      if (!url) {
        requestLogger.error({ subgraph }, 'no URL for the subgraph owning the subscription');
        return [withCode(new GraphQLError('The subscription could not be routed'), 'INTERNAL_SERVER_ERROR')];
      }
      requestLogger.info({ subgraph, operationName }, 'subscription started');

      const subscription = new FederatedSubscription({
        gateway,
        plan,
        subgraph,
        url,
        identity,
        request,
        decision,
        enforcer,
        permissions: options.permissions,
        revokedSessions: options.revokedSessions,
        groups,
        socket: ctx.extra.socket,
        id,
        logger: requestLogger,
      });
      // graphql-ws hands these args to `subscribe` below, which returns the subscription.
      return { schema, document, operationName, variableValues: variables, contextValue: subscription };
    },

    subscribe: (args: ExecutionArgs) => (args.contextValue as FederatedSubscription).start(),
  });
}

/** The longest delay `setTimeout` keeps (about 24.8 days); a later expiry is re-armed. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** How long after the token's expiry its socket closes: live subscriptions first end with their own error. */
const EXPIRY_CLOSE_GRACE_MS = 500;

/**
 * The access token's expiry ends the connection itself (4403), not only its subscriptions: an
 * idle socket must not outlive the credential it was opened with. It closes a little after the
 * expiry so that each live subscription's `error` message (federated-subscription.ts) says why first.
 */
function closeAtExpiry(socket: WebSocket, expiresAt: number): void {
  let timer: NodeJS.Timeout;
  const arm = () => {
    const untilExpiry = expiresAt + EXPIRY_CLOSE_GRACE_MS - Date.now();
    if (untilExpiry <= 0) {
      socket.close(WebSocketCloseCode.Forbidden, 'Access token expired');
      return;
    }
    timer = setTimeout(arm, Math.min(untilExpiry, MAX_TIMER_MS));
  };
  arm();
  socket.once('close', () => clearTimeout(timer));
}

function accessTokenExpired(): GraphQLError {
  return new GraphQLError('The access token has expired', { extensions: { code: 'UNAUTHENTICATED' } });
}

/** The same stripping as Apollo Server's `hideSchemaDetailsFromClientErrors`. */
function withoutSuggestion(error: GraphQLError): GraphQLError {
  error.message = error.message.replace(/ ?Did you mean(.+?)\?$/, '');
  return error;
}

function withCode(error: GraphQLError, code: string): GraphQLError {
  return new GraphQLError(error.message, {
    ...(error.nodes ? { nodes: error.nodes } : {}),
    ...(error.source ? { source: error.source } : {}),
    ...(error.positions ? { positions: error.positions } : {}),
    ...(error.path ? { path: error.path } : {}),
    extensions: { ...error.extensions, code },
  });
}
