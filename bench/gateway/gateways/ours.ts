/**
 * ours: OUR gateway (gateway/src, `createGatewayServer`), configured from environment
 * variables through `loadGatewayConfig` exactly as `gateway/src/main.ts` is, in production.
 * Clients send no access token here (the workload is anonymous), so neither auth's JWKS nor
 * authz is ever called; each subgraph fetch still carries a signed `x-gateway-proof`, which
 * the benchmark subgraphs ignore. The signing key is generated once per run.
 */
import { loadGatewayConfig } from '@platform/gateway/config';
import { createGatewayServer } from '@platform/gateway';
import { generateGatewayKeys } from '@platform/service-kit';
import { randomBytes } from 'node:crypto';
import { runAsClusterWorker, type GatewayProcessOptions, type RunningGateway } from './cluster.js';

/** Where nothing listens (port 9, discard): for services the workload never calls. */
const UNUSED = 'http://127.0.0.1:9';

/** The gateway's environment for a benchmark run, what an operator would set (the harness passes it). */
export async function oursEnvironment(options: GatewayProcessOptions): Promise<Record<string, string>> {
  const keys = await generateGatewayKeys('bench-gateway');
  return {
    NODE_ENV: 'production',
    // Workers share the primary's stdout, where the harness reads its ready line: nothing
    // below error may be printed first (a warning at start, e.g. no Kafka, would be taken for it).
    LOG_LEVEL: 'error',
    PORT: String(options.port),
    HOST: options.host,
    SUPERGRAPH_PATH: options.supergraphPath,
    GATEWAY_SIGNING_KEY: JSON.stringify(keys.privateJwk),
    // Never called: only a request with an access token needs auth's keys or the caller's
    // permissions from authz, and the workload is anonymous. Authorization stays at its
    // production default (the benchmark supergraph has no authorization directives).
    AUTH_JWKS_URL: `${UNUSED}/.well-known/jwks.json`,
    AUTHZ_INTERNAL_URL: UNUSED,
    AUTHZ_INTERNAL_CREDENTIAL: randomBytes(32).toString('base64url'),
    INTERNAL_API_CREDENTIALS: `authz:${randomBytes(32).toString('base64url')}`,
    // The 50 clients are one address: a budget no run reaches, so every request is still
    // counted (what the limiter costs is measured) and none is refused.
    RATE_LIMIT_PER_CLIENT: String(1_000_000_000),
  };
}

export async function startOurGateway(environment: Record<string, string | undefined>): Promise<RunningGateway> {
  const config = loadGatewayConfig(environment);
  const server = createGatewayServer(config);
  const running = await server.start(config.PORT, config.HOST);
  return { url: `${running.url}/graphql`, stop: () => server.stop() };
}

// The environment comes from the harness (`oursEnvironment`), as an operator would set it.
await runAsClusterWorker('ours', () => startOurGateway(process.env));
