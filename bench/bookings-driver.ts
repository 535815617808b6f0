/**
 * The holds load generator, run as its own process (as `load-driver.ts` is) so it does not
 * share an event loop with what it measures: `concurrency` buyers send `HoldTickets` for one
 * ticket back to back for `durationSeconds`, each with a new idempotency key (a repeated key
 * would measure the idempotency fast path, not a hold). Prints one JSON line.
 *
 *   node --import tsx bench/bookings-driver.ts '{"url":…,"headers":{…},"ticketTypeId":…,"concurrency":50,"durationSeconds":15}'
 */
import { randomUUID } from 'node:crypto';
import { Agent, request } from 'undici';

export interface HoldLoadSpec {
  url: string;
  headers: Record<string, string>;
  ticketTypeId: string;
  concurrency: number;
  durationSeconds: number;
}

export interface HoldLoadResult {
  holds: number;
  failures: number;
  durationSeconds: number;
  holdsPerSecond: number;
  latencyMs: { p50: number; p95: number; p99: number; max: number };
  firstFailure: string | null;
}

const HOLD = `mutation HoldTickets($ticketTypeId: ID!, $quantity: Int!, $idempotencyKey: String!) {
  holdTickets(input: { ticketTypeId: $ticketTypeId, quantity: $quantity, idempotencyKey: $idempotencyKey }) {
    booking { id status quantity expiresAt total { amount currencyCode } }
  }
}`;

function percentile(sorted: number[], fraction: number): number {
  if (sorted.length === 0) return 0;
  return Math.round(sorted[Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1)]! * 10) / 10;
}

async function run(spec: HoldLoadSpec): Promise<HoldLoadResult> {
  const dispatcher = new Agent({ connections: spec.concurrency, pipelining: 1, keepAliveTimeout: 30_000 });
  const latencies: number[] = [];
  let holds = 0;
  let failures = 0;
  let firstFailure: string | null = null;
  const started = performance.now();
  const deadline = started + spec.durationSeconds * 1000;
  const buyer = async () => {
    while (performance.now() < deadline) {
      const sent = performance.now();
      try {
        const response = await request(spec.url, {
          method: 'POST',
          dispatcher,
          headers: { 'content-type': 'application/json', ...spec.headers },
          body: JSON.stringify({
            query: HOLD,
            operationName: 'HoldTickets',
            variables: { ticketTypeId: spec.ticketTypeId, quantity: 1, idempotencyKey: randomUUID() },
          }),
        });
        const text = await response.body.text();
        if (response.statusCode === 200 && text.includes('"status":"HELD"')) holds += 1;
        else {
          failures += 1;
          firstFailure ??= `${response.statusCode} ${text.slice(0, 300)}`;
        }
      } catch (error) {
        failures += 1;
        firstFailure ??= String(error);
      }
      latencies.push(performance.now() - sent);
    }
  };
  await Promise.all(Array.from({ length: spec.concurrency }, buyer));
  const durationSeconds = (performance.now() - started) / 1000;
  await dispatcher.close();
  latencies.sort((a, b) => a - b);
  return {
    holds,
    failures,
    durationSeconds: Math.round(durationSeconds * 10) / 10,
    holdsPerSecond: Math.round((holds / durationSeconds) * 10) / 10,
    latencyMs: {
      p50: percentile(latencies, 0.5),
      p95: percentile(latencies, 0.95),
      p99: percentile(latencies, 0.99),
      max: percentile(latencies, 1),
    },
    firstFailure,
  };
}

process.stdout.write(`${JSON.stringify(await run(JSON.parse(process.argv[2]!) as HoldLoadSpec))}\n`);
