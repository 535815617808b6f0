/**
 * ours: OUR gateway (gateway/src, `createGatewayServer`), configured from environment
 * variables through `loadGatewayConfig` exactly as `gateway/src/main.ts` is, in production.
 * Clients send no access token here (the workload is anonymous), so AUTH_JWKS_URL is never
 * fetched; each subgraph fetch still carries a signed `x-gateway-proof`, which the
 * benchmark subgraphs ignore. The signing key is generated once per run.
 */
import { loadGatewayConfig } from '@platform/gateway/config';
import { createGatewayServer } from '@platform/gateway';
import { generateGatewayKeys } from '@platform/service-kit';
import { runAsClusterWorker, type GatewayProcessOptions, type RunningGateway } from './cluster.js';

/** The gateway's environment for a benchmark run, what an operator would set (the harness passes it). */
export async function oursEnvironment(options: GatewayProcessOptions): Promise<Record<string, string>> {
  const keys = await generateGatewayKeys('bench-gateway');
  return {
    NODE_ENV: 'production',
    LOG_LEVEL: 'warn',
    PORT: String(options.port),
    HOST: options.host,
    SUPERGRAPH_PATH: options.supergraphPath,
    // Never fetched: no request carries an access token.
    AUTH_JWKS_URL: 'http://127.0.0.1:9/.well-known/jwks.json',
    GATEWAY_SIGNING_KEY: JSON.stringify(keys.privateJwk),
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
