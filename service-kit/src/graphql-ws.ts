/**
 * graphql-ws (`graphql-transport-ws`) on a service's own node:http server, the one way the
 * gateway and every subgraph serve it: upgrades accepted on the GraphQL path only, errors
 * masked exactly as over HTTP, and every way a socket gets closed decided here.
 *
 * How a socket is closed:
 * - 4400, 4401, 4406, 4408, 4409, 4429: protocol violations, graphql-ws's own codes.
 * - 4403 Forbidden: the service refused `connection_init` (`onConnect` returned false).
 * - 4500 Internal server error: a hook threw unexpectedly. graphql-ws puts the error's
 *   message in the close reason unless it believes it runs in production, which it reads
 *   from `process.env.NODE_ENV`; here it follows `exposeInternals` instead, so a reason
 *   carries internals in development only, like GraphQL errors.
 * - 1009 Message too big: a frame larger than `maxPayloadBytes`, refused from its header, unread.
 * - 1001 Going away: the service is stopping (`dispose`); a socket that does not close
 *   within a grace period is terminated.
 */
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { CloseCode, type ServerOptions } from 'graphql-ws';
import { useServer, type Extra } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import type { Registry } from 'prom-client';
import { createErrorFormatter, ErrorCode } from './errors.js';
import type { Logger } from './logger.js';
import { registerSubscriptionMetrics } from './metrics.js';

/** The close codes the platform's graphql-ws endpoints use (see the module comment). */
export const WebSocketCloseCode = {
  /** The service is stopping. */
  GoingAway: 1001,
  /** `connection_init` refused: no valid credential (access token, gateway proof). */
  Forbidden: CloseCode.Forbidden,
  /** A hook failed unexpectedly; the reason names the error in development only. */
  InternalServerError: CloseCode.InternalServerError,
} as const;

/** graphql-ws's server options, less what {@link serveGraphQLWebSocket} decides itself. */
export type GraphQLWebSocketHooks<
  TParams extends Record<string, unknown> | undefined,
  TExtra extends Record<PropertyKey, unknown>,
> = Omit<ServerOptions<TParams, Extra & Partial<TExtra>>, 'onNext' | 'onError' | 'connectionInitWaitTimeout'>;

/**
 * Where and how a service serves graphql-ws, configured alike by the gateway and every
 * subgraph; each extends it with what its own hooks need.
 */
export interface GraphQLWebSocketSettings {
  httpServer: Server;
  /** The only path upgrades are accepted on; defaults to `/graphql`. */
  path?: string;
  logger: Logger;
  /** Development only: internal error messages in results and in 4500 close reasons. */
  exposeInternals?: boolean;
  /** How long a socket may stay without `connection_init` before 4408 (graphql-ws default: 3 s). */
  connectionInitWaitTimeoutMs?: number;
  /** Keep-alive ping interval (graphql-ws default: 12 s). */
  keepAliveMs?: number;
  /** Largest message accepted, in bytes; a larger frame closes the socket with 1009 unread (`ws` default: 100 MiB). */
  maxPayloadBytes?: number;
  /** Most open sockets in total; an upgrade beyond it is refused with HTTP 503. Unlimited by default. */
  maxConnections?: number;
  /** Most open sockets from one client address; an upgrade beyond it is refused with HTTP 429. Unlimited by default. */
  maxConnectionsPerClient?: number;
  /** The address connections are counted by; the socket's peer address by default. */
  clientAddress?: (request: IncomingMessage) => string;
  /** Most live subscriptions on one socket; the next `subscribe` gets SUBSCRIPTION_LIMIT_EXCEEDED. Unlimited by default. */
  maxSubscriptionsPerConnection?: number;
  /** Where `graphql_ws_connections` and `graphql_subscriptions_active` are reported (the service's registry). */
  metrics?: { registry: Registry };
}

export interface GraphQLWebSocket {
  /** Stops accepting upgrades, closes every socket (1001 Going away) and disposes graphql-ws. */
  dispose(): Promise<void>;
}

/**
 * Serves graphql-ws on `settings.path` of `settings.httpServer` (see the module comment for how
 * sockets close); `hooks` are what varies between services: `onConnect`, `onSubscribe`,
 * `schema`, `context`, `subscribe`.
 */
export function serveGraphQLWebSocket<
  TParams extends Record<string, unknown> | undefined = Record<string, unknown>,
  TExtra extends Record<PropertyKey, unknown> = Record<PropertyKey, never>,
>(settings: GraphQLWebSocketSettings, hooks: GraphQLWebSocketHooks<TParams, TExtra>): GraphQLWebSocket {
  const exposeInternals = settings.exposeInternals ?? false;
  const format = maskGraphQLError(createErrorFormatter({ logger: settings.logger, exposeInternals }));
  const wss = new WebSocketServer({
    noServer: true,
    ...(settings.maxPayloadBytes !== undefined ? { maxPayload: settings.maxPayloadBytes } : {}),
  });
  const detach = acceptUpgrades(settings, wss);
  const maxSubscriptions = settings.maxSubscriptionsPerConnection;
  // Connections that subscribed, for the gauges: graphql-ws's own record of each one's live
  // subscriptions (`ctx.subscriptions`, emptied as they complete) is read at scrape time.
  const subscribing = new Set<{ subscriptions: Record<string, unknown> }>();
  if (settings.metrics) {
    registerSubscriptionMetrics(settings.metrics.registry, () => {
      let subscriptions = 0;
      for (const ctx of subscribing) subscriptions += Object.keys(ctx.subscriptions).length;
      return { connections: wss.clients.size, subscriptions };
    });
  }
  const server = useServer<TParams, TExtra>(
    {
      ...hooks,
      onSubscribe: (ctx, id, payload) => {
        // graphql-ws has already reserved `id`, so the count includes this subscription.
        if (maxSubscriptions !== undefined && Object.keys(ctx.subscriptions).length > maxSubscriptions) {
          return [subscriptionLimitExceeded(maxSubscriptions)];
        }
        if (settings.metrics && !subscribing.has(ctx)) {
          subscribing.add(ctx);
          ctx.extra.socket.once('close', () => subscribing.delete(ctx));
        }
        return hooks.onSubscribe?.(ctx, id, payload);
      },
      ...(settings.connectionInitWaitTimeoutMs !== undefined
        ? { connectionInitWaitTimeout: settings.connectionInitWaitTimeoutMs }
        : {}),
      isProd: !exposeInternals,
      // Errors leave a service over WebSocket masked exactly as over HTTP.
      onNext: (_ctx, _id, _payload, _args, result) => {
        if (!result.errors || result.errors.length === 0) return undefined;
        return { ...result, errors: result.errors.map(format) };
      },
      onError: (_ctx, _id, _payload, errors) => errors.map(format),
    },
    wss,
    settings.keepAliveMs,
  );
  return {
    async dispose() {
      detach();
      await closeSockets(wss);
      await server.dispose();
    },
  };
}

/** The error formatter applied to a GraphQL error, or to one already formatted (relayed from a subgraph). */
function maskGraphQLError(
  formatError: ReturnType<typeof createErrorFormatter>,
): (error: GraphQLError | GraphQLFormattedError) => GraphQLFormattedError {
  return (error) => formatError(error instanceof GraphQLError ? error.toJSON() : error, error);
}

function subscriptionLimitExceeded(limit: number): GraphQLError {
  return new GraphQLError(`This connection already has ${limit} subscriptions: complete one before starting another`, {
    extensions: { code: ErrorCode.SubscriptionLimitExceeded, limit },
  });
}

/**
 * Accepts WebSocket upgrades on `settings.path` only (any other is refused with 400), within the
 * connection limits (see the module comment). Returns the detach.
 */
function acceptUpgrades(settings: GraphQLWebSocketSettings, wss: WebSocketServer): () => void {
  const path = settings.path ?? '/graphql';
  const clientAddress = settings.clientAddress ?? ((request: IncomingMessage) => request.socket.remoteAddress ?? '');
  const perClient = new Map<string, number>();
  let total = 0;
  const onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (new URL(request.url ?? '/', 'http://localhost').pathname !== path) {
      refuse(socket, '400 Bad Request');
      return;
    }
    const address = clientAddress(request);
    const fromClient = perClient.get(address) ?? 0;
    if (settings.maxConnectionsPerClient !== undefined && fromClient >= settings.maxConnectionsPerClient) {
      settings.logger.warn({ client: address }, 'refused a WebSocket upgrade: too many connections from this client');
      refuse(socket, '429 Too Many Requests');
      return;
    }
    if (settings.maxConnections !== undefined && total >= settings.maxConnections) {
      settings.logger.warn({ client: address }, 'refused a WebSocket upgrade: too many connections');
      refuse(socket, '503 Service Unavailable');
      return;
    }
    wss.handleUpgrade(request, socket, head, (ws) => {
      // Counted from the upgrade to the close, before (and whether or not) connection_init arrives.
      total += 1;
      perClient.set(address, (perClient.get(address) ?? 0) + 1);
      ws.once('close', () => {
        total -= 1;
        const left = (perClient.get(address) ?? 1) - 1;
        if (left > 0) perClient.set(address, left);
        else perClient.delete(address);
      });
      wss.emit('connection', ws, request);
    });
  };
  settings.httpServer.on('upgrade', onUpgrade);
  return () => settings.httpServer.off('upgrade', onUpgrade);
}

function refuse(socket: Duplex, status: string): void {
  socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}

/** Closes every socket of `wss` (1001 Going away), terminating those that do not close within `graceMs`. */
async function closeSockets(wss: WebSocketServer, graceMs = 1000): Promise<void> {
  const sockets = [...wss.clients];
  for (const socket of sockets) socket.close(WebSocketCloseCode.GoingAway, 'Going away');
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
