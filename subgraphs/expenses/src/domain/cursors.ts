/**
 * Cursors of the expense listing: opaque to clients, base64url of `<spent_on>|<id>`. A cursor
 * is checked strictly before it reaches SQL; anything we could not have issued is refused.
 */
import { isCalendarDate } from '@platform/service-kit';
import type { ExpensePosition } from '../stores/expense-store.js';
import { isUuid } from './validation.js';

export function encodeExpenseCursor(position: ExpensePosition): string {
  return Buffer.from(`${position.spentOn}|${position.id}`, 'utf8').toString('base64url');
}

/** The position a cursor names, or null when it is not a cursor we issued. */
export function decodeExpenseCursor(cursor: string): ExpensePosition | null {
  if (cursor.length === 0 || cursor.length > 100 || !/^[A-Za-z0-9_-]+$/.test(cursor)) return null;
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  if (Buffer.from(text, 'utf8').toString('base64url') !== cursor) return null;
  const [spentOn, id, ...rest] = text.split('|');
  if (rest.length > 0 || !spentOn || !id || !isCalendarDate(spentOn) || !isUuid(id)) return null;
  return { spentOn, id: id.toLowerCase() };
}
