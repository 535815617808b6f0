/**
 * The platform's services and the environment each one gets. The launcher (`npm start`)
 * and the end-to-end tests build their environments here, so both run the services with
 * exactly the configuration an operator would give them. Adding a subgraph means adding
 * an entry here and in rover.yaml.
 */
import path from 'node:path';
import type { Environment } from '@platform/service-kit';
import type { PlatformSecrets } from './secrets.js';

export interface SubgraphDescriptor {
  name: string;
  /** Its own database on the Postgres server. */
  database: string;
  defaultPort: number;
  entry: string;
}

export const subgraphs: readonly SubgraphDescriptor[] = [
  { name: 'identity', database: 'platform_identity', defaultPort: 4001, entry: 'subgraphs/identity/src/main.ts' },
  { name: 'auth', database: 'platform_auth', defaultPort: 4002, entry: 'subgraphs/auth/src/main.ts' },
  { name: 'authz', database: 'platform_authz', defaultPort: 4003, entry: 'subgraphs/authz/src/main.ts' },
  { name: 'audit', database: 'platform_audit', defaultPort: 4004, entry: 'subgraphs/audit/src/main.ts' },
];

export const gatewayEntry = 'gateway/src/main.ts';
export const defaultGatewayPort = 4000;

export interface PlatformLayout {
  nodeEnv: 'development' | 'test' | 'production';
  logLevel: string;
  dataDir: string;
  repositoryRoot: string;
  secrets: PlatformSecrets;
  databaseUrls: Record<string, string>;
  ports: Record<string, number>;
  redisUrl?: string;
  /** Kafka bootstrap brokers for every service; unset: the in-process bus. */
  kafkaBrokers?: string;
  /** Name of audit's application role (roles are per server: tests give each platform its own). */
  auditAppRole?: string;
}

const url = (port: number) => `http://127.0.0.1:${port}`;

function credential(layout: PlatformLayout, caller: string, callee: string): string {
  const value = layout.secrets.serviceCredentials[`${caller}->${callee}`];
  if (!value) throw new Error(`no service credential for ${caller} -> ${callee}`);
  return value;
}

/** The environment variables of every service, by name (`gateway` included). */
export function serviceEnvironments(layout: PlatformLayout): Record<string, Environment> {
  const port = (name: string) => {
    const value = layout.ports[name];
    if (value === undefined) throw new Error(`no port planned for ${name}`);
    return value;
  };
  const common = (name: string): Environment => ({
    NODE_ENV: layout.nodeEnv,
    LOG_LEVEL: layout.logLevel,
    HOST: '127.0.0.1',
    PORT: String(port(name)),
    DATABASE_URL: layout.databaseUrls[name],
    GATEWAY_PUBLIC_JWKS: JSON.stringify(layout.secrets.gatewayKeys.publicJwks),
    KAFKA_BROKERS: layout.kafkaBrokers,
  });
  return {
    identity: {
      ...common('identity'),
      INTERNAL_API_CREDENTIALS: `auth:${credential(layout, 'auth', 'identity')}`,
      AUTH_INTERNAL_URL: url(port('auth')),
      AUTH_INTERNAL_CREDENTIAL: credential(layout, 'identity', 'auth'),
      AUTHZ_INTERNAL_URL: url(port('authz')),
      AUTHZ_INTERNAL_CREDENTIAL: credential(layout, 'identity', 'authz'),
    },
    auth: {
      ...common('auth'),
      INTERNAL_API_CREDENTIALS: `identity:${credential(layout, 'identity', 'auth')}`,
      IDENTITY_INTERNAL_URL: url(port('identity')),
      IDENTITY_INTERNAL_CREDENTIAL: credential(layout, 'auth', 'identity'),
      REDIS_URL: layout.redisUrl,
      DATA_DIR: layout.dataDir,
    },
    authz: {
      ...common('authz'),
      INTERNAL_API_CREDENTIALS: [
        `gateway:${credential(layout, 'gateway', 'authz')}`,
        `identity:${credential(layout, 'identity', 'authz')}`,
      ].join(','),
      REDIS_URL: layout.redisUrl,
      // Without Redis, authz tells the (single) gateway about permission changes directly.
      GATEWAY_INTERNAL_URL: url(port('gateway')),
      GATEWAY_INTERNAL_CREDENTIAL: credential(layout, 'authz', 'gateway'),
    },
    audit: {
      ...common('audit'),
      INTERNAL_API_CREDENTIALS: `gateway:${credential(layout, 'gateway', 'audit')}`,
      AUDIT_APP_ROLE: layout.auditAppRole ?? 'audit_app',
      AUDIT_APP_PASSWORD: layout.secrets.auditAppPassword,
    },
    gateway: {
      NODE_ENV: layout.nodeEnv,
      LOG_LEVEL: layout.logLevel,
      HOST: '127.0.0.1',
      PORT: String(port('gateway')),
      SUPERGRAPH_PATH: path.join(layout.repositoryRoot, 'supergraph', 'supergraph.graphql'),
      SUBGRAPH_URLS: subgraphs.map((subgraph) => `${subgraph.name}=${url(port(subgraph.name))}/graphql`).join(','),
      AUTH_JWKS_URL: `${url(port('auth'))}/.well-known/jwks.json`,
      GATEWAY_SIGNING_KEY: JSON.stringify(layout.secrets.gatewayKeys.privateJwk),
      AUTHZ_INTERNAL_URL: url(port('authz')),
      AUTHZ_INTERNAL_CREDENTIAL: credential(layout, 'gateway', 'authz'),
      INTERNAL_API_CREDENTIALS: `authz:${credential(layout, 'authz', 'gateway')}`,
      REDIS_URL: layout.redisUrl,
      KAFKA_BROKERS: layout.kafkaBrokers,
    },
  };
}
