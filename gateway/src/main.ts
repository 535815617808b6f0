/** Starts the gateway from environment variables. */
import { runService } from '@platform/service-kit';
import { loadGatewayConfig } from './config.js';
import { createGatewayServer } from './server.js';

runService('gateway', async () => {
  const config = loadGatewayConfig();
  const server = createGatewayServer(config);
  await server.start(config.PORT, config.HOST);
  return server;
});
