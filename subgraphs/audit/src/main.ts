/** Starts the audit subgraph: configuration, listening, graceful shutdown on signals. */
import { runService } from '@platform/service-kit';
import { loadAuditConfig } from './config.js';
import { createAuditServer } from './server.js';

runService('audit', async () => {
  const config = loadAuditConfig();
  const server = await createAuditServer(config);
  await server.start(config.PORT, config.HOST);
  return server;
});
