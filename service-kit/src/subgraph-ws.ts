/**
 * Subscriptions on a subgraph: graphql-ws (`graphql-transport-ws`) on the subgraph's own HTTP
 * server and GraphQL path. Like the HTTP endpoint, it serves the gateway only: the
 * `connection_init` payload must carry a valid gateway proof (`{ gatewayProof }`, audience =
 * this subgraph), or the socket is closed with 4403 Forbidden. The proof is checked once per
 * connection; the gateway opens one connection per client subscription, so the caller in the
 * context is the caller of that subscription. The other protocol close codes (4400, 4401,
 * 4408, 4409, 4429) are graphql-ws's own.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import type { GraphQLFormattedError, GraphQLSchema } from 'graphql';
import { useServer, type Extra } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import type { BaseContext } from './context.js';
import { createErrorFormatter } from './errors.js';
import type { Caller, GatewayProofVerifier } from './gateway-proof.js';
import type { Logger } from './logger.js';

/** What the gateway sends in `connection_init`. */
export interface SubgraphConnectionParams {
  /** The gateway proof for this subgraph (the `x-gateway-proof` of HTTP). */
  gatewayProof?: string;
  /** The client request id the gateway assigned to the subscription. */
  requestId?: string;
  /** The client's details, as the gateway forwards them over HTTP. */
  client?: { ip?: string | null; userAgent?: string | null };
}

export interface SubgraphSubscriptionsOptions<TContext extends BaseContext> {
  httpServer: Server;
  /** The subgraph's executable schema (the one `buildSubgraphSchema` built). */
  schema: GraphQLSchema;
  /** Defaults to `/graphql`. */
  path?: string;
  proofVerifier: GatewayProofVerifier;
  createContext: (base: BaseContext) => TContext | Promise<TContext>;
  logger: Logger;
  /** Development only: internal error messages in results. */
  exposeInternals?: boolean;
  /** How long a socket may stay without `connection_init` (graphql-ws default: 3 s). */
  connectionInitWaitTimeoutMs?: number;
  /** Keep-alive ping interval (graphql-ws default: 12 s). */
  keepAliveMs?: number;
}

export interface SubgraphSubscriptions {
  /** Closes every socket (1001 Going away) and stops accepting upgrades. */
  dispose(): Promise<void>;
}

type ConnectionExtra = {
  caller?: Caller;
  connectionParams?: SubgraphConnectionParams;
};

const REQUEST_ID_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;

/** Accepts WebSocket upgrades on `path` only; any other upgrade is refused with 400. */
export function acceptUpgrades(httpServer: Server, path: string, wss: WebSocketServer): () => void {
  const onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    const pathname = new URL(request.url ?? '/', 'http://localhost').pathname;
    if (pathname !== path) {
      socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    wss.handleUpgrade(request, socket, head, (ws) => wss.emit('connection', ws, request));
  };
  httpServer.on('upgrade', onUpgrade);
  return () => httpServer.off('upgrade', onUpgrade);
}

/** Closes every socket of `wss` (1001), then terminates the ones that did not close in time. */
export async function closeSockets(wss: WebSocketServer, graceMs = 1000): Promise<void> {
  const sockets = [...wss.clients];
  for (const socket of sockets) socket.close(1001, 'Going away');
  await Promise.all(
    sockets.map(
      (socket) =>
        new Promise<void>((resolve) => {
          if (socket.readyState === socket.CLOSED) return resolve();
          const timer = setTimeout(() => {
            socket.terminate();
            resolve();
          }, graceMs);
          socket.once('close', () => {
            clearTimeout(timer);
            resolve();
          });
        }),
    ),
  );
}

export function attachSubgraphSubscriptions<TContext extends BaseContext>(
  options: SubgraphSubscriptionsOptions<TContext>,
): SubgraphSubscriptions {
  const { logger } = options;
  const formatError = createErrorFormatter({ logger, exposeInternals: options.exposeInternals ?? false });
  const wss = new WebSocketServer({ noServer: true });
  const detach = acceptUpgrades(options.httpServer, options.path ?? '/graphql', wss);

  const server = useServer<Record<string, unknown>, ConnectionExtra>(
    {
      schema: options.schema,
      ...(options.connectionInitWaitTimeoutMs !== undefined
        ? { connectionInitWaitTimeout: options.connectionInitWaitTimeoutMs }
        : {}),
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
      // Errors leave the subgraph masked exactly as over HTTP.
      onNext: (_ctx, _id, _payload, _args, result) => {
        if (!result.errors || result.errors.length === 0) return undefined;
        return { ...result, errors: result.errors.map((error) => formatError(error.toJSON(), error)) };
      },
      onError: (_ctx, _id, _payload, errors) =>
        errors.map((error): GraphQLFormattedError => formatError(error.toJSON(), error)),
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

function clientOf(params: SubgraphConnectionParams, extra: Extra): BaseContext['client'] {
  const ip = typeof params.client?.ip === 'string' ? params.client.ip : (extra.request.socket.remoteAddress ?? null);
  const userAgent = typeof params.client?.userAgent === 'string' ? params.client.userAgent : null;
  return { ip, userAgent };
}
