/** Apollo Server on node:http, without a web framework: running a request, and starting and stopping the server. */
import {
  HeaderMap,
  type ApolloServer,
  type BaseContext as ApolloBaseContext,
  type HTTPGraphQLResponse,
} from '@apollo/server';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { GraphQLWebSocket } from './graphql-ws.js';
import { clientAddress, type TrustedProxies } from './client-address.js';
import { closeServer, HttpError, listen, readBody, sendJson, type RunningHttpServer } from './http.js';

function toHeaderMap(req: IncomingMessage): HeaderMap {
  const headers = new HeaderMap();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    headers.set(name, Array.isArray(value) ? value.join(', ') : value);
  }
  return headers;
}

/**
 * Identical requests in flight share one execution: the first runs, the others wait for
 * its response and send it as their own. Which requests may share (and under which key)
 * is the caller's decision, through `keyOf`; only complete (non-streamed) responses are
 * shared, anything else runs again.
 */
export class InflightExecutions {
  private readonly inflight = new Map<string, Promise<HTTPGraphQLResponse>>();
  /** Requests answered by another one's execution, since start. */
  shared = 0;

  async run(key: string, execute: () => Promise<HTTPGraphQLResponse>): Promise<HTTPGraphQLResponse> {
    const running = this.inflight.get(key);
    if (running) {
      const response = await running;
      if (response.body.kind === 'complete') {
        this.shared += 1;
        return response;
      }
      return execute();
    }
    const execution = execute().finally(() => this.inflight.delete(key));
    this.inflight.set(key, execution);
    return execution;
  }
}

const encoded = new WeakMap<HTTPGraphQLResponse, Buffer>();

export interface ApolloRequestOptions {
  bodyLimitBytes?: number;
  /**
   * Looks at the request before Apollo Server parses anything: a refusal to send instead
   * (Apollo Server turns errors thrown by its own plugin hooks this early into a bare 500).
   */
  screen?: (request: { method: string; url: URL; body: unknown }) => { status: number; errors: unknown[] } | null;
  /** Shares the execution of identical requests in flight (see {@link InflightExecutions}). */
  deduplication?: {
    executions: InflightExecutions;
    /** The key under which this request may share, or null when it must run on its own. */
    keyOf(request: { req: IncomingMessage; url: URL; bodyText: string; body: unknown }): string | null;
  };
}

export async function executeApolloRequest<TContext extends ApolloBaseContext>(
  apollo: ApolloServer<TContext>,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  context: () => Promise<TContext>,
  options: ApolloRequestOptions = {},
): Promise<void> {
  let body: unknown;
  let bodyText = '';
  if (req.method === 'POST') {
    bodyText = await readBody(req, options.bodyLimitBytes);
    if (bodyText.length > 0) {
      try {
        body = JSON.parse(bodyText) as unknown;
      } catch {
        throw new HttpError(400, 'Request body is not valid JSON');
      }
    }
  }
  const refusal = options.screen?.({ method: req.method ?? 'GET', url, body });
  if (refusal) {
    sendJson(res, refusal.status, { errors: refusal.errors });
    return;
  }
  const execute = () =>
    apollo.executeHTTPGraphQLRequest({
      httpGraphQLRequest: { method: req.method ?? 'GET', headers: toHeaderMap(req), search: url.search, body },
      context,
    });
  const { deduplication } = options;
  const key = deduplication?.keyOf({ req, url, bodyText, body }) ?? null;
  const result = key === null ? await execute() : await deduplication!.executions.run(key, execute);
  for (const [name, value] of result.headers) res.setHeader(name, value);
  res.statusCode = result.status ?? 200;
  if (result.body.kind === 'complete') {
    // Encoded once, however many requests share the response.
    let bytes = encoded.get(result);
    if (!bytes) encoded.set(result, (bytes = Buffer.from(result.body.string, 'utf8')));
    res.setHeader('content-length', bytes.length);
    res.end(bytes);
    return;
  }
  for await (const chunk of result.body.asyncIterator) res.write(chunk);
  res.end();
}

/** The client's address (see {@link clientAddress}) and user agent. */
export function clientInfo(
  req: IncomingMessage,
  trusted: TrustedProxies,
): { ip: string | null; userAgent: string | null } {
  return { ip: clientAddress(req, trusted), userAgent: req.headers['user-agent'] ?? null };
}

/** Starting and stopping an Apollo service's HTTP server: see {@link apolloServerLifecycle}. */
export interface ApolloServerLifecycle {
  /** Starts Apollo (once), then listens on `port` (0 picks a free one). */
  start(port: number, host?: string): Promise<RunningHttpServer>;
  /** Ends the WebSockets first, then HTTP, then Apollo (when it started). */
  stop(): Promise<void>;
}

/**
 * The start and stop order the gateway and every subgraph share: Apollo is started before the
 * first request can arrive, and stopped only after no socket can reach it any more.
 */
export function apolloServerLifecycle<TContext extends ApolloBaseContext>(parts: {
  apollo: ApolloServer<TContext>;
  httpServer: Server;
  webSocket?: GraphQLWebSocket | undefined;
}): ApolloServerLifecycle {
  let started: Promise<void> | undefined;
  return {
    async start(port, host) {
      started ??= parts.apollo.start();
      await started;
      return listen(parts.httpServer, port, host);
    },
    async stop() {
      await parts.webSocket?.dispose();
      await closeServer(parts.httpServer);
      if (started) await parts.apollo.stop();
    },
  };
}
