/**
 * `npm run bench -- tracing`: what tracing costs the gateway per request, on vs off (issue 14).
 * Tracing cannot be turned off again in a process, so each measurement is a process of its own
 * (this file run as a script), in alternating order: the benchmark subgraphs in a child process,
 * our gateway in this one (`ours` with inbound deduplication off, so every request executes),
 * TestQuery sent `--requests` times by 10 clients after a warm-up, and the CPU time this process
 * spent per request (gateway and the clients together; the clients' share is the same in both).
 * "on" starts the SDK as `main.ts` does, every request sampled, every span exported over
 * OTLP/HTTP to a sink in the process. CPU time per request is the figure other load on the
 * machine moves least; `npm run bench -- gateway --gateways ours-nodedup,ours-traced` is the
 * throughput view.
 */
import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { freePort } from '@platform/service-kit';
import { startTelemetry } from '@platform/service-kit/telemetry';
import type { BenchSubgraphName } from '../subgraphs/subgraphs.js';
import { readTestQueryBody } from './workload.js';

const here = fileURLToPath(import.meta.url);
const repositoryRoot = path.resolve(path.dirname(here), '../..');

interface Measurement {
  mode: 'on' | 'off';
  requests: number;
  cpuMsPerRequest: number;
}

async function firstLine(stream: NodeJS.ReadableStream): Promise<string> {
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: stream });
    lines.once('line', resolve);
    lines.once('close', () => reject(new Error('the process ended before it answered')));
  });
}

/** One measurement in this process (run as a script). */
async function measureHere(mode: 'on' | 'off', requests: number): Promise<Measurement> {
  const subgraphs = spawn(process.execPath, ['--import', 'tsx', 'bench/subgraphs/start.ts'], {
    cwd: repositoryRoot,
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  try {
    const urls = JSON.parse(await firstLine(subgraphs.stdout)) as Record<BenchSubgraphName, string>;
    if (mode === 'on') {
      const sinkPort = await freePort();
      const sink = createServer((req, res) => {
        req.resume();
        req.on('end', () => res.writeHead(200).end());
      });
      await new Promise<void>((resolve) => sink.listen(sinkPort, '127.0.0.1', resolve));
      sink.unref();
      process.env.OTEL_TRACES_EXPORTER = 'otlp';
      process.env.OTEL_EXPORTER_OTLP_ENDPOINT = `http://127.0.0.1:${sinkPort}`;
      if (!(await startTelemetry({ serviceName: 'gateway' }))) throw new Error('tracing did not start');
    }
    const { composeBenchSupergraph } = await import('../subgraphs/compose.js');
    const { oursEnvironment, startOurGateway } = await import('./gateways/ours.js');
    const supergraphPath = path.join(tmpdir(), `bench-tracing-${process.pid}.graphql`);
    await writeFile(supergraphPath, composeBenchSupergraph(urls));
    const port = await freePort();
    const environment = await oursEnvironment({ port, host: '127.0.0.1', workers: 1, supergraphPath });
    const gateway = await startOurGateway({ ...environment, INBOUND_DEDUPLICATION: 'off' });
    const body = await readTestQueryBody();
    const send = async (count: number) => {
      let left = count;
      await Promise.all(
        Array.from({ length: 10 }, async () => {
          while (left-- > 0) {
            const response = await fetch(gateway.url, {
              method: 'POST',
              headers: { 'content-type': 'application/json' },
              body,
            });
            const text = await response.text();
            if (response.status !== 200 || !text.startsWith('{"data":{"users":')) {
              throw new Error(`unexpected answer ${response.status}: ${text.slice(0, 200)}`);
            }
          }
        }),
      );
    };
    await send(Math.ceil(requests / 2));
    const before = process.cpuUsage();
    await send(requests);
    const used = process.cpuUsage(before);
    await gateway.stop();
    return { mode, requests, cpuMsPerRequest: (used.user + used.system) / 1000 / requests };
  } finally {
    subgraphs.kill('SIGTERM');
  }
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor((values.length - 1) / 2)]!;

export async function benchTracing(options: { rounds: number; requests: number }): Promise<void> {
  const results: Measurement[] = [];
  for (let round = 0; round < options.rounds; round += 1) {
    const order: ('on' | 'off')[] = round % 2 === 0 ? ['off', 'on'] : ['on', 'off'];
    for (const mode of order) {
      const child = spawn(process.execPath, ['--import', 'tsx', here, mode, String(options.requests)], {
        cwd: repositoryRoot,
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      const measured = JSON.parse(await firstLine(child.stdout)) as Measurement;
      results.push(measured);
      process.stdout.write(
        `[bench tracing] round ${round + 1}/${options.rounds} ${mode}: ${measured.cpuMsPerRequest.toFixed(3)} CPU ms per request\n`,
      );
    }
  }
  const off = median(results.filter((result) => result.mode === 'off').map((result) => result.cpuMsPerRequest));
  const on = median(results.filter((result) => result.mode === 'on').map((result) => result.cpuMsPerRequest));
  process.stdout.write(
    `TestQuery through ours (inbound deduplication off), ${options.requests} requests by 10 clients per run, ` +
      `median of ${options.rounds} runs each: tracing off ${off.toFixed(3)} CPU ms per request, on ${on.toFixed(3)} ` +
      `(×${(on / off).toFixed(3)})\n`,
  );
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const mode = process.argv[2] === 'on' ? 'on' : 'off';
  const measured = await measureHere(mode, Number(process.argv[3] ?? 400));
  process.stdout.write(`${JSON.stringify(measured)}\n`);
  process.exit(0);
}
