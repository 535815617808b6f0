/**
 * A small closed-loop HTTP load generator, run as its own process so it does not share
 * an event loop with what it measures. `concurrency` workers send the same POST back to
 * back for `durationSeconds`; it prints one JSON line with throughput and latency
 * percentiles (from every request, not a sample).
 *
 *   node --import tsx bench/load-driver.ts '{"url":…,"body":…,"concurrency":10,"durationSeconds":20}'
 */
import { Agent, request } from 'undici';

export interface LoadSpec {
  url: string;
  body: string;
  headers?: Record<string, string>;
  concurrency: number;
  durationSeconds: number;
  /** A response counts as an error unless its status is 200 and its body passes this regex. */
  expectBody?: string;
}

export interface LoadResult {
  requests: number;
  errors: number;
  non200: number;
  durationSeconds: number;
  requestsPerSecond: number;
  latencyMs: { p50: number; p95: number; p99: number; max: number; mean: number };
}

function percentile(sorted: number[], fraction: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1)]!;
}

async function runLoad(spec: LoadSpec): Promise<LoadResult> {
  const dispatcher = new Agent({ connections: spec.concurrency, pipelining: 1, keepAliveTimeout: 30_000 });
  const expect = spec.expectBody ? new RegExp(spec.expectBody) : null;
  const latencies: number[] = [];
  let errors = 0;
  let non200 = 0;
  const started = performance.now();
  const deadline = started + spec.durationSeconds * 1000;
  const worker = async () => {
    while (performance.now() < deadline) {
      const sent = performance.now();
      try {
        const response = await request(spec.url, {
          method: 'POST',
          dispatcher,
          headers: { 'content-type': 'application/json', ...spec.headers },
          body: spec.body,
        });
        const text = await response.body.text();
        if (response.statusCode !== 200) non200 += 1;
        else if (expect && !expect.test(text)) errors += 1;
      } catch {
        errors += 1;
      }
      latencies.push(performance.now() - sent);
    }
  };
  await Promise.all(Array.from({ length: spec.concurrency }, worker));
  const elapsed = (performance.now() - started) / 1000;
  await dispatcher.close();
  latencies.sort((a, b) => a - b);
  const round = (value: number) => Math.round(value * 10) / 10;
  return {
    requests: latencies.length,
    errors,
    non200,
    durationSeconds: round(elapsed),
    requestsPerSecond: round(latencies.length / elapsed),
    latencyMs: {
      p50: round(percentile(latencies, 0.5)),
      p95: round(percentile(latencies, 0.95)),
      p99: round(percentile(latencies, 0.99)),
      max: round(latencies.at(-1) ?? 0),
      mean: round(latencies.reduce((sum, value) => sum + value, 0) / Math.max(1, latencies.length)),
    },
  };
}

if (process.argv[1]?.endsWith('load-driver.ts')) {
  const spec = JSON.parse(process.argv[2] ?? '{}') as LoadSpec;
  process.stdout.write(`${JSON.stringify(await runLoad(spec))}\n`);
}
