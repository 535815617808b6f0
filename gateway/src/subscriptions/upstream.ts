/**
 * The gateway's side of a subgraph subscription: one graphql-ws connection to the subgraph
 * that owns the subscription's root field, opened for one client subscription, with the
 * gateway proof (audience = that subgraph) in `connection_init`. The subgraph fans events out;
 * this connection only carries the events of one subscriber.
 */
import { createClient, type Client, type FormattedExecutionResult } from 'graphql-ws';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import WebSocket from 'ws';

/** What the upstream connection delivers, in order. */
export type UpstreamItem =
  { kind: 'event'; result: FormattedExecutionResult } | { kind: 'error'; error: GraphQLError } | { kind: 'complete' };

export interface UpstreamOptions {
  /** The subgraph's GraphQL URL, http(s); the WebSocket URL is derived from it. */
  url: string;
  subgraph: string;
  /** Sent as the `connection_init` payload: `{ gatewayProof, requestId, client }`. */
  connectionParams: () => Promise<Record<string, unknown>>;
  query: string;
  operationName: string | undefined;
  variables: Record<string, unknown>;
  onItem: (item: UpstreamItem) => void;
  /** Told the details of a failure the client only sees as a generic error. */
  onFailure: (details: Record<string, unknown>) => void;
}

export interface Upstream {
  close(): Promise<void>;
}

const SUBGRAPH_SUBSCRIPTION_FAILED = 'SUBGRAPH_SUBSCRIPTION_FAILED';

/** http://host/graphql → ws://host/graphql, https → wss. */
function webSocketUrl(httpUrl: string): string {
  const url = new URL(httpUrl);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  return url.toString();
}

export function openUpstream(options: UpstreamOptions): Upstream {
  let settled = false;
  const client: Client = createClient({
    url: webSocketUrl(options.url),
    webSocketImpl: WebSocket,
    connectionParams: options.connectionParams,
    lazy: true,
    lazyCloseTimeout: 0,
    // A subgraph restart ends the subscription; the client resubscribes (through any replica).
    retryAttempts: 0,
    keepAlive: 10_000,
  });
  const unsubscribe = client.subscribe<Record<string, unknown>, Record<string, unknown>>(
    {
      query: options.query,
      ...(options.operationName ? { operationName: options.operationName } : {}),
      variables: options.variables,
    },
    {
      next: (result) => {
        if (!settled) options.onItem({ kind: 'event', result });
      },
      error: (error: unknown) => {
        if (settled) return;
        settled = true;
        options.onItem({ kind: 'error', error: upstreamError(error, options) });
      },
      complete: () => {
        if (settled) return;
        settled = true;
        options.onItem({ kind: 'complete' });
      },
    },
  );
  return {
    async close() {
      settled = true;
      unsubscribe();
      await client.dispose();
    },
  };
}

/**
 * The error the client sees. A GraphQL error from the subgraph (already masked there) keeps
 * its message and code; a closed or failed connection becomes a generic error, its details
 * logged.
 */
function upstreamError(error: unknown, options: UpstreamOptions): GraphQLError {
  if (Array.isArray(error) && error.length > 0 && (error as unknown[]).every(isFormattedError)) {
    const first = error[0] as GraphQLFormattedError;
    return new GraphQLError(first.message, { extensions: { ...(first.extensions ?? {}) } });
  }
  const close = error as { code?: unknown; reason?: unknown } | null;
  options.onFailure({
    subgraph: options.subgraph,
    ...(typeof close?.code === 'number'
      ? { code: close.code, reason: typeof close.reason === 'string' ? close.reason : '' }
      : {}),
    ...(error instanceof Error ? { err: error } : {}),
  });
  // Not a contract code: masked as INTERNAL_SERVER_ERROR outside development, details logged.
  return new GraphQLError('The source of the subscription ended unexpectedly', {
    extensions: { code: SUBGRAPH_SUBSCRIPTION_FAILED },
  });
}

function isFormattedError(item: unknown): item is GraphQLFormattedError {
  return typeof (item as { message?: unknown } | null)?.message === 'string';
}
