/**
 * Cursors of the audit log listing: opaque to clients, base64url of `<occurred_at>|<seq>`
 * (`occurred_at` to the millisecond, which is what is stored). A cursor is checked strictly
 * before it reaches SQL; anything we could not have issued is refused.
 */
import type { ListPosition } from '../stores/audit-log-store.js';

const OCCURRED_AT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
/** Far longer than any cursor we issue (about 50 characters). */
const CURSOR_MAX_LENGTH = 120;

export function encodeAuditCursor(position: ListPosition): string {
  return Buffer.from(`${position.occurredAt.toISOString()}|${position.seq}`, 'utf8').toString('base64url');
}

/** The position a cursor names, or null when it is not a cursor we issued. */
export function decodeAuditCursor(cursor: string): ListPosition | null {
  if (cursor.length === 0 || cursor.length > CURSOR_MAX_LENGTH || !/^[A-Za-z0-9_-]+$/.test(cursor)) return null;
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  // Node decodes leniently; only the canonical encoding of the text is one of ours.
  if (Buffer.from(text, 'utf8').toString('base64url') !== cursor) return null;
  const [occurredAt, seq, ...rest] = text.split('|');
  if (rest.length > 0 || !occurredAt || !seq || !OCCURRED_AT.test(occurredAt) || !/^[1-9]\d{0,15}$/.test(seq)) {
    return null;
  }
  const date = new Date(occurredAt);
  // A real instant: a date like February 30 does not survive the round trip.
  if (Number.isNaN(date.getTime()) || date.toISOString() !== occurredAt) return null;
  const position = Number(seq);
  return Number.isSafeInteger(position) ? { occurredAt: date, seq: position } : null;
}
