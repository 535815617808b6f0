/**
 * One way to test any subgraph: `startSubgraph(definition)` builds it through the same kit
 * path as production (`createSubgraph`), on port 0, against a fresh database of the test
 * run's Postgres (Redis and Kafka when asked), and returns a typed client:
 *
 *   const identity = await startSubgraph(identitySubgraph, { env: { PUBLIC_APP_URL } });
 *   const { body } = await identity.graphql(REGISTER, input);                  // anonymous
 *   await identity.graphql(ME, {}, signedIn(userId, ['identity.user.read']));  // with permissions
 *   await identity.internal('auth', '/internal/credentials/verify', credentials);
 *   await eventually(() => identity.published('platform.identity.user.registered.v1')[0]);
 */
import { randomUUID } from 'node:crypto';
import {
  anonymousCaller,
  createDatabase,
  createGatewayProofSigner,
  createLogger,
  createSubgraph,
  GATEWAY_PROOF_HEADER,
  generateGatewayKeys,
  internalApiCallers,
  internalCallVariables,
  calledService,
  loadSubgraphConfig,
  randomToken,
  type AnySubgraphDefinition,
  type Caller,
  type ConfigOf,
  type ExposedOf,
  type OverridesOf,
  type Database,
  type Subgraph,
  type SubgraphHostOptions,
} from '@platform/service-kit';
import {
  createEventTransport,
  EVENT_TYPES,
  parseEvent,
  topicForType,
  type AnyCloudEvent,
  type CloudEvent,
  type EventTransport,
  type EventType,
} from '@platform/service-kit/events';
import { captureLogs, createTestDatabase, testRedisUrl } from './index.js';

/** A GraphQL response as the subgraph sent it. */
export interface GraphQLResponse<T = Record<string, unknown>> {
  data?: T | null;
  errors?: {
    message: string;
    path?: (string | number)[];
    extensions?: { code?: string; fields?: Record<string, string>; [key: string]: unknown };
  }[];
}

export interface GraphQLResult<T = Record<string, unknown>> {
  status: number;
  body: GraphQLResponse<T>;
}

export const anonymous: Caller = anonymousCaller;

/** A signed-in caller holding `permissions` (a new session id, a UUID as auth issues them, unless given). */
export function signedIn(
  userId: string,
  permissions: readonly string[] = [],
  sessionId: string = randomUUID(),
): Caller {
  return { userId, sessionId, permissions };
}

/** The first error's code, or undefined when there was none. */
export function errorCode(result: GraphQLResult<unknown> | GraphQLResponse<unknown>): string | undefined {
  const body = 'body' in result ? result.body : result;
  return body.errors?.[0]?.extensions?.code;
}

/** Polls `probe` until it returns something other than undefined (or false); fails with `what` after the timeout. */
export async function eventually<T>(
  probe: () => T | undefined | false | Promise<T | undefined | false>,
  what = 'the condition',
  timeoutMs = 5000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

export interface StartSubgraphOptions<D extends AnySubgraphDefinition> {
  /** Variables beside the ones the harness sets (they win over the harness's). */
  env?: Record<string, string | undefined>;
  /** Reuse a database (to restart with other settings); a fresh one by default. */
  databaseUrl?: string;
  /** Give the subgraph the test run's Redis (`REDIS_URL`). */
  redis?: boolean;
  /** Kafka bootstrap brokers (a broker the test file started); the in-process bus without them. */
  kafkaBrokers?: string;
  /** Share a bus with other subgraphs of the test; by default one of its own (Kafka when `kafkaBrokers`). */
  eventTransport?: EventTransport;
  /** Replacements for the subgraph's collaborators. */
  overrides?: SubgraphHostOptions<OverridesOf<D>>['overrides'];
  /** The gateway keys to trust; new ones by default. */
  gatewayKeys?: Awaited<ReturnType<typeof generateGatewayKeys>>;
}

export interface SubgraphHarness<D extends AnySubgraphDefinition> {
  url: string;
  databaseUrl: string;
  config: ConfigOf<D>;
  /** The subgraph as built (its `exposed` API, consumers, relay). */
  subgraph: Subgraph<ExposedOf<D>>;
  /** The test's own connection to the subgraph's database, for looking at and adjusting rows. */
  db: Database;
  /** The bus the subgraph publishes to and consumes from. */
  eventTransport: EventTransport;
  /** Sends GraphQL with a gateway proof for `caller` (anonymous by default). */
  graphql<T = Record<string, unknown>>(
    query: string,
    variables?: Record<string, unknown>,
    caller?: Caller,
  ): Promise<GraphQLResult<T>>;
  /** A gateway proof for `caller`, signed with the key the subgraph trusts. */
  proof(caller: Caller, audience?: string): Promise<string>;
  /** The credential the harness configured for `caller` on the internal API. */
  credential(caller: string): string;
  /** Calls the internal API (POST with `body` by default, or GET) as `caller` (with its credential), or with the `authorization` given. */
  internal<T = Record<string, unknown>>(
    caller: string,
    path: string,
    body: unknown,
    options?: { authorization?: string | null; method?: 'GET' | 'POST' },
  ): Promise<{ status: number; body: T }>;
  /** Log lines written so far, as text. */
  logs(): string[];
  /** Log lines written so far, parsed. */
  logEntries(): Record<string, unknown>[];
  /** Events published on the bus so far (by anyone on it), oldest first, optionally of one type. */
  published<T extends EventType>(type?: T): CloudEvent<T>[];
  /** Publishes events on the bus, as another service's relay would. */
  publish(events: readonly AnyCloudEvent[]): Promise<void>;
  stop(): Promise<void>;
}

/** Starts `definition` on port 0 against a fresh database; see the module comment. */
export async function startSubgraph<D extends AnySubgraphDefinition>(
  definition: D,
  options: StartSubgraphOptions<D> = {},
): Promise<SubgraphHarness<D>> {
  const databaseUrl = options.databaseUrl ?? (await createTestDatabase(definition.name));
  const keys = options.gatewayKeys ?? (await generateGatewayKeys());
  const signer = createGatewayProofSigner({ privateJwk: keys.privateJwk });
  const captured = captureLogs();

  const credentials = new Map<string, string>();
  for (const caller of internalApiCallers(definition)) credentials.set(caller, randomToken('svc_'));
  const callEnv: Record<string, string> = {};
  for (const call of definition.calls ?? []) {
    if (typeof call !== 'string') continue; // optional calls stay unconfigured unless the test sets them
    const variables = internalCallVariables(calledService(call));
    callEnv[variables.url] = 'http://127.0.0.1:9'; // nothing listens there: a test that needs the call overrides it
    callEnv[variables.credential] = randomToken('svc_');
  }

  const config = loadSubgraphConfig(definition, {
    NODE_ENV: 'development',
    LOG_LEVEL: 'info',
    DATABASE_URL: databaseUrl,
    DATABASE_POOL_MAX: '4',
    GATEWAY_PUBLIC_JWKS: JSON.stringify(keys.publicJwks),
    ...(credentials.size > 0
      ? {
          INTERNAL_API_CREDENTIALS: [...credentials].map(([caller, token]) => `${caller}:${token}`).join(','),
        }
      : {}),
    ...callEnv,
    ...(options.redis ? { REDIS_URL: testRedisUrl() } : {}),
    ...(options.kafkaBrokers ? { KAFKA_BROKERS: options.kafkaBrokers } : {}),
    ...options.env,
  });
  const logger = createLogger({ service: definition.name, level: 'info', destination: captured.stream });

  const ownsTransport = options.eventTransport === undefined;
  const eventTransport =
    options.eventTransport ??
    createEventTransport({
      kafkaBrokers: options.kafkaBrokers?.split(','),
      clientId: `${definition.name}-test`,
      logger: createLogger({ service: `${definition.name}-test`, level: 'silent' }),
    });
  const publishedEvents: AnyCloudEvent[] = [];
  const recorder = await eventTransport.subscribe({
    groupId: `test-recorder-${randomToken().slice(0, 8)}`,
    topics: [...new Set(EVENT_TYPES.map((type) => topicForType(type)))],
    async handle(message) {
      try {
        publishedEvents.push(parseEvent(message.value));
      } catch {
        // Not a valid event: the consumer under test dead-letters it; nothing to record here.
      }
    },
  });
  await recorder.ready;

  let subgraph: Subgraph<ExposedOf<D>>;
  try {
    subgraph = await createSubgraph(definition, config, {
      logger,
      eventTransport,
      ...(options.overrides ? { overrides: options.overrides } : {}),
    });
  } catch (error) {
    await recorder.stop();
    if (ownsTransport) await eventTransport.close();
    throw error;
  }
  const running = await subgraph.start(0);
  const db = createDatabase({ url: databaseUrl, applicationName: `${definition.name}-test` });

  const harness: SubgraphHarness<D> = {
    url: running.url,
    databaseUrl,
    config,
    subgraph,
    db,
    eventTransport,
    proof: (caller, audience = definition.name) => signer.sign(audience, caller),
    async graphql<T>(query: string, variables: Record<string, unknown> = {}, caller: Caller = anonymous) {
      const response = await fetch(`${running.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', [GATEWAY_PROOF_HEADER]: await harness.proof(caller) },
        body: JSON.stringify({ query, variables }),
      });
      return { status: response.status, body: (await response.json()) as GraphQLResponse<T> };
    },
    credential(caller) {
      const token = credentials.get(caller);
      if (!token) throw new Error(`${definition.name}'s internal API does not serve ${caller}`);
      return token;
    },
    async internal<T>(
      caller: string,
      path: string,
      body: unknown,
      callOptions: { authorization?: string | null; method?: 'GET' | 'POST' } = {},
    ) {
      const authorization =
        callOptions.authorization === undefined ? `Bearer ${harness.credential(caller)}` : callOptions.authorization;
      const response =
        callOptions.method === 'GET'
          ? await fetch(`${running.url}${path}`, { headers: authorization ? { authorization } : {} })
          : await fetch(`${running.url}${path}`, {
              method: 'POST',
              headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) },
              body: typeof body === 'string' ? body : JSON.stringify(body),
            });
      const text = await response.text();
      return { status: response.status, body: (text ? JSON.parse(text) : {}) as T };
    },
    logs: captured.lines,
    logEntries: () => captured.lines().map((line) => JSON.parse(line) as Record<string, unknown>),
    published<T extends EventType>(type?: T) {
      return publishedEvents.filter((event) => type === undefined || event.type === type) as CloudEvent<T>[];
    },
    publish: (events) =>
      eventTransport.publish(
        events.map((event) => ({
          topic: topicForType(event.type),
          key: event.subject ?? null,
          value: JSON.stringify(event),
        })),
      ),
    async stop() {
      await subgraph.stop();
      await recorder.stop();
      if (ownsTransport) await eventTransport.close();
      await db.destroy();
    },
  };
  return harness;
}
