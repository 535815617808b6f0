/**
 * Prometheus metrics (prom-client). Each service instance owns its registry, so several
 * services can run in one process (tests) without colliding on metric names.
 */
import type { ApolloServerPlugin } from '@apollo/server';
import type { Knex } from 'knex';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

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

/** Apollo Server plugin recording operations, latency and error codes. */
export function metricsPlugin(metrics: ServiceMetrics): ApolloServerPlugin {
  return {
    async requestDidStart() {
      const started = process.hrtime.bigint();
      return {
        async willSendResponse(requestContext) {
          const operation = requestContext.operationName ?? 'anonymous';
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
