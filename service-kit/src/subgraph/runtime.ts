/**
 * Builds and runs a subgraph from its definition. The setup, readiness and stop order live
 * here once, for every subgraph:
 *
 *   build:  logger, metrics → database (migrated; working role if declared) → events (relay)
 *           → jobs (pg-boss schema, queues, schedules) → definition.setup → consumers
 *           → HTTP server (GraphQL behind the gateway proof)
 *   start:  Apollo, listen → outbox relay → consumers → job workers → the definition's onStart hooks
 *   stop:   HTTP and subscriptions → consumers → job workers (in-flight jobs drain) →
 *           onStop hooks (last registered first) → relay and transport → Redis → database
 *
 * A failure while building closes whatever was opened, in the same order.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'graphql';
import { z } from 'zod';
import { loadConfig, type Environment } from '../config.js';
import type { BaseContext } from '../context.js';
import {
  createDatabase,
  isDatabaseReachable,
  migrateToLatest,
  waitForDatabase,
  waitForMigrations,
  type Database,
} from '../database.js';
import { createEventConsumer, pruneProcessedEvents, type EventConsumer } from '../events/consumer.js';
import { createServiceEvents, type ServiceEvents } from '../events/service-events.js';
import { topicForType } from '../events/topics.js';
import type { EventTransport } from '../events/transport.js';
import type { AnyCloudEvent, EventType } from '../events/types.js';
import { createGatewayProofVerifier } from '../gateway-proof.js';
import type { RunningHttpServer } from '../http.js';
import type { JobDeclaration, JobDeclarations, JobHandler, JobSender } from '../jobs/definition.js';
import { jobsAdminRoutes } from '../jobs/admin.js';
import { createJobs, type Jobs } from '../jobs/runtime.js';
import { runService } from '../lifecycle.js';
import { createLogger, type Logger } from '../logger.js';
import { createMetrics, registerPoolMetrics, type ServiceMetrics } from '../metrics.js';
import { createRedis, isRedisReachable, type RedisClient } from '../redis.js';
import { authenticateService, createInternalClient } from '../service-credentials.js';
import { createSubgraphServer, type SubgraphServer } from '../subgraph-server.js';
import {
  calledService,
  internalCallVariables,
  runsJobs,
  subgraphConfigSchema,
  type AnySubgraphDefinition,
  type BaseSubgraphConfig,
  type ConsumedEventHandler,
  type InternalService,
  type SubgraphConfig,
  type SubgraphDefinition,
} from './definition.js';

/** The kit's own job: consumers forget event ids older than the retention, hourly. */
export const PRUNE_PROCESSED_EVENTS_QUEUE = 'kit.prune-processed-events';

const pruneProcessedEventsJob: JobDeclaration = {
  data: z.object({}),
  // Hourly at minute 7 UTC; a run missed while every replica was down is made up once.
  schedule: { cron: '7 * * * *', tz: 'UTC', missed: 'once' },
  // One pass at a time: a second replica's run would only find nothing to delete.
  policy: 'singleton',
};

/** How often audit's own consumers forget old event ids (see `pruneProcessedEventsPeriodically`). */
const PRUNE_INTERVAL_MS = 60 * 60 * 1000;

/** The kit's jobs variables, parsed (present when the definition runs jobs). */
interface JobsConfig {
  JOBS_ENABLED: boolean;
  JOBS_CONCURRENCY: number;
  JOBS_POLLING_INTERVAL_SECONDS: number;
  JOBS_SHUTDOWN_SECONDS: number;
}

// The parts of a definition's type that its host sees: variables, exposed API, overrides.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type ShapeOf<D> = D extends SubgraphDefinition<infer Shape, any, any, any, any> ? Shape : never;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type ExposedOf<D> = D extends SubgraphDefinition<any, any, any, infer Exposed, any> ? Exposed : never;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type OverridesOf<D> = D extends SubgraphDefinition<any, any, any, any, infer Overrides> ? Overrides : never;

/** A definition's parsed configuration. */
export type ConfigOf<D extends AnySubgraphDefinition> = SubgraphConfig<ShapeOf<D>>;

/** Reads and validates a subgraph's configuration; throws one `ConfigError` listing every problem. */
export function loadSubgraphConfig<D extends AnySubgraphDefinition>(
  definition: D,
  environment: Environment = process.env,
): ConfigOf<D> {
  return loadConfig(subgraphConfigSchema(definition), environment) as unknown as ConfigOf<D>;
}

export interface SubgraphHostOptions<Overrides> {
  /** Where logs go; by default JSON on stdout at `LOG_LEVEL`. */
  logger?: Logger;
  /**
   * The bus to publish to and consume from; by default Kafka (`KAFKA_BROKERS`) or a private
   * in-process bus. A transport given here is shared (tests, one process running several
   * services) and is not closed when the subgraph stops.
   */
  eventTransport?: EventTransport;
  /** Replacements for the subgraph's own collaborators (see its definition's `Overrides`). */
  overrides?: Partial<Overrides>;
}

/** A built subgraph: the server, its event plumbing, and what its definition exposes. */
export interface Subgraph<Exposed = unknown> extends SubgraphServer {
  name: string;
  eventTransport: EventTransport;
  outboxRelay: ServiceEvents['relay'];
  /** The subgraph's consumers (empty when it consumes nothing); `ready` resolves once they receive. */
  consumers: readonly EventConsumer[];
  /** Sends to any of its job queues, the kit's own included (a test runs a scheduled job now); null without jobs. */
  jobs: JobSender<JobDeclarations> | null;
  exposed: Exposed;
}

function closeRedis(client: RedisClient): Promise<unknown> {
  return client.quit().catch(() => client.disconnect());
}

/** Builds a subgraph from its definition and configuration; `start` listens. */
export async function createSubgraph<D extends AnySubgraphDefinition>(
  definition: D,
  config: ConfigOf<D>,
  host: SubgraphHostOptions<OverridesOf<D>> = {},
): Promise<Subgraph<ExposedOf<D>>> {
  const { name } = definition;
  const base = config as unknown as BaseSubgraphConfig;
  const logger = host.logger ?? createLogger({ service: name, level: base.LOG_LEVEL });
  const metrics = createMetrics(name);
  const stopHooks: (() => Promise<void> | void)[] = [];
  const startHooks: (() => Promise<void> | void)[] = [];
  // Held in an object: setup connects Redis lazily, inside a closure.
  const shared: { redis: RedisClient | null } = { redis: null };
  let events: ServiceEvents | null = null;
  let db: Database | null = null;
  let jobs: Jobs | null = null;

  const closeResources = async () => {
    // Running jobs may use what the subgraph's hooks close: they drain first.
    await jobs?.stop();
    // The subgraph's own hooks first: consumers it runs itself still have the transport.
    for (const stop of stopHooks.reverse()) await stop();
    // Events committed so far stay in the outbox; the next start publishes them.
    await events?.stop();
    if (shared.redis) await closeRedis(shared.redis);
    await db?.destroy();
  };

  try {
    db = createDatabase({ url: base.DATABASE_URL, poolMax: base.DATABASE_POOL_MAX, applicationName: name });
    // Postgres may still be starting (compose and Kubernetes start containers in any order).
    await waitForDatabase(db, logger);
    if (base.MIGRATE_ON_START) {
      const applied = await migrateToLatest(db, fileURLToPath(definition.migrations));
      if (applied.length > 0) logger.info({ migrations: applied }, 'database migrated');
    } else {
      // Migrations run elsewhere (a Job per version): this code needs its schema in place first.
      await waitForMigrations(db, fileURLToPath(definition.migrations), logger);
    }
    if (definition.workingDatabase) {
      const owner: Database = db;
      const url = await definition.workingDatabase(owner, config, logger);
      db = null;
      await owner.destroy();
      db = createDatabase({ url, poolMax: base.DATABASE_POOL_MAX, applicationName: name });
      // Its first connection too may be slow on a busy host (a 10 s acquire timeout restarted
      // audit in the container smoke test).
      await waitForDatabase(db, logger);
    }
    const database: Database = db;
    registerPoolMetrics(metrics, database);
    await requireEventTables(database, name, definition);

    const serviceEvents = createServiceEvents({
      db: database,
      logger,
      metrics,
      clientId: name,
      kafkaBrokers: base.KAFKA_BROKERS,
      transport: host.eventTransport,
      publishes: definition.publishes !== false,
    });
    events = serviceEvents;

    const consumes = (definition.consumes ?? []).length > 0;
    if (runsJobs(definition)) {
      const jobsConfig = config as unknown as JobsConfig;
      const declarations: JobDeclarations = { ...(definition.jobs as JobDeclarations | undefined) };
      if (consumes) declarations[PRUNE_PROCESSED_EVENTS_QUEUE] = pruneProcessedEventsJob;
      jobs = createJobs({
        service: name,
        db: database,
        logger,
        metrics,
        declarations,
        enabled: jobsConfig.JOBS_ENABLED,
        concurrency: jobsConfig.JOBS_CONCURRENCY,
        pollingIntervalSeconds: jobsConfig.JOBS_POLLING_INTERVAL_SECONDS,
        shutdownSeconds: jobsConfig.JOBS_SHUTDOWN_SECONDS,
      });
      await jobs.install();
    }
    const runningJobs = jobs;

    const internalServices = new Map<string, InternalService | null>();
    for (const call of definition.calls ?? []) {
      const service = calledService(call);
      const variables = internalCallVariables(service);
      const url = (config as Record<string, unknown>)[variables.url] as string | undefined;
      const credential = (config as Record<string, unknown>)[variables.credential] as string | undefined;
      internalServices.set(
        service,
        url && credential
          ? { url, credential, client: createInternalClient({ baseUrl: url, credential, caller: name }) }
          : null,
      );
    }

    const parts = await definition.setup({
      config,
      logger,
      metrics,
      db: database,
      events: serviceEvents,
      jobs: {
        send: (queue, data, options, trx) => {
          if (!runningJobs) throw new Error(`${name} sends job "${queue}" without declaring jobs in its definition`);
          return runningJobs.sender.send(queue, data, options, trx);
        },
      },
      redis: () => {
        if (!base.REDIS_URL) return null;
        if (!shared.redis) {
          const client = createRedis(base.REDIS_URL, name);
          // ioredis reconnects by itself; log instead of crashing on an unhandled 'error' event.
          client.on('error', (error: Error) => logger.warn({ err: error }, 'redis connection error'));
          shared.redis = client;
        }
        return shared.redis;
      },
      internal: (service) => {
        if (!internalServices.has(service)) {
          throw new Error(`${name} calls ${service} without declaring it in its definition's calls`);
        }
        return internalServices.get(service) ?? null;
      },
      authenticateService: (req) => authenticateService(req, base.INTERNAL_API_CREDENTIALS ?? new Map()),
      overrides: host.overrides ?? {},
      onStop: (stop) => stopHooks.push(stop),
      onStart: (start) => startHooks.push(start),
    });

    const consumers = createConsumers(definition, parts.handlers, {
      db: database,
      logger,
      metrics,
      transport: serviceEvents.transport,
    });
    const jobHandlers: Record<string, JobHandler<unknown>> = { ...(parts.jobs as Record<string, JobHandler<unknown>>) };
    if (consumes) {
      jobHandlers[PRUNE_PROCESSED_EVENTS_QUEUE] = async () => {
        const pruned = await pruneProcessedEvents(database, base.PROCESSED_EVENTS_RETENTION_HOURS * 60 * 60 * 1000);
        if (pruned > 0) logger.info({ pruned }, 'forgot processed event ids past their retention');
      };
    }

    const readinessChecks: Record<string, () => Promise<boolean>> = {
      database: () => isDatabaseReachable(database),
      ...parts.readiness,
    };
    const redisClient = shared.redis;
    if (redisClient) readinessChecks.redis = () => isRedisReachable(redisClient);

    const server = createSubgraphServer<BaseContext>({
      name,
      typeDefs: parse(readFileSync(definition.schema, 'utf8')),
      resolvers: definition.resolvers,
      logger,
      metrics,
      proofVerifier: createGatewayProofVerifier({ jwks: base.GATEWAY_PUBLIC_JWKS, audience: name }),
      exposeInternals: base.NODE_ENV === 'development',
      createContext: parts.context,
      readinessChecks,
      routes: [
        ...(parts.routes ?? []),
        ...(runningJobs
          ? jobsAdminRoutes({
              service: name,
              jobs: runningJobs,
              db: database,
              authenticateService: (req) => authenticateService(req, base.INTERNAL_API_CREDENTIALS ?? new Map()),
            })
          : []),
      ],
      subscriptions: definition.subscriptions ?? false,
      async onStop() {
        for (const consumer of consumers) await consumer.stop();
        await closeResources();
      },
    });

    let running: RunningHttpServer | undefined;
    return {
      ...server,
      name,
      eventTransport: serviceEvents.transport,
      outboxRelay: serviceEvents.relay,
      consumers,
      jobs: runningJobs?.sender ?? null,
      exposed: parts.exposed as ExposedOf<D>,
      async start(port, hostname) {
        running = await server.start(port, hostname);
        if (definition.publishes !== false) serviceEvents.relay.start();
        for (const consumer of consumers) await consumer.start();
        await runningJobs?.work(jobHandlers);
        for (const start of startHooks) await start();
        return running;
      },
    };
  } catch (error) {
    await closeResources();
    throw error;
  }
}

/**
 * Forgets processed event ids older than the retention, at start and then hourly, in every
 * replica. For declared consumers the kit runs this as the scheduled job
 * `kit.prune-processed-events` instead; audit, which runs consumers of its own as a role that
 * cannot create pg-boss's schema, keeps this timer (deleting twice is harmless).
 */
export function pruneProcessedEventsPeriodically(
  db: Database,
  retentionHours: number,
  logger: Logger,
): { start: () => void; stop: () => void } {
  const retentionMs = retentionHours * 60 * 60 * 1000;
  const prune = () =>
    pruneProcessedEvents(db, retentionMs).then(
      (pruned) => pruned > 0 && logger.info({ pruned }, 'forgot processed event ids past their retention'),
      (error: unknown) => logger.warn({ err: error }, 'pruning processed event ids failed'),
    );
  let timer: NodeJS.Timeout | undefined;
  return {
    start() {
      void prune();
      timer = setInterval(() => void prune(), PRUNE_INTERVAL_MS);
      timer.unref();
    },
    stop: () => clearInterval(timer),
  };
}

/** One consumer group per subgraph (named after it) over the topics of the event types it consumes. */
function createConsumers(
  definition: AnySubgraphDefinition,
  handlers: Partial<Record<EventType, ConsumedEventHandler<EventType>>> | undefined,
  options: { db: Database; logger: Logger; metrics: ServiceMetrics; transport: EventTransport },
): EventConsumer[] {
  const consumed = (definition.consumes ?? []) as readonly EventType[];
  if (consumed.length === 0) return [];
  const missing = consumed.filter((type) => !handlers?.[type]);
  if (missing.length > 0) throw new Error(`${definition.name} consumes ${missing.join(', ')} without a handler`);
  const topics = [...new Set(consumed.map((type) => topicForType(type)))];
  return [
    createEventConsumer({
      groupId: definition.name,
      topics,
      db: options.db,
      logger: options.logger,
      transport: options.transport,
      metrics: { registry: options.metrics.registry },
      // Topics carry a whole domain's events: the ones this subgraph does not react to are skipped.
      handler: async (event: AnyCloudEvent, trx) => {
        const handle = handlers?.[event.type];
        if (handle) await handle(event, trx);
      },
    }),
  ];
}

/** A subgraph's `main.ts`: load the configuration, build, listen, stop gracefully on signals. */
export function runSubgraph(definition: AnySubgraphDefinition): void {
  runService(definition.name, async () => {
    const config = loadSubgraphConfig(definition);
    const subgraph = await createSubgraph(definition, config);
    const { PORT, HOST } = config as unknown as BaseSubgraphConfig;
    await subgraph.start(PORT, HOST);
    return subgraph;
  });
}

/**
 * A definition that publishes needs the outbox its relay reads, and one that consumes the
 * deduplication table: refuse to start without them, naming the fix, instead of a relay or a
 * consumer failing in a loop at run time.
 */
async function requireEventTables(db: Database, name: string, definition: AnySubgraphDefinition): Promise<void> {
  const needed: { table: string; fix: string }[] = [];
  if (definition.publishes !== false) {
    needed.push({ table: 'outbox', fix: 'publishes events: add the outbox migration, or declare publishes: false' });
  }
  if ((definition.consumes ?? []).length > 0) {
    needed.push({ table: 'processed_events', fix: 'consumes events: add the processed_events migration' });
  }
  for (const { table, fix } of needed) {
    const { rows } = await db.raw<{ rows: { found: string | null }[] }>('select to_regclass(?)::text as found', [
      table,
    ]);
    if (!rows[0]?.found) throw new Error(`${name} has no ${table} table but ${fix}`);
  }
}
