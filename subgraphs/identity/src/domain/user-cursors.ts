/**
 * Cursors of the user listing: opaque to clients, base64url of `<created_at>|<id>`, where
 * `created_at` is the database's exact value (microseconds, UTC). A cursor is checked
 * strictly before it reaches SQL; anything we could not have issued is refused.
 */
import type { ListPosition } from '../stores/user-store.js';
import { isUuid } from './ids.js';

const CREATED_AT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;
/** Far longer than any cursor we issue (about 80 characters). */
const CURSOR_MAX_LENGTH = 200;

export function encodeUserCursor(position: ListPosition): string {
  return Buffer.from(`${position.createdAt}|${position.id}`, 'utf8').toString('base64url');
}

/** The position a cursor names, or null when it is not a cursor we issued. */
export function decodeUserCursor(cursor: string): ListPosition | null {
  if (cursor.length === 0 || cursor.length > CURSOR_MAX_LENGTH || !/^[A-Za-z0-9_-]+$/.test(cursor)) return null;
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  // Node decodes leniently; only the canonical encoding of the text is one of ours.
  if (Buffer.from(text, 'utf8').toString('base64url') !== cursor) return null;
  const [createdAt, id, ...rest] = text.split('|');
  if (rest.length > 0 || !createdAt || !id || !CREATED_AT.test(createdAt) || !isUuid(id)) return null;
  // A real instant: a date like February 30 does not survive the round trip (and Postgres would refuse it).
  const millis = Date.parse(createdAt);
  if (Number.isNaN(millis) || new Date(millis).toISOString().slice(0, 23) !== createdAt.slice(0, 23)) return null;
  return { createdAt, id: id.toLowerCase() };
}
