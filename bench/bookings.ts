/**
 * `npm run bench -- bookings`: holds per second and latency with `--concurrency` buyers
 * (default 50) holding one ticket each on ONE hot ticket type (every hold queues on its
 * counter row, ADR 0003), through the gateway, next to the same run's single-subgraph
 * baseline: the same holds sent straight to the bookings subgraph with a gateway proof (no
 * token check, authorization or planning). The platform runs as `npm start` runs it without
 * Kafka (every service in one process); the load comes from a separate process.
 *
 * Fixture: one published event with a ticket type of 10 million seats, written into the
 * bookings database as its listings consumer would (so the run never sells out and does
 * not depend on the listings subgraph); one buyer registered and signed in through the
 * gateway.
 */
import { randomUUID } from 'node:crypto';
import { createDatabase, createGatewayProofSigner, GATEWAY_PROOF_HEADER, sqlOn } from '@platform/service-kit';
import type { LoadResult } from './load-driver.js';
import { measure } from './load.js';
import { launchBenchPlatform, machine, writeBenchReport } from './platform.js';

const BUYER = { email: 'bench.bookings@example.test', password: 'benchmark password', name: 'Bench' };
const REGISTER = `mutation Register($email: String!, $password: String!, $name: String!) {
  register(input: { email: $email, password: $password, name: $name }) { user { id } }
}`;
const LOGIN = `mutation Login($email: String!, $password: String!) {
  login(input: { email: $email, password: $password }) { accessToken user { id } }
}`;

const HOLD = `mutation HoldTickets($ticketTypeId: ID!, $quantity: Int!, $idempotencyKey: String!) {
  holdTickets(input: { ticketTypeId: $ticketTypeId, quantity: $quantity, idempotencyKey: $idempotencyKey }) {
    booking { id status quantity expiresAt total { amount currencyCode } }
  }
}`;

/** What a hold run reports: the load driver's result seen as holds (answered HELD) and failures. */
interface HoldResult {
  holds: number;
  failures: number;
  holdsPerSecond: number;
  latencyMs: LoadResult['latencyMs'];
  firstFailure: string | null;
}

/** `HoldTickets` of one ticket back to back, each with a new idempotency key (a repeated key would measure the replay). */
async function measureHolds(spec: {
  url: string;
  headers: Record<string, string>;
  ticketTypeId: string;
  concurrency: number;
  durationSeconds: number;
}): Promise<HoldResult> {
  const result = await measure({
    url: spec.url,
    headers: spec.headers,
    concurrency: spec.concurrency,
    durationSeconds: spec.durationSeconds,
    body: JSON.stringify({
      query: HOLD,
      operationName: 'HoldTickets',
      variables: { ticketTypeId: spec.ticketTypeId, quantity: 1 },
    }),
    freshKey: 'idempotencyKey',
    expectBody: '"status":"HELD"',
  });
  const failures = result.errors + result.non200;
  const holds = result.requests - failures;
  return {
    holds,
    failures,
    holdsPerSecond: Math.round((holds / result.durationSeconds) * 10) / 10,
    latencyMs: result.latencyMs,
    firstFailure: result.firstFailure,
  };
}

async function gatewayCall<T>(url: string, query: string, variables: Record<string, unknown>): Promise<T> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data?: T; errors?: unknown };
  if (!body.data) throw new Error(`gateway call failed: ${JSON.stringify(body.errors)}`);
  return body.data;
}

/** A published event with one huge ticket type, as bookings' listings consumer would store it. */
async function seedHotEvent(databaseUrl: string): Promise<string> {
  const db = createDatabase({ url: databaseUrl, applicationName: 'bench-bookings' });
  try {
    const eventId = randomUUID();
    const ticketTypeId = randomUUID();
    const startsAt = new Date(Date.now() + 30 * 24 * 3600 * 1000);
    const sql = sqlOn(db);
    await sql.execute(
      `insert into events (id, version, organizer_id, status, starts_at, ends_at, time_zone)
        values (?, 1, ?, 'PUBLISHED', ?, ?, 'Europe/Amsterdam')`,
      [eventId, randomUUID(), startsAt, new Date(startsAt.getTime() + 3 * 3600 * 1000)],
    );
    await sql.execute(
      `insert into ticket_types (id, event_id, name, capacity, price_amount, currency_code)
        values (?, ?, 'Standing', 10000000, '35.00', 'EUR')`,
      [ticketTypeId, eventId],
    );
    return ticketTypeId;
  } finally {
    await db.destroy();
  }
}

export async function benchBookings(options: { durationSeconds: number; concurrency: number }): Promise<void> {
  // One process for every service (the launcher's default without Kafka): on 2 shared cores,
  // eight service processes do not start within the launcher's minute.
  const platform = await launchBenchPlatform('bookings');
  try {
    const bookingsEnv = platform.environments.bookings!;
    const ticketTypeId = await seedHotEvent(bookingsEnv.DATABASE_URL!);
    await gatewayCall(platform.gatewayUrl, REGISTER, BUYER);
    const { login } = await gatewayCall<{ login: { accessToken: string; user: { id: string } } }>(
      platform.gatewayUrl,
      LOGIN,
      BUYER,
    );
    const signer = createGatewayProofSigner({
      privateJwk: JSON.parse(platform.environments.gateway!.GATEWAY_SIGNING_KEY!) as JsonWebKey,
      ttlSeconds: 600,
    });
    const proof = await signer.sign('bookings', { userId: login.user.id, sessionId: null, permissions: [] });
    const through = {
      gateway: { url: platform.gatewayUrl, headers: { authorization: `Bearer ${login.accessToken}` } },
      direct: {
        url: `http://127.0.0.1:${bookingsEnv.PORT!}/graphql`,
        headers: { [GATEWAY_PROOF_HEADER]: proof },
      },
    };
    const spec = (route: keyof typeof through, durationSeconds: number) => ({
      ...through[route],
      ticketTypeId,
      concurrency: options.concurrency,
      durationSeconds,
    });
    // Warm-up: JIT, connection pools, the gateway's query plan and JWKS caches.
    await measureHolds(spec('gateway', 3));
    await measureHolds(spec('direct', 3));
    const direct = await measureHolds(spec('direct', options.durationSeconds));
    const gateway = await measureHolds(spec('gateway', options.durationSeconds));
    const report = {
      benchmark: 'bookings',
      date: new Date().toISOString(),
      machine: machine(),
      concurrency: options.concurrency,
      results: { direct, gateway },
    };
    await writeBenchReport('bookings', report);
    const row = (name: string, result: HoldResult) =>
      `| ${name} | ${result.holds} | ${result.failures} | ${result.holdsPerSecond} | ${result.latencyMs.p50} | ${result.latencyMs.p95} | ${result.latencyMs.p99} |`;
    process.stdout.write(
      [
        `| ${options.concurrency} buyers, one ticket type | holds | failures | holds/s | p50 ms | p95 ms | p99 ms |`,
        `|---|---|---|---|---|---|---|`,
        row('straight to bookings (baseline)', direct),
        row('through the gateway', gateway),
        '',
        `gateway/direct holds/s: ×${(gateway.holdsPerSecond / direct.holdsPerSecond).toFixed(2)}`,
        ...(direct.firstFailure || gateway.firstFailure
          ? [`first failure: ${direct.firstFailure ?? gateway.firstFailure}`]
          : []),
        '',
      ].join('\n'),
    );
  } finally {
    await platform.stop();
  }
}
