/**
 * The event catalog (`events/`) and the CloudEvents envelope: every catalog file has a
 * generated TypeScript entry and the other way round, an example of every type passes its schema,
 * nothing can carry a secret, and validation errors name the type and the field.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_EVENTS_DIR,
  EventValidationError,
  createEvent,
  eventCatalog,
  parseEvent,
} from '../../src/events/envelope.js';
import {
  EVENT_DOMAINS,
  deadLetterTopic,
  parseEventType,
  sourceForType,
  topicForType,
} from '../../src/events/topics.js';
import { EVENT_TYPES, type EventDataByType, type EventType } from '../../src/events/types.js';
import { noRequest, userRegistered } from './helpers.js';

const catalogDir = path.join(DEFAULT_EVENTS_DIR, 'catalog');
const catalogTypes = readdirSync(catalogDir)
  .filter((file) => file.endsWith('.json'))
  .map((file) => file.slice(0, -'.json'.length))
  .sort();

const user = randomUUID();
const other = randomUUID();
const session = randomUUID();
const role = randomUUID();
const request = {
  requestId: 'req-42',
  traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
  ip: '203.0.113.9',
  userAgent: 'curl/8',
};
const onUser = { actorId: user, target: { type: 'user' as const, id: user }, context: request };
const onSession = { actorId: user, target: { type: 'session' as const, id: session }, context: request };
const onRole = { actorId: other, target: { type: 'role' as const, id: role }, context: request };

const venue = {
  id: randomUUID(),
  organizerId: user,
  name: 'Tivoli',
  address: 'Vredenburgkade 11',
  city: 'Utrecht',
  countryCode: 'NL',
  timeZone: 'Europe/Amsterdam',
  capacity: 500,
  latitude: 52.0934,
  longitude: 5.1136,
};
const listedEvent = {
  id: randomUUID(),
  version: 1,
  organizerId: user,
  title: 'Evening show',
  description: 'Music',
  category: 'music',
  status: 'DRAFT' as const,
  startsAt: '2027-03-01T19:00:00.000Z',
  endsAt: '2027-03-01T22:00:00.000Z',
  venue,
  ticketTypes: [{ id: randomUUID(), name: 'Standing', capacity: 400, price: { amount: '35.00', currencyCode: 'EUR' } }],
};
const onVenue = { actorId: user, target: { type: 'venue' as const, id: venue.id }, context: request };
const onEvent = { actorId: user, target: { type: 'event' as const, id: listedEvent.id }, context: request };

const booking = {
  bookingId: randomUUID(),
  userId: user,
  eventId: listedEvent.id,
  ticketTypeId: listedEvent.ticketTypes[0]!.id,
  quantity: 2,
};
const onBooking = { actorId: user, target: { type: 'booking' as const, id: booking.bookingId }, context: request };

const post = {
  id: randomUUID(),
  version: 1,
  authorId: user,
  title: 'Hello, world',
  slug: 'hello-world',
  tags: ['news', 'release-notes'],
  status: 'DRAFT' as const,
  publishAt: null,
  publishedAt: null,
};
const mediaFile = randomUUID();
const onPost = { actorId: user, target: { type: 'post' as const, id: post.id }, context: request };

/** One valid example per type: the compiler checks it against EventDataByType, the test against the schema. */
const portfolio = {
  id: randomUUID(),
  ownerId: user,
  name: 'Retirement',
  baseCurrencyCode: 'EUR',
  costBasisMethod: 'AVERAGE' as const,
};
const onPortfolio = { actorId: user, target: { type: 'portfolio' as const, id: portfolio.id }, context: request };

const spending = {
  id: randomUUID(),
  categoryId: randomUUID(),
  amount: { amount: '12.50', currencyCode: 'USD' },
  convertedAmount: { amount: '11.55', currencyCode: 'EUR' },
  spentOn: '2026-11-29',
  recurringExpenseId: null,
};
const onExpense = { actorId: user, target: { type: 'expense' as const, id: spending.id }, context: request };
const budgetAlert = {
  actorId: user,
  target: { type: 'budget' as const, id: role },
  context: request,
  userId: user,
  budgetId: role,
  categoryId: spending.categoryId,
  period: 'MONTHLY' as const,
  periodStart: '2026-11-01',
  periodEnd: '2026-11-30',
  limit: { amount: '400.00', currencyCode: 'EUR' },
  spent: { amount: '411.55', currencyCode: 'EUR' },
};

const examples: { [T in EventType]: { subject: string; data: EventDataByType[T] } } = {
  'platform.expenses.expense.created.v1': {
    subject: spending.id,
    data: { ...onExpense, userId: user, expense: spending },
  },
  'platform.expenses.expense.updated.v1': {
    subject: spending.id,
    data: { ...onExpense, userId: user, expense: { ...spending, spentOn: '2026-11-28' } },
  },
  'platform.expenses.expense.deleted.v1': {
    subject: spending.id,
    data: { ...onExpense, userId: user, expenseId: spending.id },
  },
  'platform.expenses.budget.threshold_crossed.v1': { subject: role, data: { ...budgetAlert, thresholdPercent: 80 } },
  'platform.expenses.budget.exceeded.v1': { subject: role, data: budgetAlert },
  'platform.expenses.support_access.recorded.v1': {
    subject: user,
    data: { ...onUser, actorId: other, userId: user, field: 'User.expenses', outcome: 'success' },
  },
  'platform.identity.user.registered.v1': {
    subject: user,
    data: { ...onUser, userId: user, email: 'ada@example.com', name: 'Ada', emailVerified: false },
  },
  'platform.identity.user.updated.v1': {
    subject: user,
    data: { ...onUser, userId: user, changedFields: ['name'], name: 'Ada L.' },
  },
  'platform.identity.user.deleted.v1': {
    subject: user,
    data: { ...onUser, actorId: other, userId: user, reason: 'requested by the user' },
  },
  'platform.identity.user.email_verified.v1': { subject: user, data: { ...onUser, userId: user, email: 'a@b.co' } },
  'platform.identity.user.password_changed.v1': {
    subject: user,
    data: { ...onUser, userId: user, otherSessionsRevoked: true, keptSessionId: randomUUID() },
  },
  'platform.identity.user.password_reset.v1': {
    subject: user,
    data: { ...onUser, actorId: null, userId: user, sessionsRevoked: true },
  },
  'platform.auth.login.succeeded.v1': {
    subject: user,
    data: { ...onSession, userId: user, sessionId: session, outcome: 'success' },
  },
  'platform.auth.login.failed.v1': {
    subject: user,
    data: {
      ...onUser,
      actorId: null,
      userId: null,
      email: 'nobody@example.com',
      reason: 'unknown_user',
      outcome: 'failure',
    },
  },
  'platform.auth.account.locked.v1': {
    subject: user,
    data: {
      ...onUser,
      actorId: null,
      userId: user,
      failedAttempts: 5,
      lockedUntil: '2026-11-21T10:15:00Z',
      reason: 'too many failed sign-ins',
    },
  },
  'platform.auth.refresh_token.reuse_detected.v1': {
    subject: user,
    data: { ...onSession, actorId: null, userId: user, sessionId: session, outcome: 'denied' },
  },
  'platform.auth.session.revoked.v1': {
    subject: user,
    data: { ...onSession, userId: user, sessionId: session, reason: 'logout' },
  },
  'platform.authz.role.created.v1': {
    subject: role,
    data: {
      ...onRole,
      roleId: role,
      name: 'editor',
      description: null,
      permissions: ['identity.user.read'],
      permissionsVersion: 7,
    },
  },
  'platform.authz.role.changed.v1': {
    subject: role,
    data: { ...onRole, roleId: role, changedFields: ['description'], description: 'Edits', permissionsVersion: 8 },
  },
  'platform.authz.role.deleted.v1': {
    subject: role,
    data: { ...onRole, roleId: role, name: 'editor', permissionsVersion: 9 },
  },
  'platform.authz.permission.granted.v1': {
    subject: role,
    data: { ...onRole, roleId: role, permission: 'identity.user.read', permissionsVersion: 10 },
  },
  'platform.authz.permission.revoked.v1': {
    subject: role,
    data: { ...onRole, roleId: role, permission: 'identity.user.read', permissionsVersion: 11 },
  },
  'platform.authz.role.assigned.v1': {
    subject: user,
    data: { ...onUser, actorId: other, userId: user, roleId: role, roleName: 'editor', permissionsVersion: 12 },
  },
  'platform.authz.role.unassigned.v1': {
    subject: user,
    data: { ...onUser, actorId: other, userId: user, roleId: role, roleName: 'editor', permissionsVersion: 13 },
  },
  'platform.gateway.authorization.denied.v1': {
    subject: 'req-42',
    data: {
      actorId: user,
      target: { type: 'operation', id: 'UserEmails' },
      context: request,
      userId: user,
      operationName: 'UserEmails',
      operationType: 'query',
      operationHash: 'a'.repeat(64),
      deniedFields: [{ path: 'users.0.email', coordinate: 'User.email', requirement: 'requiresScopes' }],
      outcome: 'denied',
    },
  },
  'platform.listings.venue.created.v1': { subject: venue.id, data: { ...onVenue, venue } },
  'platform.listings.venue.updated.v1': { subject: venue.id, data: { ...onVenue, venue: { ...venue, capacity: 600 } } },
  'platform.listings.event.created.v1': { subject: listedEvent.id, data: { ...onEvent, event: listedEvent } },
  'platform.listings.event.updated.v1': {
    subject: listedEvent.id,
    data: { ...onEvent, event: { ...listedEvent, version: 2, title: 'Late show' } },
  },
  'platform.listings.event.published.v1': {
    subject: listedEvent.id,
    data: { ...onEvent, event: { ...listedEvent, version: 3, status: 'PUBLISHED' } },
  },
  'platform.listings.event.cancelled.v1': {
    subject: listedEvent.id,
    data: { ...onEvent, event: { ...listedEvent, version: 4, status: 'CANCELLED' }, reason: 'the band fell ill' },
  },
  'platform.bookings.booking.held.v1': {
    subject: booking.bookingId,
    data: {
      ...onBooking,
      ...booking,
      total: { amount: '70.00', currencyCode: 'EUR' },
      expiresAt: '2027-02-01T10:15:00.000Z',
      waitlistEntryId: null,
    },
  },
  'platform.bookings.booking.confirmed.v1': {
    subject: booking.bookingId,
    data: {
      ...onBooking,
      ...booking,
      total: { amount: '70.00', currencyCode: 'EUR' },
      paymentId: randomUUID(),
      ticketIds: [randomUUID(), randomUUID()],
    },
  },
  'platform.bookings.booking.cancelled.v1': {
    subject: booking.bookingId,
    data: { ...onBooking, ...booking, previousStatus: 'CONFIRMED', reason: 'event_cancelled' },
  },
  'platform.bookings.booking.expired.v1': {
    subject: booking.bookingId,
    data: { ...onBooking, actorId: null, ...booking, waitlistEntryId: randomUUID() },
  },
  'platform.bookings.refund.issued.v1': {
    subject: booking.bookingId,
    data: {
      ...onBooking,
      target: { type: 'refund', id: booking.bookingId },
      refundId: randomUUID(),
      bookingId: booking.bookingId,
      paymentId: randomUUID(),
      userId: user,
      eventId: listedEvent.id,
      amount: { amount: '70.00', currencyCode: 'EUR' },
    },
  },
  'platform.bookings.waitlist.offered.v1': {
    subject: booking.bookingId,
    data: {
      ...onBooking,
      actorId: null,
      target: { type: 'waitlist_entry', id: booking.bookingId },
      entryId: randomUUID(),
      userId: user,
      eventId: listedEvent.id,
      ticketTypeId: booking.ticketTypeId,
      quantity: 2,
      bookingId: booking.bookingId,
      offerExpiresAt: '2027-02-01T22:00:00.000Z',
    },
  },
  'platform.bookings.waitlist.joined.v1': {
    subject: listedEvent.id,
    data: {
      ...onBooking,
      target: { type: 'waitlist_entry', id: booking.bookingId },
      entryId: randomUUID(),
      userId: user,
      eventId: listedEvent.id,
      ticketTypeId: booking.ticketTypeId,
      quantity: 2,
    },
  },
  'platform.bookings.ticket.checked_in.v1': {
    subject: booking.bookingId,
    data: {
      ...onBooking,
      target: { type: 'ticket', id: booking.bookingId },
      ticketId: randomUUID(),
      bookingId: booking.bookingId,
      userId: user,
      eventId: listedEvent.id,
      checkedInAt: '2027-03-01T18:30:00.000Z',
    },
  },
  'platform.bookings.availability.changed.v1': {
    subject: booking.ticketTypeId,
    data: {
      ...onBooking,
      target: { type: 'ticket_type', id: booking.ticketTypeId },
      eventId: listedEvent.id,
      ticketTypeId: booking.ticketTypeId,
      capacity: 400,
      available: 398,
    },
  },
  'platform.portfolios.investment.added.v1': {
    subject: portfolio.id,
    data: {
      ...onPortfolio,
      portfolioId: portfolio.id,
      ownerId: user,
      activityId: randomUUID(),
      symbol: 'ACME',
      assetType: 'EQUITY',
      quantity: '10',
      cost: { amount: '1000.00', currencyCode: 'EUR' },
      occurredOn: '2026-01-01',
      newHolding: true,
    },
  },
  'platform.portfolios.portfolio.updated.v1': {
    subject: portfolio.id,
    data: { ...onPortfolio, change: 'activity_recorded', portfolio, activityId: randomUUID() },
  },
  'platform.portfolios.performance.calculated.v1': {
    subject: portfolio.id,
    data: {
      actorId: null,
      target: onPortfolio.target,
      context: noRequest,
      portfolioId: portfolio.id,
      ownerId: user,
      valuedOn: '2026-12-31',
      value: { amount: '2420.00', currencyCode: 'EUR' },
      netContributions: { amount: '2100.00', currencyCode: 'EUR' },
      absoluteGain: { amount: '320.00', currencyCode: 'EUR' },
      timeWeightedReturn: 0.21,
      moneyWeightedReturn: 0.2102,
    },
  },
  'platform.blog.post.created.v1': { subject: post.id, data: { ...onPost, post } },
  'platform.blog.post.updated.v1': {
    subject: post.id,
    data: { ...onPost, post: { ...post, version: 2, title: 'Hello again', slug: 'hello-again' } },
  },
  'platform.blog.post.scheduled.v1': {
    subject: post.id,
    data: { ...onPost, post: { ...post, version: 3, status: 'SCHEDULED', publishAt: '2027-01-01T09:00:00.000Z' } },
  },
  'platform.blog.post.published.v1': {
    subject: post.id,
    data: {
      actorId: null,
      target: onPost.target,
      context: noRequest,
      post: { ...post, version: 4, status: 'PUBLISHED', publishedAt: '2027-01-01T09:00:01.000Z' },
    },
  },
  'platform.blog.post.archived.v1': {
    subject: post.id,
    data: { ...onPost, post: { ...post, version: 5, status: 'ARCHIVED', publishedAt: '2027-01-01T09:00:01.000Z' } },
  },
  'platform.blog.post.deleted.v1': { subject: post.id, data: { ...onPost, post: { ...post, version: 6 } } },
  'platform.media.file.uploaded.v1': {
    subject: mediaFile,
    data: {
      actorId: user,
      target: { type: 'file', id: mediaFile },
      context: request,
      file: { id: mediaFile, ownerId: user, purpose: 'AVATAR', contentType: 'image/png', size: 2048 },
    },
  },
};

/** Calls `fn` and returns the EventValidationError it throws. */
function validationError(fn: () => unknown): EventValidationError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(EventValidationError);
    return error as EventValidationError;
  }
  throw new Error('expected an EventValidationError');
}

/** Every sub-schema of a JSON Schema document, with its location. */
function* subSchemas(node: unknown, where: string): Generator<[string, Record<string, unknown>]> {
  if (Array.isArray(node)) {
    for (const [index, item] of node.entries()) yield* subSchemas(item, `${where}/${index}`);
    return;
  }
  if (typeof node !== 'object' || node === null) return;
  yield [where, node as Record<string, unknown>];
  for (const [key, value] of Object.entries(node)) yield* subSchemas(value, `${where}/${key}`);
}

describe('the event catalog', () => {
  it('has a TypeScript type entry for every catalog file, and a file for every entry', () => {
    expect([...EVENT_TYPES].sort()).toEqual(catalogTypes);
    expect([...eventCatalog().types].sort()).toEqual(catalogTypes);
    expect(Object.keys(examples).sort()).toEqual(catalogTypes);
  });

  it('covers the events the core publishes, each named platform.<domain>.<aggregate>.<action>.v<n>', () => {
    for (const type of catalogTypes) expect(parseEventType(type), type).toBeDefined();
    const domains = new Set(catalogTypes.map((type) => parseEventType(type)?.domain));
    expect(new Set(EVENT_DOMAINS)).toEqual(domains);
    for (const core of ['identity', 'auth', 'authz', 'gateway']) expect(domains).toContain(core);
  });

  it('pins the kind of target of every type, since the shared target definition allows any kind', () => {
    for (const type of catalogTypes) {
      const schema = JSON.parse(readFileSync(path.join(catalogDir, `${type}.json`), 'utf8')) as {
        properties: { target?: { $ref?: string; properties?: { type?: { const?: unknown } } } };
      };
      expect(schema.properties.target?.$ref, type).toBe('../common.schema.json#/$defs/target');
      expect(schema.properties.target?.properties?.type?.const, type).toEqual(expect.any(String));
    }
  });

  it.each(catalogTypes)('accepts a valid %s', (type) => {
    const example = examples[type as EventType];
    const event = createEvent({ type: type as EventType, ...example });
    expect(parseEvent(JSON.stringify(event))).toEqual(event);
    expect(event.source).toBe(sourceForType(type));
  });

  it('declares draft 2020-12, a matching $id and title, and closes every object to unknown properties', () => {
    for (const type of catalogTypes) {
      const schema = JSON.parse(readFileSync(path.join(catalogDir, `${type}.json`), 'utf8')) as Record<string, unknown>;
      expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
      expect(schema.$id).toBe(`https://platform.example/events/catalog/${type}.json`);
      expect(schema.title).toBe(type);
      expect(schema.additionalProperties, type).toBe(false);
    }
    const common = JSON.parse(readFileSync(path.join(DEFAULT_EVENTS_DIR, 'common.schema.json'), 'utf8')) as unknown;
    for (const [where, node] of subSchemas(common, 'common')) {
      if (node.type === 'object') expect(node.additionalProperties, where).toBe(false);
    }
  });

  it('has no property that could carry a password, token or secret', () => {
    const secretish = /password|token|secret|hash$|credential|cookie|authorization/i;
    const allowed = new Set(['operationHash', 'otherSessionsRevoked']);
    for (const file of [...catalogTypes.map((type) => path.join(catalogDir, `${type}.json`)), 'common.schema.json']) {
      const schema = JSON.parse(readFileSync(path.resolve(DEFAULT_EVENTS_DIR, file), 'utf8')) as unknown;
      for (const [where, node] of subSchemas(schema, file)) {
        const properties = node.properties as Record<string, unknown> | undefined;
        if (!properties || where.endsWith('/properties')) continue;
        for (const name of Object.keys(properties)) {
          if (!allowed.has(name)) expect(name, `${where}/properties/${name}`).not.toMatch(secretish);
        }
      }
    }
  });

  it('refuses a password smuggled into event data, naming the type and the field', () => {
    const error = validationError(() =>
      createEvent({
        type: 'platform.identity.user.password_changed.v1',
        subject: user,
        data: { ...examples['platform.identity.user.password_changed.v1'].data, password: 'hunter2' } as never,
      }),
    );
    expect(error.eventType).toBe('platform.identity.user.password_changed.v1');
    expect(error.issues).toEqual([{ pointer: '/data/password', message: 'is not allowed (unknown property)' }]);
    expect(error.message).toBe(
      'invalid platform.identity.user.password_changed.v1 event: /data/password is not allowed (unknown property)',
    );
    expect(error.message).not.toContain('hunter2');
  });

  it('names every wrong field of the data with a JSON pointer and what is wrong', () => {
    const error = validationError(() =>
      createEvent({
        type: 'platform.identity.user.registered.v1',
        subject: user,
        data: {
          ...examples['platform.identity.user.registered.v1'].data,
          email: 'not-an-email',
          target: { type: 'role', id: user },
          context: { ...noRequest, traceId: 'xyz' },
          emailVerified: undefined,
        } as never,
      }),
    );
    expect(error.message).toMatch(/^invalid platform\.identity\.user\.registered\.v1 event: /);
    expect(error.issues).toEqual(
      expect.arrayContaining([
        { pointer: '/data/email', message: 'must match format "email"' },
        { pointer: '/data/target/type', message: 'must be "user"' },
        { pointer: '/data/context/traceId', message: 'must match pattern "^[0-9a-f]{32}$"' },
        { pointer: '/data/emailVerified', message: 'is required' },
      ]),
    );
  });

  it('refuses a received event whose envelope is wrong, naming the attribute', () => {
    const good = userRegistered();
    const cases: [unknown, string, string][] = [
      [{ ...good, specversion: '0.3' }, '/specversion', 'must be "1.0"'],
      [{ ...good, id: 'not-a-uuid' }, '/id', 'must match format "uuid"'],
      [{ ...good, time: 'yesterday' }, '/time', 'must match format "date-time"'],
      [{ ...good, subject: undefined }, '/subject', 'is required'],
      [{ ...good, datacontenttype: 'text/plain' }, '/datacontenttype', 'must be "application/json"'],
      [{ ...good, source: '/platform/auth' }, '/source', 'must be "/platform/identity" for this type'],
      [{ ...good, extra: 1 }, '/extra', 'is not allowed (unknown property)'],
    ];
    for (const [event, pointer, message] of cases) {
      const error = validationError(() => parseEvent(JSON.stringify(event)));
      expect(error.eventType).toBe('platform.identity.user.registered.v1');
      expect(error.issues).toContainEqual({ pointer, message });
    }
  });

  it('refuses an unknown type, a missing type and text that is not JSON', () => {
    const unknown = validationError(() =>
      parseEvent({ ...userRegistered(), type: 'platform.identity.user.exploded.v1' }),
    );
    expect(unknown.message).toBe('invalid platform.identity.user.exploded.v1 event: /type is not in the event catalog');
    const untyped = validationError(() => parseEvent({ ...userRegistered(), type: undefined }));
    expect(untyped.message).toMatch(/^invalid event: \/type is required/);
    expect(validationError(() => parseEvent('{oops')).message).toMatch(/^invalid event: \(event\) is not JSON/);
  });

  it('routes each type to its domain topic, with a dead-letter topic beside it', () => {
    expect(topicForType('platform.identity.user.registered.v1')).toBe('platform.identity');
    expect(topicForType('platform.auth.refresh_token.reuse_detected.v1')).toBe('platform.auth');
    expect(topicForType('platform.gateway.authorization.denied.v1')).toBe('platform.gateway');
    expect(sourceForType('platform.authz.role.assigned.v1')).toBe('/platform/authz');
    expect(deadLetterTopic('platform.authz')).toBe('platform.authz.dlq');
    expect(() => topicForType('user.registered')).toThrow(/not a platform event type/);
  });
});
