/**
 * Builds the audit subgraph: the database (migrated as its owner when configured, then the
 * application role ensured), the GraphQL endpoint behind the gateway proof, the internal
 * recording API, and the in-process stream subscriptions read. Building is separate from
 * listening; `main.ts` starts what this returns.
 *
 * `createAuditServer` returns an {@link AuditServer}: a `SubgraphServer` (start/stop) that
 * also records events (`record`, for the event consumer), exposes the live `stream`, and
 * verifies the chain (`verifyChain`).
 */
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { buildSubgraphSchema } from '@apollo/subgraph';
import type { GraphQLSchema } from 'graphql';
import { Counter } from 'prom-client';
import {
  createDatabase,
  createGatewayProofVerifier,
  createLogger,
  createMetrics,
  createSubgraphServer,
  isDatabaseReachable,
  loadSchema,
  migrateToLatest,
  registerPoolMetrics,
  type Database,
  type Logger,
  type SubgraphServer,
} from '@platform/service-kit';
import type { AuditConfig } from './config.js';
import { createContextFactory, type Context } from './context.js';
import { appDatabaseUrl, ensureAppRole, excessPrivileges } from './domain/app-role.js';
import { fromCloudEvent, recordAuditEvent, type AuditEventInput, type RecordResult } from './domain/record.js';
import {
  createEventConsumer,
  createEventTransport,
  EVENT_TYPES,
  parseEvent,
  topicForType,
  type EventTransport,
} from '@platform/service-kit/events';
import { createAuditStream, type AuditStream } from './domain/stream.js';
import { verifyAuditChain, type ChainVerification } from './domain/verify.js';
import { createInternalRoutes } from './internal/routes.js';
import { resolvers } from './resolvers/index.js';
import { createAuditLogStore } from './stores/audit-log-store.js';

export type { AuditConfig } from './config.js';
export { createContextFactory, type Context } from './context.js';
export { appDatabaseUrl, ensureAppRole } from './domain/app-role.js';
export { canonicalJson, chainHash, GENESIS_HASH } from './domain/chain.js';
export {
  actionFromType,
  fromCloudEvent,
  InvalidAuditEventError,
  recordAuditEvent,
  type AuditEventInput,
  type RecordOptions,
  type RecordResult,
  type StructuredCloudEvent,
} from './domain/record.js';
export {
  AuditStreamOverflowError,
  createAuditStream,
  type AuditStream,
  type AuditStreamFilter,
} from './domain/stream.js';
export { verifyAuditChain, type ChainVerification } from './domain/verify.js';
export type { AuditEventModel } from './mappers.js';

export const SUBGRAPH_NAME = 'audit';

const MIGRATIONS_FOLDER = fileURLToPath(new URL('../../../migrations/audit/', import.meta.url));
const TYPE_DEFS = loadSchema(new URL('./schema.graphql', import.meta.url));

/** Applies audit's pending migrations to `db` (the owner); returns the names applied. */
export function migrateAuditDatabase(db: Database): Promise<string[]> {
  return migrateToLatest(db, MIGRATIONS_FOLDER);
}

/**
 * The executable subgraph schema, for running operations in process, subscriptions
 * included (`graphql`'s `subscribe()` with a context from `createContextFactory`).
 */
export function buildAuditSchema(): GraphQLSchema {
  return buildSubgraphSchema({ typeDefs: TYPE_DEFS, resolvers });
}

export interface AuditServerDependencies {
  /** Where logs go; by default a JSON logger on stdout at `LOG_LEVEL`. */
  logger?: Logger;
  /** The live feed; by default a new one (pass one to share it with an event consumer built elsewhere). */
  stream?: AuditStream;
  /** The event bus to consume from; by default Kafka (KAFKA_BROKERS) or a private in-process bus. */
  eventTransport?: EventTransport;
}

/** Every domain topic: the audit log records every event the platform publishes. */
const AUDITED_TOPICS = [...new Set(EVENT_TYPES.map((type) => topicForType(type)))];

export interface AuditServer extends SubgraphServer {
  /** Records one event (idempotent on its id) and publishes it to `stream`: what the event consumer calls. */
  record(input: AuditEventInput): Promise<RecordResult>;
  /** Recorded events as they are recorded; subscriptions read it. Closed when the server stops. */
  stream: AuditStream;
  /** Recomputes the hash chain (as `Query.verifyAuditChain` does). */
  verifyChain(): Promise<ChainVerification>;
}

export async function createAuditServer(
  config: AuditConfig,
  dependencies: AuditServerDependencies = {},
): Promise<AuditServer> {
  const logger = dependencies.logger ?? createLogger({ service: SUBGRAPH_NAME, level: config.LOG_LEVEL });
  const metrics = createMetrics(SUBGRAPH_NAME);
  const stream = dependencies.stream ?? createAuditStream();
  const recorded = new Counter({
    name: 'audit_events_recorded_total',
    help: 'Audit events received, by result (recorded, duplicate, invalid, failed)',
    labelNames: ['result'],
    registers: [metrics.registry],
  });

  // The owner migrates and grants, then leaves: the service works as the application role.
  const owner = createDatabase({ url: config.DATABASE_URL, poolMax: 1, applicationName: `${SUBGRAPH_NAME}-owner` });
  try {
    if (config.MIGRATE_ON_START) {
      const applied = await migrateToLatest(owner, MIGRATIONS_FOLDER);
      if (applied.length > 0) logger.info({ migrations: applied }, 'database migrated');
    }
    if (config.AUDIT_APP_PASSWORD !== undefined) {
      await ensureAppRole(owner, config.AUDIT_APP_ROLE, config.AUDIT_APP_PASSWORD);
    }
  } finally {
    await owner.destroy();
  }

  const url =
    config.APP_DATABASE_URL ??
    appDatabaseUrl(config.DATABASE_URL, config.AUDIT_APP_ROLE, config.AUDIT_APP_PASSWORD ?? '');
  const db = createDatabase({ url, poolMax: config.DATABASE_POOL_MAX, applicationName: SUBGRAPH_NAME });
  registerPoolMetrics(metrics, db);
  const closeResources = async () => {
    stream.close();
    await db.destroy();
  };

  try {
    const privileges = await excessPrivileges(db);
    if (privileges.excess) {
      logger.warn(
        { role: privileges.role },
        'the database role can change or remove audit_log rows: only the triggers protect the log; use a role with SELECT and INSERT only',
      );
    }

    // Records without touching the live stream: the per-replica live consumer (below) feeds
    // it, so each replica's subscribers see every event exactly once.
    const recordOnly = async (input: AuditEventInput): Promise<RecordResult> => {
      try {
        const result = await recordAuditEvent(db, input);
        recorded.inc({ result: result.recorded ? 'recorded' : 'duplicate' });
        return result;
      } catch (error) {
        recorded.inc({ result: (error as Error).name === 'InvalidAuditEventError' ? 'invalid' : 'failed' });
        throw error;
      }
    };
    const auditLog = createAuditLogStore(db);
    const record = async (input: AuditEventInput): Promise<RecordResult> => {
      const result = await recordOnly(input);
      // Recorded outside the bus (internal API): only this replica's subscribers can be told.
      if (result.recorded) stream.publish(result.event);
      return result;
    };

    // Every domain event becomes an audit row. Delivery is at least once; the log itself is
    // idempotent on the event id and processed_events keeps redeliveries from costing a lock.
    const transport =
      dependencies.eventTransport ??
      createEventTransport({ kafkaBrokers: config.KAFKA_BROKERS, clientId: SUBGRAPH_NAME, logger });
    const consumer = createEventConsumer({
      groupId: 'audit.log',
      topics: AUDITED_TOPICS,
      db,
      logger,
      transport,
      metrics: { registry: metrics.registry },
      handler: async (event) => {
        await recordOnly(fromCloudEvent(event));
      },
    });
    await consumer.start();
    // Live fan-out: every replica reads every event in a consumer group of its own, so
    // subscribers get events wherever they are connected. Recording is idempotent and
    // serialised: whichever consumer comes first writes the row, the other finds it.
    const recentlyStreamed = new Set<string>();
    const live = await transport.subscribe({
      groupId: `audit.live.${randomUUID()}`,
      topics: AUDITED_TOPICS,
      handle: async (message) => {
        let input: AuditEventInput;
        try {
          input = fromCloudEvent(parseEvent(message.value));
        } catch (error) {
          logger.warn({ err: error, topic: message.topic }, 'live audit feed skipped an invalid event');
          return;
        }
        // Delivery is at least once: a redelivered event is streamed once.
        if (recentlyStreamed.has(input.eventId)) return;
        const result = await recordOnly(input);
        if (recentlyStreamed.size >= 10_000) recentlyStreamed.clear();
        recentlyStreamed.add(input.eventId);
        stream.publish(result.event);
      },
    });
    const stopConsuming = async () => {
      await live.stop();
      await consumer.stop();
      if (!dependencies.eventTransport) await transport.close();
    };

    const server = createSubgraphServer<Context>({
      name: SUBGRAPH_NAME,
      // auditEvents reaches the gateway over graphql-ws, with the gateway's proof in connection_init.
      subscriptions: true,
      typeDefs: TYPE_DEFS,
      resolvers,
      logger,
      metrics,
      proofVerifier: createGatewayProofVerifier({ jwks: config.GATEWAY_PUBLIC_JWKS, audience: SUBGRAPH_NAME }),
      exposeInternals: config.NODE_ENV === 'development',
      createContext: createContextFactory({ db, auditLog, stream }),
      readinessChecks: { database: () => isDatabaseReachable(db) },
      routes: createInternalRoutes({ credentials: config.INTERNAL_API_CREDENTIALS, record }),
      onStop: async () => {
        await stopConsuming();
        await closeResources();
      },
    });
    return { ...server, record, stream, verifyChain: () => verifyAuditChain(db) };
  } catch (error) {
    await closeResources();
    throw error;
  }
}
