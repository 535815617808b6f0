/**
 * The platform's services and the environment each one gets, derived from the registry of
 * subgraph definitions (`subgraphs/registry.ts`). The launcher (`npm start`) and the
 * end-to-end tests build their environments here, so both run the services with exactly the
 * configuration an operator would give them.
 */
import path from 'node:path';
import {
  calledService,
  internalApiCallers,
  internalCallVariables,
  type AnySubgraphDefinition,
  type Environment,
  type ServiceCall,
} from '@platform/service-kit';
import { gatewayService, subgraphs } from '../../../subgraphs/registry.js';
import type { PlatformSecrets } from './secrets.js';

export { gatewayService, subgraphs };

export const gatewayEntry = 'gateway/src/main.ts';
export const defaultGatewayPort = gatewayService.port;

/** A subgraph's own database on a shared Postgres server. */
export const databaseName = (subgraph: string) => `platform_${subgraph}`;

/** The entry point a subgraph runs as its own process. */
export const subgraphEntry = (subgraph: string) => `subgraphs/${subgraph}/src/main.ts`;

interface Service {
  name: string;
  port: number;
  calls?: readonly ServiceCall[] | undefined;
  /** Its listed callers; the jobs admin is added for a service that runs jobs ({@link internalApiCallers}). */
  internalApi?: { callers: readonly string[] } | undefined;
}

/** The subgraphs and the gateway; the platform's own by default, another list in tests. */
export interface Registry {
  subgraphs: readonly AnySubgraphDefinition[];
  gateway: Service;
}

export const platformRegistry: Registry = { subgraphs, gateway: gatewayService };

const servicesOf = (registry: Registry): readonly Service[] => [...registry.subgraphs, registry.gateway];

/** Every internal API call between services, as `[caller, callee]`: whoever serves an API lists its callers. */
export function internalCalls(registry: Registry = platformRegistry): [caller: string, callee: string][] {
  return servicesOf(registry).flatMap((callee) =>
    internalApiCallers(callee).map((caller): [string, string] => [caller, callee.name]),
  );
}

/** Problems with the registry itself: unknown names, calls nobody serves, clashing ports. */
export function registryProblems(registry: Registry = platformRegistry): string[] {
  const services = servicesOf(registry);
  const problems: string[] = [];
  const byName = new Map(services.map((service) => [service.name, service]));
  if (byName.size !== services.length) problems.push('two services share a name');
  const ports = new Map<number, string>();
  for (const service of services) {
    const other = ports.get(service.port);
    if (other) problems.push(`${service.name} and ${other} both default to port ${service.port}`);
    ports.set(service.port, service.name);
  }
  for (const service of services) {
    for (const call of service.calls ?? []) {
      const callee = byName.get(calledService(call));
      if (!callee) problems.push(`${service.name} calls ${calledService(call)}, which is not in the registry`);
      else if (!internalApiCallers(callee).includes(service.name)) {
        problems.push(`${service.name} calls ${callee.name}, whose internalApi.callers does not list ${service.name}`);
      }
    }
    for (const caller of internalApiCallers(service)) {
      if (!byName.has(caller)) problems.push(`${service.name} serves ${caller}, which is not in the registry`);
    }
  }
  return problems;
}

export interface PlatformLayout {
  nodeEnv: 'development' | 'test' | 'production';
  logLevel: string;
  dataDir: string;
  repositoryRoot: string;
  secrets: PlatformSecrets;
  databaseUrls: Record<string, string>;
  /** By service name; the gateway's metrics port, when planned, under {@link GATEWAY_METRICS}. */
  ports: Record<string, number>;
  redisUrl?: string;
  /** Kafka bootstrap brokers for every service; unset: the in-process bus. */
  kafkaBrokers?: string;
}

const url = (port: number) => `http://127.0.0.1:${port}`;

/** The key of the gateway's metrics port in {@link PlatformLayout.ports}; without it the gateway serves no metrics. */
export const GATEWAY_METRICS = 'gateway-metrics';

/** The environment variables of every service, by name (`gateway` included). */
export function serviceEnvironments(
  layout: PlatformLayout,
  registry: Registry = platformRegistry,
): Record<string, Environment> {
  const port = (name: string) => {
    const value = layout.ports[name];
    if (value === undefined) throw new Error(`no port planned for ${name}`);
    return value;
  };
  const credential = (caller: string, callee: string) => {
    const value = layout.secrets.serviceCredentials[`${caller}->${callee}`];
    if (!value) throw new Error(`no service credential for ${caller} -> ${callee}`);
    return value;
  };
  /** The variables of one service's internal API and of the APIs it calls. */
  const internalEnvironment = (service: Service): Environment => {
    const environment: Environment = {};
    const callers = internalApiCallers(service);
    if (callers.length > 0) {
      environment.INTERNAL_API_CREDENTIALS = callers
        .map((caller) => `${caller}:${credential(caller, service.name)}`)
        .join(',');
    }
    for (const call of service.calls ?? []) {
      const callee = calledService(call);
      const variables = internalCallVariables(callee);
      environment[variables.url] = url(port(callee));
      environment[variables.credential] = credential(service.name, callee);
    }
    return environment;
  };

  const environments: Record<string, Environment> = {};
  for (const subgraph of registry.subgraphs) {
    const secrets = layout.secrets.variables[subgraph.name] ?? {};
    environments[subgraph.name] = {
      NODE_ENV: layout.nodeEnv,
      LOG_LEVEL: layout.logLevel,
      HOST: '127.0.0.1',
      PORT: String(port(subgraph.name)),
      DATABASE_URL: layout.databaseUrls[subgraph.name],
      GATEWAY_PUBLIC_JWKS: JSON.stringify(layout.secrets.gatewayKeys.publicJwks),
      KAFKA_BROKERS: layout.kafkaBrokers,
      REDIS_URL: layout.redisUrl,
      ...internalEnvironment(subgraph),
      ...Object.fromEntries((subgraph.development?.secrets ?? []).map((name) => [name, secrets[name]])),
      ...subgraph.development?.env?.({ dataDir: layout.dataDir }),
    };
  }
  environments.gateway = {
    NODE_ENV: layout.nodeEnv,
    LOG_LEVEL: layout.logLevel,
    HOST: '127.0.0.1',
    PORT: String(port('gateway')),
    ...(layout.ports[GATEWAY_METRICS] === undefined ? {} : { METRICS_PORT: String(layout.ports[GATEWAY_METRICS]) }),
    SUPERGRAPH_PATH: path.join(layout.repositoryRoot, 'supergraph', 'supergraph.graphql'),
    SUBGRAPH_URLS: registry.subgraphs
      .map((subgraph) => `${subgraph.name}=${url(port(subgraph.name))}/graphql`)
      .join(','),
    AUTH_JWKS_URL: `${url(port('auth'))}/.well-known/jwks.json`,
    GATEWAY_SIGNING_KEY: JSON.stringify(layout.secrets.gatewayKeys.privateJwk),
    REDIS_URL: layout.redisUrl,
    KAFKA_BROKERS: layout.kafkaBrokers,
    ...internalEnvironment(registry.gateway),
  };
  return environments;
}
