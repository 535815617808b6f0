/**
 * Subscriptions on a subgraph: graphql-ws (`graphql-transport-ws`) on the subgraph's own HTTP
 * server and GraphQL path. Like the HTTP endpoint, it serves the gateway only: the
 * `connection_init` payload must carry a valid gateway proof (`{ gatewayProof }`, audience =
 * this subgraph), or the socket is closed with 4403 Forbidden. The proof is checked once per
 * connection; the gateway opens one connection per client subscription, so the caller in the
 * context is the caller of that subscription. Upgrades, error masking and close codes are the
 * kit's `graphql-ws.ts`, shared with the gateway.
 *
 * Each event is executed in the trace its item was published in (the fan-out's
 * `publishedTrace`) and its `next` message carries that trace as `extensions.traceparent`
 * (and `tracestate`), which the gateway continues.
 */
import { randomUUID } from 'node:crypto';
import { context as traceContext } from '@opentelemetry/api';
import {
  createSourceEventStream,
  execute,
  type ExecutionArgs,
  type ExecutionResult,
  type GraphQLSchema,
} from 'graphql';
import type { Extra } from 'graphql-ws/use/ws';
import type { BaseContext } from './context.js';
import { publishedTrace } from './fan-out.js';
import type { Caller, GatewayProofVerifier } from './gateway-proof.js';
import { serveGraphQLWebSocket, type GraphQLWebSocket, type GraphQLWebSocketSettings } from './graphql-ws.js';
import { contextFromCarrier } from './telemetry/spans.js';

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
    subscribe: subscribeWithTraces,
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

/**
 * graphql-js's `subscribe` (the source stream, then each event executed with it as the root
 * value), except that an event published in a trace is executed in it and its result carries
 * it in `extensions`. An iterator rather than an async generator, so that a client's `complete`
 * ends the source at once instead of after its next event.
 */
async function subscribeWithTraces(
  args: ExecutionArgs,
): Promise<AsyncIterableIterator<ExecutionResult> | ExecutionResult> {
  const stream = await createSourceEventStream(args);
  if (!(Symbol.asyncIterator in stream)) return stream;
  const source = stream[Symbol.asyncIterator]();
  const done = async (): Promise<IteratorReturnResult<undefined>> => {
    await source.return?.();
    return { done: true, value: undefined };
  };
  const results: AsyncIterableIterator<ExecutionResult> = {
    async next() {
      const event = await source.next();
      if (event.done) return { done: true, value: undefined };
      const trace = publishedTrace(event.value);
      const run = () => execute({ ...args, rootValue: event.value }) as ExecutionResult | Promise<ExecutionResult>;
      if (!trace) return { done: false, value: await run() };
      const result = await traceContext.with(contextFromCarrier(trace), run);
      return { done: false, value: { ...result, extensions: { ...result.extensions, ...trace } } };
    },
    return: done,
    async throw(error?: unknown) {
      await done();
      throw error;
    },
    [Symbol.asyncIterator]: () => results,
  };
  return results;
}
