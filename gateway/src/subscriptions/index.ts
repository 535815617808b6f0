/**
 * Federated subscriptions over graphql-ws (`graphql-transport-ws`), on the gateway's own HTTP
 * server and `/graphql` path.
 *
 * - Connection: the access token travels in the `connection_init` payload
 *   (`{ authorization: 'Bearer …' }` or `{ accessToken }`) and is verified like an HTTP one; a
 *   missing or bad token closes the socket with 4403 Forbidden. The other close codes (4400,
 *   4401, 4408, 4409, 4429) are graphql-ws's own.
 * - Subscribe: parsed and validated against the API schema; the caller's permissions come
 *   from authz; the SAME authorization as queries runs (`AUTHORIZATION_MODE`): a rejected
 *   subscription gets an `error` message with one `UNAUTHORIZED_FIELD_OR_TYPE` error per
 *   removed path, a filtered one is planned as filtered. Only subscriptions are served here;
 *   queries and mutations go over HTTP.
 * - Execution: see `federated-execution.ts` and `federated-subscription.ts`: one upstream
 *   graphql-ws connection per client subscription to the subgraph owning the root field,
 *   each event completed with the plan's `rest` by `@apollo/gateway`'s executor.
 * - Every event re-checks the caller first: an expired access token, or permissions that no
 *   longer authorize what was subscribed, end the subscription with an `error` message that
 *   says why; the token's expiry also ends it without waiting for an event.
 */
import type { ApolloGateway } from '@apollo/gateway';
import {
  clientInfo,
  createErrorFormatter,
  requestIdFrom,
  type GatewayProofSigner,
  type Logger,
} from '@platform/service-kit';
import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import {
  getOperationAST,
  GraphQLError,
  OperationTypeNode,
  parse,
  validate,
  type DocumentNode,
  type ExecutionArgs,
  type GraphQLFormattedError,
} from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import { InvalidAccessTokenError, type AccessTokenVerifier, type TokenIdentity } from '../access-tokens.js';
import type { AuthorizationDenial } from '../authorizing-gateway.js';
import type { AuthorizationMode, AuthorizationRequirements, PolicyRegistry } from '../authorization/index.js';
import type { PermissionResolver } from '../permissions/effective-permissions.js';
import { apiSchemaOf, planSubscription, supergraphUrlOf } from './federated-execution.js';
import { FederatedSubscription, SubscriptionAuthorizer } from './federated-subscription.js';
import { acceptUpgrades, closeSockets } from './websocket.js';

export interface GatewaySubscriptionsOptions {
  httpServer: Server;
  /** Defaults to `/graphql`. */
  path?: string;
  /** The `ApolloGateway` the HTTP path executes with (its planner, schema and data sources). */
  gateway: ApolloGateway;
  accessTokens: AccessTokenVerifier;
  permissions: PermissionResolver;
  authorization: {
    /** Read at every check: the requirements of the supergraph currently served. */
    requirements: () => AuthorizationRequirements | null;
    /** null: enforcement off (`AUTHORIZATION_MODE=off`). */
    mode: AuthorizationMode | null;
    policies: PolicyRegistry;
    onDenied?: (denial: AuthorizationDenial) => void;
  };
  proofs: GatewayProofSigner;
  /** `SUBGRAPH_URLS` overrides, by subgraph name. */
  subgraphUrls: Record<string, string>;
  logger: Logger;
  /** Development only: internal error messages in results. */
  exposeInternals?: boolean;
  /** How long a socket may stay without `connection_init` before 4408 (graphql-ws default 3 s). */
  connectionInitWaitTimeoutMs?: number;
  /** Keep-alive ping interval (graphql-ws default 12 s). */
  keepAliveMs?: number;
}

export interface GatewaySubscriptions {
  /** Ends every subscription and closes every socket (1001 Going away). */
  dispose(): Promise<void>;
}

/** The `connection_init` payload clients send. */
export interface GatewayConnectionParams {
  authorization?: string;
  accessToken?: string;
}

/** Per connection: who the verified caller is. */
type ConnectionState = {
  identity?: TokenIdentity;
  client?: ReturnType<typeof clientInfo>;
  connectionId?: string;
};

const BEARER = /^Bearer ([A-Za-z0-9._~+/-]+=*)$/;

/** The access token of a `connection_init` payload, or undefined when there is none or it is malformed. */
export function accessTokenOf(params: Readonly<Record<string, unknown>> | undefined): string | undefined {
  if (!params) return undefined;
  if (typeof params.accessToken === 'string' && params.accessToken !== '') return params.accessToken;
  const header = params.authorization ?? params.Authorization;
  if (typeof header !== 'string') return undefined;
  return BEARER.exec(header)?.[1];
}

export function attachGatewaySubscriptions(options: GatewaySubscriptionsOptions): GatewaySubscriptions {
  const { logger, gateway } = options;
  const path = options.path ?? '/graphql';
  const formatError = createErrorFormatter({ logger, exposeInternals: options.exposeInternals ?? false });
  const authorizer = new SubscriptionAuthorizer(options.authorization, logger);
  const wss = new WebSocketServer({ noServer: true });
  const detach = acceptUpgrades(options.httpServer, path, wss);

  const format = (error: GraphQLError | GraphQLFormattedError): GraphQLFormattedError =>
    formatError(error instanceof GraphQLError ? error.toJSON() : error, error);

  const server = useServer<Record<string, unknown>, ConnectionState>(
    {
      ...(options.connectionInitWaitTimeoutMs !== undefined
        ? { connectionInitWaitTimeout: options.connectionInitWaitTimeoutMs }
        : {}),

      onConnect: async (ctx) => {
        const connectionId = requestIdFrom(ctx.extra.request);
        const token = accessTokenOf(ctx.connectionParams);
        if (!token) {
          logger.info({ connectionId }, 'refused a subscription connection without an access token');
          return false;
        }
        try {
          const identity = await options.accessTokens.verify(token);
          if (identity.expiresAt <= Date.now()) throw new InvalidAccessTokenError('expired');
          ctx.extra.identity = identity;
          ctx.extra.client = clientInfo(ctx.extra.request);
          ctx.extra.connectionId = connectionId;
          return true;
        } catch (error) {
          if (!(error instanceof InvalidAccessTokenError)) throw error;
          logger.info(
            { connectionId, reason: error.reason },
            'refused a subscription connection: invalid access token',
          );
          return false;
        }
      },

      onSubscribe: async (ctx, id, payload) => {
        const identity = ctx.extra.identity!;
        const requestId = randomUUID();
        const requestLogger = logger.child({ requestId, connectionId: ctx.extra.connectionId, subscriptionId: id });
        const schema = apiSchemaOf(gateway);
        if (!schema) return [new GraphQLError('The gateway is not ready', { extensions: { code: 'BAD_REQUEST' } })];

        let document: DocumentNode;
        try {
          document = parse(payload.query);
        } catch (error) {
          return [withCode(error as GraphQLError, 'GRAPHQL_PARSE_FAILED')];
        }
        const validationErrors = validate(schema, document);
        if (validationErrors.length > 0) return validationErrors.map((e) => withCode(e, 'GRAPHQL_VALIDATION_FAILED'));
        const operationName = payload.operationName ?? null;
        const operation = getOperationAST(document, operationName);
        if (!operation) {
          return [new GraphQLError('Unable to identify the operation', { extensions: { code: 'BAD_REQUEST' } })];
        }
        if (operation.operation !== OperationTypeNode.SUBSCRIPTION) {
          return [
            new GraphQLError('Only subscriptions are served over WebSocket: send queries and mutations over HTTP', {
              extensions: { code: 'BAD_REQUEST' },
            }),
          ];
        }
        const variables = payload.variables ?? {};

        if (identity.expiresAt <= Date.now()) {
          return [new GraphQLError('The access token has expired', { extensions: { code: 'UNAUTHENTICATED' } })];
        }
        let permissions: readonly string[];
        try {
          permissions = await options.permissions.permissionsOf(identity.userId, requestId);
        } catch (error) {
          requestLogger.error({ err: error }, 'could not resolve the caller’s permissions for a subscription');
          return [withCode(new GraphQLError('The subscription could not be authorized'), 'INTERNAL_SERVER_ERROR')];
        }
        const caller = { userId: identity.userId, sessionId: identity.sessionId, permissions };
        const context = {
          requestId,
          caller,
          authTime: identity.authTime,
          logger: requestLogger,
          client: ctx.extra.client ?? { ip: null, userAgent: null },
        };
        const decision = await authorizer.authorize({ schema, document, operationName, variables, context });
        if (decision.rejected) return decision.errors;

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
          context,
          variables,
          schema,
          document,
          operationName,
          decision,
          authorizer,
          permissions: options.permissions,
          proofs: options.proofs,
          logger: requestLogger,
        });
        // graphql-ws hands these args to `subscribe` below, which returns the subscription.
        return { schema, document, operationName, variableValues: variables, contextValue: subscription };
      },

      subscribe: (args: ExecutionArgs) => (args.contextValue as FederatedSubscription).start(),

      onNext: (_ctx, _id, _payload, _args, result) => {
        if (!result.errors || result.errors.length === 0) return undefined;
        return { ...result, errors: result.errors.map(format) };
      },
      onError: (_ctx, _id, _payload, errors) => errors.map(format),
    },
    wss,
    options.keepAliveMs,
  );

  return {
    async dispose() {
      detach();
      await closeSockets(wss);
      await server.dispose();
    },
  };
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
