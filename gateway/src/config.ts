/** The gateway's configuration, from environment variables validated at start. */
import { env, loadConfig, serviceCredentialsEnv, type Environment } from '@platform/service-kit';
import type { JWK } from 'jose';
import { availableParallelism } from 'node:os';
import { z } from 'zod';

const subgraphUrls = z.string().transform((text, ctx) => {
  const urls: Record<string, string> = {};
  for (const entry of text
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean)) {
    const [name, url] = entry.split('=', 2);
    if (!name || !url || !/^https?:\/\//.test(url)) {
      ctx.addIssue({ code: 'custom', message: `entry "${entry}" must read name=http(s)://host:port/graphql` });
      return z.NEVER;
    }
    urls[name] = url;
  }
  return urls;
});

const privateJwk = z.string().transform((text, ctx): JWK => {
  try {
    const key = JSON.parse(text) as JWK;
    if (key.kty !== 'OKP' || key.crv !== 'Ed25519' || typeof key.d !== 'string') {
      ctx.addIssue({ code: 'custom', message: 'must be a private Ed25519 JWK (kty OKP, crv Ed25519, with "d")' });
      return z.NEVER;
    }
    return key;
  } catch {
    ctx.addIssue({ code: 'custom', message: 'must be valid JSON (a private JWK)' });
    return z.NEVER;
  }
});

/** true/false (or 1/0) with no default: unset stays undefined, for a default that depends on NODE_ENV. */
const optionalBoolean = z
  .enum(['true', 'false', '1', '0'], { error: 'must be true or false' })
  .transform((value) => value === 'true' || value === '1')
  .optional();

const schema = z
  .object({
    NODE_ENV: env.nodeEnv,
    PORT: env.port(4000),
    HOST: env.host,
    LOG_LEVEL: env.logLevel,
    SUPERGRAPH_PATH: z.string().default('supergraph/supergraph.graphql'),
    SUBGRAPH_URLS: subgraphUrls.optional(),
    AUTH_JWKS_URL: env.httpUrl,
    ACCESS_TOKEN_ISSUER: z.string().default('platform-auth'),
    ACCESS_TOKEN_AUDIENCE: z.string().default('platform-api'),
    GATEWAY_SIGNING_KEY: privateJwk,
    /** Apollo Sandbox at `GET /graphql` for browsers; default: on when NODE_ENV=development only. */
    ENABLE_SANDBOX: optionalBoolean,
    /** Introspection queries; default: on when NODE_ENV=development only. */
    ENABLE_INTROSPECTION: optionalBoolean,
    CORS_ORIGINS: z.string().optional(),
    SUBGRAPH_TIMEOUT_MS: z.coerce.number().int().min(100).default(10_000),
    /** authz's internal API, where the caller's effective permissions come from. */
    AUTHZ_INTERNAL_URL: env.httpUrl,
    AUTHZ_INTERNAL_CREDENTIAL: z.string().min(32, 'must be at least 32 characters'),
    /** Credentials accepted on the gateway's own internal API (authz pushes permission changes). */
    INTERNAL_API_CREDENTIALS: serviceCredentialsEnv,
    /** Shared permission cache and version for several gateway replicas; in memory without it. */
    REDIS_URL: env.optionalRedisUrl,
    /** Where authorization denials are published for the audit log; without it, the in-process bus. */
    KAFKA_BROKERS: env.kafkaBrokers,
    /**
     * How authorization directives are enforced, as Apollo Router does: `filter` removes
     * unauthorized fields and answers null plus an error at each; `reject` fails the whole
     * operation; `dry_run` only logs what would have been removed; `off` skips enforcement
     * at the gateway entirely (subgraphs still check), for measuring its cost.
     */
    AUTHORIZATION_MODE: z.enum(['filter', 'reject', 'dry_run', 'off']).default('filter'),
    /** Max age of the last credential login for the `recent_authentication` policy. */
    RECENT_AUTHENTICATION_MAX_AGE_SECONDS: z.coerce.number().int().min(1).default(900),
    /**
     * Identical GraphQL queries in flight share one execution (see `inbound-deduplication.ts`):
     * `anonymous` (default) only requests without an access token, `token` also requests
     * with the same access token, `off` never.
     */
    INBOUND_DEDUPLICATION: z.enum(['off', 'anonymous', 'token']).default('anonymous'),
    /** Identical subgraph queries in flight (same caller proof, same body) share one fetch. */
    SUBGRAPH_DEDUPLICATION: env.boolean(true),
    /** Keep-alive connections the gateway keeps open to each subgraph. */
    SUBGRAPH_CONNECTIONS: z.coerce.number().int().min(1).max(4096).default(128),
    /**
     * Processes serving the gateway (node:cluster, one port): a number, or `auto` for one per
     * core. Several need REDIS_URL: authz's permission pushes reach one process only.
     */
    GATEWAY_WORKERS: z
      .union([z.literal('auto'), z.coerce.number().int().min(1).max(256)], {
        error: 'must be a positive integer or "auto"',
      })
      .default(1)
      .transform((workers) => (workers === 'auto' ? availableParallelism() : workers)),
  })
  .superRefine((config, ctx) => {
    if (config.GATEWAY_WORKERS > 1 && !config.REDIS_URL) {
      ctx.addIssue({
        code: 'custom',
        path: ['GATEWAY_WORKERS'],
        message: 'more than one worker needs REDIS_URL (the permissions version must be shared)',
      });
    }
  })
  .transform((config) => {
    const development = config.NODE_ENV === 'development';
    return {
      ...config,
      // Sandbox and introspection: on in development, off otherwise unless asked for.
      ENABLE_SANDBOX: config.ENABLE_SANDBOX ?? development,
      ENABLE_INTROSPECTION: config.ENABLE_INTROSPECTION ?? development,
      CORS_ORIGINS: (
        config.CORS_ORIGINS ?? (config.NODE_ENV !== 'production' ? 'https://studio.apollographql.com' : '')
      )
        .split(',')
        .map((origin) => origin.trim())
        .filter(Boolean),
    };
  });

export type GatewayConfig = z.infer<typeof schema>;

export function loadGatewayConfig(environment: Environment = process.env): GatewayConfig {
  return loadConfig(schema, environment);
}
