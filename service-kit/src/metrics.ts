/**
 * Prometheus metrics (prom-client). Each service instance owns its registry, so several
 * services can run in one process (tests) without colliding on metric names.
 */
import type { ApolloServerPlugin } from '@apollo/server';
import type { Knex } from 'knex';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { KNOWN_OPERATION_NAMES } from './__generated__/operations.js';

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
