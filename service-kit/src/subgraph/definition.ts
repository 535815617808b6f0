/**
 * A subgraph is a declaration: what it is (name, port, schema, migrations, configuration,
 * the services it calls, the events it consumes) and one `setup` that turns the shared
 * dependencies the kit builds into its services, context and routes. The kit does the rest
 * once for every subgraph (see `runtime.ts`): logger, metrics, database, migrations, Redis,
 * the outbox relay, consumers, readiness and the stop order.
 */
import type { IncomingMessage } from 'node:http';
import type { Knex } from 'knex';
import { z } from 'zod';
import { env } from '../config.js';
import type { BaseContext } from '../context.js';
import type { Database } from '../database.js';
import type { ServiceEvents } from '../events/service-events.js';
import type { CloudEvent, EventType } from '../events/types.js';
import type { Route } from '../http.js';
import { JOBS_ADMIN_SERVICE } from '../jobs/admin.js';
import type { JobDeclarations, JobHandlers, JobSender } from '../jobs/definition.js';
import type { Logger } from '../logger.js';
import type { ServiceMetrics } from '../metrics.js';
import type { RedisClient } from '../redis.js';
import { serviceCredentialsEnv, type InternalClient } from '../service-credentials.js';

/** A variable that must be set, with a message that says so instead of zod's type jargon. */
export const requiredEnv = (what: string) => z.string({ error: `is required (${what})` });

/** A bounded whole number with a default, the way every service spells sizes and limits. */
export const integerEnv = (fallback: number, min: number, max: number, minReason?: string) =>
  z.coerce
    .number({ error: 'must be a whole number' })
    .int('must be a whole number')
    .min(min, minReason ? `must be at least ${min} (${minReason})` : `must be at least ${min}`)
    .max(max, `must be at most ${max}`)
    .default(fallback);

/** A call to another service's internal API; `optional` calls may be left unconfigured. */
export type ServiceCall = string | { service: string; optional: true };

/** The service a call goes to. */
export const calledService = (call: ServiceCall): string => (typeof call === 'string' ? call : call.service);

/** `AUTH_INTERNAL_URL` and `AUTH_INTERNAL_CREDENTIAL` name the internal API of `auth`. */
export function internalCallVariables(service: string): { url: string; credential: string } {
  const prefix = service.toUpperCase().replace(/[^A-Z0-9]/g, '_');
  return { url: `${prefix}_INTERNAL_URL`, credential: `${prefix}_INTERNAL_CREDENTIAL` };
}

/**
 * The variables every subgraph reads. A definition adds its own in `config`; the internal
 * URL and credential of every declared call are added for it.
 */
export function baseSubgraphEnv(defaultPort: number) {
  return {
    NODE_ENV: env.nodeEnv.describe('`production` turns off stack traces, development links and unproved SDL reads'),
    PORT: env.port(defaultPort).describe('Port to listen on'),
    HOST: env.host.describe('Address to listen on'),
    LOG_LEVEL: env.logLevel.describe('`fatal` … `trace`, `silent`'),
    DATABASE_URL: requiredEnv('a postgres:// connection URL')
      .pipe(env.postgresUrl)
      .describe("The subgraph's own database"),
    DATABASE_POOL_MAX: integerEnv(10, 1, 100, 'the pool needs a connection').describe('Connections in the pool'),
    MIGRATE_ON_START: env.boolean(true).describe('Apply pending migrations at start'),
    GATEWAY_PUBLIC_JWKS: requiredEnv("the gateway's public JWKS, as JSON")
      .pipe(env.jwksJson)
      .describe("The gateway's public key set (JSON), to verify the proof on every GraphQL request"),
    KAFKA_BROKERS: env.kafkaBrokers.describe(
      'Kafka bootstrap brokers `host:port,…`; without it, the in-process event bus',
    ),
    REDIS_URL: env.optionalRedisUrl.describe(
      'Shared state across replicas where the subgraph uses it; in memory without it',
    ),
    INTERNAL_API_CREDENTIALS: serviceCredentialsEnv
      .optional()
      .describe('`service:token,…` accepted on `/internal/*`; required when the subgraph serves an internal API'),
    PROCESSED_EVENTS_RETENTION_HOURS: integerEnv(24 * 7, 1, 24 * 365).describe(
      "How long consumers remember processed event ids; keep it above the topics' retention",
    ),
  };
}

/** The variables of a subgraph that runs jobs (declared ones, or the kit's for its consumers). */
export function jobsEnv() {
  return {
    JOBS_ENABLED: env
      .boolean(true)
      .describe('Run job workers, schedules and pg-boss maintenance on this replica; false: it only sends jobs'),
    JOBS_CONCURRENCY: integerEnv(2, 1, 50).describe('Jobs of one queue a replica runs at once'),
    JOBS_POLLING_INTERVAL_SECONDS: z.coerce
      .number({ error: 'must be a number of seconds' })
      .min(0.5, 'must be at least 0.5 (pg-boss polls no faster)')
      .max(60, 'must be at most 60')
      .default(2)
      .describe('How often an idle worker looks for due jobs'),
    JOBS_SHUTDOWN_SECONDS: integerEnv(20, 1, 600).describe(
      'How long a stopping replica lets running jobs finish before failing them (they are retried)',
    ),
  };
}

/** What decides whether a service runs jobs (the gateway has neither part, so it runs none). */
interface JobsParts {
  jobs?: unknown;
  consumes?: readonly unknown[] | undefined;
}

/** Whether the kit runs jobs for a definition: it declares some, or consumes events (pruning). */
export const runsJobs = (definition: JobsParts): boolean =>
  Object.keys((definition.jobs as JobDeclarations | undefined) ?? {}).length > 0 ||
  (definition.consumes ?? []).length > 0;

/**
 * Who may call a service's `/internal/*`: the callers it lists, and the jobs admin (authz) on
 * every service that runs jobs, for the kit's `/internal/jobs/*` routes. Everything that plans
 * credentials (the launcher, the deployment plan, the test harness) asks here, so a subgraph
 * that starts running jobs is administered without listing anyone.
 */
export function internalApiCallers(service: JobsParts & { internalApi?: { callers: readonly string[] } | undefined }) {
  const callers = [...(service.internalApi?.callers ?? [])];
  if (runsJobs(service) && !callers.includes(JOBS_ADMIN_SERVICE)) callers.push(JOBS_ADMIN_SERVICE);
  return callers;
}

type BaseShape = ReturnType<typeof baseSubgraphEnv>;

/** The variables every subgraph has, parsed. */
export type BaseSubgraphConfig = z.infer<z.ZodObject<BaseShape>>;

/** The configuration a subgraph's `setup` sees: the base variables and its own. */
export type SubgraphConfig<Shape extends z.ZodRawShape = Record<never, never>> = z.infer<
  z.ZodObject<BaseShape & Shape>
>;

/** The internal API of the other service a definition declared a call to. */
export interface InternalService {
  url: string;
  credential: string;
  client: InternalClient;
}

/** What the kit builds for every subgraph and hands to its `setup`. */
export interface SubgraphDependencies<Config, Overrides, Jobs extends JobDeclarations = Record<never, never>> {
  config: Config;
  logger: Logger;
  metrics: ServiceMetrics;
  /** The subgraph's own database, migrated. */
  db: Database;
  /** The outbox relay and the transport it publishes to. */
  events: ServiceEvents;
  /** Sends the jobs declared in `jobs` (see `jobs/definition.ts`), in a transaction when given one. */
  jobs: JobSender<Jobs>;
  /** A shared Redis client when `REDIS_URL` is set (connected on first use, closed on stop), else null. */
  redis: () => RedisClient | null;
  /** The name of the service calling an internal route, from its credential; 401 without a valid one. */
  authenticateService: (req: IncomingMessage) => string;
  /** The internal API of a service listed in `calls`; null for an optional call left unconfigured. */
  internal: (service: string) => InternalService | null;
  /** Replacements a caller (a test, the in-process launcher) gave for this subgraph's collaborators. */
  overrides: Partial<Overrides>;
  /** Runs `stop` when the subgraph stops, after HTTP and consumers and before the database closes. */
  onStop: (stop: () => Promise<void> | void) => void;
  /** Runs `start` once the subgraph listens (background work that needs the server up). */
  onStart: (start: () => Promise<void> | void) => void;
}

/** Applies one consumed event inside the consumer's deduplication transaction. */
export type ConsumedEventHandler<T extends EventType> = (event: CloudEvent<T>, trx: Knex.Transaction) => Promise<void>;

/** What `setup` returns: how a request's context is made, and what the subgraph serves besides GraphQL. */
export interface SubgraphParts<
  Context extends BaseContext,
  Consumes extends EventType,
  Exposed,
  Jobs extends JobDeclarations = Record<never, never>,
> {
  context: (base: BaseContext) => Context | Promise<Context>;
  routes?: Route[];
  /** Readiness checks beyond the database (and Redis when used), which the kit adds itself. */
  readiness?: Record<string, () => Promise<boolean>>;
  /** A handler for every event type in `consumes`. */
  handlers?: { [T in Consumes]: ConsumedEventHandler<T> };
  /** A handler for every declared job queue; at least once, so every side effect must be idempotent. */
  jobs?: JobHandlers<Jobs>;
  /** What the built subgraph offers its host beyond start and stop (the in-process launcher, tests). */
  exposed?: Exposed;
}

export interface SubgraphDefinition<
  Shape extends z.ZodRawShape = z.ZodRawShape,
  Context extends BaseContext = BaseContext,
  Consumes extends EventType = never,
  Exposed = undefined,
  Overrides = Record<never, never>,
  Jobs extends JobDeclarations = Record<never, never>,
> {
  /** The subgraph's name in rover.yaml, its gateway-proof audience and its log `service`. */
  name: string;
  /** Its port when `PORT` is unset. */
  port: number;
  /** `schema.graphql`, beside the definition. */
  schema: URL;
  /** The folder of its knex migrations (`migrations/<name>/`). */
  migrations: URL;
  resolvers: unknown;
  /** Its own variables, added to the base ones. */
  config?: Shape;
  /**
   * Cross-variable rules, returning problems by variable. They run even when other variables
   * are bad (so an operator sees every problem in one pass): a rule must expect missing values.
   */
  validate?(config: Partial<SubgraphConfig<Shape>>): Record<string, string>;
  /** The services it calls synchronously, by registry name (`gateway` included). */
  calls?: readonly ServiceCall[];
  /** The services allowed to call its internal API; `INTERNAL_API_CREDENTIALS` is required when set. */
  internalApi?: { callers: readonly string[] };
  /**
   * Whether it writes domain events to an outbox (its migrations create the `outbox` table):
   * the kit runs the outbox relay only then. True by default.
   */
  publishes?: boolean;
  /** Event types it reacts to; `setup` returns a handler for each. */
  consumes?: readonly Consumes[];
  /**
   * Durable background jobs by queue (`jobs/definition.ts`): retries, dead letters, schedules
   * in an explicit time zone. `setup` sends them through `jobs` and returns a handler for each.
   */
  jobs?: Jobs;
  /** Serve `Subscription` over graphql-ws on `/graphql`. */
  subscriptions?: boolean;
  /**
   * After migrating as the database owner, the URL of the role the service works as, when
   * that is another role (audit's append-only role). The owner connection closes afterwards.
   */
  workingDatabase?(owner: Database, config: SubgraphConfig<Shape>, logger: Logger): Promise<string>;
  /**
   * What the local launcher (`npm start`, the end-to-end tests) gives the subgraph beyond the
   * variables it derives: secrets it generates once and keeps in the data folder, by variable
   * name, and fixed development values.
   */
  development?: { secrets?: readonly string[]; env?(context: { dataDir: string }): Record<string, string | undefined> };
  setup(
    dependencies: SubgraphDependencies<SubgraphConfig<Shape>, Overrides, Jobs>,
  ): Promise<SubgraphParts<Context, Consumes, Exposed, Jobs>>;
}

/** Declares a subgraph; the identity function that lets TypeScript infer and check it. */
export function defineSubgraph<
  Shape extends z.ZodRawShape,
  Context extends BaseContext,
  Consumes extends EventType = never,
  Exposed = undefined,
  Overrides = Record<never, never>,
  Jobs extends JobDeclarations = Record<never, never>,
>(
  definition: SubgraphDefinition<Shape, Context, Consumes, Exposed, Overrides, Jobs>,
): SubgraphDefinition<Shape, Context, Consumes, Exposed, Overrides, Jobs> {
  return definition;
}

// Definitions are stored in lists of mixed shapes (the registry), where only the common parts matter.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnySubgraphDefinition = SubgraphDefinition<any, any, any, any, any, any>;

/** The zod schema of a definition's whole configuration: base, calls, its own variables and rules. */
export function subgraphConfigSchema(definition: AnySubgraphDefinition) {
  const callShape: Record<string, z.ZodType> = {};
  for (const call of definition.calls ?? []) {
    const service = calledService(call);
    const names = internalCallVariables(service);
    const url = requiredEnv(`the ${service} service's internal http(s) URL`).pipe(env.httpUrl);
    const credential = requiredEnv(`our credential for the ${service} internal API`).min(
      32,
      'must be at least 32 characters',
    );
    const optional = typeof call !== 'string';
    callShape[names.url] = (optional ? url.optional() : url).describe(`The ${service} service's internal API`);
    callShape[names.credential] = (optional ? credential.optional() : credential).describe(
      `Our credential for the ${service} internal API`,
    );
  }
  const listed = internalApiCallers(definition);
  const callers = listed.length > 0 ? listed : undefined;
  const internalShape: z.ZodRawShape = callers
    ? {
        INTERNAL_API_CREDENTIALS: requiredEnv(
          `${callers.map((caller) => `${caller}:<token>`).join(',')}, the credentials of services allowed to call us`,
        )
          .pipe(
            serviceCredentialsEnv.superRefine((credentials, ctx) => {
              for (const name of credentials.keys()) {
                if (!callers.includes(name)) {
                  ctx.addIssue({
                    code: 'custom',
                    message: `names an unknown service "${name}": ${definition.name}'s internal API serves ${callers.join(', ')}`,
                  });
                }
              }
            }),
          )
          .describe(`\`${callers.map((caller) => `${caller}:<token>`).join(',')}\`: who may call \`/internal/*\``),
      }
    : {};
  const shape = {
    ...baseSubgraphEnv(definition.port),
    ...(runsJobs(definition) ? jobsEnv() : {}),
    ...callShape,
    ...internalShape,
    ...((definition.config ?? {}) as z.ZodRawShape),
  };
  const object = z.object(shape);
  if (!definition.validate) return object;
  return object.superRefine(
    (config, ctx) => {
      for (const [variable, message] of Object.entries(definition.validate!(config))) {
        ctx.addIssue({ code: 'custom', path: [variable], message });
      }
    },
    { when: () => true },
  );
}
