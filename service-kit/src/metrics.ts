/**
 * Prometheus metrics (prom-client). Each service instance owns its registry, so several
 * services can run in one process (tests) without colliding on metric names; every series
 * carries the `service` label. What each metric means, and which dashboard or alert reads it,
 * is in docs/metrics.md (checked against the services by the e2e test that scrapes them).
 *
 * Gauges over shared state (the outbox, the event bus) are read when Prometheus scrapes, so
 * nothing polls between scrapes; a read that fails or takes longer than
 * {@link SCRAPE_READ_TIMEOUT_MS} leaves the gauge without series for that scrape (and logs why)
 * rather than report a stale value.
 */
import type { ApolloServerPlugin } from '@apollo/server';
import type { Knex } from 'knex';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { KNOWN_OPERATION_NAMES } from './__generated__/operations.js';
import { deadLetterTopic } from './events/topics.js';
import type { EventTransport } from './events/transport.js';
import type { Logger } from './logger.js';

export interface ServiceMetrics {
  registry: Registry;
  operations: Counter<'operation' | 'type' | 'outcome'>;
  operationDuration: Histogram<'operation' | 'type'>;
  errors: Counter<'code'>;
  httpRequests: Counter<'route' | 'status'>;
}

export function createMetrics(service: string, options: { defaultMetrics?: boolean } = {}): ServiceMetrics {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry });
  return {
    registry,
    operations: new Counter({
      name: 'graphql_operations_total',
      help: 'GraphQL operations executed, by operation name, type and outcome',
      labelNames: ['operation', 'type', 'outcome'],
      registers: [registry],
    }),
    operationDuration: new Histogram({
      name: 'graphql_operation_duration_seconds',
      help: 'GraphQL operation latency in seconds, by operation name and type',
      labelNames: ['operation', 'type'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    errors: new Counter({
      name: 'graphql_errors_total',
      help: 'GraphQL errors returned to callers, by extensions.code',
      labelNames: ['code'],
      registers: [registry],
    }),
    httpRequests: new Counter({
      name: 'http_requests_total',
      help: 'HTTP requests served, by route and status',
      labelNames: ['route', 'status'],
      registers: [registry],
    }),
  };
}

/** Exposes the knex connection pool (used, free, pending acquires) as gauges read at scrape time. */
export function registerPoolMetrics(metrics: ServiceMetrics, db: Knex): void {
  const pool = () =>
    (db.client as { pool?: { numUsed(): number; numFree(): number; numPendingAcquires(): number } }).pool;
  new Gauge({
    name: 'db_pool_connections',
    help: 'Database pool connections by state',
    labelNames: ['state'],
    registers: [metrics.registry],
    collect() {
      const current = pool();
      this.set({ state: 'used' }, current?.numUsed() ?? 0);
      this.set({ state: 'free' }, current?.numFree() ?? 0);
      this.set({ state: 'pending' }, current?.numPendingAcquires() ?? 0);
    },
  });
}

/** How the query planner names a subgraph fetch of a named operation: `<operation>__<subgraph>__<n>`. */
const SUBGRAPH_FETCH_NAME = /^(.+)__[A-Za-z0-9_]+__\d+$/;

/**
 * The `operation` label of an operation name. The client chooses the name, and every distinct
 * label value is a new series, so only the client contract's names (`supergraph/operations`)
 * are kept; any other name is `other`, no name `anonymous`. A subgraph sees the gateway's
 * fetches (`Roles__authz__0`), labelled by the client operation they serve (`Roles`).
 */
export function operationLabel(
  name: string | null | undefined,
  known: ReadonlySet<string> = KNOWN_OPERATION_NAMES,
): string {
  if (!name) return 'anonymous';
  if (known.has(name)) return name;
  const served = SUBGRAPH_FETCH_NAME.exec(name)?.[1];
  return served !== undefined && known.has(served) ? served : 'other';
}

/** Apollo Server plugin recording operations (labelled by {@link operationLabel}), latency and error codes. */
export function metricsPlugin(metrics: ServiceMetrics): ApolloServerPlugin {
  return {
    async requestDidStart() {
      const started = process.hrtime.bigint();
      return {
        async willSendResponse(requestContext) {
          const operation = operationLabel(requestContext.operationName);
          const type = requestContext.operation?.operation ?? 'unknown';
          const errors = requestContext.errors ?? [];
          const seconds = Number(process.hrtime.bigint() - started) / 1e9;
          metrics.operationDuration.observe({ operation, type }, seconds);
          metrics.operations.inc({ operation, type, outcome: errors.length > 0 ? 'error' : 'success' });
          for (const error of errors) {
            const code = error.extensions.code;
            metrics.errors.inc({ code: typeof code === 'string' ? code : 'INTERNAL_SERVER_ERROR' });
          }
        },
      };
    },
  };
}

/** How long a scrape-time read (a database count, Kafka offsets) may take before the gauge gives up. */
export const SCRAPE_READ_TIMEOUT_MS = 3_000;

function withinScrapeTimeout<T>(read: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${what} took over ${SCRAPE_READ_TIMEOUT_MS} ms`)),
      SCRAPE_READ_TIMEOUT_MS,
    );
  });
  return Promise.race([read, timeout]).finally(() => clearTimeout(timer));
}

/** The registry's metric of that name, created by `create` when it has none yet (several callers share it). */
function metricOnce<T>(registry: Registry, name: string, create: () => T): T {
  return (registry.getSingleMetric(name) as T | undefined) ?? create();
}

/**
 * `outbox_oldest_pending_age_seconds`: how long the oldest unpublished outbox row has waited
 * (0 when none), read at scrape time. `outbox_pending` (the relay's) says how many; this says
 * whether they are stuck: a broker down or a relay not running lets it grow without bound.
 */
export function registerOutboxAgeMetric(registry: Registry, db: Knex, logger: Logger): void {
  metricOnce(
    registry,
    'outbox_oldest_pending_age_seconds',
    () =>
      new Gauge({
        name: 'outbox_oldest_pending_age_seconds',
        help: 'Age in seconds of the oldest outbox event not yet published (0 when none), read at scrape time',
        registers: [registry],
        async collect() {
          try {
            const { rows } = await withinScrapeTimeout(
              db.raw<{ rows: { age: string | number | null }[] }>(
                'select extract(epoch from now() - min(created_at)) as age from outbox where published_at is null',
              ),
              'reading the oldest pending outbox row',
            );
            this.set(Math.max(0, Number(rows[0]?.age ?? 0)));
          } catch (error) {
            this.reset();
            logger.warn({ err: error }, 'could not read the age of the oldest pending outbox row');
          }
        },
      }),
  );
}

/** A consumer group reading `topics` through `transport`, whose backlog a service reports. */
export interface ConsumerBacklogSource {
  groupId: string;
  topics: readonly string[];
  transport: EventTransport;
}

const backlogSources = new WeakMap<Registry, ConsumerBacklogSource[]>();

/**
 * Reports a consumer group's backlog at scrape time, per topic:
 * - `events_consumer_lag{consumer, topic}`: messages published and not yet consumed by the
 *   group (Kafka: end offsets less the group's committed offsets, through the admin API; the
 *   in-process bus: messages behind the group's position);
 * - `events_dead_letter_messages{topic}`: messages parked on the topic's `<topic>.dlq`.
 * Every consumer of a service registers here; the two gauges read them all.
 */
export function registerConsumerBacklog(registry: Registry, source: ConsumerBacklogSource, logger: Logger): void {
  const sources = backlogSources.get(registry) ?? [];
  backlogSources.set(registry, sources);
  if (!sources.some((known) => known.groupId === source.groupId && known.transport === source.transport)) {
    sources.push(source);
  }
  metricOnce(
    registry,
    'events_consumer_lag',
    () =>
      new Gauge({
        name: 'events_consumer_lag',
        help: 'Messages published and not yet consumed, by consumer group and topic (summed over partitions), read at scrape time',
        labelNames: ['consumer', 'topic'],
        registers: [registry],
        async collect() {
          this.reset();
          for (const { groupId, topics, transport } of backlogSources.get(registry) ?? []) {
            try {
              const lag = await withinScrapeTimeout(transport.consumerLag(groupId, topics), 'reading consumer lag');
              for (const [topic, messages] of Object.entries(lag)) this.set({ consumer: groupId, topic }, messages);
            } catch (error) {
              logger.warn({ err: error, consumer: groupId }, 'could not read the consumer lag');
            }
          }
        },
      }),
  );
  metricOnce(
    registry,
    'events_dead_letter_messages',
    () =>
      new Gauge({
        name: 'events_dead_letter_messages',
        help: 'Messages parked on a dead-letter topic (<topic>.dlq) of a topic this service consumes, read at scrape time',
        labelNames: ['topic'],
        registers: [registry],
        async collect() {
          this.reset();
          const bySource = backlogSources.get(registry) ?? [];
          const transports = new Map<EventTransport, Set<string>>();
          for (const { topics, transport } of bySource) {
            const set = transports.get(transport) ?? new Set<string>();
            for (const topic of topics) set.add(deadLetterTopic(topic));
            transports.set(transport, set);
          }
          for (const [transport, topics] of transports) {
            try {
              const sizes = await withinScrapeTimeout(transport.topicSizes([...topics]), 'reading dead-letter topics');
              for (const [topic, messages] of Object.entries(sizes)) this.set({ topic }, messages);
            } catch (error) {
              logger.warn({ err: error }, 'could not read the dead-letter topic sizes');
            }
          }
        },
      }),
  );
}

/**
 * `graphql_ws_connections` and `graphql_subscriptions_active`: open graphql-ws sockets and the
 * live subscriptions on them, read at scrape time from `current` (the graphql-ws server's own
 * record, see graphql-ws.ts). The gateway and every subgraph with subscriptions report them.
 */
export function registerSubscriptionMetrics(
  registry: Registry,
  current: () => { connections: number; subscriptions: number },
): void {
  new Gauge({
    name: 'graphql_ws_connections',
    help: 'Open graphql-ws (graphql-transport-ws) connections',
    registers: [registry],
    collect() {
      this.set(current().connections);
    },
  });
  new Gauge({
    name: 'graphql_subscriptions_active',
    help: 'Live GraphQL subscriptions over graphql-ws',
    registers: [registry],
    collect() {
      this.set(current().subscriptions);
    },
  });
}

/**
 * A counter whose series for `values` exist from the start at 0, so that `rate()` and
 * `increase()` see the first event (a series born at 1 hides it) and dashboards show 0, not "no data".
 */
export function zeroedCounter<L extends string>(
  registry: Registry,
  options: { name: string; help: string; labelNames?: readonly L[] },
  values: readonly Partial<Record<L, string>>[] = [{}],
): Counter<L> {
  const counter = new Counter<L>({
    name: options.name,
    help: options.help,
    labelNames: options.labelNames ?? [],
    registers: [registry],
  });
  for (const labels of values) counter.inc(labels as Partial<Record<L, string | number>>, 0);
  return counter;
}
