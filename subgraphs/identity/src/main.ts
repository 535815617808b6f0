/** Starts the identity subgraph: configuration, listening, graceful shutdown on signals. */
import { runService } from '@platform/service-kit';
import { loadIdentityConfig } from './config.js';
import { createIdentityServer } from './server.js';

runService('identity', async () => {
  const config = loadIdentityConfig();
  const server = await createIdentityServer(config);
  await server.start(config.PORT, config.HOST);
  return server;
});
