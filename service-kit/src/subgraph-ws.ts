/**
 * Subscriptions on a subgraph: graphql-ws (`graphql-transport-ws`) on the subgraph's own HTTP
 * server and GraphQL path. Like the HTTP endpoint, it serves the gateway only: the
 * `connection_init` payload must carry a valid gateway proof (`{ gatewayProof }`, audience =
 * this subgraph), or the socket is closed with 4403 Forbidden. The proof is checked once per
 * connection; the gateway opens one connection per client subscription, so the caller in the
 * context is the caller of that subscription. Upgrades, error masking and close codes are the
 * kit's `graphql-ws.ts`, shared with the gateway.
 */
import { randomUUID } from 'node:crypto';
import type { GraphQLSchema } from 'graphql';
import type { Extra } from 'graphql-ws/use/ws';
import type { BaseContext } from './context.js';
import type { Caller, GatewayProofVerifier } from './gateway-proof.js';
import { serveGraphQLWebSocket, type GraphQLWebSocket, type GraphQLWebSocketSettings } from './graphql-ws.js';

/** What the gateway sends in `connection_init`. */
export interface SubgraphConnectionParams {
  /** The gateway proof for this subgraph (the `x-gateway-proof` of HTTP). */
  gatewayProof?: string;
  /** The client request id the gateway assigned to the subscription. */
  requestId?: string;
  /** The client's details, as the gateway forwards them over HTTP. */
  client?: { ip?: string | null; userAgent?: string | null };
}

export interface SubgraphSubscriptionsOptions<TContext extends BaseContext> extends GraphQLWebSocketSettings {
  /** The subgraph's executable schema (the one `buildSubgraphSchema` built). */
  schema: GraphQLSchema;
  proofVerifier: GatewayProofVerifier;
  createContext: (base: BaseContext) => TContext | Promise<TContext>;
}

/** `dispose()` closes every socket (1001 Going away) and stops accepting upgrades. */
export type SubgraphSubscriptions = GraphQLWebSocket;

type ConnectionExtra = {
  caller?: Caller;
  connectionParams?: SubgraphConnectionParams;
};

const REQUEST_ID_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;

export function attachSubgraphSubscriptions<TContext extends BaseContext>(
  options: SubgraphSubscriptionsOptions<TContext>,
): SubgraphSubscriptions {
  const { logger } = options;
  return serveGraphQLWebSocket<Record<string, unknown>, ConnectionExtra>(options, {
    schema: options.schema,
    onConnect: async (ctx) => {
      const params = (ctx.connectionParams ?? {}) as SubgraphConnectionParams;
      try {
        ctx.extra.caller = await options.proofVerifier.verify(
          typeof params.gatewayProof === 'string' ? params.gatewayProof : undefined,
        );
        ctx.extra.connectionParams = params;
        return true;
      } catch (error) {
        logger.warn(
          { reason: (error as Error).message },
          'refused a subscription connection without a valid gateway proof',
        );
        return false;
      }
    },
    context: async (ctx) => {
      const params = ctx.extra.connectionParams ?? {};
      const requestId =
        typeof params.requestId === 'string' && REQUEST_ID_PATTERN.test(params.requestId)
          ? params.requestId
          : randomUUID();
      return options.createContext({
        requestId,
        caller: ctx.extra.caller!,
        logger: logger.child({ requestId }),
        client: clientOf(params, ctx.extra),
      });
    },
  });
}

function clientOf(params: SubgraphConnectionParams, extra: Extra): BaseContext['client'] {
  const ip = typeof params.client?.ip === 'string' ? params.client.ip : (extra.request.socket.remoteAddress ?? null);
  const userAgent = typeof params.client?.userAgent === 'string' ? params.client.userAgent : null;
  return { ip, userAgent };
}
