/**
 * A small closed-loop HTTP load generator, run as its own process so it does not share
 * an event loop with what it measures. `concurrency` workers send the same POST back to
 * back for `durationSeconds` (with `freshKey`, each with a new UUID in that GraphQL variable,
 * e.g. an idempotency key, so every request does the work); it prints one JSON line with
 * throughput and latency percentiles (from every request, not a sample).
 *
 *   node --import tsx bench/load-driver.ts '{"url":…,"body":…,"concurrency":10,"durationSeconds":20}'
 */
import { randomUUID } from 'node:crypto';
import { Agent, request } from 'undici';
import { percentile } from './percentile.js';

export interface LoadSpec {
  url: string;
  body: string;
  headers?: Record<string, string>;
  /** Headers of each client (client i sends those at i modulo the length), over `headers`. */
  clientHeaders?: Record<string, string>[];
  /** The body of each client (client i sends the one at i modulo the length), instead of `body`. */
  clientBodies?: string[];
  concurrency: number;
  durationSeconds: number;
  /** A response counts as an error unless its status is 200 and its body passes this regex. */
  expectBody?: string;
  /** A GraphQL variable of `body` given a new UUID in every request. */
  freshKey?: string;
}

export interface LoadResult {
  requests: number;
  errors: number;
  non200: number;
  durationSeconds: number;
  requestsPerSecond: number;
  latencyMs: { p50: number; p95: number; p99: number; max: number; mean: number };
  /** The first failed response (status and the start of its body), to say why. */
  firstFailure: string | null;
}

async function runLoad(spec: LoadSpec): Promise<LoadResult> {
  const dispatcher = new Agent({ connections: spec.concurrency, pipelining: 1, keepAliveTimeout: 30_000 });
  const expect = spec.expectBody ? new RegExp(spec.expectBody) : null;
  const latencies: number[] = [];
  let errors = 0;
  let non200 = 0;
  let firstFailure: string | null = null;
  const parsed = spec.freshKey ? (JSON.parse(spec.body) as { variables?: Record<string, unknown> }) : null;
  const bodyOf = () =>
    parsed && spec.freshKey
      ? JSON.stringify({ ...parsed, variables: { ...parsed.variables, [spec.freshKey]: randomUUID() } })
      : spec.body;
  const started = performance.now();
  const deadline = started + spec.durationSeconds * 1000;
  const worker = async (client: number) => {
    const headers = {
      'content-type': 'application/json',
      ...spec.headers,
      ...spec.clientHeaders?.[client % spec.clientHeaders.length],
    };
    const body = spec.clientBodies?.[client % spec.clientBodies.length];
    while (performance.now() < deadline) {
      const sent = performance.now();
      try {
        const response = await request(spec.url, {
          method: 'POST',
          dispatcher,
          headers,
          body: body ?? bodyOf(),
        });
        const text = await response.body.text();
        const ok = response.statusCode === 200 && (!expect || expect.test(text));
        if (response.statusCode !== 200) non200 += 1;
        else if (!ok) errors += 1;
        if (!ok) firstFailure ??= `${response.statusCode} ${text.slice(0, 300)}`;
      } catch (error) {
        errors += 1;
        firstFailure ??= String(error);
      }
      latencies.push(performance.now() - sent);
    }
  };
  await Promise.all(Array.from({ length: spec.concurrency }, (_, client) => worker(client)));
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
    firstFailure,
  };
}

if (process.argv[1]?.endsWith('load-driver.ts')) {
  const spec = JSON.parse(process.argv[2] ?? '{}') as LoadSpec;
  process.stdout.write(`${JSON.stringify(await runLoad(spec))}\n`);
}
