/**
 * Starts the real platform for end-to-end tests: every subgraph and the gateway, in this
 * process, on free ports, each with its own fresh database on the test Postgres, with the
 * same environment plan `npm start` uses. Tests talk to the gateway over HTTP.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createGatewayServer, type GatewayDependencies } from '@platform/gateway';
import { loadGatewayConfig } from '@platform/gateway/config';
import { createEventTransport } from '@platform/service-kit/events';
import { createLogger, type Environment, type Logger } from '@platform/service-kit';
import { captureLogs, createTestDatabase, freePort, testRedisUrl } from '@platform/devkit/testing';
import type { JWK } from 'jose';
import { generateSecrets, type PlatformSecrets } from '../../src/platform/secrets.js';
import { startServicesInProcess } from '../../src/platform/in-process.js';
import { seedPlatform } from '../../src/platform/seed.js';
import { serviceEnvironments, subgraphs } from '../../src/platform/services.js';

const repositoryRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

export interface GraphQLResponse<TData = Record<string, unknown>> {
  status: number;
  headers: Headers;
  body: {
    data?: TData | null;
    errors?: { message: string; path?: (string | number)[]; extensions?: Record<string, unknown> }[];
  };
}

/** One more replica of the whole platform (every subgraph and the gateway) on the same databases. */
export interface PlatformReplica {
  gatewayUrl: string;
  subgraphUrls: Record<string, string>;
  environments: Record<string, Environment>;
  /** Sends a GraphQL operation to this replica's gateway. */
  graphql: TestPlatform['graphql'];
}

export interface TestPlatform {
  gatewayUrl: string;
  /**
   * With `replicas: n`, the other n - 1 replicas: each runs every subgraph and a gateway of its
   * own, on the same databases, Redis and Kafka as the first (whose gateway is `gatewayUrl`).
   * Each replica's gateway and services call their own replica's subgraphs.
   */
  replicas: PlatformReplica[];
  /** The seeded admin account (every permission), as `npm start` seeds one. */
  admin: { id: string; email: string; password: string };
  subgraphUrls: Record<string, string>;
  secrets: PlatformSecrets;
  environments: Record<string, Environment>;
  dataDir: string;
  /** Every log line every service wrote, as JSON text. */
  logLines(): string[];
  /** Sends a GraphQL operation to the gateway, as a client would. */
  graphql<TData = Record<string, unknown>>(
    query: string,
    variables?: Record<string, unknown>,
    options?: { token?: string; headers?: Record<string, string> },
  ): Promise<GraphQLResponse<TData>>;
  /**
   * Starts one more replica of a subgraph on a free port: the same environment (the same database),
   * the same bus, as a second pod would run; stopped with the platform. The gateway keeps its URLs.
   */
  startSubgraphReplica(service: string): Promise<{ url: string }>;
  /** Stops every replica of a subgraph, runs `whileStopped`, then starts each again on its port (a restart). */
  restartSubgraph(service: string, whileStopped?: () => Promise<void>): Promise<void>;
  /** Starts one more gateway replica on the same subgraphs (with `environment` on top); stopped with the platform. */
  startGatewayReplica(environment?: Environment): Promise<{ gatewayUrl: string }>;
  /** Publishes messages on the in-process bus as a relay would (a redelivery); not with `kafkaBrokers`. */
  publish(messages: { topic: string; key: string | null; value: string }[]): Promise<void>;
  /** Sends a job to one of a service's queues now (a scheduled one included), as its own code would. */
  sendJob(service: string, queue: string, data: object): Promise<string | null>;
  /** The auth service's signing keys (private JWKs), for minting crafted tokens in tests. */
  authSigningKeys(): Promise<JWK[]>;
  stop(): Promise<void>;
}

export interface TestPlatformOptions {
  /** Use the test Redis for auth's login throttling (default: in-memory). */
  redis?: boolean;
  /** Extra or replaced variables per service, e.g. `{ gateway: { NODE_ENV: 'production' } }`. */
  environment?: Partial<Record<string, Environment>>;
  supergraphPath?: string;
  gatewayDependencies?: Omit<GatewayDependencies, 'logger'>;
  /** A real Kafka: every service then publishes and consumes through it with its own client. */
  kafkaBrokers?: string[];
  /**
   * Replicas of the whole platform (default 1): each further one runs every subgraph and a
   * gateway on ports of its own against the same databases, data folder, Redis and Kafka, the
   * way a second pod of each Deployment would. Resolves once every replica's consumers receive.
   */
  replicas?: number;
}

export async function startTestPlatform(options: TestPlatformOptions = {}): Promise<TestPlatform> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'platform-e2e-'));
  const secrets = await generateSecrets();
  const databaseUrls: Record<string, string> = {};
  const ports: Record<string, number> = { gateway: await freePort() };
  for (const subgraph of subgraphs) ports[subgraph.name] = await freePort();
  // Concurrently: each `create database` mostly waits on the server.
  await Promise.all(
    subgraphs.map(async (subgraph) => {
      databaseUrls[subgraph.name] = await createTestDatabase(subgraph.name);
    }),
  );
  // Roles are per Postgres server, shared by every test file: each platform's audit gets its own.
  const auditAppRole = `audit_app_${randomBytes(4).toString('hex')}`;
  /** Every service's environment for one set of replicas on `ports`, sharing databases and secrets. */
  const environmentsOn = (ports: Record<string, number>): Record<string, Environment> => {
    const planned = serviceEnvironments({
      nodeEnv: 'test',
      logLevel: 'info',
      dataDir,
      repositoryRoot,
      secrets,
      databaseUrls,
      ports,
      ...(options.redis ? { redisUrl: testRedisUrl() } : {}),
      ...(options.kafkaBrokers ? { kafkaBrokers: options.kafkaBrokers.join(',') } : {}),
    });
    planned.audit!.AUDIT_APP_ROLE = auditAppRole;
    const environments: Record<string, Environment> = {};
    for (const [name, environment] of Object.entries(planned)) {
      environments[name] = { ...environment, ...options.environment?.[name] };
    }
    if (options.supergraphPath) environments.gateway!.SUPERGRAPH_PATH = options.supergraphPath;
    return environments;
  };
  const environments = environmentsOn(ports);

  const admin = {
    email: `admin.${randomBytes(4).toString('hex')}@example.test`,
    password: randomBytes(12).toString('hex'),
  };
  const seeded = await seedPlatform({
    identityDatabaseUrl: databaseUrls.identity!,
    authzDatabaseUrl: databaseUrls.authz!,
    admin: { ...admin, generated: false },
  });

  const logs = captureLogs();
  const loggerFor = (service: string): Logger => createLogger({ service, level: 'info', destination: logs.stream });

  const replicas: { stop(): Promise<void> }[] = [];
  const eventTransport = createEventTransport({ clientId: 'platform-e2e', logger: loggerFor('events') });
  const services = await startServicesInProcess({
    environments,
    ports,
    loggerFor,
    ...(options.kafkaBrokers ? {} : { eventTransport }),
    ...(options.gatewayDependencies ? { gatewayDependencies: options.gatewayDependencies } : {}),
  });
  const gatewayUrl = `http://127.0.0.1:${ports.gateway}/graphql`;

  const replicaSets: PlatformReplica[] = [];
  try {
    for (let index = 1; index < (options.replicas ?? 1); index += 1) {
      const replicaPorts: Record<string, number> = { gateway: await freePort() };
      for (const subgraph of subgraphs) replicaPorts[subgraph.name] = await freePort();
      const replicaEnvironments = environmentsOn(replicaPorts);
      const replica = await startServicesInProcess({
        environments: replicaEnvironments,
        ports: replicaPorts,
        loggerFor: (service) => loggerFor(`${service}-replica${index}`),
        ...(options.kafkaBrokers ? {} : { eventTransport }),
        ...(options.gatewayDependencies ? { gatewayDependencies: options.gatewayDependencies } : {}),
      });
      replicas.push(replica);
      await replica.consumersReady();
      const replicaGatewayUrl = `http://127.0.0.1:${replicaPorts.gateway}/graphql`;
      replicaSets.push({
        gatewayUrl: replicaGatewayUrl,
        subgraphUrls: Object.fromEntries(
          subgraphs.map((subgraph) => [subgraph.name, `http://127.0.0.1:${replicaPorts[subgraph.name]}`]),
        ),
        environments: replicaEnvironments,
        graphql: graphqlAt(replicaGatewayUrl),
      });
    }
    if (replicaSets.length > 0) await services.consumersReady();
  } catch (error) {
    for (const replica of replicas) await replica.stop();
    await services.stop();
    await eventTransport.close();
    throw error;
  }

  return {
    gatewayUrl,
    replicas: replicaSets,
    admin: { id: seeded.adminUserId, ...admin },
    subgraphUrls: Object.fromEntries(
      subgraphs.map((subgraph) => [subgraph.name, `http://127.0.0.1:${ports[subgraph.name]}`]),
    ),
    secrets,
    environments,
    dataDir,
    logLines: logs.lines,
    graphql: graphqlAt(gatewayUrl),
    publish: (messages) => eventTransport.publish(messages),
    async sendJob(service, queue, data) {
      const sender = services.jobs(service);
      if (!sender) throw new Error(`${service} runs no jobs`);
      return sender.send(queue, data);
    },
    async startSubgraphReplica(service) {
      const port = await freePort();
      await services.startReplica(service, port);
      return { url: `http://127.0.0.1:${port}` };
    },
    restartSubgraph: (service, whileStopped) => services.restart(service, whileStopped),
    async startGatewayReplica(environment = {}) {
      const port = await freePort();
      const config = loadGatewayConfig({ ...environments.gateway, ...environment, PORT: String(port) });
      const replica = createGatewayServer(config, {
        logger: loggerFor('gateway-replica'),
      });
      await replica.start(port, '127.0.0.1');
      replicas.push(replica);
      return { gatewayUrl: `http://127.0.0.1:${port}/graphql` };
    },
    async authSigningKeys() {
      const file = path.join(dataDir, 'auth', 'signing-keys.json');
      const stored = JSON.parse(await readFile(file, 'utf8')) as JWK[] | { keys: JWK[] };
      return Array.isArray(stored) ? stored : stored.keys;
    },
    async stop() {
      for (const replica of replicas) await replica.stop();
      await services.stop();
      await eventTransport.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** Sends a GraphQL operation to the gateway at `gatewayUrl`, as a client would. */
function graphqlAt(gatewayUrl: string): TestPlatform['graphql'] {
  return async (query, variables, requestOptions = {}) => {
    const response = await fetch(gatewayUrl, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(requestOptions.token ? { authorization: `Bearer ${requestOptions.token}` } : {}),
        ...requestOptions.headers,
      },
      body: JSON.stringify({ query, variables }),
    });
    return {
      status: response.status,
      headers: response.headers,
      body: (await response.json()) as GraphQLResponse['body'],
    } as never;
  };
}
