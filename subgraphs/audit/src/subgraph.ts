/**
 * The audit subgraph: the append-only, hash-chained log of every security-relevant action,
 * which callers holding the right permissions query, verify and stream live.
 *
 * It migrates as the database owner, ensures the application role, then works as that role,
 * which may only read and append (`workingDatabase`). It reads every domain topic twice (see
 * `consumers.ts`), serves `POST /internal/audit/events` to the platform's services, and
 * exposes to its host (tests, the in-process launcher) `record`, `stream` and `verifyChain`.
 */
import { buildSubgraphSchema } from '@apollo/subgraph';
import {
  defineSubgraph,
  env,
  loadSchema,
  pruneProcessedEventsPeriodically,
  type Database,
  type ServiceMetrics,
} from '@platform/service-kit';
import type { GraphQLSchema } from 'graphql';
import { Counter } from 'prom-client';
import { z } from 'zod';
import { createChainMonitor } from './chain-monitor.js';
import { createAuditConsumers } from './consumers.js';
import { createContextFactory } from './context.js';
import { appDatabaseUrl, ensureAppRole, excessPrivileges, ROLE_NAME_PATTERN } from './domain/app-role.js';
import { recordAuditEvent, type AuditEventInput, type RecordOptions, type RecordResult } from './domain/record.js';
import { createAuditStream } from './domain/stream.js';
import { createInternalRoutes } from './internal/routes.js';
import { resolvers } from './resolvers/index.js';
import { createAuditLogStore } from './stores/audit-log-store.js';

/** `recordAuditEvent`, counting each result in `audit_events_recorded_total`. */
function countedRecording(db: Database, metrics: ServiceMetrics) {
  const recorded = new Counter({
    name: 'audit_events_recorded_total',
    help: 'Audit events received, by result (recorded, duplicate, invalid, failed)',
    labelNames: ['result'],
    registers: [metrics.registry],
  });
  return async (input: AuditEventInput, options: RecordOptions = {}): Promise<RecordResult> => {
    try {
      const result = await recordAuditEvent(db, input, options);
      recorded.inc({ result: result.recorded ? 'recorded' : 'duplicate' });
      return result;
    } catch (error) {
      recorded.inc({ result: (error as Error).name === 'InvalidAuditEventError' ? 'invalid' : 'failed' });
      throw error;
    }
  };
}

export const auditSubgraph = defineSubgraph({
  name: 'audit',
  port: 4004,
  schema: new URL('./schema.graphql', import.meta.url),
  migrations: new URL('../../../migrations/audit/', import.meta.url),
  resolvers,
  config: {
    APP_DATABASE_URL: env.postgresUrl
      .optional()
      .describe(
        'The restricted role the service works as; by default `DATABASE_URL` as `AUDIT_APP_ROLE` with `AUDIT_APP_PASSWORD`',
      ),
    AUDIT_APP_ROLE: z
      .string()
      .regex(ROLE_NAME_PATTERN, 'must be a lower-case Postgres role name (letters, digits, _)')
      .default('audit_app')
      .describe(
        'The application role (SELECT and INSERT on audit_log only), created or updated at start when `AUDIT_APP_PASSWORD` is set',
      ),
    AUDIT_APP_PASSWORD: z
      .string()
      .min(16, 'must be at least 16 characters')
      .optional()
      .describe("The application role's password (16+ characters); required unless `APP_DATABASE_URL` is set"),
  },
  validate(config) {
    const problems: Record<string, string> = {};
    if (config.APP_DATABASE_URL === undefined && config.AUDIT_APP_PASSWORD === undefined) {
      problems.AUDIT_APP_PASSWORD =
        'is required unless APP_DATABASE_URL is set: the service works as a role that may only read and append to the log';
    }
    return problems;
  },
  // The services that may record audit events over the internal API; any other name is a typo.
  internalApi: { callers: ['identity', 'auth', 'authz', 'gateway'] },
  // `npm start` generates the application role's password once and keeps it with the data.
  development: { secrets: ['AUDIT_APP_PASSWORD'] },
  // auditEvents reaches the gateway over graphql-ws, with the gateway's proof in connection_init.
  subscriptions: true,
  // It records every event and writes none: no outbox, no relay.
  publishes: false,
  // The owner has migrated; it grants, then leaves: the service works as the application role.
  async workingDatabase(owner, config) {
    if (config.AUDIT_APP_PASSWORD !== undefined) {
      await ensureAppRole(owner, config.AUDIT_APP_ROLE, config.AUDIT_APP_PASSWORD);
    }
    return (
      config.APP_DATABASE_URL ??
      appDatabaseUrl(config.DATABASE_URL, config.AUDIT_APP_ROLE, config.AUDIT_APP_PASSWORD ?? '')
    );
  },
  async setup({ config, db, logger, metrics, events, authenticateService, onStart, onStop }) {
    const privileges = await excessPrivileges(db);
    if (privileges.excess) {
      logger.warn(
        { role: privileges.role },
        'the database role can change or remove audit_log rows: only the triggers protect the log; use a role with SELECT and INSERT only',
      );
    }

    const stream = createAuditStream();
    const recordCounted = countedRecording(db, metrics);
    // Recorded outside the bus (internal API): only this replica's subscribers can be told.
    const record = (input: AuditEventInput) => recordCounted(input, { stream });
    const consumers = createAuditConsumers({
      db,
      logger,
      metrics,
      transport: events.transport,
      stream,
      record: recordCounted,
    });
    onStop(() => stream.close());
    onStart(() => consumers.start());
    // Registered last, so it runs first: the consumers stop before the stream closes.
    onStop(() => consumers.stop());
    // The kit prunes the consumers it runs; these are audit's own.
    const pruning = pruneProcessedEventsPeriodically(db, config.PROCESSED_EVENTS_RETENTION_HOURS, logger);
    onStart(pruning.start);
    onStop(pruning.stop);

    const chain = createChainMonitor({ db, registry: metrics.registry, logger });
    onStart(chain.start);
    onStop(chain.stop);

    const auditLog = createAuditLogStore(db);
    return {
      context: createContextFactory({ db, auditLog, stream, verifyChain: chain.verify }),
      routes: createInternalRoutes({ authenticateService, record }),
      exposed: {
        /** Records one event (idempotent on its id) and publishes it to `stream`. */
        record,
        /** Recorded events as they are recorded; subscriptions read it. Closed when the subgraph stops. */
        stream,
        /** Recomputes the hash chain (as `Query.verifyAuditChain` does), counted like it. */
        verifyChain: chain.verify,
      },
    };
  },
});

/**
 * The executable subgraph schema, for running operations in process, subscriptions
 * included (`graphql`'s `subscribe()` with a context from `createContextFactory`).
 */
export function buildAuditSchema(): GraphQLSchema {
  return buildSubgraphSchema({ typeDefs: loadSchema(auditSubgraph.schema), resolvers });
}
