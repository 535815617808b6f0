/**
 * The hash chain: what a row's hash covers and how it is computed. Each row's hash is
 * `sha256(previous hash || canonical row)` in lower-case hex, where the canonical row is a
 * stable JSON serialisation of every recorded field (keys sorted at every level,
 * timestamps as ISO-8601 in UTC). The first row's previous hash is 64 zeros.
 */
import { createHash } from 'node:crypto';

export const GENESIS_HASH = '0'.repeat(64);

/** Every field of a row the hash covers: all of them except `hash` itself. */
export interface ChainedFields {
  id: string;
  seq: number;
  eventId: string;
  source: string | null;
  actorId: string | null;
  action: string;
  outcome: string;
  targetType: string | null;
  targetId: string | null;
  occurredAt: Date;
  recordedAt: Date;
  sourceIp: string | null;
  userAgent: string | null;
  requestId: string | null;
  traceId: string | null;
  metadata: Record<string, unknown>;
  previousHash: string;
}

/** JSON with object keys sorted at every level: the same value always gives the same text. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    const text = JSON.stringify(value);
    // undefined, functions and symbols have no JSON form; inside arrays JSON writes null.
    return text === undefined ? 'null' : text;
  }
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, item]) => item !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(',')}}`;
}

/** The canonical text of a row: what its hash covers besides the previous hash. */
function canonicalRow(row: Omit<ChainedFields, 'previousHash'>): string {
  return canonicalJson({
    id: row.id,
    seq: row.seq,
    event_id: row.eventId,
    source: row.source,
    actor_id: row.actorId,
    action: row.action,
    outcome: row.outcome,
    target_type: row.targetType,
    target_id: row.targetId,
    occurred_at: row.occurredAt.toISOString(),
    recorded_at: row.recordedAt.toISOString(),
    source_ip: row.sourceIp,
    user_agent: row.userAgent,
    request_id: row.requestId,
    trace_id: row.traceId,
    metadata: row.metadata,
  });
}

/** The hash a row must have: sha256 over its previous hash followed by its canonical text. */
export function chainHash(row: ChainedFields): string {
  return createHash('sha256').update(row.previousHash, 'utf8').update(canonicalRow(row), 'utf8').digest('hex');
}
