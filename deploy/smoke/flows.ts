/**
 * The contract's core flows through the containerized gateway (run by deploy/smoke/run.sh):
 *   1. the seeded admin logs in and subscribes to the audit stream (AuditEvents over graphql-ws);
 *   2. a new user registers and logs in; the registration reaches the live subscription and the
 *      audit log (identity's outbox → Kafka → audit → the gateway's subscription);
 *   3. an organizer (a role the admin creates and assigns) puts an event on sale through
 *      listings; bookings learns it over Kafka; the user holds a seat and pays for it (sandbox).
 * Operations are the contract's own (supergraph/operations/*.graphql). Exits non-zero on failure.
 */
import { randomUUID } from 'node:crypto';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
// The module itself, not the testing barrel: that one loads vitest, which only runs under vitest.
import { contractOperation } from '../../devkit/src/testing/operations.js';

const gateway = process.env.GATEWAY_URL ?? 'http://127.0.0.1:4000/graphql';
const adminEmail = process.env.ADMIN_EMAIL ?? '';
const adminPassword = process.env.ADMIN_PASSWORD ?? '';

interface Response<T> {
  data?: T;
  errors?: { message: string; extensions?: { code?: string } }[];
}

async function send<T>(operation: string, variables: Record<string, unknown>, token?: string): Promise<T> {
  const response = await fetch(gateway, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: JSON.stringify({ query: contractOperation(operation), variables }),
  });
  const body = (await response.json()) as Response<T>;
  if (!response.ok || body.errors?.length || !body.data) {
    throw new Error(`${operation}: HTTP ${response.status} ${JSON.stringify(body.errors ?? body)}`);
  }
  return body.data;
}

/** Polls `check` once a second until it answers true; fails naming `what` after `timeoutMs`. */
async function eventually(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

interface LoginData {
  login: { accessToken: string; user: { id: string } };
}
interface AuditEvent {
  action: string;
  target: { id: string } | null;
}

const step = (line: string) => process.stdout.write(`[flows] ${line}\n`);
const login = async (email: string, password: string) => (await send<LoginData>('Login', { email, password })).login;
const password = 'correct horse battery staple';

async function register(label: string): Promise<{ id: string; email: string }> {
  const email = `smoke-${label}-${randomUUID()}@example.com`;
  const data = await send<{ register: { user: { id: string } } }>('Register', { email, password, name: label });
  return { id: data.register.user.id, email };
}

// 1. The admin watches the audit stream over graphql-ws, through the gateway.
const admin = await login(adminEmail, adminPassword);
step('admin logged in');
const live: AuditEvent[] = [];
const liveFailures: unknown[] = [];
const ws = createClient({
  url: gateway.replace(/^http/, 'ws'),
  webSocketImpl: WebSocket,
  connectionParams: { authorization: `Bearer ${admin.accessToken}` },
  retryAttempts: 0,
});
const unsubscribe = ws.subscribe(
  { query: contractOperation('AuditEvents'), variables: { filter: { action: 'identity.user.registered' } } },
  {
    next: (value) => {
      const event = (value.data as { auditEvents: AuditEvent } | null | undefined)?.auditEvents;
      if (event) live.push(event);
      else liveFailures.push(value.errors);
    },
    error: (error) => liveFailures.push(error),
    complete: () => undefined,
  },
);
// The subscription travels gateway → audit before the first event may be published.
await new Promise((resolve) => setTimeout(resolve, 1500));

try {
  // 2. Register and log in; the registration reaches the stream and the log.
  const user = await register('user');
  step(`registered ${user.email} (${user.id})`);
  const session = await login(user.email, password);
  if (session.user.id !== user.id) throw new Error('login answered for another user');
  step('logged in');

  await eventually('the registration on the live audit subscription', () => {
    if (liveFailures.length > 0) throw new Error(`AuditEvents failed: ${JSON.stringify(liveFailures)}`);
    return live.some((event) => event.target?.id === user.id);
  });
  step('the AuditEvents subscription (graphql-ws) delivered the registration (identity → Kafka → audit)');
  await eventually('the registration in the audit log', async () => {
    const logs = await send<{ auditLogs: { edges: { node: AuditEvent }[] } }>(
      'AuditLogs',
      { filter: { action: 'identity.user.registered', targetId: user.id }, first: 5 },
      admin.accessToken,
    );
    return logs.auditLogs.edges.some((edge) => edge.node.target?.id === user.id);
  });
  step('the audit log shows the registration');

  // 3. An organizer puts an event on sale; the user books a seat.
  const role = await send<{ createRole: { role: { id: string } } }>(
    'CreateRole',
    {
      name: `organizer-${randomUUID().slice(0, 8)}`,
      description: 'Puts events on sale',
      permissions: ['listings.venue.write', 'listings.event.write'],
    },
    admin.accessToken,
  );
  const organizer = await register('organizer');
  await send('AssignRole', { userId: organizer.id, roleId: role.createRole.role.id }, admin.accessToken);
  const organizerToken = (await login(organizer.email, password)).accessToken;
  step('organizer role created and assigned');

  const venue = await send<{ createVenue: { venue: { id: string } } }>(
    'CreateVenue',
    {
      name: 'Smoke Hall',
      address: 'Weteringschans 6-8',
      city: 'Amsterdam',
      countryCode: 'NL',
      timeZone: 'Europe/Amsterdam',
      capacity: 100,
    },
    organizerToken,
  );
  const hoursFromNow = (hours: number) => new Date(Date.now() + hours * 3_600_000).toISOString();
  const created = await send<{ createEvent: { event: { id: string; ticketTypes: { id: string }[] } } }>(
    'CreateEvent',
    {
      venueId: venue.createVenue.venue.id,
      title: 'Smoke Test Night',
      description: 'Containers, end to end',
      category: 'concert',
      startsAt: hoursFromNow(48),
      endsAt: hoursFromNow(51),
      ticketTypeName: 'Standing',
      capacity: 2,
      price: '39.90',
      currencyCode: 'EUR',
    },
    organizerToken,
  );
  const eventId = created.createEvent.event.id;
  const ticketTypeId = created.createEvent.event.ticketTypes[0]!.id;
  await send('PublishEvent', { id: eventId }, organizerToken);
  step(`event ${eventId} published`);
  await eventually('bookings to know the published event (listings → Kafka → bookings)', async () => {
    const event = await send<{ event: { ticketTypes: { available: number }[] } | null }>('Event', { id: eventId });
    return event.event?.ticketTypes[0]?.available === 2;
  });
  step('bookings has the event on sale');

  const held = await send<{ holdTickets: { booking: { id: string; status: string; total: { amount: string } } } }>(
    'HoldTickets',
    { ticketTypeId, quantity: 1, idempotencyKey: randomUUID() },
    session.accessToken,
  );
  const booking = held.holdTickets.booking;
  if (booking.status !== 'HELD' || booking.total.amount !== '39.90') {
    throw new Error(`unexpected hold: ${JSON.stringify(booking)}`);
  }
  const confirmed = await send<{
    confirmBooking: { booking: { status: string; payment: { status: string }; tickets: { code: string }[] } };
  }>(
    'ConfirmBooking',
    { bookingId: booking.id, paymentToken: 'tok_sandbox_visa', idempotencyKey: randomUUID() },
    session.accessToken,
  );
  const paid = confirmed.confirmBooking.booking;
  if (paid.status !== 'CONFIRMED' || paid.payment.status !== 'SUCCEEDED' || paid.tickets.length !== 1) {
    throw new Error(`unexpected confirmation: ${JSON.stringify(paid)}`);
  }
  const mine = await send<{ me: { bookings: { edges: { node: { id: string; event: { title: string } } }[] } } }>(
    'MyBookings',
    {},
    session.accessToken,
  );
  const listed = mine.me.bookings.edges.find((edge) => edge.node.id === booking.id);
  if (listed?.node.event.title !== 'Smoke Test Night') {
    throw new Error(`MyBookings does not show the booking with its event: ${JSON.stringify(mine)}`);
  }
  step('booked and paid one seat; MyBookings joins it with the event title (bookings + listings)');
} finally {
  unsubscribe();
  await ws.dispose();
}
