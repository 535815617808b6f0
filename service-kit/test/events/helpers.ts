/**
 * Shared by the event tests: a database with the outbox, `processed_events` and an
 * `applied` table the test handlers write to, example events, a transport wrapper that
 * counts what arrives on the wire, and polling. The event tables come from the platform's
 * own frozen migrations, so the kit is tested against the DDL the services run.
 */
import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { createDatabase } from '../../src/database.js';
import { createEvent } from '../../src/events/envelope.js';
import type { EventHandler } from '../../src/events/consumer.js';
import type { EventTransport, IncomingMessage } from '../../src/events/transport.js';
import type { CloudEvent } from '../../src/events/types.js';
import { createLogger, type Logger } from '../../src/logger.js';
import { createTestDatabase } from '@platform/devkit/testing';
import { up as createProcessedEvents } from '../../../migrations/auth/20261122090000_create_processed_events.js';
import { up as createOutbox } from '../../../migrations/identity/20261121110000_create_outbox.js';
import { up as addOutboxTraceContext } from '../../../migrations/identity/20261130000000_add_outbox_trace_context.js';

export const silentLogger: Logger = createLogger({ service: 'events-test', level: 'silent' });

export const noRequest = { requestId: null, traceId: null, ip: null, userAgent: null };

/** A fresh database with the event tables and an `applied` table for test handlers. */
export async function createEventsDatabase(prefix: string): Promise<Knex> {
  const db = createDatabase({ url: await createTestDatabase(prefix), applicationName: `test-${prefix}` });
  await createOutbox(db);
  await addOutboxTraceContext(db);
  await createProcessedEvents(db);
  await db.raw(`
    create table applied (
      seq bigint generated always as identity,
      event_id uuid not null,
      type text not null,
      subject text not null,
      version integer
    )
  `);
  return db;
}

/** A handler recording each event it applies in `applied`. */
export const recordApplied: EventHandler = async (event, trx) => {
  const version = 'permissionsVersion' in event.data ? event.data.permissionsVersion : null;
  await trx('applied').insert({ event_id: event.id, type: event.type, subject: event.subject, version });
};

export async function appliedRows(
  db: Knex,
): Promise<{ event_id: string; type: string; subject: string; version: number | null }[]> {
  return db('applied').select('event_id', 'type', 'subject', 'version').orderBy('seq');
}

/** `platform.authz.role.assigned.v1`: `version` orders one user's events in tests. */
export function roleAssigned(userId: string, version: number): CloudEvent<'platform.authz.role.assigned.v1'> {
  const roleId = randomUUID();
  return createEvent({
    type: 'platform.authz.role.assigned.v1',
    subject: userId,
    data: {
      actorId: null,
      target: { type: 'user', id: userId },
      context: noRequest,
      userId,
      roleId,
      roleName: 'editor',
      permissionsVersion: version,
    },
  });
}

export function userRegistered(userId = randomUUID()): CloudEvent<'platform.identity.user.registered.v1'> {
  return createEvent({
    type: 'platform.identity.user.registered.v1',
    subject: userId,
    data: {
      actorId: null,
      target: { type: 'user', id: userId },
      context: {
        requestId: 'req-1',
        traceId: '0af7651916cd43dd8448eb211c80319c',
        ip: '127.0.0.1',
        userAgent: 'vitest',
      },
      userId,
      email: `user-${userId.slice(0, 8)}@example.com`,
      name: 'Ada',
      emailVerified: false,
    },
  });
}

export function sessionRevoked(userId: string): CloudEvent<'platform.auth.session.revoked.v1'> {
  const sessionId = randomUUID();
  return createEvent({
    type: 'platform.auth.session.revoked.v1',
    subject: userId,
    data: {
      actorId: userId,
      target: { type: 'session', id: sessionId },
      context: noRequest,
      userId,
      sessionId,
      reason: 'logout',
    },
  });
}

/** The event id of a message, or undefined when it is not a JSON object with one. */
export function idOf(message: IncomingMessage): string | undefined {
  try {
    return (JSON.parse(message.value) as { id?: string }).id;
  } catch {
    return undefined;
  }
}

/** Wraps a transport so tests can see every message consumers receive, duplicates included. */
export function countingTransport(transport: EventTransport): {
  transport: EventTransport;
  received: IncomingMessage[];
  timesReceived(eventId: string): number;
} {
  const received: IncomingMessage[] = [];
  return {
    received,
    timesReceived: (eventId) => received.filter((message) => idOf(message) === eventId).length,
    transport: {
      ...transport,
      kind: transport.kind,
      publish: (messages) => transport.publish(messages),
      close: () => transport.close(),
      subscribe: (options) =>
        transport.subscribe({
          ...options,
          handle: async (message) => {
            received.push(message);
            await options.handle(message);
          },
        }),
    },
  };
}

/** Polls `check` until it returns a truthy value, or fails after `timeoutMs`. */
export async function waitFor<T>(check: () => Promise<T> | T, timeoutMs = 20_000, what = 'condition'): Promise<T> {
  const started = Date.now();
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() - started > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
