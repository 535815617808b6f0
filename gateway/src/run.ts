/**
 * Starts the gateway from environment variables (`main.ts` imports this once tracing runs). With `GATEWAY_WORKERS` above 1, this
 * process forks that many node:cluster workers, which share the port, and serves nothing
 * itself; a worker that dies is replaced.
 */
import cluster from 'node:cluster';
import { runService, type Stoppable } from '@platform/service-kit';
import { loadGatewayConfig } from './config.js';
import { createGatewayServer } from './server.js';

runService('gateway', async () => {
  const config = loadGatewayConfig();
  if (cluster.isPrimary && config.GATEWAY_WORKERS > 1) return startWorkers(config.GATEWAY_WORKERS);
  const server = createGatewayServer(config);
  await server.start(config.PORT, config.HOST);
  return server;
});

/** Forks `count` workers; resolves once every one listens, fails if one exits before. */
async function startWorkers(count: number): Promise<Stoppable> {
  let stopping = false;
  let ready = false;
  const workers = new Set<ReturnType<typeof cluster.fork>>();
  await new Promise<void>((resolve, reject) => {
    let listening = 0;
    const fork = () => {
      const worker = cluster.fork();
      workers.add(worker);
      worker.once('listening', () => {
        listening += 1;
        if (listening === count) {
          ready = true;
          resolve();
        }
      });
      worker.once('exit', (code, signal) => {
        workers.delete(worker);
        if (stopping) return;
        if (!ready) {
          reject(new Error(`a gateway worker exited while starting (${signal ?? code})`));
          return;
        }
        process.stderr.write(`gateway: worker ${worker.process.pid} exited (${signal ?? code}); replacing it\n`);
        fork();
      });
    };
    for (let index = 0; index < count; index += 1) fork();
  }).catch((error: unknown) => {
    stopping = true;
    for (const worker of workers) worker.process.kill('SIGTERM');
    throw error;
  });
  return {
    async stop() {
      stopping = true;
      const alive = [...workers].filter((worker) => !worker.isDead());
      const exited = Promise.all(alive.map((worker) => new Promise((resolve) => worker.once('exit', resolve))));
      for (const worker of alive) worker.process.kill('SIGTERM');
      await exited;
    },
  };
}
