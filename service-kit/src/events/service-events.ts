/**
 * A service's event plumbing (ADR 0002): events are written to the outbox in the
 * transaction of the change they record (`enqueue(trx, ...)`) and published by the outbox
 * relay through Kafka (`KAFKA_BROKERS`) or, without brokers, the in-process bus.
 */
import type { BaseContext } from '../context.js';
import type { Database } from '../database.js';
import type { Logger } from '../logger.js';
import type { ServiceMetrics } from '../metrics.js';
import type { SubgraphServer } from '../subgraph-server.js';
import { createOutboxRelay, type OutboxRelay } from './relay.js';
import { createEventTransport, type EventTransport } from './transport.js';
import type { RequestContext } from './types.js';
import { activeTraceIds } from '../telemetry/spans.js';

const MAX_REQUEST_ID_LENGTH = 128;
const MAX_IP_LENGTH = 64;
const MAX_USER_AGENT_LENGTH = 512;

const cut = (value: string | null, length: number): string | null => (value === null ? null : value.slice(0, length));

/** The `context` of an event caused by this request, cut to what the catalog allows. */
export function requestContextOf(base: Pick<BaseContext, 'requestId' | 'client'>): RequestContext {
  return {
    requestId: base.requestId ? base.requestId.slice(0, MAX_REQUEST_ID_LENGTH) : null,
    // The trace of the request (when tracing), which audit records beside the request id.
    traceId: activeTraceIds()?.traceId ?? null,
    ip: cut(base.client.ip, MAX_IP_LENGTH),
    userAgent: cut(base.client.userAgent, MAX_USER_AGENT_LENGTH),
  };
}

/** The `context` of an event no request caused (seeding). */
export const NO_REQUEST: RequestContext = { requestId: null, traceId: null, ip: null, userAgent: null };

export interface ServiceEvents {
  transport: EventTransport;
  relay: OutboxRelay;
  /** Stops the relay, then closes the transport unless it was given to us. */
  stop(): Promise<void>;
}

/** The transport (the one given, else Kafka or the in-process bus) and the outbox relay publishing through it. */
export function createServiceEvents(options: {
  db: Database;
  logger: Logger;
  metrics: ServiceMetrics;
  clientId: string;
  kafkaBrokers: readonly string[] | undefined;
  transport: EventTransport | undefined;
  /** False for a service without an outbox: the relay is never started and reports no metrics. */
  publishes?: boolean;
}): ServiceEvents {
  const owned = options.transport === undefined;
  const transport =
    options.transport ??
    createEventTransport({ kafkaBrokers: options.kafkaBrokers, clientId: options.clientId, logger: options.logger });
  const relay = createOutboxRelay({
    db: options.db,
    service: options.clientId,
    publisher: transport,
    logger: options.logger,
    ...(options.publishes === false ? {} : { metrics: { registry: options.metrics.registry } }),
  });
  return {
    transport,
    relay,
    async stop() {
      await relay.stop();
      if (owned) await transport.close();
    },
  };
}

/** A subgraph server that publishes its outbox: the relay starts once the server listens. */
export interface PublishingServer extends SubgraphServer {
  /** Where the service's events are published (the one given in the dependencies, or its own). */
  eventTransport: EventTransport;
  /** Publishes the outbox; started with the server, stopped with it (in `events.stop()`). */
  outboxRelay: OutboxRelay;
}

/** `server`, whose `start` also starts the outbox relay of `events`. */
export function withOutboxRelay(server: SubgraphServer, events: ServiceEvents): PublishingServer {
  return {
    ...server,
    async start(port, host) {
      const running = await server.start(port, host);
      events.relay.start();
      return running;
    },
    eventTransport: events.transport,
    outboxRelay: events.relay,
  };
}
