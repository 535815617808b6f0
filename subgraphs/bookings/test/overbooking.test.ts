/**
 * Never oversold: 200 buyers hold one ticket each at once on the last 100 seats, spread over
 * TWO replicas of bookings on one database, with listings' snapshot arriving through a real
 * Kafka broker. Exactly 100 holds succeed and 100 are refused with CONFLICT ("sold out");
 * availability is 0. Then 50 are confirmed and the other 50 left to expire (holds of 30
 * seconds here): availability is 50, sold 50, held 0.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { startKafkaBroker, type KafkaBroker } from '@platform/devkit/kafka';
import { errorCode, eventually, signedIn } from '@platform/devkit/testing';
import { sqlOn } from '@platform/service-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { available, CONFIRM, counts, feed, HOLD, listedEvent, startBookings, type BookingsHarness } from './support.js';

const SEATS = 100;
const BUYERS = 200;
const HOLD_SECONDS = 30;

let broker: KafkaBroker;
let dataDir: string;
let replicas: BookingsHarness[] = [];

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'bookings-kafka-'));
  broker = await startKafkaBroker({ dataDir });
  const env = { HOLD_MINUTES: String(HOLD_SECONDS / 60), HOLD_SWEEP_INTERVAL_MS: '250', DATABASE_POOL_MAX: '8' };
  const first = await startBookings({ kafkaBrokers: broker.brokers.join(','), env });
  const second = await startBookings({ kafkaBrokers: broker.brokers.join(','), env, databaseUrl: first.databaseUrl });
  replicas = [first, second];
  for (const replica of replicas) await Promise.all(replica.subgraph.consumers.map((consumer) => consumer.ready));
}, 420_000);

afterAll(async () => {
  for (const replica of replicas) await replica.stop();
  await broker?.stop();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
}, 60_000);

describe('capacity under concurrency', () => {
  it('sells exactly the seats there are to 200 concurrent buyers on two replicas, then frees the expired ones', async () => {
    const [first, second] = replicas as [BookingsHarness, BookingsHarness];
    const event = listedEvent(SEATS);
    const ticketTypeId = event.ticketTypes[0]!.id;
    await feed(first, event);

    const buyers = Array.from({ length: BUYERS }, () => signedIn(randomUUID()));
    const results = await Promise.all(
      buyers.map((buyer, index) =>
        (index % 2 === 0 ? first : second).graphql<{ holdTickets: { booking: { id: string; status: string } } }>(
          HOLD,
          { ticketTypeId, quantity: 1, idempotencyKey: randomUUID() },
          buyer,
        ),
      ),
    );
    const held = results.flatMap((result, index) =>
      result.body.data ? [{ buyer: buyers[index]!, bookingId: result.body.data.holdTickets.booking.id }] : [],
    );
    const refused = results.filter((result) => !result.body.data);
    expect(held).toHaveLength(SEATS);
    expect(refused).toHaveLength(BUYERS - SEATS);
    for (const result of refused) {
      expect(errorCode(result.body)).toBe('CONFLICT');
      expect(result.body.errors![0]!.message).toBe('sold out: 0 left (join the waiting list)');
    }
    // Both replicas took part.
    const servedBy = new Set(results.flatMap((result, index) => (result.body.data ? [index % 2] : [])));
    expect(servedBy).toEqual(new Set([0, 1]));
    expect(await available(first, ticketTypeId)).toBe(0);
    expect(await available(second, ticketTypeId)).toBe(0);
    expect(await counts(first, ticketTypeId)).toEqual({ capacity: SEATS, sold: 0, held: SEATS });

    // Half are paid for in time; the rest are left to the sweep.
    const paid = held.slice(0, SEATS / 2);
    const confirmations = await Promise.all(
      paid.map(({ buyer, bookingId }, index) =>
        (index % 2 === 0 ? second : first).graphql<{ confirmBooking: { booking: { status: string } } }>(
          CONFIRM,
          { bookingId, paymentToken: 'tok_sandbox_visa', idempotencyKey: randomUUID() },
          buyer,
        ),
      ),
    );
    expect(confirmations.map((c) => c.body.data?.confirmBooking.booking.status ?? c.body.errors?.[0]?.message)).toEqual(
      Array.from({ length: SEATS / 2 }, () => 'CONFIRMED'),
    );

    await eventually(
      async () => (await counts(first, ticketTypeId)).held === 0,
      'the unpaid holds to expire',
      HOLD_SECONDS * 1000 + 20_000,
    );
    expect(await counts(first, ticketTypeId)).toEqual({ capacity: SEATS, sold: SEATS / 2, held: 0 });
    expect(await available(second, ticketTypeId)).toBe(SEATS / 2);
    const statuses = await sqlOn(first.db).rows(
      z.object({ status: z.string(), count: z.coerce.number() }),
      'select status, count(*) as count from bookings where ticket_type_id = ? group by status order by status',
      [ticketTypeId],
    );
    expect(statuses).toEqual([
      { status: 'CONFIRMED', count: SEATS / 2 },
      { status: 'EXPIRED', count: SEATS / 2 },
    ]);
    // Every expiry and the final availability reached the bus through the outbox.
    await eventually(
      () =>
        first.published('platform.bookings.booking.expired.v1').filter((e) => e.data.ticketTypeId === ticketTypeId)
          .length ===
        SEATS / 2,
      'the expiry events on Kafka',
      30_000,
    );
  }, 240_000);
});
