/**
 * The projection from a scripted event log on a real Kafka broker: snapshots, bookings,
 * refunds, the waiting list, check-ins, registrations and logins, published with duplicates
 * and out of order (a confirmation before its hold, an expiry before its hold, a cancellation
 * before its confirmation, an older snapshot after a newer one). The figures come out exact.
 * Then `npm run analytics:rebuild` rebuilds the projection by replaying the topics from their
 * start into an empty database under a new consumer group, and gives exactly the live figures.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startKafkaBroker, type KafkaBroker } from '@platform/devkit/kafka';
import {
  createTestDatabase,
  errorCode,
  eventually,
  signedIn,
  startSubgraph,
  type SubgraphHarness,
} from '@platform/devkit/testing';
import { createDatabase, sqlOn, type Database } from '@platform/service-kit';
import {
  createEvent,
  NO_REQUEST,
  type AnyCloudEvent,
  type EventDataByType,
  type EventType,
} from '@platform/service-kit/events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createFiguresStore } from '../src/stores/figures-store.js';
import { analyticsSubgraph } from '../src/subgraph.js';

let broker: KafkaBroker;
let dataDir: string;
let analytics: SubgraphHarness<typeof analyticsSubgraph>;

const organizerId = randomUUID();
const eventId = randomUUID();
const standing = { id: randomUUID(), name: 'Standing', capacity: 10, price: { amount: '35.00', currencyCode: 'EUR' } };
const balcony = { id: randomUUID(), name: 'Balcony', capacity: 10, price: { amount: '12.50', currencyCode: 'EUR' } };
const userA = randomUUID();
const userB = randomUUID();
const FAR = '2030-01-01T00:00:00.000Z';

function snapshot(version: number, capacity: number): AnyCloudEvent {
  return createEvent({
    type: version === 1 ? 'platform.listings.event.created.v1' : 'platform.listings.event.updated.v1',
    subject: eventId,
    data: {
      actorId: organizerId,
      target: { type: 'event', id: eventId },
      context: NO_REQUEST,
      event: {
        id: eventId,
        version,
        organizerId,
        title: 'Night at the museum',
        description: '',
        category: 'music',
        status: 'PUBLISHED',
        startsAt: '2026-12-20T19:00:00.000Z',
        endsAt: '2026-12-20T23:00:00.000Z',
        venue: {
          id: randomUUID(),
          organizerId,
          name: 'Paradiso',
          address: 'Weteringschans 6',
          city: 'Amsterdam',
          countryCode: 'NL',
          timeZone: 'Europe/Amsterdam',
          capacity: 1500,
          latitude: null,
          longitude: null,
        },
        ticketTypes: [standing, { ...balcony, capacity: capacity - standing.capacity }],
      },
    },
  });
}

type Data<T extends EventType> = Omit<EventDataByType[T], 'actorId' | 'target' | 'context'>;

function bookingEvent<T extends EventType>(type: T, at: string, data: Data<T>, targetType = 'booking'): AnyCloudEvent {
  const subject = (data as { bookingId?: string }).bookingId ?? eventId;
  return createEvent({
    type,
    subject,
    time: new Date(at),
    data: { actorId: null, target: { type: targetType, id: subject }, context: NO_REQUEST, ...data } as never,
  }) as AnyCloudEvent;
}

const money = (amount: string) => ({ amount, currencyCode: 'EUR' });

function held(bookingId: string, type: typeof standing, quantity: number, total: string, at: string) {
  return bookingEvent('platform.bookings.booking.held.v1', at, {
    bookingId,
    userId: userA,
    eventId,
    ticketTypeId: type.id,
    quantity,
    total: money(total),
    expiresAt: FAR,
    waitlistEntryId: null,
  });
}

function confirmed(bookingId: string, type: typeof standing, quantity: number, total: string, at: string) {
  return bookingEvent('platform.bookings.booking.confirmed.v1', at, {
    bookingId,
    userId: userA,
    eventId,
    ticketTypeId: type.id,
    quantity,
    total: money(total),
    paymentId: randomUUID(),
    ticketIds: Array.from({ length: quantity }, () => randomUUID()),
  });
}

function cancelled(bookingId: string, quantity: number, previousStatus: 'HELD' | 'CONFIRMED', at: string) {
  return bookingEvent('platform.bookings.booking.cancelled.v1', at, {
    bookingId,
    userId: userA,
    eventId,
    ticketTypeId: standing.id,
    quantity,
    previousStatus,
    reason: 'user',
  });
}

function waitlist(kind: 'joined' | 'offered', entryId: string, at: string): AnyCloudEvent {
  const common = { entryId, userId: userB, eventId, ticketTypeId: standing.id, quantity: 2 };
  return kind === 'joined'
    ? bookingEvent('platform.bookings.waitlist.joined.v1', at, common, 'waitlist_entry')
    : bookingEvent(
        'platform.bookings.waitlist.offered.v1',
        at,
        { ...common, bookingId: randomUUID(), offerExpiresAt: FAR },
        'waitlist_entry',
      );
}

function userEvent(type: 'registered' | 'login', userId: string, at: string): AnyCloudEvent {
  return type === 'registered'
    ? createEvent({
        type: 'platform.identity.user.registered.v1',
        subject: userId,
        time: new Date(at),
        data: {
          actorId: null,
          target: { type: 'user', id: userId },
          context: NO_REQUEST,
          userId,
          email: `${userId}@example.com`,
          name: 'Someone',
          emailVerified: false,
        },
      })
    : createEvent({
        type: 'platform.auth.login.succeeded.v1',
        subject: userId,
        time: new Date(at),
        data: {
          actorId: userId,
          target: { type: 'session', id: userId },
          context: NO_REQUEST,
          userId,
          sessionId: randomUUID(),
          outcome: 'success',
        },
      });
}

const [b1, b2, b3, b4, b5, b6] = [randomUUID(), randomUUID(), randomUUID(), randomUUID(), randomUUID(), randomUUID()];
const [w1, w2, w3] = [randomUUID(), randomUUID(), randomUUID()];
const b1Confirmed = confirmed(b1, standing, 2, '70.00', '2026-11-28T22:10:00Z');
const checkIn = bookingEvent(
  'platform.bookings.ticket.checked_in.v1',
  '2026-11-29T18:00:00Z',
  { ticketId: randomUUID(), bookingId: b1, userId: userA, eventId, checkedInAt: '2026-11-29T18:00:00.000Z' },
  'ticket',
);
const registeredA = userEvent('registered', userA, '2026-11-28T23:30:00Z');

/** The log, in the order it is published: duplicates and out-of-order facts on purpose. */
const log: AnyCloudEvent[] = [
  snapshot(1, 12),
  snapshot(3, 20),
  snapshot(2, 14), // older than the one held: ignored
  held(b1, standing, 2, '70.00', '2026-11-28T22:00:00Z'),
  b1Confirmed,
  b1Confirmed, // redelivered
  // Confirmed at 00:30 in Amsterdam on the 29th (still the 28th in UTC), before its hold arrives.
  confirmed(b2, balcony, 3, '37.50', '2026-11-28T23:30:00Z'),
  held(b2, balcony, 3, '37.50', '2026-11-28T23:20:00Z'),
  held(b3, standing, 1, '35.00', '2026-11-29T10:00:00Z'),
  bookingEvent('platform.bookings.booking.expired.v1', '2026-11-29T10:20:00Z', {
    bookingId: b4,
    userId: userA,
    eventId,
    ticketTypeId: balcony.id,
    quantity: 4,
    waitlistEntryId: null,
  }),
  held(b4, balcony, 4, '50.00', '2026-11-29T10:05:00Z'),
  // Cancelled and refunded before its confirmation (and hold) arrive.
  cancelled(b5, 1, 'CONFIRMED', '2026-11-29T12:00:00Z'),
  bookingEvent(
    'platform.bookings.refund.issued.v1',
    '2026-11-29T12:00:01Z',
    { refundId: randomUUID(), bookingId: b5, paymentId: randomUUID(), userId: userA, eventId, amount: money('35.00') },
    'refund',
  ),
  held(b5, standing, 1, '35.00', '2026-11-29T10:50:00Z'),
  confirmed(b5, standing, 1, '35.00', '2026-11-29T11:00:00Z'),
  held(b6, standing, 2, '70.00', '2026-11-29T13:00:00Z'),
  cancelled(b6, 2, 'HELD', '2026-11-29T13:05:00Z'),
  waitlist('joined', w1, '2026-11-29T14:00:00Z'),
  waitlist('joined', w2, '2026-11-29T14:01:00Z'),
  waitlist('offered', w2, '2026-11-29T15:00:00Z'),
  waitlist('offered', w3, '2026-11-29T15:01:00Z'), // its joining arrives after the offer
  waitlist('joined', w3, '2026-11-29T14:02:00Z'),
  checkIn,
  checkIn,
  registeredA,
  registeredA,
  userEvent('registered', userB, '2026-11-28T12:00:00Z'),
  userEvent('login', userA, '2026-11-29T09:00:00Z'),
  userEvent('login', userA, '2026-11-29T10:00:00Z'),
  userEvent('login', userB, '2026-11-29T12:00:00Z'),
];
const distinctEvents = new Set(log.map((event) => event.id)).size;

const SALES = `query ($representations: [_Any!]!) {
  _entities(representations: $representations) {
    ... on Event {
      sales {
        ticketsSold revenue { amount currencyCode } occupancy activeHolds waitlistLength cancellations checkedIn
        byDay { date ticketsSold revenue { amount currencyCode } }
      }
    }
  }
}`;

async function processed(db: Database, consumer: string): Promise<number> {
  const row = await sqlOn(db).first(
    z.object({ n: z.coerce.number() }),
    'select count(*) as n from processed_events where consumer = ?',
    [consumer],
  );
  return row?.n ?? 0;
}

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'analytics-kafka-'));
  broker = await startKafkaBroker({ dataDir });
  analytics = await startSubgraph(analyticsSubgraph, { kafkaBrokers: broker.brokers.join(',') });
  await Promise.all(analytics.subgraph.consumers.map((consumer) => consumer.ready));
  await analytics.publish(log);
  await eventually(
    async () => (await processed(analytics.db, 'analytics')) === distinctEvents,
    'the live projection to apply the log',
    30_000,
  );
}, 300_000);

afterAll(async () => {
  await analytics?.stop();
  await broker?.stop();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

describe('the sales projection', () => {
  it("gives the organizer the event's exact figures, whatever the order and the duplicates", async () => {
    const result = await analytics.graphql(
      SALES,
      { representations: [{ __typename: 'Event', id: eventId }] },
      signedIn(organizerId),
    );
    expect(result.body.errors).toBeUndefined();
    expect(result.body.data).toEqual({
      _entities: [
        {
          sales: {
            ticketsSold: 5,
            // 70.00 + 37.50 + 35.00 confirmed, less the 35.00 refunded.
            revenue: { amount: '107.50', currencyCode: 'EUR' },
            occupancy: 0.25,
            activeHolds: 1,
            waitlistLength: 1,
            cancellations: 2,
            checkedIn: 1,
            byDay: [
              { date: '2026-11-28', ticketsSold: 2, revenue: { amount: '70.00', currencyCode: 'EUR' } },
              { date: '2026-11-29', ticketsSold: 4, revenue: { amount: '72.50', currencyCode: 'EUR' } },
            ],
          },
        },
      ],
    });
  });

  it('shows the sales to a holder of analytics.sales.read and refuses anyone else', async () => {
    const representations = [{ __typename: 'Event', id: eventId }];
    const reader = await analytics.graphql(
      SALES,
      { representations },
      signedIn(randomUUID(), ['analytics.sales.read']),
    );
    expect(reader.body.errors).toBeUndefined();
    const stranger = await analytics.graphql(SALES, { representations }, signedIn(randomUUID()));
    expect(errorCode(stranger)).toBe('FORBIDDEN');
  });

  it('exports the sales by day as CSV under the same rule', async () => {
    const query = 'query ($id: ID!) { eventSalesCsv(eventId: $id) }';
    const csv = await analytics.graphql<{ eventSalesCsv: string }>(query, { id: eventId }, signedIn(organizerId));
    expect(csv.body.data?.eventSalesCsv).toBe(
      'date,tickets_sold,revenue,currency_code\r\n' +
        '2026-11-28,2,70.00,EUR\r\n' +
        '2026-11-29,4,72.50,EUR\r\n' +
        'total,5,107.50,EUR\r\n',
    );
    expect(errorCode(await analytics.graphql(query, { id: eventId }, signedIn(randomUUID())))).toBe('FORBIDDEN');
    expect(errorCode(await analytics.graphql(query, { id: randomUUID() }, signedIn(organizerId)))).toBe('NOT_FOUND');
  });

  it('gives admins the platform activity per day in the time zone they ask for', async () => {
    const query = `query ($from: Date!, $to: Date!, $timeZone: String!) {
      platformActivity(from: $from, to: $to, timeZone: $timeZone) {
        date registrations activeUsers bookings revenue { amount currencyCode }
      }
    }`;
    const admin = signedIn(randomUUID(), ['analytics.platform.read']);
    const period = { from: '2026-11-28', to: '2026-11-29', timeZone: 'Europe/Amsterdam' };
    const result = await analytics.graphql(query, period, admin);
    expect(result.body.data).toEqual({
      platformActivity: [
        { date: '2026-11-28', registrations: 1, activeUsers: 0, bookings: 1, revenue: [money('70.00')] },
        { date: '2026-11-29', registrations: 1, activeUsers: 2, bookings: 2, revenue: [money('72.50')] },
      ],
    });
    // In UTC, the 23:30 registration and confirmation fall on the 28th.
    const utc = await analytics.graphql<{ platformActivity: { registrations: number; bookings: number }[] }>(
      query,
      { ...period, timeZone: 'UTC' },
      admin,
    );
    expect(utc.body.data?.platformActivity.map((day) => [day.registrations, day.bookings])).toEqual([
      [2, 2],
      [0, 1],
    ]);
    expect(errorCode(await analytics.graphql(query, period, signedIn(organizerId)))).toBe('FORBIDDEN');
    const bad = await analytics.graphql(
      query,
      { from: '2026-11-29', to: '2026-11-28', timeZone: 'Mars/Olympus' },
      admin,
    );
    expect(errorCode(bad)).toBe('BAD_USER_INPUT');
    expect(bad.body.errors?.[0]?.extensions?.fields).toEqual({
      to: 'must not be before from',
      timeZone: 'must be an IANA time zone such as Europe/Berlin',
    });
  });
});

describe('rebuilding the projection', () => {
  it('npm run analytics:rebuild replays the topics from the start into an empty database: exactly the live figures', async () => {
    const url = await createTestDatabase('analytics_rebuild');
    const command = await runCommand(
      'npx',
      ['tsx', fileURLToPath(new URL('../src/cli/rebuild.ts', import.meta.url)), '--into', url],
      { KAFKA_BROKERS: broker.brokers.join(','), LOG_LEVEL: 'warn' },
    );
    expect(command.code, command.output).toBe(0);
    const report = z
      .object({ applied: z.number(), messages: z.number(), topics: z.array(z.string()) })
      .parse(JSON.parse(command.output.trim().split('\n').at(-1)!));
    expect(report.applied).toBe(distinctEvents);
    // Duplicates were published too: more messages than distinct events, each applied once.
    expect(report.messages).toBeGreaterThan(distinctEvents);

    const fresh = createDatabase({ url, applicationName: 'analytics-rebuild-check' });
    try {
      const live = createFiguresStore(analytics.db);
      const rebuilt = createFiguresStore(fresh);
      const now = new Date();
      const [liveEvent] = await live.eventFacts([eventId]);
      const [rebuiltEvent] = await rebuilt.eventFacts([eventId]);
      expect(rebuiltEvent).toEqual(liveEvent);
      expect(await rebuilt.sales(rebuiltEvent!, now)).toEqual(await live.sales(liveEvent!, now));
      expect(await rebuilt.platformDays('2026-11-27', '2026-11-30', 'Europe/Amsterdam')).toEqual(
        await live.platformDays('2026-11-27', '2026-11-30', 'Europe/Amsterdam'),
      );
      // Not a vacuous equality: the rebuilt projection holds the figures asserted above.
      expect((await rebuilt.sales(rebuiltEvent!, now)).ticketsSold).toBe(5);
    } finally {
      await fresh.destroy();
    }

    // A second run into the same database is refused: a rebuild starts from an empty one.
    const again = await runCommand(
      'npx',
      ['tsx', fileURLToPath(new URL('../src/cli/rebuild.ts', import.meta.url)), '--into', url],
      { KAFKA_BROKERS: broker.brokers.join(','), LOG_LEVEL: 'warn' },
    );
    expect(again.code).toBe(1);
    expect(again.output).toContain('already holds a projection');
  }, 120_000);
});

/** Runs a command to its end with `env` on top of ours; answers its exit code and output. */
function runCommand(command: string, args: string[], env: Record<string, string>) {
  return new Promise<{ code: number | null; output: string }>((resolve, reject) => {
    const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, output }));
  });
}
