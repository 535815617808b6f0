/**
 * @platform/service-kit: what every service of the platform uses. Subgraphs and the
 * gateway import from here rather than re-implementing config, logging, errors, proofs,
 * HTTP, health or metrics.
 */
export * from './apollo-http.js';
export * from './client-address.js';
export * from './config.js';
export * from './context.js';
export * from './crypto.js';
export * from './database.js';
export * from './errors.js';
export * from './fan-out.js';
export * from './gateway-proof.js';
export * from './graphql-ws.js';
export * from './http.js';
export * from './jobs/index.js';
export * from './lifecycle.js';
export { loaderCache } from './loaders.js';
export * from './logger.js';
export * from './metrics.js';
export * from './money/index.js';
export * from './redis.js';
export * from './attempt-throttle.js';
export * from './service-credentials.js';
export * from './subgraph-server.js';
export * from './subgraph/index.js';
export * from './ports.js';
export * from './__generated__/permissions.js';
export * from './scalars.js';
export * from './sql.js';
