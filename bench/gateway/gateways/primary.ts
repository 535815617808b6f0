/**
 * The process that runs one benchmarked gateway: forks `workers` cluster workers on the
 * gateway's module (next to this file, same extension), prints one JSON line
 * `{"ready":true}` once every worker listens, and on SIGTERM or SIGINT stops the workers and
 * exits. If a worker dies, it stops the rest and exits 1.
 *
 *   node [--import tsx] bench/gateway/gateways/primary.ts <stock|hive|ours> '{"port":…,"host":…,"workers":…,"supergraphPath":…}'
 */
import cluster from 'node:cluster';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { GATEWAY_NAMES, parseGatewayProcessOptions, type GatewayName } from './cluster.js';

const thisFile = fileURLToPath(import.meta.url);
const name = process.argv[2] as GatewayName;
if (!GATEWAY_NAMES.includes(name)) throw new Error(`unknown gateway "${name}" (${GATEWAY_NAMES.join(', ')})`);
const options = parseGatewayProcessOptions(process.argv[3]);

cluster.setupPrimary({
  exec: path.join(path.dirname(thisFile), `${name}${path.extname(thisFile)}`),
  args: [JSON.stringify(options)],
});
let stopping = false;
let listening = 0;
const workers = Array.from({ length: options.workers }, () => cluster.fork());

const stop = async (exitCode: number) => {
  stopping = true;
  const alive = workers.filter((worker) => !worker.isDead());
  const exited = Promise.all(alive.map((worker) => new Promise((resolve) => worker.process.once('exit', resolve))));
  for (const worker of alive) worker.process.kill('SIGTERM');
  const fuse = setTimeout(() => alive.forEach((worker) => worker.process.kill('SIGKILL')), 3000);
  await exited;
  clearTimeout(fuse);
  process.exit(exitCode);
};

for (const worker of workers) {
  worker.once('listening', () => {
    listening += 1;
    if (listening === options.workers) process.stdout.write(`${JSON.stringify({ ready: true, name })}\n`);
  });
  worker.once('exit', (code, signal) => {
    if (stopping) return;
    process.stderr.write(`[${name}] worker ${worker.process.pid} exited (${signal ?? code}); stopping\n`);
    void stop(1);
  });
}
process.once('SIGTERM', () => void stop(0));
process.once('SIGINT', () => void stop(0));
