/** Starts the authz subgraph: configuration, listening, graceful shutdown on signals. */
import { runService } from '@platform/service-kit';
import { loadAuthzConfig } from './config.js';
import { createAuthzServer } from './server.js';

runService('authz', async () => {
  const config = loadAuthzConfig();
  const server = await createAuthzServer(config);
  await server.start(config.PORT, config.HOST);
  return server;
});
