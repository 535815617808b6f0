/** The gateway's configuration, from environment variables validated at start. */
import {
  env,
  loadConfig,
  NO_TRUSTED_PROXIES,
  parseTrustedProxies,
  serviceCredentialsEnv,
  type Environment,
  type TrustedProxies,
} from '@platform/service-kit';
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

const trustedProxies = z.string().transform((text, ctx): TrustedProxies => {
  try {
    return parseTrustedProxies(text);
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: (error as Error).message });
    return z.NEVER;
  }
});

/** true/false (or 1/0) with no default: unset stays undefined, for a default that depends on NODE_ENV. */
const optionalBoolean = z
  .enum(['true', 'false', '1', '0'], { error: 'must be true or false' })
  .transform((value) => value === 'true' || value === '1')
  .optional();

/** Every variable the gateway reads (documented in docs/configuration.md, generated from this). */
export const gatewayConfigSchema = z.object({
  NODE_ENV: env.nodeEnv.describe('`production` turns off Sandbox, introspection and stack traces'),
  PORT: env.port(4000).describe('Port to listen on'),
  METRICS_PORT: z.coerce
    .number()
    .int()
    .min(0)
    .max(65535)
    .optional()
    .describe(
      'Port of the Prometheus `/metrics` endpoint, apart from the public `PORT` (same `HOST`); unset: metrics are not served',
    ),
  HOST: env.host.describe('Address to listen on'),
  LOG_LEVEL: env.logLevel.describe('`fatal` … `trace`, `silent`'),
  SUPERGRAPH_PATH: z
    .string()
    .default('supergraph/supergraph.graphql')
    .describe('The composed supergraph; reloaded when the file changes'),
  SUBGRAPH_URLS: subgraphUrls.optional().describe("`name=url,…` overrides of the supergraph's routing URLs"),
  AUTH_JWKS_URL: env.httpUrl.describe("auth's `/.well-known/jwks.json`, to verify access tokens"),
  ACCESS_TOKEN_ISSUER: z.string().default('platform-auth').describe('Expected `iss` of access tokens'),
  ACCESS_TOKEN_AUDIENCE: z.string().default('platform-api').describe('Expected `aud` of access tokens'),
  ACCESS_TOKEN_TTL_SECONDS: z.coerce
    .number()
    .int()
    .min(30)
    .max(86_400)
    .default(900)
    .describe("How long a revoked session's access tokens are refused: at least auth's `ACCESS_TOKEN_TTL_SECONDS`"),
  GATEWAY_SIGNING_KEY: privateJwk.describe('Private Ed25519 JWK that signs the per-subgraph caller proofs'),
  ENABLE_SANDBOX: optionalBoolean.describe(
    'Apollo Sandbox at `GET /graphql` for browsers; on in development only by default',
  ),
  ENABLE_INTROSPECTION: optionalBoolean.describe('Introspection queries; on in development only by default'),
  CORS_ORIGINS: z
    .string()
    .optional()
    .describe('Comma-separated allowed origins; `https://studio.apollographql.com` outside production by default'),
  SUBGRAPH_TIMEOUT_MS: z.coerce.number().int().min(100).default(10_000).describe('Timeout of one subgraph fetch'),
  AUTHZ_INTERNAL_URL: env.httpUrl.describe("authz's internal API, where the caller's effective permissions come from"),
  AUTHZ_INTERNAL_CREDENTIAL: z
    .string()
    .min(32, 'must be at least 32 characters')
    .describe('Our credential for the authz internal API'),
  INTERNAL_API_CREDENTIALS: serviceCredentialsEnv.describe('`authz:<token>`: who may announce permission changes'),
  REDIS_URL: env.optionalRedisUrl.describe(
    'Shared permission cache and version for several replicas; in memory without it',
  ),
  PERMISSIONS_CACHE_TTL_SECONDS: z.coerce
    .number()
    .int()
    .min(1)
    .max(3600)
    .default(60)
    .describe('Longest a cached set of effective permissions is used, even when an invalidation from authz is missed'),
  KAFKA_BROKERS: env.kafkaBrokers.describe(
    'Where authorization denials are published for the audit log; in-process bus without it',
  ),
  AUTHORIZATION_MODE: z
    .enum(['filter', 'reject', 'dry_run', 'off'])
    .default('filter')
    .describe(
      'As Apollo Router: `filter` removes unauthorized fields (null and an error at each), `reject` fails the operation, `dry_run` only logs, `off` skips enforcement at the gateway (subgraphs still check), for measuring',
    ),
  RECENT_AUTHENTICATION_MAX_AGE_SECONDS: z.coerce
    .number()
    .int()
    .min(1)
    .default(900)
    .describe('Max age of the last credential login for the `recent_authentication` policy'),
  INBOUND_DEDUPLICATION: z
    .enum(['off', 'anonymous', 'token'])
    .default('anonymous')
    .describe(
      'Identical in-flight queries share one execution: `anonymous` (no access token), `token` (same token too), `off`',
    ),
  SUBGRAPH_DEDUPLICATION: env
    .boolean(true)
    .describe('Identical in-flight subgraph queries (same caller proof and body) share one fetch'),
  QUERY_PLAN_EXECUTOR: z
    .enum(['platform', 'apollo'])
    .default('platform')
    .describe(
      "Who runs the query plans of queries and mutations: `platform`, the gateway's own executor (answers merged in place, representations deduplicated, entity fetches to one subgraph batched), or `apollo`, @apollo/gateway's `executeQueryPlan`, to compare",
    ),
  SUBGRAPH_CONNECTIONS: z.coerce
    .number()
    .int()
    .min(1)
    .max(4096)
    .default(128)
    .describe('Keep-alive connections to each subgraph'),
  GATEWAY_WORKERS: z
    .union([z.literal('auto'), z.coerce.number().int().min(1).max(256)], {
      error: 'must be a positive integer or "auto"',
    })
    .default(1)
    .transform((workers) => (workers === 'auto' ? availableParallelism() : workers))
    .describe('Worker processes (node:cluster, one port), or `auto` for one per core; more than one needs REDIS_URL'),
  // [operation limits] checked before planning, on HTTP and WebSocket (operation-limits.ts).
  MAX_OPERATION_TOKENS: z.coerce
    .number()
    .int()
    .min(1)
    .default(1000)
    .describe('Most lexical tokens in an operation document; parsing stops beyond it'),
  MAX_OPERATION_DEPTH: z.coerce
    .number()
    .int()
    .min(1)
    .default(10)
    .describe('Deepest field nesting in an operation (fragments add no level)'),
  MAX_OPERATION_ALIASES: z.coerce
    .number()
    .int()
    .min(0)
    .default(15)
    .describe('Most aliased fields in an operation (each alias of a mutation counts)'),
  MAX_OPERATION_DIRECTIVES: z.coerce.number().int().min(0).default(50).describe('Most directives in an operation'),
  MAX_OPERATION_ROOT_FIELDS: z.coerce
    .number()
    .int()
    .min(1)
    .default(10)
    .describe('Most fields selected at the root of an operation (through fragments too)'),
  OPERATION_LIMITS: env
    .boolean(true)
    .describe(
      '`false` skips the MAX_OPERATION_* limits on HTTP (tokens, depth, aliases, directives, root fields, cost), only to measure what they cost',
    ),
  MAX_OPERATION_COST: z.coerce
    .number()
    .int()
    .min(1)
    .default(50_000)
    .describe(
      "Highest estimated cost of an operation, from the supergraph's `@cost`/`@listSize` as Apollo Router estimates it (a list without `@listSize` counts 10 items, each mutation root field 10)",
    ),
  // [edge] request size, rate limits and trusted documents (rate-limits.ts, trusted-documents.ts).
  MAX_REQUEST_BODY_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(1_048_576)
    .describe(
      'Largest HTTP request body; a larger one is refused with 413 before it is read (by `Content-Length`) or parsed',
    ),
  RATE_LIMITS: env
    .boolean(true)
    .describe(
      'Rate limits per client and per user, and the expensive-operation budget (`false` only to measure without them)',
    ),
  RATE_LIMIT_WINDOW_SECONDS: z.coerce
    .number()
    .int()
    .min(1)
    .default(60)
    .describe('The window of the request rate limits'),
  RATE_LIMIT_PER_CLIENT: z.coerce
    .number()
    .int()
    .min(1)
    .default(1200)
    .describe(
      'Most requests (HTTP operations and subscriptions) per window from one client address; beyond it 429 `RATE_LIMITED`',
    ),
  RATE_LIMIT_PER_USER: z.coerce
    .number()
    .int()
    .min(1)
    .default(600)
    .describe("Most requests per window with one user's access token (its `sub`), from any address"),
  EXPENSIVE_OPERATIONS_WINDOW_SECONDS: z.coerce
    .number()
    .int()
    .min(1)
    .default(300)
    .describe('The window of the expensive-operation budget'),
  EXPENSIVE_OPERATIONS_PER_CLIENT: z.coerce
    .number()
    .int()
    .min(1)
    .default(100)
    .describe(
      'Most expensive operations (root mutation fields with `@cost(weight: 100)` or more: login, register, password reset and change) per window from one client address, each alias counted',
    ),
  EXPENSIVE_OPERATIONS_PER_USER: z.coerce
    .number()
    .int()
    .min(1)
    .default(20)
    .describe("Most expensive operations per window with one user's access token"),
  TRUSTED_DOCUMENTS: z
    .enum(['off', 'enforce'])
    .default('off')
    .describe(
      "`enforce` accepts only the operations of the committed client contract (`TRUSTED_DOCUMENTS_DIR`), by sha256 persisted-query hash or by exact body, as Router's safelisting; `off` accepts any operation and automatic persisted queries",
    ),
  TRUSTED_DOCUMENTS_DIR: z
    .string()
    .default('supergraph/operations')
    .describe('The folder of `*.graphql` files whose operations `TRUSTED_DOCUMENTS=enforce` accepts'),
  // [edge] who may tell us the client's address and scheme (X-Forwarded-For, X-Forwarded-Proto).
  TRUSTED_PROXIES: trustedProxies
    .optional()
    .describe(
      'Comma-separated IPs or CIDRs (or `loopback`) of proxies whose `X-Forwarded-For`/`-Proto` are believed; none by default, so the client is the socket peer',
    ),
  // [websocket limits] graphql-ws on /graphql (subscriptions/index.ts, the kit's graphql-ws.ts).
  WS_MAX_MESSAGE_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(65_536)
    .describe('Largest graphql-ws message; a larger frame closes the socket with 1009 before it is read'),
  WS_CONNECTION_INIT_TIMEOUT_MS: z.coerce
    .number()
    .int()
    .min(100)
    .default(3000)
    .describe('How long a graphql-ws socket may stay without `connection_init` before it is closed with 4408'),
  WS_MAX_CONNECTIONS: z.coerce
    .number()
    .int()
    .min(1)
    .default(10_000)
    .describe('Most open graphql-ws sockets per gateway process; an upgrade beyond it is refused with 503'),
  WS_MAX_CONNECTIONS_PER_CLIENT: z.coerce
    .number()
    .int()
    .min(1)
    .default(20)
    .describe('Most open graphql-ws sockets from one client address; an upgrade beyond it is refused with 429'),
  WS_MAX_SUBSCRIPTIONS_PER_CONNECTION: z.coerce
    .number()
    .int()
    .min(1)
    .default(50)
    .describe('Most live subscriptions on one graphql-ws socket; the next gets SUBSCRIPTION_LIMIT_EXCEEDED'),
});

const schema = gatewayConfigSchema
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
      TRUSTED_PROXIES: config.TRUSTED_PROXIES ?? NO_TRUSTED_PROXIES,
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
