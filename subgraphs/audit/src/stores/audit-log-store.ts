/**
 * SQL for the audit log. Rows are checked at this boundary and returned as
 * `AuditEventModel`s. The store only reads and appends: the table refuses anything else
 * (triggers, and the application role's privileges). Appending is serialised by a
 * transaction-scoped advisory lock, so concurrent writers, in this process or another
 * replica, extend one chain.
 */
import { sqlOn, type Database } from '@platform/service-kit';
import type { Knex } from 'knex';
import { z } from 'zod';
import type { AuditEventModel } from '../mappers.js';

/** The advisory lock key every writer of audit_log takes (two int4 keys: 'audi', 'tlog'). */
const APPEND_LOCK = [0x61756469, 0x746c6f67] as const;

const auditRow = z.object({
  id: z.string(),
  seq: z.number().int(),
  event_id: z.string(),
  source: z.string().nullable(),
  actor_id: z.string().nullable(),
  action: z.string(),
  outcome: z.enum(['SUCCESS', 'FAILURE', 'DENIED']),
  target_type: z.string().nullable(),
  target_id: z.string().nullable(),
  occurred_at: z.date(),
  recorded_at: z.date(),
  source_ip: z.string().nullable(),
  user_agent: z.string().nullable(),
  request_id: z.string().nullable(),
  trace_id: z.string().nullable(),
  metadata: z.record(z.string(), z.unknown()),
  previous_hash: z.string(),
  hash: z.string(),
});
/** The head's columns, and the event's row (`auditRow`) when `id` is not null. */
const appendPositionRow = z.looseObject({
  head_seq: z.number().int(),
  head_hash: z.string(),
  id: z.string().nullable(),
});

const AUDIT_COLUMNS =
  'id, seq, event_id, source, actor_id, action, outcome, target_type, target_id, occurred_at, recorded_at, ' +
  'source_ip, user_agent, request_id, trace_id, metadata, previous_hash, hash';

const sql = {
  lock: 'select pg_advisory_xact_lock(?, ?)',
  findByEventId: `select ${AUDIT_COLUMNS} from audit_log where event_id = ?`,
  findManyByIds: `select ${AUDIT_COLUMNS} from audit_log where id = any(?::uuid[])`,
  // The head and the event's row if recorded (none of either in an empty log): one round trip under the lock.
  appendPosition: `select h.seq as head_seq, h.hash as head_hash, ${AUDIT_COLUMNS.split(', ')
    .map((column) => `a.${column}`)
    .join(', ')}
    from (select seq, hash from audit_log order by seq desc limit 1) as h
    left join audit_log as a on a.event_id = ?`,
  insert: `insert into audit_log (${AUDIT_COLUMNS})
    values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?::jsonb, ?, ?)
    returning ${AUDIT_COLUMNS}`,
  chainAfter: `select ${AUDIT_COLUMNS} from audit_log where seq > ? order by seq limit ?`,
} as const;

function toAuditEvent(parsed: z.infer<typeof auditRow>): AuditEventModel {
  return {
    id: parsed.id,
    seq: parsed.seq,
    eventId: parsed.event_id,
    source: parsed.source,
    actorId: parsed.actor_id,
    action: parsed.action,
    outcome: parsed.outcome,
    targetType: parsed.target_type,
    targetId: parsed.target_id,
    occurredAt: parsed.occurred_at,
    recordedAt: parsed.recorded_at,
    sourceIp: parsed.source_ip,
    userAgent: parsed.user_agent,
    requestId: parsed.request_id,
    traceId: parsed.trace_id,
    metadata: parsed.metadata,
    previousHash: parsed.previous_hash,
    hash: parsed.hash,
  };
}

/** Where a row stands in the listing order: newest `occurred_at` first, then the latest recorded. */
export interface ListPosition {
  occurredAt: Date;
  seq: number;
}

/** What `list` can narrow the log to; every field given must match. */
export interface AuditLogQuery {
  actorId?: string | null;
  action?: string | null;
  targetType?: string | null;
  targetId?: string | null;
  outcome?: AuditEventModel['outcome'] | null;
  /** Inclusive. */
  occurredAfter?: Date | null;
  /** Exclusive. */
  occurredBefore?: Date | null;
}

export interface AuditLogStore {
  /** Takes the append lock until the transaction ends (call inside one). */
  lockForAppend(): Promise<void>;
  /**
   * The last row of the chain (null when the log is empty) and the row of `eventId` when it
   * was recorded, in one query: what an append under the lock needs.
   */
  appendPosition(
    eventId: string,
  ): Promise<{ head: { seq: number; hash: string } | null; existing: AuditEventModel | null }>;
  findByEventId(eventId: string): Promise<AuditEventModel | null>;
  /** The rows among `ids` (UUIDs), in no particular order, in one query. */
  findManyByIds(ids: readonly string[]): Promise<AuditEventModel[]>;
  /** Inserts a fully computed row (hash included) and returns it as stored. */
  insert(row: AuditEventModel): Promise<AuditEventModel>;
  /** Up to `limit` rows matching `query`, newest first, strictly after `after` when given. */
  list(query: AuditLogQuery, after: ListPosition | null, limit: number): Promise<AuditEventModel[]>;
  /** Up to `limit` rows of the chain after `seq`, in chain order. */
  chainAfter(seq: number, limit: number): Promise<AuditEventModel[]>;
}

/** An audit log store on `db`, which may be a transaction. */
export function createAuditLogStore(db: Database): AuditLogStore {
  const run = sqlOn(db);
  return {
    async lockForAppend() {
      await run.execute(sql.lock, [...APPEND_LOCK]);
    },
    async appendPosition(eventId) {
      const row = await run.first(appendPositionRow, sql.appendPosition, [eventId]);
      if (!row) return { head: null, existing: null };
      return {
        head: { seq: row.head_seq, hash: row.head_hash },
        existing: row.id === null ? null : toAuditEvent(auditRow.parse(row)),
      };
    },
    async findByEventId(eventId) {
      const row = await run.first(auditRow, sql.findByEventId, [eventId]);
      return row === undefined ? null : toAuditEvent(row);
    },
    async findManyByIds(ids) {
      if (ids.length === 0) return [];
      return (await run.rows(auditRow, sql.findManyByIds, [[...ids]])).map(toAuditEvent);
    },
    async insert(row) {
      const stored = await run.first(auditRow, sql.insert, [
        row.id,
        row.seq,
        row.eventId,
        row.source,
        row.actorId,
        row.action,
        row.outcome,
        row.targetType,
        row.targetId,
        row.occurredAt,
        row.recordedAt,
        row.sourceIp,
        row.userAgent,
        row.requestId,
        row.traceId,
        JSON.stringify(row.metadata),
        row.previousHash,
        row.hash,
      ]);
      if (!stored) throw new Error('inserting into audit_log returned no row');
      return toAuditEvent(stored);
    },
    async list(query, after, limit) {
      const conditions: string[] = [];
      const bindings: Knex.RawBinding[] = [];
      const where = (condition: string, ...values: Knex.RawBinding[]) => {
        conditions.push(condition);
        bindings.push(...values);
      };
      if (query.actorId != null) where('actor_id = ?::uuid', query.actorId);
      if (query.action != null) where('action = ?', query.action);
      if (query.targetType != null) where('target_type = ?', query.targetType);
      if (query.targetId != null) where('target_id = ?', query.targetId);
      if (query.outcome != null) where('outcome = ?', query.outcome);
      if (query.occurredAfter != null) where('occurred_at >= ?::timestamptz', query.occurredAfter);
      if (query.occurredBefore != null) where('occurred_at < ?::timestamptz', query.occurredBefore);
      if (after) where('(occurred_at, seq) < (?::timestamptz, ?::bigint)', after.occurredAt, after.seq);
      const text = `select ${AUDIT_COLUMNS} from audit_log
        ${conditions.length > 0 ? `where ${conditions.join(' and ')}` : ''}
        order by occurred_at desc, seq desc limit ?`;
      return (await run.rows(auditRow, text, [...bindings, limit])).map(toAuditEvent);
    },
    async chainAfter(seq, limit) {
      return (await run.rows(auditRow, sql.chainAfter, [seq, limit])).map(toAuditEvent);
    },
  };
}
