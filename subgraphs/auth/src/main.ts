/** Starts the auth subgraph: load config, build, listen, stop gracefully on SIGTERM/SIGINT. */
import { runService } from '@platform/service-kit';
import { loadAuthConfig } from './config.js';
import { createAuthServer } from './server.js';

runService('auth', async () => {
  const config = loadAuthConfig(process.env);
  const server = await createAuthServer(config);
  await server.start(config.PORT, config.HOST);
  return server;
});
