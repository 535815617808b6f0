/**
 * Bookings through the real gateway (issue #9, the bookings half of ticketing.graphql): an
 * organizer (a role holding listings' permissions) creates and publishes an event of two
 * seats through listings; bookings learns it from listings' snapshots on the event bus. A
 * buyer runs HoldTickets, ConfirmBooking (sandbox card), CheckInTicket is the organizer's
 * scan, MyBookings joins bookings with listings' event titles, CancelBooking refunds and
 * hands the seats to the waiting list (JoinWaitlist), and TicketAvailability streams each
 * change over graphql-ws.
 *
 * The same platform shows the operator metrics (issue 14): after a booking flow, every metric that
 * a dashboard or an alert rule reads (deploy/src/monitoring.ts, deploy/monitoring/alerts.yml) is
 * exposed with series by the running services, the business counters count the flow, and
 * docs/metrics.md lists exactly what the services expose.
 */
import { randomUUID } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { eventually, freePort } from '@platform/devkit/testing';
import { createClient, type Client } from 'graphql-ws';
import { format, resolveConfig } from 'prettier';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { monitoringExpressions } from '../../../deploy/src/monitoring.js';
import { exposedFamily, selectedMetrics } from '../../../deploy/src/promql.js';
import {
  METRICS_TABLE_END,
  METRICS_TABLE_START,
  metricsTable,
  sampleValue,
  scrape,
  type Exposition,
} from '../harness/metrics.js';
import { contractOperation } from '../harness/operations.js';
import { confirmedBooking, publishedEvent, signInOrganizer } from '../harness/organizers.js';
import { startTestPlatform, type TestPlatform } from '../harness/platform.js';
import { errorCodes, login, registerUser } from '../harness/users.js';

let platform: TestPlatform;
let gatewayMetricsPort: number;
let organizerToken: string;
let buyerToken: string;
let waitingToken: string;
const clients: Client[] = [];

beforeAll(async () => {
  gatewayMetricsPort = await freePort();
  platform = await startTestPlatform({ environment: { gateway: { METRICS_PORT: String(gatewayMetricsPort) } } });
  organizerToken = (await signInOrganizer(platform)).token;
  buyerToken = (await login(platform, await registerUser(platform, 'buyer'))).accessToken;
  waitingToken = (await login(platform, await registerUser(platform, 'waiting'))).accessToken;
}, 180_000);
afterAll(async () => {
  for (const client of clients) await client.dispose();
  await platform?.stop();
});

/** Streams TicketAvailability for `eventId`; `token` null subscribes anonymously, as a public seat map does. */
function watchAvailability(token: string | null, eventId: string) {
  const client = createClient({
    url: platform.gatewayUrl.replace(/^http/, 'ws'),
    webSocketImpl: WebSocket,
    ...(token ? { connectionParams: { authorization: `Bearer ${token}` } } : {}),
    retryAttempts: 0,
  });
  clients.push(client);
  const received: { ticketTypeId: string; available: number }[] = [];
  const failures: unknown[] = [];
  client.subscribe(
    { query: contractOperation('TicketAvailability'), variables: { eventId } },
    {
      next: (value) => {
        const data = value.data as { ticketAvailabilityChanged: { ticketTypeId: string; available: number } } | null;
        if (data) received.push(data.ticketAvailabilityChanged);
        else failures.push(value.errors);
      },
      error: (error) => failures.push(error),
      complete: () => undefined,
    },
  );
  return { received, failures };
}

interface MyBookings {
  me: {
    bookings: {
      edges: { node: { id: string; status: string; quantity: number; event: { id: string; title: string } } }[];
    };
    waitlistEntries: {
      id: string;
      status: string;
      quantity: number;
      offerExpiresAt: string | null;
      booking: { id: string; status: string } | null;
    }[];
  };
}

describe('bookings through the gateway', () => {
  it('holds, pays, checks in, lists, cancels with a refund and hands the seats to the waiting list, live', async () => {
    const { eventId, ticketTypeId } = await publishedEvent(platform, organizerToken, 2);
    const live = watchAvailability(waitingToken, eventId);
    const anonymous = watchAvailability(null, eventId);
    await new Promise((resolve) => setTimeout(resolve, 500)); // let the subscriptions reach bookings

    const holdKey = randomUUID();
    const held = await platform.graphql<{
      holdTickets: { booking: { id: string; status: string; quantity: number; expiresAt: string; total: unknown } };
    }>(contractOperation('HoldTickets'), { ticketTypeId, quantity: 2, idempotencyKey: holdKey }, { token: buyerToken });
    expect(held.body.errors).toBeUndefined();
    const booking = held.body.data!.holdTickets.booking;
    expect(booking).toMatchObject({ status: 'HELD', quantity: 2, total: { amount: '79.80', currencyCode: 'EUR' } });
    await eventually(() => live.received.some((change) => change.available === 0), 'the live sold-out change', 10_000);
    expect(live.received[0]).toEqual({ ticketTypeId, available: 0 });
    await eventually(() => anonymous.received.length > 0, 'the anonymous seat map', 10_000);
    expect(anonymous.received[0]).toEqual({ ticketTypeId, available: 0 });
    expect(anonymous.failures).toEqual([]);

    // Sold out: the next buyer queues.
    const soldOut = await platform.graphql(
      contractOperation('HoldTickets'),
      { ticketTypeId, quantity: 1, idempotencyKey: randomUUID() },
      { token: waitingToken },
    );
    expect(errorCodes(soldOut)).toEqual(['CONFLICT']);
    const joined = await platform.graphql<{
      joinWaitlist: { entry: { status: string; position: number; quantity: number } };
    }>(contractOperation('JoinWaitlist'), { ticketTypeId, quantity: 1 }, { token: waitingToken });
    expect(joined.body.data!.joinWaitlist.entry).toMatchObject({ status: 'WAITING', position: 1, quantity: 1 });

    const confirmKey = randomUUID();
    const confirm = () =>
      platform.graphql<{
        confirmBooking: {
          booking: {
            status: string;
            payment: { status: string; amount: unknown };
            tickets: { id: string; code: string }[];
          };
        };
      }>(
        contractOperation('ConfirmBooking'),
        { bookingId: booking.id, paymentToken: 'tok_sandbox_visa', idempotencyKey: confirmKey },
        { token: buyerToken },
      );
    const confirmed = await confirm();
    expect(confirmed.body.errors).toBeUndefined();
    const paid = confirmed.body.data!.confirmBooking.booking;
    expect(paid).toMatchObject({
      status: 'CONFIRMED',
      payment: { status: 'SUCCEEDED', amount: { amount: '79.80', currencyCode: 'EUR' } },
    });
    expect(paid.tickets).toHaveLength(2);
    expect((await confirm()).body.data).toEqual(confirmed.body.data);

    // The organizer scans one ticket at the door; a second scan says when.
    const scan = () =>
      platform.graphql<{ checkInTicket: { ticket: { code: string; checkedInAt: string } } }>(
        contractOperation('CheckInTicket'),
        { code: paid.tickets[0]!.code },
        { token: organizerToken },
      );
    const scanned = await scan();
    expect(scanned.body.errors).toBeUndefined();
    const again = await scan();
    expect(errorCodes(again)).toEqual(['CONFLICT']);
    expect(again.body.errors![0]!.message).toContain(scanned.body.data!.checkInTicket.ticket.checkedInAt);
    const stranger = await platform.graphql(
      contractOperation('CheckInTicket'),
      { code: paid.tickets[1]!.code },
      { token: waitingToken },
    );
    expect(errorCodes(stranger)).toEqual(['FORBIDDEN']);

    const mine = await platform.graphql<MyBookings>(contractOperation('MyBookings'), {}, { token: buyerToken });
    expect(mine.body.errors).toBeUndefined();
    expect(mine.body.data!.me.bookings.edges).toEqual([
      { node: { id: booking.id, status: 'CONFIRMED', quantity: 2, event: { id: eventId, title: 'Late Night Jazz' } } },
    ]);

    const cancelKey = randomUUID();
    const cancel = () =>
      platform.graphql<{ cancelBooking: { booking: { status: string; refund: unknown } } }>(
        contractOperation('CancelBooking'),
        { bookingId: booking.id, idempotencyKey: cancelKey },
        { token: buyerToken },
      );
    const cancelled = await cancel();
    expect(cancelled.body.data!.cancelBooking.booking).toMatchObject({
      status: 'CANCELLED',
      refund: { status: 'SUCCEEDED', amount: { amount: '79.80', currencyCode: 'EUR' } },
    });
    expect((await cancel()).body.data).toEqual(cancelled.body.data);

    // One seat went to the waiting entry as a hold; the other is on sale again.
    const waiting = await platform.graphql<MyBookings>(contractOperation('MyBookings'), {}, { token: waitingToken });
    expect(waiting.body.data!.me.waitlistEntries).toMatchObject([
      { status: 'OFFERED', quantity: 1, booking: { status: 'HELD' } },
    ]);
    expect(new Date(waiting.body.data!.me.waitlistEntries[0]!.offerExpiresAt!).getTime()).toBeGreaterThan(Date.now());
    await eventually(() => live.received.at(-1)?.available === 1, 'the live change after the cancellation', 10_000);
    expect(live.failures).toEqual([]);
  });

  it('refuses bad input with the contract codes', async () => {
    const { ticketTypeId } = await publishedEvent(platform, organizerToken, 5);
    const tooMany = await platform.graphql(
      contractOperation('HoldTickets'),
      { ticketTypeId, quantity: 11, idempotencyKey: randomUUID() },
      { token: buyerToken },
    );
    expect(errorCodes(tooMany)).toEqual(['BAD_USER_INPUT']);
    expect(tooMany.body.errors![0]!.extensions!.fields).toEqual({ 'input.quantity': 'must be between 1 and 10' });
    const unknown = await platform.graphql(
      contractOperation('ConfirmBooking'),
      { bookingId: randomUUID(), paymentToken: 'tok_sandbox_visa', idempotencyKey: randomUUID() },
      { token: buyerToken },
    );
    expect(errorCodes(unknown)).toEqual(['NOT_FOUND']);
    const anonymous = await platform.graphql(contractOperation('HoldTickets'), {
      ticketTypeId,
      quantity: 1,
      idempotencyKey: randomUUID(),
    });
    expect(errorCodes(anonymous)).toEqual(['UNAUTHORIZED_FIELD_OR_TYPE']);
  });
});

/** Series Prometheus makes itself (no service exposes them): `up` is one per scrape target. */
const PROMETHEUS_SERIES = new Set(['up']);
const metricsDoc = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../docs/metrics.md');

describe('operator metrics', () => {
  /** Every service's /metrics: the gateway's on its metrics port, each subgraph's on its own. */
  const scrapeAll = () =>
    scrape({
      gateway: `http://127.0.0.1:${gatewayMetricsPort}/metrics`,
      ...Object.fromEntries(Object.entries(platform.subgraphUrls).map(([name, url]) => [name, `${url}/metrics`])),
    });
  const of = (expositions: Map<string, Exposition>, service: string) => expositions.get(service)!;

  it('exposes every metric the dashboards and alerts read, counts a booking flow, and matches docs/metrics.md', async () => {
    const before = await scrapeAll();
    const { eventId, ticketTypeId } = await publishedEvent(platform, organizerToken, 3);
    const seats = watchAvailability(null, eventId);
    const newcomer = await registerUser(platform, 'metrics');
    await confirmedBooking(platform, buyerToken, ticketTypeId, 3);
    await eventually(() => seats.received.length > 0, 'the anonymous seat map', 10_000);

    // Events drained, consumers caught up, subscriptions live: read once things settled.
    let after = await scrapeAll();
    await eventually(
      async () => {
        after = await scrapeAll();
        return (
          sampleValue(of(after, 'bookings'), 'outbox_pending') === 0 &&
          sampleValue(of(after, 'analytics'), 'events_consumer_lag', { topic: 'platform.bookings' }) === 0
        );
      },
      'the bookings outbox drained and analytics caught up',
      15_000,
    );

    // The business counters count what happened, exactly once.
    const bookings = (exposition: Exposition, family: string, labels?: Record<string, string>) =>
      sampleValue(exposition, family, labels);
    expect(bookings(of(after, 'bookings'), 'bookings_confirmed_total')).toBe(
      bookings(of(before, 'bookings'), 'bookings_confirmed_total') + 1,
    );
    // 3 × 39.90 EUR in cents.
    expect(bookings(of(after, 'bookings'), 'bookings_revenue_minor_units_total', { currency: 'EUR' })).toBe(
      bookings(of(before, 'bookings'), 'bookings_revenue_minor_units_total', { currency: 'EUR' }) + 11_970,
    );
    expect(sampleValue(of(after, 'identity'), 'identity_registrations_total')).toBe(
      sampleValue(of(before, 'identity'), 'identity_registrations_total') + 1,
    );
    expect(newcomer.id).toBeTruthy();

    // The operator gauges read the live state.
    expect(sampleValue(of(after, 'bookings'), 'outbox_oldest_pending_age_seconds')).toBe(0);
    expect(sampleValue(of(after, 'gateway'), 'graphql_subscriptions_active')).toBeGreaterThanOrEqual(1);
    expect(sampleValue(of(after, 'bookings'), 'graphql_subscriptions_active')).toBeGreaterThanOrEqual(1);
    expect(of(after, 'analytics').get('events_dead_letter_messages')?.samples.size).toBeGreaterThan(0);
    expect(sampleValue(of(after, 'audit'), 'audit_chain_verifications_total', { result: 'intact' })).toBeGreaterThan(0);
    // The buyer's permissions were looked up more than once: at least one came from the cache.
    const lookups = (result: string) =>
      sampleValue(of(after, 'gateway'), 'gateway_permissions_cache_lookups_total', { result });
    expect(lookups('miss')).toBeGreaterThan(0);
    expect(lookups('local_hit') + lookups('shared_hit')).toBeGreaterThan(0);

    // Every metric an expression selects is exposed, with series, by a running service.
    const families = new Map<string, { services: string[]; series: number }>();
    for (const [service, exposition] of after) {
      for (const family of exposition.values()) {
        const known = families.get(family.name) ?? { services: [], series: 0 };
        known.services.push(service);
        known.series += family.samples.size;
        families.set(family.name, known);
      }
    }
    const declared = new Set(families.keys());
    const missing = monitoringExpressions().flatMap(({ where, expr }) =>
      selectedMetrics(expr)
        .names.filter((name) => !PROMETHEUS_SERIES.has(name))
        .flatMap((name) => {
          const family = exposedFamily(name, declared);
          if (family === null) return [`${where}: ${name} is exposed by no service`];
          if (families.get(family)!.series === 0) return [`${where}: ${name} has no series on any service`];
          return [];
        }),
    );
    expect(missing).toEqual([]);

    // docs/metrics.md lists exactly the metrics the services declare.
    const current = await readFile(metricsDoc, 'utf8');
    const start = current.indexOf(METRICS_TABLE_START);
    const end = current.indexOf(METRICS_TABLE_END);
    expect(start, `docs/metrics.md has no ${METRICS_TABLE_START}`).toBeGreaterThanOrEqual(0);
    const expected = await format(
      `${current.slice(0, start)}${metricsTable(after)}${current.slice(end + METRICS_TABLE_END.length)}`,
      { ...(await resolveConfig(metricsDoc)), filepath: metricsDoc },
    );
    if (process.env.UPDATE_METRICS_DOC === '1') await writeFile(metricsDoc, expected);
    else expect(current, 'docs/metrics.md is out of date: run this test with UPDATE_METRICS_DOC=1').toBe(expected);
  });
});
