/**
 * What to deploy, derived from the registry (`subgraphs/registry.ts`): one service per subgraph
 * plus the gateway, each with its port, entry, database, the environment it needs (plain
 * configuration apart from secrets) and who may reach it. docker-compose.yml and the Kubernetes
 * base are generated from this plan (`npm run deploy:generate`), the secrets files by
 * `npm run deploy:secrets`; a test fails when the committed files drift from it.
 */
import { readFileSync } from 'node:fs';
import { calledService, internalCallVariables, type ServiceCall } from '@platform/service-kit';
import {
  databaseName,
  gatewayEntry,
  internalCalls,
  platformRegistry,
  subgraphEntry,
  type Registry,
} from '../../supergraph/src/platform/services.js';

export interface ServicePlan {
  name: string;
  kind: 'subgraph' | 'gateway';
  port: number;
  /** The TypeScript entry the image compiles. */
  entry: string;
  /** Where Prometheus scrapes its `/metrics`: its port, except the gateway's (METRICS_PORT, never the public one). */
  metricsPort: number;
  /** Its own database (`platform_<name>`); none for the gateway. */
  database: string | null;
  /** Services that call its `/internal/*` API. */
  callers: string[];
  /** Plain settings: ConfigMap in Kubernetes, `environment` in compose. */
  config: Record<string, string>;
  /**
   * Secret settings as templates over the platform secrets: `${NAME}` stands for platform secret
   * `NAME`, `${POSTGRES_HOST}` for where Postgres is. Compose interpolates them from `.env`;
   * `npm run deploy:secrets` resolves them into each service's Kubernetes Secret.
   */
  secrets: Record<string, string>;
  /**
   * How its database is migrated in Kubernetes: a Job of this release (named after it, so a new
   * release runs a new Job and an applied one is left alone) runs `command` from the service's
   * image; the service's pods do not migrate (MIGRATE_ON_START=false) and wait until the schema
   * is at their version. None for the gateway.
   */
  migration: { job: string; command: string[] } | null;
}

export interface DeploymentPlan {
  /** The release deployed: the image tag and the migration Jobs' suffix (deploy/VERSION). */
  version: string;
  services: ServicePlan[];
  /** The platform secrets every template draws from, generated once by `npm run deploy:secrets`. */
  secretNames: string[];
}

const upper = (name: string) => name.toUpperCase().replace(/[^A-Z0-9]/g, '_');
/** Platform secret: the credential `caller` presents to `callee`'s internal API. */
const credentialSecret = (caller: string, callee: string) => `${upper(caller)}_TO_${upper(callee)}_CREDENTIAL`;
/** Platform secret: the password of a service's own database role. */
export const databasePasswordSecret = (service: string) => `${upper(service)}_DATABASE_PASSWORD`;
/** Platform secret: a variable a subgraph declares in `development.secrets`. */
export const declaredSecret = (service: string, variable: string) => `${upper(service)}__${variable}`;

/** The gateway's Prometheus port (`METRICS_PORT`): its `/metrics` is never on the public port. */
const GATEWAY_METRICS_PORT = 9464;

/** Where a service is reached inside the deployment: its name, on compose's network and as a Kubernetes Service. */
const serviceUrl = (name: string, port: number) => `http://${name}:${port}`;

/**
 * Secrets a service needs in production that no definition declares for development: auth
 * refuses to start in production without SIGNING_KEYS (see subgraphs/auth/src/subgraph.ts).
 */
const productionSecrets: Record<string, string[]> = { auth: ['SIGNING_KEYS'] };

/** The release in deploy/VERSION (one line, e.g. `0.1.0`): bump it, then `npm run deploy:generate`. */
function releaseVersion(): string {
  const version = readFileSync(new URL('../VERSION', import.meta.url), 'utf8').trim();
  if (!/^[0-9A-Za-z][0-9A-Za-z._-]{0,40}$/.test(version)) {
    throw new Error(`deploy/VERSION must be an image tag such as 0.1.0, not ${JSON.stringify(version)}`);
  }
  return version;
}

/** A migration Job's name: the service and the release, as a Kubernetes name allows (`identity-migrate-0-1-0`). */
export const migrationJobName = (service: string, version: string) =>
  `${service}-migrate-${version.toLowerCase().replace(/[^a-z0-9]+/g, '-')}`.slice(0, 63).replace(/-+$/, '');

export function deploymentPlan(
  registry: Registry = platformRegistry,
  version: string = releaseVersion(),
): DeploymentPlan {
  const ports = new Map([...registry.subgraphs, registry.gateway].map((service) => [service.name, service.port]));
  const portOf = (name: string) => {
    const port = ports.get(name);
    if (port === undefined) throw new Error(`${name} is not in the registry`);
    return port;
  };
  const calls = internalCalls(registry);
  const secretNames = new Set<string>(['GATEWAY_SIGNING_KEY', 'GATEWAY_PUBLIC_JWKS', 'POSTGRES_PASSWORD']);

  const internal = (name: string, declaredCalls: readonly ServiceCall[] | undefined) => {
    const config: Record<string, string> = {};
    const secrets: Record<string, string> = {};
    const callers = calls.filter(([, callee]) => callee === name).map(([caller]) => caller);
    if (callers.length > 0) {
      secrets.INTERNAL_API_CREDENTIALS = callers
        .map((caller) => `${caller}:\${${credentialSecret(caller, name)}}`)
        .join(',');
    }
    for (const call of declaredCalls ?? []) {
      const callee = calledService(call);
      const variables = internalCallVariables(callee);
      config[variables.url] = serviceUrl(callee, portOf(callee));
      secrets[variables.credential] = `\${${credentialSecret(name, callee)}}`;
    }
    for (const [caller, callee] of calls)
      if (callee === name || caller === name) secretNames.add(credentialSecret(caller, callee));
    return { config, secrets, callers };
  };

  const services: ServicePlan[] = registry.subgraphs.map((subgraph) => {
    const database = databaseName(subgraph.name);
    const { config, secrets, callers } = internal(subgraph.name, subgraph.calls);
    secretNames.add(databasePasswordSecret(subgraph.name));
    for (const variable of subgraph.development?.secrets ?? []) {
      secretNames.add(declaredSecret(subgraph.name, variable));
      secrets[variable] = `\${${declaredSecret(subgraph.name, variable)}}`;
    }
    for (const variable of productionSecrets[subgraph.name] ?? []) {
      secretNames.add(declaredSecret(subgraph.name, variable));
      secrets[variable] = `\${${declaredSecret(subgraph.name, variable)}}`;
    }
    return {
      name: subgraph.name,
      kind: 'subgraph',
      port: subgraph.port,
      metricsPort: subgraph.port,
      entry: subgraphEntry(subgraph.name),
      database,
      callers,
      config: { NODE_ENV: 'production', HOST: '0.0.0.0', PORT: String(subgraph.port), ...config },
      secrets: {
        DATABASE_URL: `postgres://${database}:\${${databasePasswordSecret(subgraph.name)}}@\${POSTGRES_HOST}/${database}`,
        GATEWAY_PUBLIC_JWKS: '${GATEWAY_PUBLIC_JWKS}',
        ...secrets,
      },
      // `dist/migrate.mjs` is in every subgraph image (deploy/src/bundle.ts).
      migration: { job: migrationJobName(subgraph.name, version), command: ['node', 'dist/migrate.mjs'] },
    };
  });

  const gateway = internal(registry.gateway.name, registry.gateway.calls);
  services.push({
    name: registry.gateway.name,
    kind: 'gateway',
    port: registry.gateway.port,
    metricsPort: GATEWAY_METRICS_PORT,
    entry: gatewayEntry,
    database: null,
    callers: gateway.callers,
    config: {
      NODE_ENV: 'production',
      HOST: '0.0.0.0',
      PORT: String(registry.gateway.port),
      METRICS_PORT: String(GATEWAY_METRICS_PORT),
      SUPERGRAPH_PATH: 'supergraph/supergraph.graphql',
      SUBGRAPH_URLS: registry.subgraphs
        .map((subgraph) => `${subgraph.name}=${serviceUrl(subgraph.name, subgraph.port)}/graphql`)
        .join(','),
      AUTH_JWKS_URL: `${serviceUrl('auth', portOf('auth'))}/.well-known/jwks.json`,
      ...gateway.config,
    },
    secrets: { GATEWAY_SIGNING_KEY: '${GATEWAY_SIGNING_KEY}', ...gateway.secrets },
    migration: null,
  });
  return { version, services, secretNames: [...secretNames].sort() };
}

/** `${NAME}` placeholders of a template. */
export const placeholders = (template: string) =>
  [...template.matchAll(/\$\{([A-Z0-9_]+)\}/g)].map((match) => match[1]!);
