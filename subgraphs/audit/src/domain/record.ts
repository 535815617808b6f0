/**
 * Recording: turns a CloudEvent from any service into one audit_log row, appended to the
 * hash chain under the append lock, once per event id. After the commit the row is
 * published to the in-process `AuditStream`, so live subscriptions see it.
 *
 * Mapping: `type` `platform.identity.user.registered.v1` → action `identity.user.registered`;
 * `data.actorId`, `data.target { type, id }` (or, without one, the type's resource and the
 * event's `subject`), `data.outcome` (SUCCESS unless it says FAILURE or DENIED),
 * `data.requestId`, `data.traceId`, `data.ip`, `data.userAgent` (or the same under
 * `data.context`, as the platform's event catalog writes them); every other field of `data`
 * becomes metadata, without secrets.
 */
import { randomUUID } from 'node:crypto';
import type { Database } from '@platform/service-kit';
import type { Knex } from 'knex';
import { z } from 'zod';
import type { AuditEventModel } from '../mappers.js';
import { createAuditLogStore } from '../stores/audit-log-store.js';
import { chainHash, GENESIS_HASH } from './chain.js';
import { eventUuid, normaliseUuid, UUID_PATTERN } from './ids.js';
import { cleanText, sanitiseMetadata } from './sanitise.js';
import type { AuditStream } from './stream.js';

const OUTCOMES = ['SUCCESS', 'FAILURE', 'DENIED'] as const;

/** The event is not one the log can record (missing id or type, malformed fields). */
export class InvalidAuditEventError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`invalid audit event: ${problems.join('; ')}`);
    this.name = 'InvalidAuditEventError';
  }
}

const optionalText = z
  .string()
  .nullish()
  .transform((value) => (value == null || value.trim() === '' ? null : cleanText(value.trim(), 1000)));

const inputSchema = z.object({
  eventId: z.string().trim().min(1, 'eventId is required').max(500, 'eventId is too long'),
  type: z
    .string()
    .trim()
    .regex(
      /^[A-Za-z0-9][A-Za-z0-9_.-]{0,199}$/,
      'type must be a dotted event type such as platform.identity.user.registered.v1',
    ),
  source: optionalText,
  subject: optionalText,
  time: z.union([z.string(), z.date()]).nullish(),
  data: z.record(z.string(), z.unknown()).nullish(),
});

const dataSchema = z.object({
  actorId: z.string().regex(UUID_PATTERN, 'data.actorId must be a UUID').nullish(),
  target: z.object({ type: z.string().trim().min(1).max(200), id: z.string().trim().min(1).max(500) }).nullish(),
  outcome: z
    .string()
    .transform((value) => value.toUpperCase())
    .pipe(z.enum(OUTCOMES, { error: 'data.outcome must be SUCCESS, FAILURE or DENIED' }))
    .nullish(),
  requestId: optionalText,
  traceId: optionalText,
  ip: optionalText,
  userAgent: optionalText,
});

/** The catalog's request context (`data.context`); anything else under `context` is kept as metadata. */
const contextSchema = z
  .object({
    requestId: z.string().nullish(),
    traceId: z.string().nullish(),
    ip: z.string().nullish(),
    userAgent: z.string().nullish(),
  })
  .strict()
  .nullish();

function withoutNullish(record: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(record).filter(([, value]) => value != null));
}

/** A CloudEvent as the consumer hands it over (the envelope's attributes in camel case). */
export interface AuditEventInput {
  /** The CloudEvents `id`: the same id is recorded once. Any string; UUIDs are kept as they are. */
  eventId: string;
  /** The CloudEvents `type`, for example `platform.identity.user.registered.v1`. */
  type: string;
  /** The CloudEvents `source`, for example `/platform/identity`. */
  source?: string | null;
  /** The CloudEvents `subject`: the target's id when `data.target` is absent. */
  subject?: string | null;
  /** When it happened (ISO-8601 or a Date); the time of recording when absent. */
  time?: string | Date | null;
  data?: {
    actorId?: string | null;
    target?: { type: string; id: string } | null;
    outcome?: string | null;
    requestId?: string | null;
    traceId?: string | null;
    ip?: string | null;
    userAgent?: string | null;
    [key: string]: unknown;
  } | null;
}

/** A CloudEvent in JSON structured mode (`id`, not `eventId`), as the platform's event bus carries it. */
export interface StructuredCloudEvent {
  id: string;
  type: string;
  source?: string | null;
  subject?: string | null;
  time?: string | null;
  /** Any event's data: an object whose fields the recording reads by name. */
  data?: object | null;
  /** The CloudEvents distributed-tracing extension (W3C trace context) the relay adds. */
  traceparent?: string | null;
}

const TRACEPARENT = /^[0-9a-f]{2}-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}$/;

/**
 * The recording input for a CloudEvent as it comes off the bus. An event whose data names no
 * trace (one a consumer or a job caused, not a request) is recorded under the trace it
 * travelled in, from its `traceparent`.
 */
export function fromCloudEvent(event: StructuredCloudEvent): AuditEventInput {
  const data = (event.data as Record<string, unknown> | null | undefined) ?? null;
  const context = data?.context as { traceId?: unknown } | null | undefined;
  const named = data?.traceId ?? context?.traceId;
  const travelled = event.traceparent ? (TRACEPARENT.exec(event.traceparent)?.[1] ?? null) : null;
  return {
    eventId: event.id,
    type: event.type,
    source: event.source ?? null,
    subject: event.subject ?? null,
    time: event.time ?? null,
    data: named == null && travelled ? { ...data, traceId: travelled } : data,
  };
}

/** The columns of a row before it is placed in the chain. */
export type AuditEntry = Omit<AuditEventModel, 'id' | 'seq' | 'recordedAt' | 'previousHash' | 'hash'>;

/** `platform.identity.user.registered.v1` → `identity.user.registered`. */
export function actionFromType(type: string): string {
  return type.replace(/^platform\./, '').replace(/\.v\d+$/, '');
}

function issuesOf(error: z.ZodError): string[] {
  return error.issues.map((issue) => issue.message);
}

/** Validates and maps an event to the row it becomes; throws {@link InvalidAuditEventError}. */
function toAuditEntry(input: AuditEventInput): AuditEntry {
  const envelope = inputSchema.safeParse(input);
  if (!envelope.success) throw new InvalidAuditEventError(issuesOf(envelope.error));
  const { eventId, type, source, subject, time } = envelope.data;
  const rawData = envelope.data.data ?? {};
  // The platform's catalog nests the request details under `context`; top-level fields win.
  const context = contextSchema.safeParse(rawData.context);
  const nested = context.success ? (context.data ?? {}) : {};
  const data = dataSchema.safeParse({ ...nested, ...withoutNullish(rawData) });
  if (!data.success) throw new InvalidAuditEventError(issuesOf(data.error));

  const occurredAt = time == null ? new Date() : new Date(time);
  if (Number.isNaN(occurredAt.getTime())) throw new InvalidAuditEventError(['time must be an ISO-8601 instant']);

  const action = actionFromType(type);
  // Without an explicit target, `platform.<module>.<resource>.<verb>` names the resource and `subject` its id.
  const resource = action.split('.').length >= 3 ? action.split('.').at(-2)! : null;
  const target = data.data.target ?? (subject && resource ? { type: resource, id: subject } : null);

  const {
    context: _context,
    actorId: _actorId,
    target: _target,
    outcome: _outcome,
    requestId: _requestId,
    traceId: _traceId,
    ip: _ip,
    userAgent: _userAgent,
    ...rest
  } = rawData;
  if (!context.success) rest.context = rawData.context;
  return {
    eventId: eventUuid(source, eventId),
    source,
    actorId: data.data.actorId ? normaliseUuid(data.data.actorId) : null,
    action,
    outcome: data.data.outcome ?? 'SUCCESS',
    targetType: target ? cleanText(target.type, 200) : null,
    targetId: target ? cleanText(target.id, 500) : null,
    occurredAt,
    sourceIp: data.data.ip,
    userAgent: data.data.userAgent,
    requestId: data.data.requestId,
    traceId: data.data.traceId,
    metadata: sanitiseMetadata(rest),
  };
}

export interface RecordResult {
  /** The row, as stored (the earlier one when the event had been recorded already). */
  event: AuditEventModel;
  /** False when the event id was recorded before (a redelivery): nothing was written. */
  recorded: boolean;
}

export interface RecordOptions {
  /** Where the new row is published after the commit. */
  stream?: AuditStream;
  /**
   * Appends in the caller's transaction (the event consumer's, beside its processed_events
   * row) instead of one of its own: the row commits or rolls back with the caller's work, and
   * the caller's commit ends the append lock. Nothing is published to `stream` then: the commit is
   * the caller's.
   */
  transaction?: Knex.Transaction;
}

/**
 * Records one event: validated, mapped, hashed onto the end of the chain under the append
 * lock, in one transaction. Idempotent on the event id. Throws
 * {@link InvalidAuditEventError} for an event that cannot be recorded.
 */
export async function recordAuditEvent(
  db: Database,
  input: AuditEventInput,
  options: RecordOptions = {},
): Promise<RecordResult> {
  const entry = toAuditEntry(input);
  if (options.transaction) return append(options.transaction, entry);
  // Redeliveries are common: answer them without taking the lock.
  const earlier = await createAuditLogStore(db).findByEventId(entry.eventId);
  if (earlier) return { event: earlier, recorded: false };

  const result = await db.transaction((trx) => append(trx, entry));
  if (result.recorded) options.stream?.publish(result.event);
  return result;
}

/** Appends `entry` to the chain in `trx`, under the append lock, unless its event is recorded already. */
async function append(trx: Knex.Transaction, entry: AuditEntry): Promise<RecordResult> {
  const store = createAuditLogStore(trx);
  await store.lockForAppend();
  // Under the lock every earlier writer has committed: this read is the truth.
  const { head, existing } = await store.appendPosition(entry.eventId);
  if (existing) return { event: existing, recorded: false };
  const chained = {
    ...entry,
    id: randomUUID(),
    seq: (head?.seq ?? 0) + 1,
    // Millisecond precision: what Postgres stores is exactly what was hashed.
    recordedAt: new Date(),
    previousHash: head?.hash ?? GENESIS_HASH,
  };
  const row: AuditEventModel = { ...chained, hash: chainHash(chained) };
  return { event: await store.insert(row), recorded: true };
}
