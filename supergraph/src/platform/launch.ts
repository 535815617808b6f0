/**
 * Launches the whole supergraph on one machine: an embedded Postgres (data in the data
 * folder) unless database URLs are given, one database per subgraph, every subgraph and
 * then the gateway as their own processes (each runs its own migrations). Used by
 * `npm start` and by the benchmarks.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import {
  createLogger,
  databaseUrlFor,
  ensureDatabaseExists,
  env,
  freePort,
  loadConfig,
  type Environment,
} from '@platform/service-kit';
import { startMailCatcher, type MailCatcher } from '@platform/devkit/mail';
import { startEmbeddedPostgres, type PostgresServer } from '@platform/devkit/postgres';
import { createEventTransport } from '@platform/service-kit/events';
import { startServicesInProcess } from './in-process.js';
import { loadOrCreateSecrets } from './secrets.js';
import { adminCredentials, seedPlatform } from './seed.js';
import {
  GATEWAY_METRICS,
  databaseName,
  defaultGatewayPort,
  gatewayEntry,
  serviceEnvironments,
  subgraphEntry,
  subgraphs,
} from './services.js';

export const repositoryRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

/** The launcher's own variables; each service's come from its definition (see `services.ts`). */
export const launcherSchema = z.object({
  DATA_DIR: z
    .string()
    .default('.data')
    .transform((dir) => path.resolve(repositoryRoot, dir))
    .describe('Where embedded Postgres, secrets and development keys live'),
  LOG_LEVEL: env.logLevel,
  POSTGRES_URL: env.postgresUrl
    .optional()
    .describe('A Postgres server on which one database per subgraph is created; embedded Postgres without it'),
  EMBEDDED_POSTGRES_PORT: env.port(54329).describe('Port of the embedded Postgres'),
  REDIS_URL: env.optionalRedisUrl.describe('Redis for every service that uses it; in-process fallbacks without it'),
  KAFKA_BROKERS: z
    .string()
    .optional()
    .describe('A Kafka cluster: services then run as separate processes and exchange events through it'),
  OPENSEARCH_URL: env.httpUrl
    .optional()
    .describe(
      'An OpenSearch node for the search subgraph (`npm run opensearch:start`); its Postgres engine without it',
    ),
  GATEWAY_PORT: env.port(defaultGatewayPort).describe('Port of the gateway'),
  MAIL_SMTP_PORT: env
    .port(1025)
    .describe("Port of the development mail catcher's SMTP server (every mail lands there)"),
  MAIL_PAGE_PORT: env
    .port(1080)
    .describe('Port of the development page listing the caught mail (`http://localhost:1080`)'),
  GATEWAY_METRICS_PORT: env.port(9464).describe("Port of the gateway's Prometheus `/metrics` (not on its public port)"),
  ADMIN_EMAIL: z.email({ error: 'must be an email address' }).optional().describe('The admin account seeded on start'),
  ADMIN_PASSWORD: z
    .string()
    .min(8, 'must be at least 8 characters')
    .max(128)
    .optional()
    .describe('Its password; in development a missing one is generated and shown once'),
  // Computed names (IDENTITY_PORT, AUTH_DATABASE_URL…): read through `setting` below.
  ...(Object.fromEntries(
    subgraphs.flatMap((subgraph) => [
      [
        `${subgraph.name.toUpperCase()}_DATABASE_URL`,
        env.postgresUrl.optional().describe(`The ${subgraph.name} database; created on the Postgres server without it`),
      ],
      [
        `${subgraph.name.toUpperCase()}_PORT`,
        env.port(subgraph.port).describe(`Port of the ${subgraph.name} subgraph`),
      ],
    ]),
  ) as Record<never, never>),
});

export type LauncherConfig = z.infer<typeof launcherSchema>;

export function loadLauncherConfig(environment: Environment = process.env): LauncherConfig {
  return loadConfig(launcherSchema, environment);
}

/**
 * Every port variable of the launcher (the gateway's, each subgraph's, embedded Postgres's)
 * set to a port free right now: for a platform started beside others (benchmarks, tests).
 */
export async function freePortVariables(): Promise<Record<string, string>> {
  const names = [
    'GATEWAY_PORT',
    'GATEWAY_METRICS_PORT',
    ...subgraphs.map((subgraph) => `${subgraph.name.toUpperCase()}_PORT`),
    'EMBEDDED_POSTGRES_PORT',
    'MAIL_SMTP_PORT',
    'MAIL_PAGE_PORT',
  ];
  const variables: Record<string, string> = {};
  for (const name of names) variables[name] = String(await freePort());
  return variables;
}

/** The database of every subgraph: given URLs, or created on POSTGRES_URL or an embedded server. */
export async function provideDatabases(
  config: LauncherConfig,
  say: (line: string) => void,
): Promise<{ urls: Record<string, string>; postgres: PostgresServer | undefined }> {
  const setting = config as Record<string, unknown>;
  const databaseUrlOf = (name: string) => setting[`${name.toUpperCase()}_DATABASE_URL`] as string | undefined;
  const urls: Record<string, string> = {};
  let postgres: PostgresServer | undefined;
  let serverUrl = config.POSTGRES_URL;
  if (subgraphs.some((subgraph) => !databaseUrlOf(subgraph.name)) && !serverUrl) {
    const dataDir = path.join(config.DATA_DIR, 'postgres');
    say(`starting embedded Postgres on port ${config.EMBEDDED_POSTGRES_PORT} (data in ${dataDir})`);
    postgres = await startEmbeddedPostgres({ dataDir, port: config.EMBEDDED_POSTGRES_PORT });
    serverUrl = postgres.adminUrl;
  }
  try {
    for (const subgraph of subgraphs) {
      const given = databaseUrlOf(subgraph.name);
      if (given) {
        urls[subgraph.name] = given;
        continue;
      }
      if (!serverUrl) throw new Error('no Postgres server to create databases on');
      await ensureDatabaseExists(serverUrl, databaseName(subgraph.name));
      urls[subgraph.name] = databaseUrlFor(serverUrl, databaseName(subgraph.name));
    }
  } catch (error) {
    await postgres?.stop();
    throw error;
  }
  return { urls, postgres };
}

export interface LaunchedPlatform {
  gatewayUrl: string;
  /** Each service's environment, as it was started (benchmarks start variants from it). */
  environments: Record<string, Environment>;
  /** Stops the gateway, then the subgraphs, then the embedded database. */
  stop(): Promise<void>;
  /** Resolves when any service exits on its own (a crash), with its name. */
  crashed: Promise<string>;
}

/** Waits until `child` (a service called `name`) answers `/readyz` with 200; fails when it exits first or the time is up. */
export async function waitUntilReady(
  name: string,
  baseUrl: string,
  child: ChildProcess,
  timeoutMs = 60_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${name} exited with code ${child.exitCode} during start`);
    try {
      const response = await fetch(`${baseUrl}/readyz`, { signal: AbortSignal.timeout(1000) });
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
  throw new Error(`${name} was not ready within ${timeoutMs / 1000} s`);
}

export async function launchPlatform(
  config: LauncherConfig,
  say: (line: string) => void,
  options: {
    serviceEnvironment?: Environment;
    stdio?: 'inherit' | 'ignore';
    /**
     * `processes`: each service in its own process. `auto` (default): processes when Kafka is
     * configured; otherwise one process sharing the in-process event bus, so events still
     * reach their consumers.
     */
    mode?: 'auto' | 'processes';
  } = {},
): Promise<LaunchedPlatform> {
  // Per-subgraph settings have computed names (IDENTITY_PORT, AUTH_DATABASE_URL…).
  const setting = config as Record<string, unknown>;
  const portOf = (name: string) => setting[`${name.toUpperCase()}_PORT`] as number;

  const secrets = await loadOrCreateSecrets(config.DATA_DIR);
  const children: { name: string; process: ChildProcess }[] = [];
  let postgres: PostgresServer | undefined;
  let mail: { catcher: MailCatcher; page: Server } | undefined;
  let stopping = false;
  let reportCrash: (name: string) => void = () => undefined;
  const crashed = new Promise<string>((resolve) => (reportCrash = resolve));

  let inProcess: { stop(): Promise<void> } | undefined;
  const stop = async () => {
    stopping = true;
    await inProcess?.stop();
    // Gateway first, then subgraphs, then the database they use.
    for (const child of [...children].reverse()) {
      if (child.process.exitCode !== null || child.process.signalCode !== null) continue;
      const exited = new Promise((resolve) => child.process.once('exit', resolve));
      child.process.kill('SIGTERM');
      await exited;
    }
    if (mail) {
      await new Promise((resolve) => mail!.page.close(resolve));
      await mail.catcher.stop();
    }
    await postgres?.stop();
  };

  try {
    const databases = await provideDatabases(config, say);
    postgres = databases.postgres;
    const databaseUrls = databases.urls;
    const admin = adminCredentials({
      nodeEnv: 'development',
      adminEmail: config.ADMIN_EMAIL,
      adminPassword: config.ADMIN_PASSWORD,
    });
    const seeded = await seedPlatform({
      identityDatabaseUrl: databaseUrls.identity!,
      authzDatabaseUrl: databaseUrls.authz!,
      admin,
    });
    if (seeded.adminCreated) {
      say(
        admin.generated
          ? `seeded admin account ${admin.email} with the generated password ${admin.password} (shown once: keep it)`
          : `seeded admin account ${admin.email}`,
      );
    }

    const ports: Record<string, number> = {
      gateway: config.GATEWAY_PORT,
      [GATEWAY_METRICS]: config.GATEWAY_METRICS_PORT,
    };
    for (const subgraph of subgraphs) ports[subgraph.name] = portOf(subgraph.name);
    mail = await startDevelopmentMail(config, say);
    const environments = serviceEnvironments({
      nodeEnv: 'development',
      logLevel: config.LOG_LEVEL,
      dataDir: config.DATA_DIR,
      repositoryRoot,
      secrets,
      databaseUrls,
      ports,
      ...(config.REDIS_URL ? { redisUrl: config.REDIS_URL } : {}),
      ...(config.KAFKA_BROKERS ? { kafkaBrokers: config.KAFKA_BROKERS } : {}),
    });
    // Every mail goes to the catcher: nothing leaves the machine in development.
    environments.notifications = { ...environments.notifications, SMTP_URL: mail.catcher.url };
    if (config.OPENSEARCH_URL) environments.search = { ...environments.search, OPENSEARCH_URL: config.OPENSEARCH_URL };
    say(
      config.REDIS_URL
        ? `using Redis at ${config.REDIS_URL}`
        : 'REDIS_URL not set: in-process fallbacks for login throttling and caches',
    );

    say(
      config.KAFKA_BROKERS ? `using Kafka at ${config.KAFKA_BROKERS}` : 'KAFKA_BROKERS not set: in-process event bus',
    );
    // Before either mode starts anything: `environments` is returned as each service was started.
    for (const environment of Object.values(environments)) Object.assign(environment, options.serviceEnvironment);
    if ((options.mode ?? 'auto') === 'auto' && !config.KAFKA_BROKERS) {
      const eventTransport = createEventTransport({
        clientId: 'platform',
        logger: createLogger({ service: 'events' }),
      });
      const services = await startServicesInProcess({
        environments,
        ports,
        eventTransport,
        loggerFor: (service) => createLogger({ service, level: environments[service]?.LOG_LEVEL ?? config.LOG_LEVEL }),
      });
      inProcess = {
        stop: async () => {
          await services.stop();
          await eventTransport.close();
        },
      };
      return { gatewayUrl: `http://localhost:${config.GATEWAY_PORT}/graphql`, environments, stop, crashed };
    }

    const launch = (name: string, entry: string) => {
      const child = spawn(process.execPath, ['--import', 'tsx', path.join(repositoryRoot, entry)], {
        cwd: repositoryRoot,
        env: { ...process.env, ...environments[name] },
        stdio: options.stdio ?? 'inherit',
      });
      child.on('exit', (code) => {
        if (!stopping) {
          say(`${name} exited unexpectedly (code ${code})`);
          reportCrash(name);
        }
      });
      children.push({ name, process: child });
      return child;
    };

    await Promise.all(
      subgraphs.map((subgraph) =>
        waitUntilReady(
          subgraph.name,
          `http://127.0.0.1:${portOf(subgraph.name)}`,
          launch(subgraph.name, subgraphEntry(subgraph.name)),
        ),
      ),
    );
    await waitUntilReady('gateway', `http://127.0.0.1:${config.GATEWAY_PORT}`, launch('gateway', gatewayEntry));
    return { gatewayUrl: `http://localhost:${config.GATEWAY_PORT}/graphql`, environments, stop, crashed };
  } catch (error) {
    await stop();
    throw error;
  }
}

/**
 * The development mail: every message notifications sends lands in the catcher (kept under
 * `<DATA_DIR>/mail/`) and is listed, links clickable, on a page of its own port, so a new user
 * can follow their verification link. Development tooling: `npm start` only, never a deployment.
 */
async function startDevelopmentMail(
  config: LauncherConfig,
  say: (line: string) => void,
): Promise<{ catcher: MailCatcher; page: Server }> {
  const catcher = await startMailCatcher({ port: config.MAIL_SMTP_PORT, folder: path.join(config.DATA_DIR, 'mail') });
  const page = createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
    res.end(catcher.page());
  });
  await new Promise<void>((resolve, reject) => {
    page.once('error', reject);
    page.listen(config.MAIL_PAGE_PORT, '127.0.0.1', resolve);
  });
  say(`development mail: SMTP on ${catcher.url}, the messages at http://localhost:${config.MAIL_PAGE_PORT}/`);
  return { catcher, page };
}
